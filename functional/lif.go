package functional

import "github.com/snnc/snnc/ir"

// LIFParameters are the parameters of leaky integrate-and-fire neurons, with
// Norse's names. Inverse time constants are per second.
type LIFParameters struct {
	TauSynInv float64      `json:"tau_syn_inv"` // inverse synaptic time constant (200 = 1/5 ms)
	TauMemInv float64      `json:"tau_mem_inv"` // inverse membrane time constant (100 = 1/10 ms)
	VLeak     float64      `json:"v_leak"`      // leak potential
	VTh       float64      `json:"v_th"`        // threshold potential
	VReset    float64      `json:"v_reset"`     // reset potential
	Method    ir.Surrogate `json:"method"`
	Alpha     float64      `json:"alpha"` // surrogate parameter
}

// DefaultLIFParameters returns Norse's LIFParameters().
func DefaultLIFParameters() LIFParameters {
	return LIFParameters{TauSynInv: 200, TauMemInv: 100, VLeak: 0, VTh: 1, VReset: 0, Method: Super, Alpha: 100}
}

// LIFFeedForwardState is the state of a LIF neuron: voltage and current.
type LIFFeedForwardState struct{ V, I *ir.Value }

// lifDecay is the part of a LIF step before the threshold: the input jumps
// the current, then v and i take one explicit Euler step.
func lifDecay(s *ir.Step, x *ir.Value, st LIFFeedForwardState, p LIFParameters, dt float64) (vDec, iDec *ir.Value) {
	iJump := s.Add(st.I, x)
	bracket := s.Add(s.Sub(s.Param("v_leak", p.VLeak), st.V), iJump)
	vDec = integrate(s, st.V, s.Param("tau_mem_inv", p.TauMemInv), bracket, dt)
	iDec = decay(s, iJump, s.Param("tau_syn_inv", p.TauSynInv), dt)
	return vDec, iDec
}

// integrate is one explicit Euler step x + dt·tauInv·(bracket).
func integrate(s *ir.Step, x, tauInv, bracket *ir.Value, dt float64) *ir.Value {
	return s.Add(x, s.Mul(s.Mul(s.Const(dt), tauInv), bracket))
}

// decay is x + (−dt·tauInv)·x, Norse's exponential decay written in Euler form.
func decay(s *ir.Step, x, tauInv *ir.Value, dt float64) *ir.Value {
	return s.Add(x, s.Mul(s.Mul(s.Const(-dt), tauInv), x))
}

// LIFFeedForwardStep advances LIF neurons by one step of dt (Norse's
// lif_feed_forward_step). The input jumps the synaptic current before the
// voltage integrates it, so x affects v in this step. The gradient flows
// through the reset.
func LIFFeedForwardStep(s *ir.Step, x *ir.Value, st LIFFeedForwardState, p LIFParameters, dt float64) (*ir.Value, LIFFeedForwardState) {
	vDec, iDec := lifDecay(s, x, st, p, dt)
	z := Threshold(s, s.Sub(vDec, s.Param("v_th", p.VTh)), p.Method, p.Alpha)
	vNew := resetValue(s, z, vDec, s.Param("v_reset", p.VReset))
	return z, LIFFeedForwardState{V: vNew, I: iDec}
}

// LIFStep is the recurrent LIF step (Norse's lif_step): x is the sum of the
// weighted input and recurrent spikes, which the recurrent cell computes.
// Unlike the feed-forward step, the reset uses z.detach(), so no gradient
// flows through it.
func LIFStep(s *ir.Step, x *ir.Value, st LIFFeedForwardState, p LIFParameters, dt float64) (*ir.Value, LIFFeedForwardState) {
	vDec, iDec := lifDecay(s, x, st, p, dt)
	z := Threshold(s, s.Sub(vDec, s.Param("v_th", p.VTh)), p.Method, p.Alpha)
	vNew := resetValue(s, s.Detach(z), vDec, s.Param("v_reset", p.VReset))
	return z, LIFFeedForwardState{V: vNew, I: iDec}
}
