package functional

import "github.com/snnc/snnc/ir"

// LIF builds the feed-forward LIF step: state v (starting at v_leak) and i.
func LIF(p LIFParameters, dt float64) *ir.Step {
	return Lift("lif", "x", "z", []StateVar{{"v", p.VLeak}, {"i", 0}}, func(s *ir.Step, x *ir.Value, st []*ir.Value) (*ir.Value, []*ir.Value) {
		z, n := LIFFeedForwardStep(s, x, LIFFeedForwardState{V: st[0], I: st[1]}, p, dt)
		return z, []*ir.Value{n.V, n.I}
	})
}

// LIFRecurrent builds the recurrent LIF step, whose reset is detached.
func LIFRecurrent(p LIFParameters, dt float64) *ir.Step {
	return Lift("lif_recurrent", "x", "z", []StateVar{{"v", p.VLeak}, {"i", 0}}, func(s *ir.Step, x *ir.Value, st []*ir.Value) (*ir.Value, []*ir.Value) {
		z, n := LIFStep(s, x, LIFFeedForwardState{V: st[0], I: st[1]}, p, dt)
		return z, []*ir.Value{n.V, n.I}
	})
}

// LIFBox builds the LIF box step: state v, starting at v_leak.
func LIFBox(p LIFBoxParameters, dt float64) *ir.Step {
	return Lift("lif_box", "x", "z", []StateVar{{"v", p.VLeak}}, func(s *ir.Step, x *ir.Value, st []*ir.Value) (*ir.Value, []*ir.Value) {
		z, n := LIFBoxFeedForwardStep(s, x, LIFBoxFeedForwardState{V: st[0]}, p, dt)
		return z, []*ir.Value{n.V}
	})
}

// LI builds the leaky integrator step; its output is the voltage v.
func LI(p LIParameters, dt float64) *ir.Step {
	return Lift("li", "x", "v", []StateVar{{"v", p.VLeak}, {"i", 0}}, func(s *ir.Step, x *ir.Value, st []*ir.Value) (*ir.Value, []*ir.Value) {
		v, n := LIFeedForwardStep(s, x, LIState{V: st[0], I: st[1]}, p, dt)
		return v, []*ir.Value{n.V, n.I}
	})
}

// LIBox builds the box leaky integrator step; its output is the voltage v.
func LIBox(p LIBoxParameters, dt float64) *ir.Step {
	return Lift("li_box", "x", "v", []StateVar{{"v", p.VLeak}}, func(s *ir.Step, x *ir.Value, st []*ir.Value) (*ir.Value, []*ir.Value) {
		v, n := LIBoxFeedForwardStep(s, x, LIBoxState{V: st[0]}, p, dt)
		return v, []*ir.Value{n.V}
	})
}

// IAF builds the integrate-and-fire step: state v, starting at v_reset.
func IAF(p IAFParameters, dt float64) *ir.Step {
	return Lift("iaf", "x", "z", []StateVar{{"v", p.VReset}}, func(s *ir.Step, x *ir.Value, st []*ir.Value) (*ir.Value, []*ir.Value) {
		z, n := IAFFeedForwardStep(s, x, IAFState{V: st[0]}, p)
		return z, []*ir.Value{n.V}
	})
}

// LSNN builds the feed-forward LSNN step: states v, i and b (b starts at
// v_th, as Norse's LSNN module does).
func LSNN(p LSNNParameters, dt float64) *ir.Step {
	return lsnnModel("lsnn", p, dt, LSNNFeedForwardStep)
}

// LSNNRecurrent builds the recurrent LSNN step, whose reset is detached.
func LSNNRecurrent(p LSNNParameters, dt float64) *ir.Step {
	return lsnnModel("lsnn_recurrent", p, dt, LSNNStep)
}

func lsnnModel(name string, p LSNNParameters, dt float64, step func(*ir.Step, *ir.Value, LSNNFeedForwardState, LSNNParameters, float64) (*ir.Value, LSNNFeedForwardState)) *ir.Step {
	return Lift(name, "x", "z", []StateVar{{"v", p.VLeak}, {"i", 0}, {"b", p.VTh}}, func(s *ir.Step, x *ir.Value, st []*ir.Value) (*ir.Value, []*ir.Value) {
		z, n := step(s, x, LSNNFeedForwardState{V: st[0], I: st[1], B: st[2]}, p, dt)
		return z, []*ir.Value{n.V, n.I, n.B}
	})
}

