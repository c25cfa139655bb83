package dataset

import (
	"math"
	"math/rand/v2"
)

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

// A BitsEncoder is an Encoder of spikes that can also write them
// bit-packed, as a compiled package's ForwardBits and TrainStepBits take
// them: value f of a step is bit f%64 of word f/64, the bits past the
// values 0.
type BitsEncoder interface {
	Encoder
	// EncodeBits writes the spikes Encode writes for the same arguments:
	// step t goes to dst[t*stride : t*stride+Words(len(x))], and nothing
	// else of dst is written.
	EncodeBits(dst []uint64, stride int, x []float32, T int, key SampleKey)
}

// Words is the uint64 words of n bit-packed values.
func Words(n int) int { return n/64 + min(n%64, 1) }

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
	d := p.draws(x, key)
	for t := range T {
		out := dst[t*stride : t*stride+len(x)]
		clear(out)
		for _, f := range d.always {
			out[f] = 1
		}
		d.next()
		for k, f := range d.random {
			out[f] = float32(d.hits[k])
		}
	}
}

// EncodeBits implements BitsEncoder: the spikes Encode draws for the same
// sample and key, bit-packed.
func (p Poisson) EncodeBits(dst []uint64, stride int, x []float32, T int, key SampleKey) {
	d := p.draws(x, key)
	words := Words(len(x))
	// Each word's bits gather in a register: the values of a word are
	// random[end[w−1]:end[w]], in order.
	always := make([]uint64, words)
	for _, f := range d.always {
		always[f/64] |= 1 << (f % 64)
	}
	end := make([]int32, words)
	for k, f := range d.random {
		end[f/64] = int32(k + 1)
	}
	for w := 1; w < words; w++ {
		end[w] = max(end[w], end[w-1])
	}
	hits, random := d.hits, d.random
	for t := range T {
		out := dst[t*stride : t*stride+words]
		d.next()
		k := 0
		for w := range out {
			bits := always[w]
			for e := int(end[w]); k < e; k++ {
				bits |= uint64(hits[k]) << (uint32(random[k]) % 64)
			}
			out[w] = bits
		}
	}
}

// poissonDraws is the Poisson spikes of one sample, a step at a time.
// Each step sets the values that always spike, then draws for the values
// in (0, 1): MNIST's pixels are 81 % zeros, so this skips most of the
// draws, which are the cost of encoding.
type poissonDraws struct {
	always    []int32  // the values of probability ≥ 1
	random    []int32  // the values of probability in (0, 1)
	threshold []uint64 // random[k] spikes when a 32-bit draw is below threshold[k]
	hits      []uint32 // the last step's draws: 1 where random[k] spiked, else 0
	g         *rand.PCG
	draws     uint64 // the high half of the last output, when unused
	half      bool
}

// draws starts the spikes of sample x for key.
func (p Poisson) draws(x []float32, key SampleKey) *poissonDraws {
	scale := p.MaxProb
	if scale == 0 {
		scale = 1
	}
	d := &poissonDraws{g: newStream(p.Seed^mix64(key.Epoch^poissonKey), uint64(key.Index))}
	for f, v := range x {
		// prob > 0 is false for NaN, which never spikes.
		switch prob := scale * float64(v); {
		case !(prob > 0):
		case prob >= 1:
			d.always = append(d.always, int32(f))
		default:
			d.random = append(d.random, int32(f))
			d.threshold = append(d.threshold, uint64(math.Ceil(prob*(1<<32))))
		}
	}
	d.hits = make([]uint32, len(d.random))
	return d
}

// next draws a step's spikes into hits, two draws from each 64-bit output
// (low half first), the last one's high half kept for the next step.
func (d *poissonDraws) next() {
	random, threshold, hits := d.random, d.threshold, d.hits
	k := 0
	if d.half && len(random) > 0 {
		hits[0] = spike(d.draws>>32, threshold[0])
		k, d.half = 1, false
	}
	for ; k+2 <= len(random); k += 2 {
		u := d.g.Uint64()
		hits[k] = spike(u&(1<<32-1), threshold[k])
		hits[k+1] = spike(u>>32, threshold[k+1])
	}
	if k < len(random) {
		d.draws = d.g.Uint64()
		hits[k] = spike(d.draws&(1<<32-1), threshold[k])
		d.half = true
	}
}

// spike is 1 when the 32-bit draw u is below threshold (≤ 2³²), else 0,
// without a branch: a branch on a random draw mispredicts every other
// time. Both are below 2³³, so u − threshold wraps exactly when u is below.
func spike(u, threshold uint64) uint32 {
	return uint32((u - threshold) >> 63)
}
