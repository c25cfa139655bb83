package neuro

import (
	"fmt"
	"math"
)

// LoihiConn is one Dense connection with its integer weights.
type LoihiConn struct {
	Pre, Post     int
	W             []int64 // [Post][Pre], already on Lava's grid
	WeightExp     int
	Mode          SignMode
	NumWeightBits int
}

// LoihiLayer is a LIF population on Loihi 2 with the Dense connections
// that feed it.
type LoihiLayer struct {
	Name       string
	Kind       NeuronKind
	N          int
	LIF        LavaLIFParams
	V0         []int64 // initial voltage (the float model starts at v_leak)
	FF         LoihiConn
	Rec        *LoihiConn
	Scale      float64 // state units per float voltage unit
	ReadoutV   bool    // LI: the output is v, not spikes
	floatGain  float64
	floatTheta float64
}

// quantizeLoihi maps a float net onto Lava's integer LIF and Dense.
func quantizeLoihi(net *Net, t *Target) ([]LoihiLayer, *QuantReport, error) {
	rep := &QuantReport{Target: t.Name}
	var out []LoihiLayer
	for li := range net.Layers {
		l := &net.Layers[li]
		q := LayerQuant{Layer: l.Name, Kind: l.Kind, N: l.N}
		ll := LoihiLayer{Name: l.Name, Kind: l.Kind, N: l.N, ReadoutV: l.Kind == KindLI}
		p := l.Params
		// The Loihi LIF shares du, dv and vth across its population.
		for _, s := range []struct {
			name string
			v    []float64
		}{{"tau_syn_inv", p.TauSynInv}, {"tau_mem_inv", p.TauMemInv}, {"v_th", p.VTh}, {"v_reset", p.VReset}} {
			if _, ok := shared(s.v); !ok && t.Neuron.Decay.Granularity == "shared" {
				return nil, nil, fmt.Errorf("layer %s: %s differs between neurons, but %s shares decays and thresholds per population (neuron.decay.granularity shared): %w",
					l.Name, s.name, t.Name, ErrUnsupported)
			}
		}
		dt := net.DT
		am, as := dt*p.TauMemInv[0], dt*p.TauSynInv[0]
		switch l.Kind {
		case KindIF:
			am, as = 1, 1 // v += x: no leak, no current filter
		case KindLIF:
			as = 1 // no synaptic current: u holds this step's input only
		}
		if !(am > 0) || math.IsInf(am, 0) {
			return nil, nil, fmt.Errorf("layer %s: dt·tau_mem_inv = %g: %w", l.Name, am, ErrUnsupported)
		}
		if am > 1 {
			q.note("dt·tau_mem_inv = %.4g > 1 (unstable Euler step); the chip decays v fully each step", am)
		}
		if !(as > 0) {
			return nil, nil, fmt.Errorf("layer %s: dt·tau_syn_inv = %g: %w", l.Name, as, ErrUnsupported)
		}
		as = min(as, 1)
		var du, dv int64
		var clipped bool
		du, clipped = toInt(4096*as-1, 0, lavaMaxDecay)
		if clipped {
			q.note("current decay dt·tau_syn_inv = %.4g clipped to the 12-bit register", as)
		}
		if l.Kind == KindIF {
			dv = 0
		} else if dv, clipped = toInt(4096*am, 0, lavaMaxDecay); clipped {
			q.note("voltage decay dt·tau_mem_inv = %.4g clipped to the 12-bit register", am)
		}
		// Effective decays the chip applies, as τ in steps, against the float model's.
		if l.Kind != KindIF {
			q.note("decays: float τ_mem = %.4g steps, chip %.4g; float τ_syn = %.4g steps, chip %.4g (Euler d = round(4096·dt/τ))",
				1/am, 4096/math.Max(float64(dv), 1), 1/as, 4096/float64(du+1))
		}
		gain := am
		vReset := p.VReset[0]
		theta := p.VTh[0] - vReset
		thetaEff := theta
		if l.Kind == KindLI || !(theta > 0) || math.IsInf(theta, 0) {
			thetaEff = 1
		}
		maxW := 0.0
		for _, w := range l.W {
			maxW = max(maxW, math.Abs(gain*w))
		}
		for _, w := range l.Rec {
			maxW = max(maxW, math.Abs(gain*w))
		}
		// The scale leaves 3 bits of headroom above the threshold in the
		// 24-bit v, and is no larger than the biggest weight exponent allows.
		scale := math.Ldexp(1, 20) / thetaEff
		if maxW > 0 {
			scale = min(scale, 255*math.Ldexp(1, 6+t.Synapse.Exponent.Max)/maxW)
		}
		ll.Scale, q.Scale = scale, scale
		ll.floatGain, ll.floatTheta = gain, theta
		ff, st := quantizeDense(l.W, l.N, l.In, gain, scale, t)
		ll.FF, q.FF = ff, &st
		if l.Rec != nil {
			rc, st := quantizeDense(l.Rec, l.N, l.N, gain, scale, t)
			ll.Rec, q.Rec = &rc, &st
		}
		var vth int64
		switch {
		case l.Kind == KindLI:
			vth = lavaMaxVth
			q.note("LI readout: vth at its maximum 131071 so v rarely spikes (vth<<6 = 8388544 < v_max); the output is v")
		case math.IsInf(theta, 1):
			vth = lavaMaxVth
		default:
			vth, q.Threshold.Clipped = toInt(scale*theta/64, 0, lavaMaxVth)
			if theta <= 0 {
				q.note("v_th − v_reset = %g ≤ 0: the neuron spikes whenever v > 0", theta)
			}
		}
		q.Threshold.Float, q.Threshold.Back = theta, float64(vth)*64/scale
		// v is kept relative to v_reset, so Loihi's reset to 0 is exact.
		if vReset != 0 {
			q.note("v_reset = %g: the chip's v is v − v_reset, so its reset to 0 is exact", vReset)
		}
		bm, be := make([]int64, l.N), make([]int64, l.N)
		v0 := make([]int64, l.N)
		biasNote := false
		for i := 0; i < l.N; i++ {
			b := 0.0
			if l.Kind != KindIF {
				b = gain * (p.VLeak[i] - vReset)
			}
			if l.Bias != nil {
				// A linear bias enters the synaptic current every step;
				// Loihi adds bias to v, so use its steady-state effect.
				b += gain * l.Bias[i] / as
				if l.Kind == KindCubaLIF || l.Kind == KindLI {
					biasNote = true
				}
			}
			// bias_exp 6 puts the bias in the units of weights and
			// thresholds, as lava-dl's netx fixes it.
			e := int64(6)
			m, c := toInt(scale*b/64, -4096, 4095)
			if c {
				e = 7
				if m, c = toInt(scale*b/128, -4096, 4095); c {
					q.BiasClip++
				}
			}
			bm[i], be[i] = m, e
			if l.Kind != KindIF {
				v0[i], _ = toInt(scale*(p.VLeak[i]-vReset), -(lavaMaxUV - 1), lavaMaxUV-1)
			}
		}
		if biasNote {
			q.note("linear bias b enters the float synaptic current; on the chip it is a membrane bias b·dt·τ_mem⁻¹/(dt·τ_syn⁻¹), equal in steady state")
		}
		ll.LIF = LavaLIFParams{Du: du, Dv: dv, Vth: vth, BiasMant: bm, BiasExp: be}
		ll.V0 = v0
		q.Params = []string{fmt.Sprintf("du=%d", du), fmt.Sprintf("dv=%d", dv), fmt.Sprintf("vth=%d", vth),
			fmt.Sprintf("w_exp=%d", ff.WeightExp), "sign=" + ff.Mode.String()}
		if ll.Rec != nil {
			q.Params = append(q.Params, fmt.Sprintf("rec_w_exp=%d", ll.Rec.WeightExp), "rec_sign="+ll.Rec.Mode.String())
		}
		rep.Layers = append(rep.Layers, q)
		out = append(out, ll)
	}
	rep.Notes = append(rep.Notes, fmt.Sprintf("every Dense hop adds one step: the output is %d steps behind the float network", len(out)))
	return out, rep, nil
}

