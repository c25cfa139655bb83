package ir

import (
	"fmt"
	"math"
	"strconv"
)

// Poisson holds the attributes of a GPoisson node, Norse's poisson_encode
// applied at every time step of a given sequence: output[t][b][i] is 1 when
// PoissonUniform(Seed, t, b, i) < DT·FMax·x[t][b][i], else 0. The input is a
// rate in [0, 1] (values outside give probability 0 or 1, as in Norse).
type Poisson struct {
	FMax float64 // the rate of an input of 1, in Hz (Norse's f_max, default 100)
	DT   float64 // the time step in seconds (Norse's dt, default 0.001)
	Seed uint64  // the generator's seed: the same seed gives the same spikes
}

// DefaultPoisson returns Norse's defaults, f_max = 100 Hz and dt = 1 ms, and
// seed 0.
func DefaultPoisson() Poisson { return Poisson{FMax: 100, DT: 1e-3} }

// Rate is DT·FMax, the spike probability per step of an input of 1.
func (p Poisson) Rate() float64 { return p.DT * p.FMax }

func (p Poisson) check() error {
	if !(p.FMax >= 0) || math.IsInf(p.FMax, 0) {
		return fmt.Errorf("poisson f_max = %v, want a finite value >= 0", p.FMax)
	}
	if !(p.DT > 0) || math.IsInf(p.DT, 0) {
		return fmt.Errorf("poisson dt = %v, want a finite value > 0", p.DT)
	}
	return nil
}

// attrs is the node's attributes in the text form.
func (p Poisson) attrs() string {
	return fmt.Sprintf("f_max=%s dt=%s seed=%d", formatFloat(p.FMax), formatFloat(p.DT), p.Seed)
}

// set reads one attribute of the text form.
func (p *Poisson) set(key, val token) error {
	if key.text == "seed" {
		s, err := strconv.ParseUint(val.text, 10, 64)
		if err != nil {
			return errAt(val, "bad seed %q: want an unsigned 64-bit integer", val.text)
		}
		p.Seed = s
		return nil
	}
	f, err := strconv.ParseFloat(val.text, 64)
	if err != nil {
		return errAt(val, "bad %s %q", key.text, val.text)
	}
	if key.text == "f_max" {
		p.FMax = f
	} else {
		p.DT = f
	}
	return nil
}

// The Poisson generator is counter-based: the draw of element i of batch
// entry b at time step t is a hash of (seed, t, b, i), so it is the same
// whatever the batch size, the number of steps per call, the thread that
// computes it or the backend. The hash is SplitMix64's output function
// (Steele, Lea, Flood 2014) applied to a key built by two more rounds of it.
// It is not torch's generator (Philox or MT19937), so the spikes cannot
// equal Norse's draw for draw; only their statistics match.
const golden = 0x9e3779b97f4a7c15

func splitmix(z uint64) uint64 {
	z ^= z >> 30
	z *= 0xbf58476d1ce4e5b9
	z ^= z >> 27
	z *= 0x94d049bb133111eb
	return z ^ z>>31
}

// PoissonRowKey is the key of the draws of batch entry b at time step t.
func PoissonRowKey(seed uint64, t int64, b int) uint64 {
	return splitmix(splitmix(seed+golden*(uint64(t)+1)) + golden*(uint64(b)+1))
}

// PoissonDraw is the uniform draw of element i of a row: a multiple of
// 2⁻²⁴ in [0, 1), exact in float32 and float64 (torch.rand's float32
// draws have the same 24-bit resolution).
func PoissonDraw(rowKey uint64, i int) float64 {
	return float64(splitmix(rowKey+golden*(uint64(i)+1))>>40) * 0x1p-24
}

// PoissonUniform is PoissonDraw(PoissonRowKey(seed, t, b), i).
func PoissonUniform(seed uint64, t int64, b, i int) float64 {
	return PoissonDraw(PoissonRowKey(seed, t, b), i)
}
