package functional

import "github.com/snnc/snnc/ir"

// CobaLIFParameters are the parameters of conductance-based LIF neurons.
// Defaults carry Norse's float32 rounding.
type CobaLIFParameters struct {
	TauSynExcInv float64      `json:"tau_syn_exc_inv"` // inverse time constant of the excitatory conductance
	TauSynInhInv float64      `json:"tau_syn_inh_inv"` // inverse time constant of the inhibitory conductance
	CMInv        float64      `json:"c_m_inv"`         // inverse membrane capacitance
	GL           float64      `json:"g_l"`             // leak conductance
	ERevI        float64      `json:"e_rev_I"`         // inhibitory reversal potential
	ERevE        float64      `json:"e_rev_E"`         // excitatory reversal potential
	VRest        float64      `json:"v_rest"`
	VReset       float64      `json:"v_reset"`
	VThresh      float64      `json:"v_thresh"`
	Method       ir.Surrogate `json:"method"`
	Alpha        float64      `json:"alpha"`
}

// DefaultCobaLIFParameters returns Norse's CobaLIFParameters().
func DefaultCobaLIFParameters() CobaLIFParameters {
	f32 := func(x float64) float64 { return float64(float32(x)) }
	return CobaLIFParameters{
		TauSynExcInv: f32(1.0 / 5), TauSynInhInv: f32(1.0 / 5), CMInv: f32(1 / 0.2), GL: f32(1.0 / 20 * 1 / 0.2),
		ERevI: -100, ERevE: 60, VRest: -20, VReset: -70, VThresh: -10, Method: Super, Alpha: 100,
	}
}

// CobaLIFState is the state of a CoBa LIF neuron: voltage and the
// excitatory and inhibitory conductances.
type CobaLIFState struct{ V, GE, GI *ir.Value }

// CobaLIFFeedForwardStep advances conductance-based LIF neurons by one step
// (Norse's coba_lif_feed_forward_step). Positive input opens the excitatory
// conductance, negative input the inhibitory one.
func CobaLIFFeedForwardStep(s *ir.Step, x *ir.Value, st CobaLIFState, p CobaLIFParameters, dt float64) (*ir.Value, CobaLIFState) {
	return cobaStep(s, s.Relu(x), s.Relu(s.Neg(x)), st, p, dt)
}

// CobaLIFStep is the recurrent CoBa step. ge and gi are the conductance
// jumps from the input and recurrent spikes, which the recurrent cell
// computes with relu(W) for excitation and relu(−W) for inhibition.
//
// snnc differs from Norse here: Norse's coba_lif_step overwrites the
// input-driven jumps with the recurrent ones (g_e = state.g_e +
// linear(z_prev, relu(W_rec))), so input spikes have no effect. snnc adds
// both, as Norse's documentation describes.
func CobaLIFStep(s *ir.Step, ge, gi *ir.Value, st CobaLIFState, p CobaLIFParameters, dt float64) (*ir.Value, CobaLIFState) {
	return cobaStep(s, ge, gi, st, p, dt)
}

func cobaStep(s *ir.Step, ge, gi *ir.Value, st CobaLIFState, p CobaLIFParameters, dt float64) (*ir.Value, CobaLIFState) {
	gE := decay(s, s.Add(st.GE, ge), s.Param("tau_syn_exc_inv", p.TauSynExcInv), dt)
	gI := decay(s, s.Add(st.GI, gi), s.Param("tau_syn_inh_inv", p.TauSynInhInv), dt)
	v := st.V
	leak := s.Mul(s.Param("g_l", p.GL), s.Sub(s.Param("v_rest", p.VRest), v))
	exc := s.Mul(gE, s.Sub(s.Param("e_rev_E", p.ERevE), v))
	inh := s.Mul(gI, s.Sub(s.Param("e_rev_I", p.ERevI), v))
	vDec := integrate(s, v, s.Param("c_m_inv", p.CMInv), s.Add(s.Add(leak, exc), inh), dt)
	z := Threshold(s, s.Sub(vDec, s.Param("v_thresh", p.VThresh)), p.Method, p.Alpha)
	vNew := resetValue(s, z, vDec, s.Param("v_reset", p.VReset))
	return z, CobaLIFState{V: vNew, GE: gE, GI: gI}
}
