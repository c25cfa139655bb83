package functional

import "github.com/snnc/snnc/ir"

// IAFParameters are the parameters of non-leaky integrate-and-fire neurons.
type IAFParameters struct {
	VTh    float64      `json:"v_th"`
	VReset float64      `json:"v_reset"`
	Method ir.Surrogate `json:"method"`
	Alpha  float64      `json:"alpha"`
}

// DefaultIAFParameters returns Norse's IAFParameters().
func DefaultIAFParameters() IAFParameters {
	return IAFParameters{VTh: 1, VReset: 0, Method: Super, Alpha: 100}
}

// IAFState is the state of an IAF neuron: its voltage.
type IAFState struct{ V *ir.Value }

// IAFFeedForwardStep advances IAF neurons by one step: v += x, spike when
// v > v_th, reset to v_reset. dt is unused, as in Norse. The recurrent step
// is the same with a weighted input.
func IAFFeedForwardStep(s *ir.Step, x *ir.Value, st IAFState, p IAFParameters) (*ir.Value, IAFState) {
	v := s.Add(st.V, x)
	z := Threshold(s, s.Sub(v, s.Param("v_th", p.VTh)), p.Method, p.Alpha)
	return z, IAFState{V: resetValue(s, z, v, s.Param("v_reset", p.VReset))}
}