// LIFEx builds the exponential LIF step: states v and i.
func LIFEx(p LIFExParameters, dt float64) *ir.Step {
	return Lift("lif_ex", "x", "z", []StateVar{{"v", p.VLeak}, {"i", 0}}, func(s *ir.Step, x *ir.Value, st []*ir.Value) (*ir.Value, []*ir.Value) {
		z, n := LIFExFeedForwardStep(s, x, LIFFeedForwardState{V: st[0], I: st[1]}, p, dt)
		return z, []*ir.Value{n.V, n.I}
	})
}

// LIFAdEx builds the adaptive exponential LIF step: states v, i and a.
func LIFAdEx(p LIFAdExParameters, dt float64) *ir.Step {
	return Lift("lif_adex", "x", "z", []StateVar{{"v", p.VLeak}, {"i", 0}, {"a", 0}}, func(s *ir.Step, x *ir.Value, st []*ir.Value) (*ir.Value, []*ir.Value) {
		z, n := LIFAdExFeedForwardStep(s, x, LIFAdExState{V: st[0], I: st[1], A: st[2]}, p, dt)
		return z, []*ir.Value{n.V, n.I, n.A}
	})
}

// LIFRefrac builds the refractory LIF step: states lif.v, lif.i and rho.
func LIFRefrac(p LIFRefracParameters, dt float64) *ir.Step {
	return lifRefracModel("lif_refrac", p, dt, LIFRefracFeedForwardStep)
}

// LIFRefracRecurrent builds the recurrent refractory LIF step.
func LIFRefracRecurrent(p LIFRefracParameters, dt float64) *ir.Step {
	return lifRefracModel("lif_refrac_recurrent", p, dt, LIFRefracStep)
}

func lifRefracModel(name string, p LIFRefracParameters, dt float64, step func(*ir.Step, *ir.Value, LIFRefracState, LIFRefracParameters, float64) (*ir.Value, LIFRefracState)) *ir.Step {
	return Lift(name, "x", "z", []StateVar{{"lif.v", p.LIF.VLeak}, {"lif.i", 0}, {"rho", 0}}, func(s *ir.Step, x *ir.Value, st []*ir.Value) (*ir.Value, []*ir.Value) {
		z, n := step(s, x, LIFRefracState{LIF: LIFFeedForwardState{V: st[0], I: st[1]}, Rho: st[2]}, p, dt)
		return z, []*ir.Value{n.LIF.V, n.LIF.I, n.Rho}
	})
}

// LIFAdExRefrac builds the refractory AdEx step: states lif_adex.v,
// lif_adex.i, lif_adex.a and rho.
func LIFAdExRefrac(p LIFAdExRefracParameters, dt float64) *ir.Step {
	states := []StateVar{{"lif_adex.v", p.LIFAdEx.VLeak}, {"lif_adex.i", 0}, {"lif_adex.a", 0}, {"rho", 0}}
	return Lift("lif_adex_refrac", "x", "z", states, func(s *ir.Step, x *ir.Value, st []*ir.Value) (*ir.Value, []*ir.Value) {
		z, n := LIFAdExRefracFeedForwardStep(s, x, LIFAdExRefracState{LIFAdEx: LIFAdExState{V: st[0], I: st[1], A: st[2]}, Rho: st[3]}, p, dt)
		return z, []*ir.Value{n.LIFAdEx.V, n.LIFAdEx.I, n.LIFAdEx.A, n.Rho}
	})
}

// Izhikevich builds the Izhikevich step for a preset or any behaviour:
// states v and u start at the behaviour's resting state.
func Izhikevich(b IzhikevichSpikingBehavior, dt float64) *ir.Step {
	return Lift("izhikevich", "x", "z", []StateVar{{"v", b.V}, {"u", b.U}}, func(s *ir.Step, x *ir.Value, st []*ir.Value) (*ir.Value, []*ir.Value) {
		z, n := IzhikevichStep(s, x, IzhikevichState{V: st[0], U: st[1]}, b.P, dt)
		return z, []*ir.Value{n.V, n.U}
	})
}

