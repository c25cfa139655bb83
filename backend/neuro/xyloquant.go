package neuro

import (
	"fmt"
	"math"
)

// xyloLayer records where a layer lives in the Xylo spec.
type xyloLayer struct {
	name   string
	first  int // first hidden id (hidden layers)
	n      int
	output bool    // the output neurons
	scale  float64 // integer voltage units per float unit
}

// dashFor is Rockpool's τ → dash: round(log2(τ/dt)), clipped to 0..15,
// with τ/dt = 1/(dt·τ⁻¹).
func dashFor(a float64) int64 {
	d, _ := toInt(math.Log2(1/a), 0, xyloMaxDash)
	return d
}

// quantizeXylo folds the layer chain into Xylo's single pool: layer 0
// takes the input channels, later hidden layers sit in W_rec, the last
// layer is the output neurons. Scaling follows Rockpool's global_quantize:
// one scale 127/max|w| for W_in ∪ W_rec and one for W_out, thresholds
// rescaled when they pass int16.
func quantizeXylo(net *Net, t *Target) (*XyloSpec, []xyloLayer, *QuantReport, error) {
	rep := &QuantReport{Target: t.Name}
	L := len(net.Layers)
	if L < 2 {
		return nil, nil, nil, fmt.Errorf("%s needs at least two neuron layers (hidden and output), the network has %d: %w", t.Name, L, ErrUnsupported)
	}
	last := &net.Layers[L-1]
	if last.Rec != nil {
		return nil, nil, nil, fmt.Errorf("layer %s: %s output neurons cannot be recurrent: %w", last.Name, t.Name, ErrUnsupported)
	}
	if lim := t.Topology.MaxInputs; lim != nil && net.In > *lim {
		return nil, nil, nil, &LimitError{t.Name, "topology.max_inputs", net.Layers[0].Name, int64(net.In), int64(*lim), "input channels"}
	}
	if lim := t.Topology.MaxOutputs; lim != nil && last.N > *lim {
		return nil, nil, nil, &LimitError{t.Name, "topology.max_outputs", last.Name, int64(last.N), int64(*lim), "output neurons"}
	}
	nHid := 0
	for _, l := range net.Layers[:L-1] {
		if l.Kind == KindLI {
			return nil, nil, nil, fmt.Errorf("layer %s: a leaky integrator can only be %s's output layer: %w", l.Name, t.Name, ErrUnsupported)
		}
		nHid += l.N
	}
	if nHid > 1<<16 { // xylosim's neuron ids are uint16; also bounds W_rec's size
		return nil, nil, nil, &LimitError{t.Name, "core.neurons", "", int64(nHid), 1 << 16, "hidden neurons (xylosim ids are 16-bit)"}
	}
	if lim := limitOf(t.Core.Neurons); lim > 0 && int64(nHid) > lim {
		return nil, nil, nil, &LimitError{t.Name, "core.neurons", "", int64(nHid), lim, "hidden neurons"}
	}
	// Xylo sets dashes, thresholds and biases per neuron, so every neuron
	// keeps its own τ, threshold and reset.
	type neuronQ struct {
		gain         float64 // dt·τ_mem⁻¹ (1 for IF)
		as           float64 // dt·τ_syn⁻¹, at most 1
		dashM, dashS int64
		theta, bias  float64
	}
	info := make([][]neuronQ, L)
	layers := make([]xyloLayer, L)
	id := 0
	for k := range net.Layers {
		l := &net.Layers[k]
		q := LayerQuant{Layer: l.Name, Kind: l.Kind, N: l.N}
		p := l.Params
		info[k] = make([]neuronQ, l.N)
		resetNote := false
		for i := range info[k] {
			am, as := net.DT*p.TauMemInv[i], net.DT*p.TauSynInv[i]
			if l.Kind != KindIF && !(am > 0 && as > 0) || math.IsInf(am, 0) {
				return nil, nil, nil, fmt.Errorf("layer %s neuron %d: dt·tau_mem_inv = %g, dt·tau_syn_inv = %g: %w", l.Name, i, am, as, ErrUnsupported)
			}
			nq := neuronQ{gain: am, as: min(as, 1)}
			switch l.Kind {
			case KindIF:
				nq.gain, nq.as, nq.dashM, nq.dashS = 1, 1, xyloMaxDash, 1
			case KindLIF:
				nq.as, nq.dashM, nq.dashS = 1, dashFor(am), 1
			default:
				// dash_syn = 0 would wipe the input (I − I = 0), so τ_syn ≤ dt becomes 1.
				nq.dashM, nq.dashS = dashFor(am), max(dashFor(nq.as), 1)
			}
			vReset := p.VReset[i]
			nq.theta = p.VTh[i] - vReset
			if l.Kind == KindLI {
				nq.theta = math.Inf(1)
			}
			if l.Kind != KindIF {
				nq.bias = nq.gain * (p.VLeak[i] - vReset)
			}
			if l.Bias != nil {
				nq.bias += nq.gain * l.Bias[i] / nq.as
			}
			resetNote = resetNote || vReset != 0
			info[k][i] = nq
		}
		n0 := info[k][0]
		switch l.Kind {
		case KindIF:
			q.note("IF approximated with dash_mem = 15: Xylo states always leak at least one LSB per step")
		case KindLIF:
			q.note("LIF without a synaptic current approximated as CUBA LIF with dash_syn = 1")
		}
		if l.Kind != KindIF {
			q.note("decays (neuron 0): float τ_mem = %.4g steps, chip %.4g (dash_mem %d); float τ_syn = %.4g steps, chip %.4g (dash_syn %d)",
				1/n0.gain, effTau(n0.dashM), n0.dashM, 1/n0.as, effTau(n0.dashS), n0.dashS)
		}
		if resetNote {
			q.note("v_reset ≠ 0: v is kept relative to it")
		}
		if l.Kind != KindLI {
			q.note("reset: the chip subtracts the threshold, the float model resets to v_reset")
		}
		if l.Bias != nil && l.Kind != KindIF && l.Kind != KindLIF {
			q.note("linear bias b enters the float synaptic current; on the chip it is a membrane bias b·dt·τ_mem⁻¹/(dt·τ_syn⁻¹), equal in steady state")
		}
		layers[k] = xyloLayer{name: l.Name, first: id, n: l.N, output: k == L-1}
		if k < L-1 {
			id += l.N
		}
		rep.Layers = append(rep.Layers, q)
	}
	// Weights in the chip's voltage units: Xylo adds the decayed synaptic
	// state to v, the float model adds dt·τ_mem⁻¹·i before the decay.
	factor := func(k, i int) float64 {
		n := info[k][i]
		return n.gain / (1 - math.Ldexp(1, -int(n.dashS)))
	}
	group := func(ks []int) (scale float64) {
		m := 0.0
		for _, k := range ks {
			l := &net.Layers[k]
			for i := 0; i < l.N; i++ {
				f := factor(k, i)
				for _, w := range l.W[i*l.In : (i+1)*l.In] {
					m = max(m, math.Abs(f*w))
				}
				if l.Rec != nil {
					for _, w := range l.Rec[i*l.N : (i+1)*l.N] {
						m = max(m, math.Abs(f*w))
					}
				}
			}
		}
		if m == 0 {
			return 1
		}
		scale = 127 / m
		maxThr := 0.0
		for _, k := range ks {
			for _, n := range info[k] {
				if !math.IsInf(n.theta, 0) {
					maxThr = max(maxThr, math.Abs(n.theta*scale))
				}
			}
		}
		if maxThr > 1<<15-1 {
			scale *= (1<<15 - 1) / maxThr // Rockpool rescales weights and thresholds together
		}
		return scale
	}
	hidden := make([]int, L-1)
	for k := range hidden {
		hidden[k] = k
	}
	scaleH, scaleO := group(hidden), group([]int{L - 1})
	spec := &XyloSpec{
		WeightsIn: make3(net.In, nHid), WeightsRec: make3(nHid, nHid), WeightsOut: make([][]int64, net.Layers[L-2].N),
		DT: net.DT,
	}
	for r := range spec.WeightsOut {
		spec.WeightsOut[r] = make([]int64, last.N)
	}
	for k := range net.Layers {
		l, q := &net.Layers[k], &rep.Layers[k]
		scale := scaleH
		if k == L-1 {
			scale = scaleO
		}
		layers[k].scale = scale
		q.Scale = scale
		var st, rs WeightStats
		put := func(stats *WeightStats, i int, w float64) int64 {
			f := factor(k, i)
			v, c := toInt(f*w*scale, -128, 127)
			stats.add(w, float64(v)/scale/f, c)
			return v
		}
		for i := 0; i < l.N; i++ {
			for j := 0; j < l.In; j++ {
				v := put(&st, i, l.W[i*l.In+j])
				switch {
				case k == 0:
					spec.WeightsIn[j][layers[k].first+i][0] = v
				case k == L-1:
					spec.WeightsOut[j][i] = v
				default:
					spec.WeightsRec[layers[k-1].first+j][layers[k].first+i][0] = v
				}
			}
			if l.Rec != nil {
				for j := 0; j < l.N; j++ {
					spec.WeightsRec[layers[k].first+j][layers[k].first+i][0] = put(&rs, i, l.Rec[i*l.N+j])
				}
			}
		}
		st.finish()
		q.FF = &st
		if l.Rec != nil {
			rs.finish()
			q.Rec = &rs
		}
		if l.Kind == KindLI {
			q.note("LI readout: threshold 32767 so the output neuron never spikes below saturation; read Vmem")
		}
		for i, n := range info[k] {
			thr := int64(1<<15 - 1)
			if !math.IsInf(n.theta, 0) {
				var c bool
				thr, c = toInt(n.theta*scale, -1<<15, 1<<15-1)
				q.Threshold.Clipped = q.Threshold.Clipped || c
			}
			if i == 0 {
				q.Threshold.Float, q.Threshold.Back = n.theta, float64(thr)/scale
				q.Params = []string{fmt.Sprintf("dash_mem=%d", n.dashM), fmt.Sprintf("dash_syn=%d", n.dashS), fmt.Sprintf("threshold=%d", thr)}
			}
			bias, c := toInt(n.bias*scale, -1<<15, 1<<15-1)
			if c {
				q.BiasClip++
			}
			if bias != 0 {
				spec.HasBias = true
			}
			if k == L-1 {
				spec.DashMemOut = append(spec.DashMemOut, n.dashM)
				spec.DashSynOut = append(spec.DashSynOut, n.dashS)
				spec.ThresholdO = append(spec.ThresholdO, thr)
				spec.BiasOut = append(spec.BiasOut, bias)
			} else {
				spec.DashMem = append(spec.DashMem, n.dashM)
				spec.DashSyn = append(spec.DashSyn, n.dashS)
				spec.DashSyn2 = append(spec.DashSyn2, n.dashS)
				spec.Threshold = append(spec.Threshold, thr)
				spec.Bias = append(spec.Bias, bias)
			}
		}
		if _, ok := shared(l.Params.TauMemInv); !ok {
			q.Params = append(q.Params, "(per neuron; neuron 0 shown)")
		}
	}
	spec.Aliases = make([][]int64, nHid)
	for i := range spec.Aliases {
		spec.Aliases[i] = []int64{}
	}
	rep.Notes = append(rep.Notes, fmt.Sprintf("input reaches the first layer in its step, every further hop adds one: the output is %d steps behind the float network", L-1))
	return spec, layers, rep, nil
}

