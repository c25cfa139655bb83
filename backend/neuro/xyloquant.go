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
	if lim := val(t.Core.Neurons); lim > 0 && int64(nHid) > lim {
		return nil, nil, nil, &LimitError{t.Name, "core.neurons", "", int64(nHid), lim, "hidden neurons"}
	}
	type lq struct {
		gain, as     float64
		dashM, dashS int64
		theta        float64
		bias         []float64
	}
	info := make([]lq, L)
	layers := make([]xyloLayer, L)
	id := 0
	for k := range net.Layers {
		l := &net.Layers[k]
		q := LayerQuant{Layer: l.Name, Kind: l.Kind, N: l.N}
		p := l.Params
		am := net.DT * p.TauMemInv[0]
		as := net.DT * p.TauSynInv[0]
		for _, v := range [][]float64{p.TauMemInv, p.TauSynInv, p.VTh, p.VReset} {
			if _, ok := shared(v); !ok {
				q.note("per-neuron τ, threshold or reset: the first neuron's value is used for the whole layer")
				break
			}
		}
		in := lq{gain: am, as: as}
		if l.Kind != KindIF && !(am > 0 && as > 0) || math.IsInf(am, 0) {
			return nil, nil, nil, fmt.Errorf("layer %s: dt·tau_mem_inv = %g, dt·tau_syn_inv = %g: %w", l.Name, am, as, ErrUnsupported)
		}
		switch l.Kind {
		case KindIF:
			in.gain, in.dashM, in.dashS = 1, xyloMaxDash, 1
			q.note("IF approximated with dash_mem = 15: Xylo states always leak at least one LSB per step")
		case KindLIF:
			in.dashM, in.dashS = dashFor(am), 1
			q.note("LIF without a synaptic current approximated as CUBA LIF with dash_syn = 1")
		default:
			in.dashM, in.dashS = dashFor(am), dashFor(min(as, 1))
			if as >= 1 {
				q.note("τ_syn ≤ dt: dash_syn = 0 would wipe the input, so it is 1")
				in.dashS = 1
			}
			if in.dashS == 0 {
				in.dashS = 1
			}
		}
		if l.Kind != KindIF {
			q.note("decays: float τ_mem = %.4g steps, chip %.4g (dash_mem %d); float τ_syn = %.4g steps, chip %.4g (dash_syn %d)",
				1/am, effTau(in.dashM), in.dashM, 1/math.Min(as, 1), effTau(in.dashS), in.dashS)
		}
		vReset := p.VReset[0]
		in.theta = p.VTh[0] - vReset
		if l.Kind == KindLI {
			in.theta = math.Inf(1)
		}
		if vReset != 0 {
			q.note("v_reset = %g: v is kept relative to it", vReset)
		}
		if l.Kind == KindCubaLIF || l.Kind == KindLIF || l.Kind == KindIF {
			q.note("reset: the chip subtracts the threshold, the float model resets to v_reset")
		}
		in.bias = make([]float64, l.N)
		for i := range in.bias {
			if l.Kind != KindIF {
				in.bias[i] = in.gain * (p.VLeak[i] - vReset)
			}
			if l.Bias != nil {
				in.bias[i] += in.gain * l.Bias[i] / math.Min(as, 1)
			}
		}
		info[k] = in
		layers[k] = xyloLayer{name: l.Name, first: id, n: l.N, output: k == L-1}
		if k < L-1 {
			id += l.N
		}
		rep.Layers = append(rep.Layers, q)
	}
	// Weights in the chip's voltage units: Xylo adds the decayed synaptic
	// state to v, the float model adds dt·τ_mem⁻¹·i before the decay.
	eff := func(k int, w float64) float64 {
		return info[k].gain * w / (1 - math.Ldexp(1, -int(info[k].dashS)))
	}
	group := func(ks []int) (scale float64) {
		m := 0.0
		for _, k := range ks {
			for _, w := range net.Layers[k].W {
				m = max(m, math.Abs(eff(k, w)))
			}
			for _, w := range net.Layers[k].Rec {
				m = max(m, math.Abs(eff(k, w)))
			}
		}
		if m == 0 {
			return 1
		}
		scale = 127 / m
		maxThr := 0.0
		for _, k := range ks {
			if th := info[k].theta; !math.IsInf(th, 0) {
				maxThr = max(maxThr, math.Abs(th*scale))
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
		l, q, in := &net.Layers[k], &rep.Layers[k], &info[k]
		scale := scaleH
		if k == L-1 {
			scale = scaleO
		}
		layers[k].scale = scale
		q.Scale = scale
		var st WeightStats
		put := func(w float64) int64 {
			v, c := toInt(eff(k, w)*scale, -128, 127)
			st.add(w, float64(v)/scale/eff(k, 1), c)
			return v
		}
		for i := 0; i < l.N; i++ {
			for j := 0; j < l.In; j++ {
				w := l.W[i*l.In+j]
				switch {
				case k == 0:
					spec.WeightsIn[j][layers[k].first+i][0] = put(w)
				case k == L-1:
					spec.WeightsOut[j][i] = put(w)
				default:
					spec.WeightsRec[layers[k-1].first+j][layers[k].first+i][0] = put(w)
				}
			}
		}
		st.finish()
		q.FF = &st
		if l.Rec != nil {
			var rs WeightStats
			for i := 0; i < l.N; i++ {
				for j := 0; j < l.N; j++ {
					w := l.Rec[i*l.N+j]
					v, c := toInt(eff(k, w)*scale, -128, 127)
					rs.add(w, float64(v)/scale/eff(k, 1), c)
					spec.WeightsRec[layers[k].first+j][layers[k].first+i][0] = v
				}
			}
			rs.finish()
			q.Rec = &rs
		}
		thr := int64(1<<15 - 1)
		if !math.IsInf(in.theta, 0) {
			var c bool
			thr, c = toInt(in.theta*scale, -1<<15, 1<<15-1)
			q.Threshold.Clipped = c
		} else if l.Kind == KindLI {
			q.note("LI readout: threshold 32767 so the output neuron never spikes below saturation; read Vmem")
		}
		q.Threshold.Float, q.Threshold.Back = in.theta, float64(thr)/scale
		bias := make([]int64, l.N)
		for i, b := range in.bias {
			var c bool
			if bias[i], c = toInt(b*scale, -1<<15, 1<<15-1); c {
				q.BiasClip++
			}
			if bias[i] != 0 {
				spec.HasBias = true
			}
		}
		q.Params = []string{fmt.Sprintf("dash_mem=%d", in.dashM), fmt.Sprintf("dash_syn=%d", in.dashS), fmt.Sprintf("threshold=%d", thr)}
		for i := 0; i < l.N; i++ {
			if k == L-1 {
				spec.DashMemOut = append(spec.DashMemOut, in.dashM)
				spec.DashSynOut = append(spec.DashSynOut, in.dashS)
				spec.ThresholdO = append(spec.ThresholdO, thr)
				spec.BiasOut = append(spec.BiasOut, bias[i])
			} else {
				spec.DashMem = append(spec.DashMem, in.dashM)
				spec.DashSyn = append(spec.DashSyn, in.dashS)
				spec.DashSyn2 = append(spec.DashSyn2, in.dashS)
				spec.Threshold = append(spec.Threshold, thr)
				spec.Bias = append(spec.Bias, bias[i])
			}
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
	m := &Mapping{Target: t.Name, Limits: CoreUse{Neurons: int(val(t.Core.Neurons)), InputAxons: val(t.Core.InputAxons),
		OutputAxons: val(t.Core.OutputAxons), Synapses: val(t.Core.SynapsesTotal), MaxFanout: val(t.Core.MaxFanout)}}
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
		if lim := val(t.Core.MaxFanout); lim > 0 && fan > lim {
			return nil, &LimitError{t.Name, "core.max_fanout", layerOf(j), fan, lim, fmt.Sprintf("hidden neuron %d's recurrent-RAM fan-out", j)}
		}
		u.MaxFanout = max(u.MaxFanout, fan)
		u.Synapses += fan
	}
	if lim := val(t.Core.SynapsesTotal); lim > 0 && u.Synapses > lim {
		return nil, &LimitError{t.Name, "core.synapses_total", "", u.Synapses, lim, "recurrent-RAM synapses"}
	}
	m.Cores = []CoreUse{u}
	m.Latency = t.Time.InputDelay + t.Time.HopDelay*(len(layers)-1)
	return m, nil
}