// CobaLIF builds the feed-forward conductance-based LIF step: states v
// (starting at v_rest; Norse's CobaLIFCell starts at 0), g_e and g_i.
func CobaLIF(p CobaLIFParameters, dt float64) *ir.Step {
	return Lift("coba_lif", "x", "z", []StateVar{{"v", p.VRest}, {"g_e", 0}, {"g_i", 0}}, func(s *ir.Step, x *ir.Value, st []*ir.Value) (*ir.Value, []*ir.Value) {
		z, n := CobaLIFFeedForwardStep(s, x, CobaLIFState{V: st[0], GE: st[1], GI: st[2]}, p, dt)
		return z, []*ir.Value{n.V, n.GE, n.GI}
	})
}

// CobaLIFRecurrent builds the recurrent CoBa LIF step. It has two inputs,
// the excitatory and inhibitory conductance jumps "ge" and "gi".
func CobaLIFRecurrent(p CobaLIFParameters, dt float64) *ir.Step {
	s := ir.NewStep("coba_lif_recurrent")
	ge, gi := s.Input("ge"), s.Input("gi")
	st := CobaLIFState{V: s.State("v", p.VRest), GE: s.State("g_e", 0), GI: s.State("g_i", 0)}
	z, n := CobaLIFStep(s, ge, gi, st, p, dt)
	s.Output("z", z)
	s.SetNext(st.V, n.V)
	s.SetNext(st.GE, n.GE)
	s.SetNext(st.GI, n.GI)
	return s
}

// STP builds the Tsodyks–Markram synapse step: input spikes z, states u
// (starting at 0) and x (starting at 1), output the efficacy.
func STP(p TsodyksMakramParameters, dt float64) *ir.Step {
	return Lift("stp", "z", "efficacy", []StateVar{{"u", 0}, {"x", 1}}, func(s *ir.Step, z *ir.Value, st []*ir.Value) (*ir.Value, []*ir.Value) {
		e, n := STPStep(s, z, TsodyksMakramState{U: st[0], X: st[1]}, p, dt)
		return e, []*ir.Value{n.U, n.X}
	})
}

func init() {
	for _, m := range []Model{
		newModel("lif", "leaky integrate-and-fire with a synaptic current", DefaultLIFParameters, LIF),
		newModel("lif_recurrent", "LIF as in Norse's recurrent step (reset detached)", DefaultLIFParameters, LIFRecurrent),
		newModel("lif_box", "leaky integrate-and-fire without a synaptic current", DefaultLIFBoxParameters, LIFBox),
		newModel("li", "leaky integrator (no spikes), output v", DefaultLIParameters, LI),
		newModel("li_box", "leaky integrator without a synaptic current, output v", DefaultLIBoxParameters, LIBox),
		newModel("iaf", "integrate-and-fire without leak", DefaultIAFParameters, IAF),
		newModel("lsnn", "LIF with an adaptive threshold", DefaultLSNNParameters, LSNN),
		newModel("lsnn_recurrent", "LSNN as in Norse's recurrent step (reset detached)", DefaultLSNNParameters, LSNNRecurrent),
		newModel("lif_ex", "exponential LIF", DefaultLIFExParameters, LIFEx),
		newModel("lif_adex", "adaptive exponential LIF", DefaultLIFAdExParameters, LIFAdEx),
		newModel("lif_refrac", "LIF with an absolute refractory period", DefaultLIFRefracParameters, LIFRefrac),
		newModel("lif_refrac_recurrent", "refractory LIF around the recurrent LIF step", DefaultLIFRefracParameters, LIFRefracRecurrent),
		newModel("lif_adex_refrac", "AdEx with an absolute refractory period", DefaultLIFAdExRefracParameters, LIFAdExRefrac),
		newModel("izhikevich", "Izhikevich neuron (default: the tonic_spiking preset)", func() IzhikevichSpikingBehavior { return IzhikevichPresets["tonic_spiking"] }, Izhikevich),
		newModel("coba_lif", "conductance-based LIF", DefaultCobaLIFParameters, CobaLIF),
		newModel("coba_lif_recurrent", "conductance-based LIF with excitatory and inhibitory inputs ge, gi", DefaultCobaLIFParameters, CobaLIFRecurrent),
		newModel("stp", "Tsodyks-Markram short-term plasticity, output the efficacy", DefaultTsodyksMakramParameters, STP),
		newModel("constant_current_lif", "Norse's constant-current LIF encoder, per time step of the input current", DefaultLIFParameters, ConstantCurrentLIF),
		newModel("spike_latency", "Norse's spike-latency LIF encoder: the first spike of each neuron only", DefaultLIFParameters, SpikeLatency),
	} {
		builtin[m.Name] = true
		registry[m.Name] = m
	}
}
