package dataset

import (
	"math/bits"
	"math/rand/v2"
)

// Every random choice in this package (shuffles, splits, Poisson spikes)
// draws from math/rand/v2's PCG, a PCG-DXSM generator whose output sequence
// is fixed by its definition, and turns its 64-bit outputs into numbers with
// the helpers below rather than with rand.Rand's methods. The results
// therefore depend only on the seeds, not on the Go release.

// mix64 is the SplitMix64 finalizer. It spreads nearby inputs (epoch 0, 1,
// 2...; sample 0, 1, 2...) over the whole seed space, so that streams seeded
// from them are unrelated.
func mix64(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// newStream returns the generator for one (seed, key) pair.
func newStream(seed, key uint64) *rand.PCG {
	return rand.NewPCG(mix64(seed), mix64(key^0x5851f42d4c957f2d))
}

// uniform returns a float64 uniformly distributed in [0, 1) from the top
// 53 bits of one output.
func uniform(g *rand.PCG) float64 {
	return float64(g.Uint64()>>11) * (1.0 / (1 << 53))
}

// below returns an integer uniformly distributed in [0, n), n > 0, by
// Lemire's multiply-and-reject method.
func below(g *rand.PCG, n uint64) uint64 {
	hi, lo := bits.Mul64(g.Uint64(), n)
	if lo < n {
		threshold := -n % n
		for lo < threshold {
			hi, lo = bits.Mul64(g.Uint64(), n)
		}
	}
	return hi
}

// permutation returns a random permutation of 0..n-1 by Fisher-Yates
// shuffling, drawn from the stream (seed, key).
func permutation(n int, seed, key uint64) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	g := newStream(seed, key)
	for i := n - 1; i > 0; i-- {
		j := int(below(g, uint64(i)+1))
		p[i], p[j] = p[j], p[i]
	}
	return p
}
