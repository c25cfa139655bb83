package functional

import "github.com/snnc/snnc/ir"

// LIFExParameters are the parameters of exponential LIF neurons.
type LIFExParameters struct {
	DeltaT    float64      `json:"delta_T"` // sharpness of the exponential term
	TauSynInv float64      `json:"tau_syn_inv"`
	TauMemInv float64      `json:"tau_mem_inv"`
	VLeak     float64      `json:"v_leak"`
	VTh       float64      `json:"v_th"`
	VReset    float64      `json:"v_reset"`
	Method    ir.Surrogate `json:"method"`
	Alpha     float64      `json:"alpha"`
}

// DefaultLIFExParameters returns Norse's LIFExParameters().
func DefaultLIFExParameters() LIFExParameters {
	return LIFExParameters{DeltaT: 0.5, TauSynInv: 200, TauMemInv: 100, VLeak: 0, VTh: 1, VReset: 0, Method: Super, Alpha: 100}
}

// expTerm is delta_T·exp((v − v_th)/delta_T), computed from the old v.
func expTerm(s *ir.Step, v, vTh, deltaT *ir.Value) *ir.Value {
	return s.Mul(deltaT, s.Exp(s.Div(s.Sub(v, vTh), deltaT)))
}

// LIFExFeedForwardStep advances exponential LIF neurons by one step:
// v_dec = v + dt·tau_mem_inv·((v_leak − v) + delta_T·exp((v − v_th)/delta_T) + i + x).
// The recurrent step is the same with a weighted input (Norse does not
// detach there).
func LIFExFeedForwardStep(s *ir.Step, x *ir.Value, st LIFFeedForwardState, p LIFExParameters, dt float64) (*ir.Value, LIFFeedForwardState) {
	vTh := s.Param("v_th", p.VTh)
	j := s.Add(st.I, x)
	bracket := s.Add(s.Add(s.Sub(s.Param("v_leak", p.VLeak), st.V), expTerm(s, st.V, vTh, s.Param("delta_T", p.DeltaT))), j)
	vDec := integrate(s, st.V, s.Param("tau_mem_inv", p.TauMemInv), bracket, dt)
	iDec := decay(s, j, s.Param("tau_syn_inv", p.TauSynInv), dt)
	z := Threshold(s, s.Sub(vDec, vTh), p.Method, p.Alpha)
	return z, LIFFeedForwardState{V: resetValue(s, z, vDec, s.Param("v_reset", p.VReset)), I: iDec}
}

// LIFAdExParameters are the parameters of adaptive exponential LIF neurons.
type LIFAdExParameters struct {
	AdaptationCurrent float64      `json:"adaptation_current"` // coupling of v to the adaptation a (Norse: an int64 4)
	AdaptationSpike   float64      `json:"adaptation_spike"`   // jump of a per spike
	DeltaT            float64      `json:"delta_T"`
	TauAdaInv         float64      `json:"tau_ada_inv"`
	TauSynInv         float64      `json:"tau_syn_inv"`
	TauMemInv         float64      `json:"tau_mem_inv"`
	VLeak             float64      `json:"v_leak"`
	VTh               float64      `json:"v_th"`
	VReset            float64      `json:"v_reset"`
	Method            ir.Surrogate `json:"method"`
	Alpha             float64      `json:"alpha"`
}

// DefaultLIFAdExParameters returns Norse's LIFAdExParameters().
func DefaultLIFAdExParameters() LIFAdExParameters {
	return LIFAdExParameters{
		AdaptationCurrent: 4, AdaptationSpike: 0.02, DeltaT: 0.5, TauAdaInv: 2,
		TauSynInv: 200, TauMemInv: 100, VLeak: 0, VTh: 1, VReset: 0, Method: Super, Alpha: 100,
	}
}

// LIFAdExState is the state of an AdEx neuron: voltage, current, adaptation.
type LIFAdExState struct{ V, I, A *ir.Value }

// LIFAdExFeedForwardStep advances adaptive exponential LIF neurons by one
// step. The exponential term and the adaptation update use the old v and a:
//
//	v_dec = v + dt·tau_mem_inv·((v_leak − v) + delta_T·exp((v − v_th)/delta_T) + i + x − a)
//	a_dec = a + dt·tau_ada_inv·(adaptation_current·(v − v_leak) − a)
//	a_new = a_dec + z·adaptation_spike
func LIFAdExFeedForwardStep(s *ir.Step, x *ir.Value, st LIFAdExState, p LIFAdExParameters, dt float64) (*ir.Value, LIFAdExState) {
	vTh, vLeak := s.Param("v_th", p.VTh), s.Param("v_leak", p.VLeak)
	j := s.Add(st.I, x)
	bracket := s.Sub(s.Add(s.Add(s.Sub(vLeak, st.V), expTerm(s, st.V, vTh, s.Param("delta_T", p.DeltaT))), j), st.A)
	vDec := integrate(s, st.V, s.Param("tau_mem_inv", p.TauMemInv), bracket, dt)
	iDec := decay(s, j, s.Param("tau_syn_inv", p.TauSynInv), dt)
	aBracket := s.Sub(s.Mul(s.Param("adaptation_current", p.AdaptationCurrent), s.Sub(st.V, vLeak)), st.A)
	aDec := integrate(s, st.A, s.Param("tau_ada_inv", p.TauAdaInv), aBracket, dt)
	z := Threshold(s, s.Sub(vDec, vTh), p.Method, p.Alpha)
	vNew := resetValue(s, z, vDec, s.Param("v_reset", p.VReset))
	aNew := s.Add(aDec, s.Mul(z, s.Param("adaptation_spike", p.AdaptationSpike)))
	return z, LIFAdExState{V: vNew, I: iDec, A: aNew}
}
