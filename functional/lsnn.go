package functional

import "github.com/snnc/snnc/ir"

// LSNNParameters are the parameters of adaptive-threshold LIF neurons
// (Norse's LSNNParameters). Defaults carry Norse's float32 rounding.
type LSNNParameters struct {
	TauSynInv   float64      `json:"tau_syn_inv"`
	TauMemInv   float64      `json:"tau_mem_inv"`
	TauAdaptInv float64      `json:"tau_adapt_inv"` // inverse time constant of the threshold b
	VLeak       float64      `json:"v_leak"`
	VTh         float64      `json:"v_th"` // the value b relaxes to
	VReset      float64      `json:"v_reset"`
	Beta        float64      `json:"beta"` // threshold increase per spike
	Method      ir.Surrogate `json:"method"`
	Alpha       float64      `json:"alpha"`
}

// DefaultLSNNParameters returns Norse's LSNNParameters(): tau_adapt_inv and
// beta are the float32 values of 1/800 and 1.8, as Norse stores them.
func DefaultLSNNParameters() LSNNParameters {
	return LSNNParameters{
		TauSynInv: 200, TauMemInv: 100, TauAdaptInv: float64(float32(1.0 / 800)),
		VLeak: 0, VTh: 1, VReset: 0, Beta: float64(float32(1.8)), Method: Super, Alpha: 100,
	}
}

// LSNNFeedForwardState is the state of an LSNN neuron: voltage, current and
// the adaptive threshold b. Modules start b at v_th.
type LSNNFeedForwardState struct{ V, I, B *ir.Value }

// LSNNFeedForwardStep advances LSNN neurons by one step, following Norse's
// code (its docstring differs): v integrates the old current, b relaxes
// toward v_th and is the whole threshold, z = Θ(v − b), and the input is
// added to the current after the update, so x first affects v next step.
func LSNNFeedForwardStep(s *ir.Step, x *ir.Value, st LSNNFeedForwardState, p LSNNParameters, dt float64) (*ir.Value, LSNNFeedForwardState) {
	return lsnnStep(s, x, st, p, dt, false)
}

// LSNNStep is the recurrent LSNN step (Norse's lsnn_step): x is the summed
// weighted input and recurrent spikes. Its reset and threshold increase use
// z.detach(), so no gradient flows through them.
func LSNNStep(s *ir.Step, x *ir.Value, st LSNNFeedForwardState, p LSNNParameters, dt float64) (*ir.Value, LSNNFeedForwardState) {
	return lsnnStep(s, x, st, p, dt, true)
}

func lsnnStep(s *ir.Step, x *ir.Value, st LSNNFeedForwardState, p LSNNParameters, dt float64, detach bool) (*ir.Value, LSNNFeedForwardState) {
	vTh := s.Param("v_th", p.VTh)
	vDec := integrate(s, st.V, s.Param("tau_mem_inv", p.TauMemInv), s.Add(s.Sub(s.Param("v_leak", p.VLeak), st.V), st.I), dt)
	iDec := decay(s, st.I, s.Param("tau_syn_inv", p.TauSynInv), dt)
	bDec := integrate(s, st.B, s.Param("tau_adapt_inv", p.TauAdaptInv), s.Sub(vTh, st.B), dt)
	z := Threshold(s, s.Sub(vDec, bDec), p.Method, p.Alpha)
	zr := z
	if detach {
		zr = s.Detach(z)
	}
	vNew := resetValue(s, zr, vDec, s.Param("v_reset", p.VReset))
	bNew := s.Add(bDec, s.Mul(zr, s.Param("beta", p.Beta)))
	return z, LSNNFeedForwardState{V: vNew, I: s.Add(iDec, x), B: bNew}
}
