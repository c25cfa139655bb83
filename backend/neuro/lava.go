package neuro

import (
	"fmt"
	"strings"
)

// Constants of Lava's bit-accurate LIF (PyLifModelBitAcc).
const (
	lavaDecayShift = 12      // decays are 12-bit mantissas: x·(4096−d)/4096
	lavaDecayUnity = 1 << 12 // 4096
	lavaActShift   = 6       // a_in and vth are MSB-aligned by 6 bits
	lavaMaxUV      = 1 << 23 // u and v are 24-bit states
	lavaDsOffset   = 1       // du register + 1 = effective current decay
	lavaMaxDecay   = 4095    // uint12 registers
	lavaMaxVth     = 1<<17 - 1
)

// LavaLIFParams are the parameters of one Lava LIF population. du, dv and
// vth are shared by the population; the bias is per neuron.
type LavaLIFParams struct {
	Du, Dv   int64   // uint12 decay registers; effective u decay is du+1
	Vth      int64   // uint17 threshold mantissa; spike when v > vth<<6
	BiasMant []int64 // int13 per neuron
	BiasExp  []int64 // per neuron; negative means an arithmetic right shift
}

// Validate checks the register widths Lava declares.
func (p *LavaLIFParams) Validate(n int) error {
	switch {
	case p.Du < 0 || p.Du > lavaMaxDecay:
		return fmt.Errorf("du %d outside the uint12 range 0..4095", p.Du)
	case p.Dv < 0 || p.Dv > lavaMaxDecay:
		return fmt.Errorf("dv %d outside the uint12 range 0..4095", p.Dv)
	case p.Vth < 0 || p.Vth > lavaMaxVth:
		return fmt.Errorf("vth %d outside the uint17 range 0..131071", p.Vth)
	case len(p.BiasMant) != n || len(p.BiasExp) != n:
		return fmt.Errorf("%d bias mantissas and %d exponents for %d neurons", len(p.BiasMant), len(p.BiasExp), n)
	}
	for i := range p.BiasExp {
		// The exponent is a shift count: bound it so a shift stays meaningful.
		if e := p.BiasExp[i]; e < -24 || e > 24 {
			return fmt.Errorf("bias_exp[%d] = %d outside −24..24", i, e)
		}
		if m := p.BiasMant[i]; m < -1<<24 || m > 1<<24 {
			return fmt.Errorf("bias_mant[%d] = %d is not a 24-bit value", i, m)
		}
	}
	return nil
}

// LavaLIF is the integer state of a Lava LIF population: the current u and
// voltage v of each neuron, held as int32 the way Lava holds them.
type LavaLIF struct {
	P    LavaLIFParams
	U, V []int64
	bias []int64 // bias_mant shifted by bias_exp, computed once

	// UWraps and VSaturations count the state overflows so far, for the
	// report: a wrap of u is almost always a quantization problem.
	UWraps, VSaturations int64
}

// NewLavaLIF returns a population of n neurons with zero state. It panics
// if p does not describe n neurons; call p.Validate first on outside data.
func NewLavaLIF(n int, p LavaLIFParams) *LavaLIF {
	if len(p.BiasMant) != n || len(p.BiasExp) != n {
		panic("neuro: LavaLIF bias length != n")
	}
	l := &LavaLIF{P: p, U: make([]int64, n), V: make([]int64, n), bias: make([]int64, n)}
	for i := range l.bias {
		l.bias[i] = wrap32(shiftExp(p.BiasMant[i], int(p.BiasExp[i])))
	}
	return l
}

// Step advances every neuron by one time step with synaptic input aIn and
// writes 0/1 spikes into s. The arithmetic is Lava's, including its int32
// wrap-arounds:
//
//	u ← trunc0(u·(4096−(du+1)), 12) + (a_in << 6)       (int32)
//	u ← u − 2^24 if u > 2^23, else u + 2^24 if u ≤ −2^23 (once)
//	v ← clamp(trunc0(v·(4096−dv), 12) + u + bias, ±(2^23−1))
//	s ← v > vth<<6; v ← 0 where s
func (l *LavaLIF) Step(aIn, s []int64) {
	if len(aIn) != len(l.U) || len(s) != len(l.U) {
		panic("neuro: LavaLIF.Step length mismatch")
	}
	fu := int64(lavaDecayUnity - (l.P.Du + lavaDsOffset))
	fv := int64(lavaDecayUnity - l.P.Dv)
	vth := l.P.Vth << lavaActShift
	for i := range l.U {
		u := wrap32(trunc0(l.U[i]*fu, lavaDecayShift))
		u = wrap32(u + wrap32(aIn[i]<<lavaActShift))
		// A single correction, not a modulo: Lava's range is (−2^23, 2^23].
		if u > lavaMaxUV {
			u -= 2 * lavaMaxUV
			l.UWraps++
		} else if u <= -lavaMaxUV {
			u += 2 * lavaMaxUV
			l.UWraps++
		}
		l.U[i] = u
		v := wrap32(trunc0(l.V[i]*fv, lavaDecayShift))
		v = wrap32(wrap32(v+u) + l.bias[i])
		if v > lavaMaxUV-1 || v < -(lavaMaxUV-1) {
			l.VSaturations++
			v = sat(v, -(lavaMaxUV - 1), lavaMaxUV-1)
		}
		s[i] = 0
		if v > vth {
			s[i] = 1
			v = 0
		}
		l.V[i] = v
	}
}