// quantizeDense puts gain·W on Lava's weight grid for state scale S:
// W_int·2^(6+exp) ≈ S·gain·w, with the smallest exponent that holds the
// largest weight (the most mantissa bits), rounded half to even onto even
// values for mixed signs, any value for one sign.
func quantizeDense(w []float64, post, pre int, gain, scale float64, t *Target) (LoihiConn, WeightStats) {
	c := LoihiConn{Pre: pre, Post: post, W: make([]int64, len(w)), NumWeightBits: 8}
	lo, hi := 0.0, 0.0
	for _, x := range w {
		lo, hi = min(lo, x), max(hi, x)
	}
	c.Mode = SignMixed
	step := int64(2)
	wmin, wmax := int64(-256), int64(254)
	switch {
	case lo >= 0:
		c.Mode, step, wmin, wmax = SignExcitatory, 1, 0, 255
	case hi <= 0:
		c.Mode, step, wmin, wmax = SignInhibitory, 1, -255, 0
	}
	m := max(-lo, hi) * gain * scale
	c.WeightExp = t.Synapse.Exponent.Max
	for e := t.Synapse.Exponent.Min; e <= t.Synapse.Exponent.Max; e++ {
		if m/math.Ldexp(1, 6+e) <= float64(max(wmax, -wmin)) {
			c.WeightExp = e
			break
		}
	}
	unit := math.Ldexp(1, 6+c.WeightExp) / (gain * scale) // float weight of one integer step
	var st WeightStats
	for i, x := range w {
		v, clipped := toInt(x/unit/float64(step), wmin/step, wmax/step)
		v *= step
		c.W[i] = v
		st.add(x, float64(v)*unit, clipped)
	}
	st.finish()
	return c, st
}

