package dataset

// An Encoder turns the values of one sample into T time steps of network
// input.
type Encoder interface {
	// Encode writes T steps of sample x: step t goes to
	// dst[t*stride : t*stride+len(x)], and nothing else of dst is written.
	// key identifies the sample and the pass over the data; a random
	// encoder must draw from a stream that depends only on it and the
	// encoder's own seed, so that the result is the same whichever
	// goroutine encodes the sample and in whatever order.
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
// position, drawn step by step and, within a step, value by value: they are
// reproducible from the seed whatever the batching or the threads.
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
	g := newStream(p.Seed^mix64(key.Epoch^poissonKey), uint64(key.Index))
	for t := range T {
		out := dst[t*stride : t*stride+len(x)]
		for f, v := range x {
			// u < prob never holds for prob ≤ 0 and always for prob ≥ 1,
			// so no clipping is needed; NaN never spikes.
			prob := scale * float64(v)
			if uniform(g) < prob {
				out[f] = 1
			} else {
				out[f] = 0
			}
		}
	}
}
