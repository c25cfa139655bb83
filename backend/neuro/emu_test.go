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

// refXyloNet is targets.md §2.2's step order over dense matrices: input
// spikes, then last step's hidden spikes to hidden and output neurons,
// then every hidden neuron in id order (aliases adding to later ones),
// then the outputs.
type refXyloNet struct {
	s              *XyloSpec
	i              [][2]int64
	v, io, vo, spk []int64
}

func (r *refXyloNet) step(in []int64) (hid, out []int64) {
	s := r.s
	nIn, nHid, nOut := s.Sizes()
	add := func(st *int64, w, shift, n int64) {
		for ; n > 0; n-- {
			*st = clamp16(*st + to16(w<<uint(shift)))
		}
	}
	for c := 0; c < nIn; c++ {
		n := min(in[c]%256, 15)
		for i := 0; i < nHid; i++ {
			for k := 0; k < 2; k++ {
				add(&r.i[i][k], s.WeightsIn[c][i][k], s.ShiftIn, n)
			}
		}
	}
	off := nHid - len(s.WeightsOut)
	for j := 0; j < nHid; j++ {
		n := min(r.spk[j], 31)
		for i := 0; i < nHid; i++ {
			for k := 0; k < 2; k++ {
				add(&r.i[i][k], s.WeightsRec[j][i][k], s.ShiftRec, n)
			}
		}
		if j >= off {
			for o := 0; o < nOut; o++ {
				add(&r.io[o], s.WeightsOut[j-off][o], s.ShiftOut, n)
			}
		}
	}
	evolve := func(isyn []int64, dashSyn []int64, v *int64, dashMem, bias, th, n, maxN int64) int64 {
		var sum int64
		for k := range isyn {
			isyn[k] -= refDec(isyn[k], dashSyn[k])
			sum += isyn[k]
		}
		dv := clamp16(to16(-refDec(*v, dashMem)) + sum)
		dv = clamp16(dv + bias)
		*v = clamp16(*v + dv)
		for *v >= th && n < maxN {
			n++
			*v = to16(*v - th)
		}
		return n
	}
	spk := make([]int64, nHid)
	for i := 0; i < nHid; i++ {
		syn := []int64{r.i[i][0], r.i[i][1]}
		spk[i] = evolve(syn, []int64{s.DashSyn[i], s.DashSyn2[i]}, &r.v[i], s.DashMem[i], s.Bias[i], s.Threshold[i], spk[i], 31)
		r.i[i][0], r.i[i][1] = syn[0], syn[1]
		for _, a := range s.Aliases[i] {
			spk[a] = min(spk[a]+spk[i], 31)
		}
	}
	out = make([]int64, nOut)
	for o := 0; o < nOut; o++ {
		syn := []int64{r.io[o]}
		out[o] = evolve(syn, []int64{s.DashSynOut[o]}, &r.vo[o], s.DashMemOut[o], s.BiasOut[o], s.ThresholdO[o], 0, 1)
		r.io[o] = syn[0]
	}
	r.spk = spk
	return spk, out
}

func TestXyloNetworkRandomAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	w8 := func() int64 {
		if rng.IntN(3) == 0 {
			return 0
		}
		return pick(rng, []int64{-128, 127}, -128, 127)
	}
	for c := 0; c < 100; c++ {
		nIn, nHid, nOut := 1+rng.IntN(3), 1+rng.IntN(5), 1+rng.IntN(3)
		s := &XyloSpec{ShiftIn: rng.Int64N(10), ShiftRec: rng.Int64N(10), ShiftOut: rng.Int64N(10), HasBias: true}
		for range nIn {
			row := make([][]int64, nHid)
			for i := range row {
				row[i] = []int64{w8(), w8()}
			}
			s.WeightsIn = append(s.WeightsIn, row)
		}
		for range nHid {
			row := make([][]int64, nHid)
			for i := range row {
				row[i] = []int64{w8(), w8()}
			}
			s.WeightsRec = append(s.WeightsRec, row)
		}
		nLast := 1 + rng.IntN(nHid)
		for range nLast {
			row := make([]int64, nOut)
			for o := range row {
				row[o] = w8()
			}
			s.WeightsOut = append(s.WeightsOut, row)
		}
		for i := 0; i < nHid; i++ {
			s.DashMem = append(s.DashMem, rng.Int64N(16))
			s.DashSyn = append(s.DashSyn, rng.Int64N(16))
			s.DashSyn2 = append(s.DashSyn2, rng.Int64N(16))
			s.Threshold = append(s.Threshold, pick(rng, []int64{-5, 0, 1, 32767}, 1, 3000))
			s.Bias = append(s.Bias, pick(rng, []int64{-32768, 32767}, -300, 300))
			var al []int64
			if rng.IntN(4) == 0 {
				al = append(al, rng.Int64N(int64(nHid)))
			}
			s.Aliases = append(s.Aliases, al)
		}
		for o := 0; o < nOut; o++ {
			s.DashMemOut = append(s.DashMemOut, rng.Int64N(16))
			s.DashSynOut = append(s.DashSynOut, rng.Int64N(16))
			s.ThresholdO = append(s.ThresholdO, pick(rng, []int64{0, 32767}, 1, 3000))
			s.BiasOut = append(s.BiasOut, pick(rng, []int64{-32768, 32767}, -300, 300))
		}
		x, err := NewXyloNet(s)
		if err != nil {
			t.Fatal(err)
		}
		r := &refXyloNet{s: s, i: make([][2]int64, nHid), v: make([]int64, nHid), io: make([]int64, nOut), vo: make([]int64, nOut), spk: make([]int64, nHid)}
		for step := 0; step < 40; step++ {
			in := make([]int64, nIn)
			for ch := range in {
				in[ch] = pick(rng, []int64{0, 15, 16, 255, 256}, 0, 4)
			}
			st := x.Step(in)
			hid, out := r.step(in)
			for i := 0; i < nHid; i++ {
				if st.Isyn[i] != r.i[i][0] || st.Isyn2[i] != r.i[i][1] || st.Vmem[i] != r.v[i] || st.Spikes[i] != hid[i] {
					t.Fatalf("case %d step %d hidden %d: emulator I %d/%d v %d n %d, reference I %d/%d v %d n %d",
						c, step, i, st.Isyn[i], st.Isyn2[i], st.Vmem[i], st.Spikes[i], r.i[i][0], r.i[i][1], r.v[i], hid[i])
				}
			}
			for o := 0; o < nOut; o++ {
				if st.IsynOut[o] != r.io[o] || st.VmemOut[o] != r.vo[o] || st.SpikesOut[o] != out[o] {
					t.Fatalf("case %d step %d output %d: emulator I %d v %d n %d, reference I %d v %d n %d",
						c, step, o, st.IsynOut[o], st.VmemOut[o], st.SpikesOut[o], r.io[o], r.vo[o], out[o])
				}
			}
		}
	}
}