// SignMode is how a Lava Dense interprets its weights' signs.
type SignMode int

const (
	SignAuto SignMode = iota // Lava's determine_sign_mode on the raw weights
	SignMixed
	SignExcitatory
	SignInhibitory
)

func (m SignMode) String() string {
	return [...]string{"auto", "MIXED", "EXCITATORY", "INHIBITORY"}[m]
}

// ParseSignMode reads Lava's names (any case) or "auto".
func ParseSignMode(s string) (SignMode, error) {
	s = strings.TrimPrefix(s, "SignMode.") // str() of Lava's enum
	for m := SignAuto; m <= SignInhibitory; m++ {
		if equalFold(s, m.String()) {
			return m, nil
		}
	}
	// Lava's SignMode enum values, as some drivers write them.
	switch s {
	case "1":
		return SignMixed, nil
	case "2":
		return SignExcitatory, nil
	case "3":
		return SignInhibitory, nil
	}
	return 0, fmt.Errorf("unknown sign mode %q (want auto, MIXED, EXCITATORY or INHIBITORY)", s)
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'a' <= x && x <= 'z' {
			x -= 'a' - 'A'
		}
		if 'a' <= y && y <= 'z' {
			y -= 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// DetermineSignMode is Lava's determine_sign_mode: excitatory when no
// weight is negative (so an all-zero matrix too), inhibitory when none is
// positive, mixed otherwise.
func DetermineSignMode(w []int64) SignMode {
	lo, hi := int64(0), int64(0)
	for _, x := range w {
		lo, hi = min(lo, x), max(hi, x)
	}
	switch {
	case lo >= 0:
		return SignExcitatory
	case hi <= 0:
		return SignInhibitory
	}
	return SignMixed
}

// LavaWeights converts raw weights the way PyDenseModelBitAcc does once:
// clip_weights(w, mode, 8), then truncate_weights(w, mode, numWeightBits).
// Excitatory weights clip to [0, 255], inhibitory to [−255, 0], mixed to
// [−256, 255]; then the low 8−numWeightBits(+1 if mixed) bits are floored
// away, except that inhibitory weights round toward zero (Lava negates,
// shifts, negates back).
func LavaWeights(raw []int64, mode SignMode, numWeightBits int) ([]int64, SignMode, error) {
	if mode == SignAuto {
		mode = DetermineSignMode(raw)
	}
	mixed := 0
	if mode == SignMixed {
		mixed = 1
	}
	n := 8 - numWeightBits + mixed
	if numWeightBits < 0 || n < 0 || n > 9 {
		return nil, mode, fmt.Errorf("num_weight_bits %d outside 0..8", numWeightBits)
	}
	lo, hi := int64(0), int64(255)
	if mode == SignMixed {
		lo = -256
	}
	out := make([]int64, len(raw))
	for i, w := range raw {
		if mode == SignInhibitory {
			w = -w
		}
		w = sat(w, lo, hi)
		w = (w >> uint(n)) << uint(n)
		if mode == SignInhibitory {
			w = -w
		}
		out[i] = w
	}
	return out, mode, nil
}

// LavaDense is Lava's bit-accurate Dense synapse: W [post][pre] of
// effective weights, a weight exponent, and the one-step buffer that makes
// every Dense hop one time step late.
type LavaDense struct {
	Post, Pre   int
	W           []int64 // [Post][Pre], after LavaWeights
	WeightExp   int
	GradedSpike bool // num_message_bits > 0: spikes carry integer payloads
	buf         []int64
}

// NewLavaDense returns a Dense with an empty (zero) buffer.
func NewLavaDense(post, pre int, w []int64, weightExp int, graded bool) *LavaDense {
	if len(w) != post*pre {
		panic("neuro: LavaDense weight length != post*pre")
	}
	return &LavaDense{Post: post, Pre: pre, W: w, WeightExp: weightExp, GradedSpike: graded, buf: make([]int64, post)}
}

// Step sends what was accumulated in the previous step into aOut, then
// accumulates this step's input spikes: a = shift(W·s, weight_exp). Binary
// spikes count as 1 whenever non-zero, as Lava casts them to bool.
func (d *LavaDense) Step(s, aOut []int64) {
	if len(s) != d.Pre || len(aOut) != d.Post {
		panic("neuro: LavaDense.Step length mismatch")
	}
	copy(aOut, d.buf)
	for i := 0; i < d.Post; i++ {
		row := d.W[i*d.Pre : (i+1)*d.Pre]
		var acc int64
		for j, x := range s {
			if x == 0 {
				continue
			}
			if d.GradedSpike {
				acc += row[j] * x
			} else {
				acc += row[j]
			}
		}
		// numpy accumulates in int32, so wrap before the (floor) shift.
		d.buf[i] = wrap32(shiftExp(wrap32(acc), d.WeightExp))
	}
}
