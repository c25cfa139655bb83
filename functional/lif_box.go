package functional

import "github.com/snnc/snnc/ir"

// LIFBoxParameters are the parameters of LIF neurons without a synaptic
// current (Norse's LIFBoxParameters).
type LIFBoxParameters struct {
	TauMemInv   float64      `json:"tau_mem_inv"`
	VLeak       float64      `json:"v_leak"`
	VTh         float64      `json:"v_th"`
	VReset      float64      `json:"v_reset"`
	Method      ir.Surrogate `json:"method"`
	Alpha       float64      `json:"alpha"`
	ResetMethod ResetMethod  `json:"reset_method"` // ResetValue (the default) or ResetSubtract
}

// DefaultLIFBoxParameters returns Norse's LIFBoxParameters().
func DefaultLIFBoxParameters() LIFBoxParameters {
	return LIFBoxParameters{TauMemInv: 100, VLeak: 0, VTh: 1, VReset: 0, Method: Super, Alpha: 100, ResetMethod: ResetValue}
}

// LIFBoxFeedForwardState is the state of a LIF box neuron: its voltage.
type LIFBoxFeedForwardState struct{ V *ir.Value }

// LIFBoxFeedForwardStep advances LIF box neurons by one step: the input
// enters dv directly, v_dec = v + dt·tau_mem_inv·(x + v_leak − v).
func LIFBoxFeedForwardStep(s *ir.Step, x *ir.Value, st LIFBoxFeedForwardState, p LIFBoxParameters, dt float64) (*ir.Value, LIFBoxFeedForwardState) {
	bracket := s.Sub(s.Add(x, s.Param("v_leak", p.VLeak)), st.V)
	vDec := integrate(s, st.V, s.Param("tau_mem_inv", p.TauMemInv), bracket, dt)
	vTh := s.Param("v_th", p.VTh)
	z := Threshold(s, s.Sub(vDec, vTh), p.Method, p.Alpha)
	return z, LIFBoxFeedForwardState{V: p.ResetMethod.Apply(s, z, vDec, s.Param("v_reset", p.VReset), vTh)}
}