// effTau is the time constant in steps of a bit-shift decay 1 − 2^−dash.
func effTau(dash int64) float64 {
	if dash == 0 {
		return 0
	}
	return -1 / math.Log1p(-math.Ldexp(1, -int(dash)))
}

func make3(a, b int) [][][]int64 {
	out := make([][][]int64, a)
	for i := range out {
		out[i] = make([][]int64, b)
		for j := range out[i] {
			out[i][j] = make([]int64, 2)
		}
	}
	return out
}

// mapXylo checks the single pool's limits: hidden fan-out and the
// recurrent synapse memory. Input and output counts were checked when
// quantizing.
func mapXylo(spec *XyloSpec, layers []xyloLayer, t *Target) (*Mapping, error) {
	nIn, nHid, nOut := spec.Sizes()
	m := &Mapping{Target: t.Name, Limits: CoreUse{Neurons: int(limitOf(t.Core.Neurons)), InputAxons: limitOf(t.Core.InputAxons),
		OutputAxons: limitOf(t.Core.OutputAxons), Synapses: limitOf(t.Core.SynapsesTotal), MaxFanout: limitOf(t.Core.MaxFanout)}}
	u := CoreUse{Core: 0, Layer: "(all hidden)", Neurons: nHid, InputAxons: int64(nIn), OutputAxons: int64(nOut)}
	layerOf := func(id int) string {
		for _, l := range layers {
			if !l.output && id >= l.first && id < l.first+l.n {
				return l.name
			}
		}
		return ""
	}
	for j, row := range spec.WeightsRec {
		var fan int64
		for _, syn := range row {
			for _, w := range syn {
				if w != 0 {
					fan++
				}
			}
		}
		if lim := limitOf(t.Core.MaxFanout); lim > 0 && fan > lim {
			return nil, &LimitError{t.Name, "core.max_fanout", layerOf(j), fan, lim, fmt.Sprintf("hidden neuron %d's recurrent-RAM fan-out", j)}
		}
		u.MaxFanout = max(u.MaxFanout, fan)
		u.Synapses += fan
	}
	if lim := limitOf(t.Core.SynapsesTotal); lim > 0 && u.Synapses > lim {
		return nil, &LimitError{t.Name, "core.synapses_total", "", u.Synapses, lim, "recurrent-RAM synapses"}
	}
	m.Cores = []CoreUse{u}
	m.Latency = t.Time.InputDelay + t.Time.HopDelay*(len(layers)-1)
	return m, nil
}
