package neuro

import (
	"math/rand/v2"
	"testing"
)

// The references below are written straight from docs/targets.md §8, in a
// different form from the emulators (ceil-based decay, explicit branches),
// so that a shared mistake is unlikely.

// refLavaLIFStep is §8 mantissa12 for one neuron, for inputs small enough
// that Lava's int32 arithmetic cannot overflow.
func refLavaLIFStep(u, v, aIn, du, dv, vth, bias int64) (int64, int64, int64) {
	decay := func(x, d int64) int64 { // x − sign(x)·ceil(|x|·d/4096) (brian2_loihi's form)
		ax := x
		if ax < 0 {
			ax = -ax
		}
		c := (ax*d + 4095) / 4096
		if x < 0 {
			return x + c
		}
		return x - c
	}
	u = decay(u, du+1) + aIn*64
	if u > 1<<23 {
		u -= 1 << 24
	} else if u <= -(1 << 23) {
		u += 1 << 24
	}
	v = decay(v, dv) + u + bias
	if v > 1<<23-1 {
		v = 1<<23 - 1
	}
	if v < -(1<<23 - 1) {
		v = -(1<<23 - 1)
	}
	if v > vth*64 {
		return u, 0, 1
	}
	return u, v, 0
}

func pick(rng *rand.Rand, edges []int64, lo, hi int64) int64 {
	if rng.IntN(3) == 0 {
		return edges[rng.IntN(len(edges))]
	}
	return lo + rng.Int64N(hi-lo+1)
}

func TestLavaLIFRandomAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for c := 0; c < 300; c++ {
		n := 1 + rng.IntN(8)
		p := LavaLIFParams{
			Du:  pick(rng, []int64{0, 1, 4094, 4095}, 0, 4095),
			Dv:  pick(rng, []int64{0, 1, 4094, 4095}, 0, 4095),
			Vth: pick(rng, []int64{0, 1, 131071}, 0, 131071),
		}
		for i := 0; i < n; i++ {
			p.BiasMant = append(p.BiasMant, pick(rng, []int64{-4096, 4095, 0}, -4096, 4095))
			p.BiasExp = append(p.BiasExp, pick(rng, []int64{0, 7, -3}, -4, 7))
		}
		if err := p.Validate(n); err != nil {
			t.Fatal(err)
		}
		l := NewLavaLIF(n, p)
		u, v := make([]int64, n), make([]int64, n)
		for i := range u {
			u[i] = pick(rng, []int64{1 << 23, -(1<<23 - 1), 0}, -(1<<23 - 1), 1<<23)
			v[i] = pick(rng, []int64{1<<23 - 1, -(1<<23 - 1)}, -(1<<23 - 1), 1<<23-1)
		}
		copy(l.U, u)
		copy(l.V, v)
		aIn, s := make([]int64, n), make([]int64, n)
		for step := 0; step < 20; step++ {
			for i := range aIn {
				// |a_in| ≤ 2^18 keeps u within one wrap (targets.md §1.1).
				aIn[i] = pick(rng, []int64{1 << 18, -(1 << 18), 0}, -(1 << 18), 1<<18)
			}
			l.Step(aIn, s)
			for i := 0; i < n; i++ {
				bias := p.BiasMant[i]
				if e := p.BiasExp[i]; e >= 0 {
					bias <<= uint(e)
				} else {
					bias >>= uint(-e)
				}
				var ws int64
				u[i], v[i], ws = refLavaLIFStep(u[i], v[i], aIn[i], p.Du, p.Dv, p.Vth, bias)
				if l.U[i] != u[i] || l.V[i] != v[i] || s[i] != ws {
					t.Fatalf("case %d step %d neuron %d (du %d dv %d vth %d bias %d a_in %d): emulator u,v,s = %d,%d,%d, reference %d,%d,%d",
						c, step, i, p.Du, p.Dv, p.Vth, bias, aIn[i], l.U[i], l.V[i], s[i], u[i], v[i], ws)
				}
			}
		}
	}
}

func TestLavaDenseRandomAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for c := 0; c < 200; c++ {
		pre, post := 1+rng.IntN(10), 1+rng.IntN(10)
		raw := make([]int64, pre*post)
		mode := SignMode(rng.IntN(4))
		for i := range raw {
			raw[i] = rng.Int64N(700) - 350 // beyond every clip range
		}
		bitsN := 1 + rng.IntN(8)
		w, got, err := LavaWeights(raw, mode, bitsN)
		if err != nil {
			t.Fatal(err)
		}
		// Reference: clip, then truncate as §1.1 states.
		if mode == SignAuto {
			mode = DetermineSignMode(raw)
		}
		if got != mode {
			t.Fatalf("sign mode %v, want %v", got, mode)
		}
		for i, x := range raw {
			var want int64
			switch mode {
			case SignMixed:
				x = min(max(x, -256), 255)
				q := int64(1) << uint(8-bitsN+1)
				want = x - ((x%q)+q)%q // floor to a multiple of q
			case SignExcitatory:
				x = min(max(x, 0), 255)
				q := int64(1) << uint(8-bitsN)
				want = x / q * q
			case SignInhibitory:
				x = min(max(x, -255), 0)
				q := int64(1) << uint(8-bitsN)
				want = x / q * q // Go's / truncates toward zero, as Lava's negate-shift-negate does
			}
			if w[i] != want {
				t.Fatalf("case %d: %v %d bits: raw %d → %d, want %d", c, mode, bitsN, raw[i], w[i], want)
			}
		}
		exp := rng.IntN(16) - 8
		graded := rng.IntN(2) == 0
		d := NewLavaDense(post, pre, w, exp, graded)
		prev := make([]int64, pre)
		out := make([]int64, post)
		for step := 0; step < 10; step++ {
			s := make([]int64, pre)
			for j := range s {
				if graded {
					s[j] = rng.Int64N(2000) - 1000
				} else {
					s[j] = rng.Int64N(2)
				}
			}
			d.Step(s, out)
			for i := 0; i < post; i++ {
				var acc int64
				for j := 0; j < pre; j++ {
					acc += w[i*pre+j] * prev[j]
				}
				want := acc
				if exp > 0 {
					want = acc * (1 << uint(exp))
				} else {
					for k := 0; k < -exp; k++ {
						want = floorDiv2(want)
					}
				}
				if step == 0 {
					want = 0
				}
				if out[i] != want {
					t.Fatalf("case %d step %d: a_out[%d] = %d, want %d (exp %d)", c, step, i, out[i], want, exp)
				}
			}
			prev = s
		}
	}
}

func floorDiv2(x int64) int64 {
	if x < 0 && x%2 != 0 {
		return x/2 - 1
	}
	return x / 2
}

// refXyloNeuron is §8 bitshift for one neuron with a single synapse.
type refXyloNeuron struct{ i, v int64 }

func refDec(x, d int64) int64 {
	if x == 0 {
		return 0
	}
	// floor(x / 2^d), or ±1
	q := int64(1) << uint(d)
	f := x / q
	if x < 0 && x%q != 0 {
		f--
	}
	if f == 0 {
		if x > 0 {
			return 1
		}
		return -1
	}
	return f
}

func clamp16(x int64) int64 { return min(max(x, -32768), 32767) }

func to16(x int64) int64 {
	x &= 0xffff
	if x >= 0x8000 {
		x -= 0x10000
	}
	return x
}

func TestXyloRandomAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	for c := 0; c < 300; c++ {
		nIn := 1 + rng.IntN(3)
		spec := &XyloSpec{ShiftIn: pick(rng, []int64{0, 9, 15}, 0, 15), HasBias: true}
		spec.DashMem = []int64{pick(rng, []int64{0, 15}, 0, 15)}
		spec.DashSyn = []int64{pick(rng, []int64{0, 15}, 0, 15)}
		spec.DashSyn2 = []int64{0}
		spec.Threshold = []int64{pick(rng, []int64{-32768, 0, 1, 32767}, -200, 32767)}
		spec.Bias = []int64{pick(rng, []int64{-32768, 32767, 0}, -500, 500)}
		spec.DashMemOut, spec.DashSynOut, spec.ThresholdO, spec.BiasOut = []int64{1}, []int64{1}, []int64{100}, []int64{0}
		spec.WeightsOut = [][]int64{{0}}
		ws := make([]int64, nIn)
		for ch := range ws {
			ws[ch] = pick(rng, []int64{-128, 127}, -128, 127)
			spec.WeightsIn = append(spec.WeightsIn, [][]int64{{ws[ch], 0}})
		}
		x, err := NewXyloNet(spec)
		if err != nil {
			t.Fatal(err)
		}
		var r refXyloNeuron
		for step := 0; step < 30; step++ {
			in := make([]int64, nIn)
			for ch := range in {
				in[ch] = pick(rng, []int64{0, 15, 16, 40}, 0, 20)
			}
			st := x.Step(in)
			for ch, n := range in {
				for k := int64(0); k < min(n, 15); k++ {
					r.i = clamp16(r.i + to16(ws[ch]<<uint(spec.ShiftIn)))
				}
			}
			r.i -= refDec(r.i, spec.DashSyn[0])
			dv := clamp16(to16(-refDec(r.v, spec.DashMem[0])) + r.i)
			dv = clamp16(dv + spec.Bias[0])
			r.v = clamp16(r.v + dv)
			var spikes int64
			for r.v >= spec.Threshold[0] && spikes < 31 {
				spikes++
				r.v = to16(r.v - spec.Threshold[0])
			}
			if st.Isyn[0] != r.i || st.Vmem[0] != r.v || st.Spikes[0] != spikes {
				t.Fatalf("case %d step %d (dash_syn %d dash_mem %d θ %d bias %d shift %d): emulator I,v,n = %d,%d,%d, reference %d,%d,%d",
					c, step, spec.DashSyn[0], spec.DashMem[0], spec.Threshold[0], spec.Bias[0], spec.ShiftIn, st.Isyn[0], st.Vmem[0], st.Spikes[0], r.i, r.v, spikes)
			}
		}
	}
}