// LoihiRun is the integer emulation of a Loihi program over one input.
type LoihiRun struct {
	Spikes [][][]int64 // [layer][t][n]
	V      [][][]int64 // [layer][t][n], after reset
	Overflow
}

// runLoihi emulates the layers over input spikes [T][In]. Each layer's
// Dense delivers one step late, as in Lava. Input counts above 1 travel as
// graded spikes (Dense num_message_bits > 0) into the first layer, which
// multiplies them by the weights as the float network does.
func runLoihi(layers []LoihiLayer, input [][]int64) *LoihiRun {
	graded := false
	for _, row := range input {
		for _, x := range row {
			graded = graded || x > 1
		}
	}
	T := len(input)
	run := &LoihiRun{Spikes: make([][][]int64, len(layers)), V: make([][][]int64, len(layers))}
	lifs := make([]*LavaLIF, len(layers))
	ffs := make([]*LavaDense, len(layers))
	recs := make([]*LavaDense, len(layers))
	for k := range layers {
		l := &layers[k]
		lifs[k] = NewLavaLIF(l.N, l.LIF)
		copy(lifs[k].V, l.V0)
		ffs[k] = NewLavaDense(l.FF.Post, l.FF.Pre, l.FF.W, l.FF.WeightExp, graded && k == 0)
		if l.Rec != nil {
			recs[k] = NewLavaDense(l.Rec.Post, l.Rec.Pre, l.Rec.W, l.Rec.WeightExp, false)
		}
	}
	for t := 0; t < T; t++ {
		s := input[t]
		for k := range layers {
			a := make([]int64, layers[k].N)
			ffs[k].Step(s, a)
			if recs[k] != nil {
				for i, x := range recs[k].buf {
					a[i] = wrap32(a[i] + x)
				}
			}
			z := make([]int64, layers[k].N)
			lifs[k].Step(a, z)
			if recs[k] != nil {
				tmp := make([]int64, layers[k].N)
				recs[k].Step(z, tmp) // sends the buffer read above, takes z for t+1
			}
			run.Spikes[k] = append(run.Spikes[k], z)
			run.V[k] = append(run.V[k], append([]int64(nil), lifs[k].V...))
			s = z
		}
	}
	for _, l := range lifs {
		run.UWraps += l.UWraps
		run.Saturations += l.VSaturations
	}
	return run
}
