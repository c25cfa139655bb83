package rt

import "math"

// The encoders' runtime: the Poisson generator of ir.Poisson (a
// counter-based SplitMix64 hash of seed, time step, batch entry and
// feature, so that Forward and Step, any batch size and any split of the
// batch draw the same spikes as the interpreter) and the check of inputs
// declared as spikes.

const poissonGolden = 0x9e3779b97f4a7c15

func poissonMix(z uint64) uint64 {
	z ^= z >> 30
	z *= 0xbf58476d1ce4e5b9
	z ^= z >> 27
	z *= 0x94d049bb133111eb
	return z ^ z>>31
}

// poisson encodes x [T][B][n] into y: y is 1 where the uniform draw of
// (seed, t0+t, b0+b, i), a multiple of 2⁻²⁴, is below rate·x in float32
// (rate = dt·f_max), else 0. t0 is the number of steps drawn before; b0
// is the batch entry x's first row is (nonzero in a part of a batch split
// between goroutines).
func poisson(y, x []float32, T, B, b0, n int, t0 int64, seed uint64, rate float32) {
	for t := 0; t < T; t++ {
		for b := 0; b < B; b++ {
			row := (t*B + b) * n
			key := poissonMix(poissonMix(seed+poissonGolden*(uint64(t0+int64(t))+1)) + poissonGolden*(uint64(b0+b)+1))
			yr, xr := y[row:row+n], x[row:row+n]
			for i := range yr {
				u := float32(poissonMix(key+poissonGolden*(uint64(i)+1))>>40) * 0x1p-24
				p := rate * xr[i]
				if u < p {
					yr[i] = 1
				} else {
					yr[i] = 0
				}
			}
		}
	}
}

// firstNonSpike returns the index of the first value of x that is neither
// 0 (either sign) nor 1, or -1. It runs on every Forward of a package
// whose input is declared spikes, over T·B·InputSize values, so the common
// case is branch-free: for the bits b of a value, b<<1 is 0 only for ±0
// and b−bits(1) only for 1, and their product (as uint64, which cannot
// wrap) is 0 exactly when one of them is. A chunk whose products are all 0
// holds only spikes; only a chunk with a bad value is searched for it.
func firstNonSpike(x []float32) int {
	const chunk = 1024
	for c := 0; c < len(x); c += chunk {
		part := x[c:min(c+chunk, len(x))]
		var bad0, bad1 uint64
		i := 0
		for ; i+2 <= len(part); i += 2 {
			b0, b1 := math.Float32bits(part[i]), math.Float32bits(part[i+1])
			bad0 |= uint64(b0<<1) * uint64(b0-spikeOneBits)
			bad1 |= uint64(b1<<1) * uint64(b1-spikeOneBits)
		}
		if i < len(part) {
			b := math.Float32bits(part[i])
			bad0 |= uint64(b<<1) * uint64(b-spikeOneBits)
		}
		if bad0|bad1 == 0 {
			continue
		}
		for j, v := range part {
			if v != 0 && v != 1 {
				return c + j
			}
		}
	}
	return -1
}

// spikeOneBits is math.Float32bits(1).
const spikeOneBits = 0x3f800000
