package functional

import "github.com/snnc/snnc/ir"

// LIParameters are the parameters of leaky integrators (no threshold).
type LIParameters struct {
	TauSynInv float64 `json:"tau_syn_inv"`
	TauMemInv float64 `json:"tau_mem_inv"`
	VLeak     float64 `json:"v_leak"`
}

// DefaultLIParameters returns Norse's LIParameters().
func DefaultLIParameters() LIParameters {
	return LIParameters{TauSynInv: 200, TauMemInv: 100, VLeak: 0}
}

// LIState is the state of a leaky integrator: voltage and current.
type LIState struct{ V, I *ir.Value }

// LIFeedForwardStep advances leaky integrators by one step (Norse's
// li_feed_forward_step; li_step is the same with a weighted input). The
// input jumps the current first; the output is the new voltage.
func LIFeedForwardStep(s *ir.Step, x *ir.Value, st LIState, p LIParameters, dt float64) (*ir.Value, LIState) {
	j := s.Add(st.I, x)
	vNew := integrate(s, st.V, s.Param("tau_mem_inv", p.TauMemInv), s.Add(s.Sub(s.Param("v_leak", p.VLeak), st.V), j), dt)
	iNew := decay(s, j, s.Param("tau_syn_inv", p.TauSynInv), dt)
	return vNew, LIState{V: vNew, I: iNew}
}

// LIBoxParameters are the parameters of leaky integrators without a
// synaptic current.
type LIBoxParameters struct {
	TauMemInv float64 `json:"tau_mem_inv"`
	VLeak     float64 `json:"v_leak"`
}

// DefaultLIBoxParameters returns Norse's LIBoxParameters().
func DefaultLIBoxParameters() LIBoxParameters { return LIBoxParameters{TauMemInv: 100, VLeak: 0} }

// LIBoxState is the state of a box leaky integrator: its voltage.
type LIBoxState struct{ V *ir.Value }

// LIBoxFeedForwardStep advances box leaky integrators by one step:
// v_new = v + dt·tau_mem_inv·((v_leak − v) + x), which is also the output.
func LIBoxFeedForwardStep(s *ir.Step, x *ir.Value, st LIBoxState, p LIBoxParameters, dt float64) (*ir.Value, LIBoxState) {
	vNew := integrate(s, st.V, s.Param("tau_mem_inv", p.TauMemInv), s.Add(s.Sub(s.Param("v_leak", p.VLeak), st.V), x), dt)
	return vNew, LIBoxState{V: vNew}
}
