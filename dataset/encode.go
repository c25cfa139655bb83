package dataset

import "math"

// An Encoder turns the values of one sample into T time steps of network
// input.
type Encoder interface {
	// Encode writes T steps of sample x: step t goes to
	// dst[t*stride : t*stride+len(x)], and nothing else of dst is written.
	// key identifies the sample and the pass over the data; a random
	// encoder must draw from a stream that depends only on it and the
	// encoder's own seed, so that the result is the same whichever
	// goroutine encodes the sample and in whatever order. Batch.Encode
	// calls it concurrently for different samples of a large batch.
	Encode(dst []float32, stride int, x []float32, T int, key SampleKey)
}

// SampleKey identifies one sample in one pass over the data.
type SampleKey struct {
	Epoch uint64
	Index int // the sample's position in the original data
}

// Constant repeats each value at every step, as a constant input current.
type Constant struct{}

// Encode implements Encoder.
func (Constant) Encode(dst []float32, stride int, x []float32, T int, _ SampleKey) {
	for t := range T {
		copy(dst[t*stride:t*stride+len(x)], x)
	}
}

// Poisson encodes each value v as a train of spikes (1) and silences (0),
// spiking independently at every step with probability MaxProb × v clipped
// to [0, 1]: a Bernoulli approximation of a Poisson process whose rate is
// proportional to v. Values are expected in [0, 1], as MNIST intensities are.
//
// The spikes of one sample in one epoch come from a PCG-DXSM generator
// (math/rand/v2's PCG) seeded from Seed, the epoch and the sample's
// position, drawn step by step and, within a step, value by value for the
// values whose probability lies strictly between 0 and 1 (the others
// always or never spike and draw nothing): they are reproducible from the
// seed whatever the batching or the threads. A draw is 32 bits (each 64-bit
// output gives two, low half first) compared with the probability rounded
// up to a multiple of 2⁻³².
type Poisson struct {
	Seed uint64
	// MaxProb is the spike probability per step of the value 1.
	// Zero means 1.
	MaxProb float64
}

// poissonKey separates the Poisson streams from the shuffles drawn from the
// same seed.
const poissonKey = 0x706f6973736f6e // "poisson"

// Encode implements Encoder.
func (p Poisson) Encode(dst []float32, stride int, x []float32, T int, key SampleKey) {
	scale := p.MaxProb
	if scale == 0 {
		scale = 1
	}
	// Each step first writes what needs no draw, then draws for the
	// values in (0, 1): MNIST's pixels are 81 % zeros, so this skips most
	// of the draws, which are the cost of encoding.
	var random []int32
	var threshold []uint64 // spike when a 32-bit draw is below it
	constant := make([]float32, len(x))
	for f, v := range x {
		// prob > 0 is false for NaN, which never spikes.
		switch prob := scale * float64(v); {
		case !(prob > 0):
		case prob >= 1:
			constant[f] = 1
		default:
			random = append(random, int32(f))
			threshold = append(threshold, uint64(math.Ceil(prob*(1<<32))))
		}
	}
	g := newStream(p.Seed^mix64(key.Epoch^poissonKey), uint64(key.Index))
	var draws uint64 // the high half of the last output, when unused
	half := false
	for t := range T {
		out := dst[t*stride : t*stride+len(x)]
		copy(out, constant)
		k := 0
		if half && len(random) > 0 {
			out[random[0]] = spike(draws>>32, threshold[0])
			k, half = 1, false
		}
		for ; k+2 <= len(random); k += 2 {
			d := g.Uint64()
			out[random[k]] = spike(d&(1<<32-1), threshold[k])
			out[random[k+1]] = spike(d>>32, threshold[k+1])
		}
		if k < len(random) {
			draws = g.Uint64()
			out[random[k]] = spike(draws&(1<<32-1), threshold[k])
			half = true
		}
	}
}

// spike is 1 when the 32-bit draw u is below threshold (≤ 2³²), else 0,
// without a branch: a branch on a random draw mispredicts every other
// time. Both are below 2³³, so u − threshold wraps exactly when u is below.
func spike(u, threshold uint64) float32 {
	return float32(int64((u - threshold) >> 63))
}
