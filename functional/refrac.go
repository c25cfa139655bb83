package functional

import "github.com/snnc/snnc/ir"

// LIFRefracParameters are LIF parameters plus an absolute refractory period
// of rho_reset steps.
type LIFRefracParameters struct {
	LIF      LIFParameters `json:"lif"`
	RhoReset float64       `json:"rho_reset"`
}

// DefaultLIFRefracParameters returns Norse's LIFRefracParameters().
func DefaultLIFRefracParameters() LIFRefracParameters {
	return LIFRefracParameters{LIF: DefaultLIFParameters(), RhoReset: 5}
}

// LIFRefracState is a LIF state plus the refractory counter rho.
type LIFRefracState struct {
	LIF LIFFeedForwardState
	Rho *ir.Value
}

// refractory wraps a neuron step that produced spikes z and voltage v from
// the old voltage vOld: while rho > 0 the neuron is refractory, its voltage
// held and its spikes suppressed. The mask Θ(rho) carries a surrogate
// gradient, as in Norse.
//
//	mask    = Θ(rho)
//	v_new   = (1−mask)·v + mask·v_old
//	z_new   = (1−mask)·z
//	rho_new = (1−z_new)·relu(rho − mask) + z_new·rho_reset
func refractory(s *ir.Step, z, v, vOld, rho *ir.Value, rhoReset float64, method ir.Surrogate, alpha float64) (zNew, vNew, rhoNew *ir.Value) {
	mask := Threshold(s, rho, method, alpha)
	open := s.Sub(s.Const(1), mask)
	vNew = s.Add(s.Mul(open, v), s.Mul(mask, vOld))
	zNew = s.Mul(open, z)
	rhoNew = s.Add(s.Mul(s.Sub(s.Const(1), zNew), s.Relu(s.Sub(rho, mask))), s.Mul(zNew, s.Param("rho_reset", rhoReset)))
	return zNew, vNew, rhoNew
}

// LIFRefracFeedForwardStep advances LIF neurons with an absolute refractory
// period by one step (Norse's lif_refrac_feed_forward_step). The current
// keeps integrating while refractory; after a spike at step t, steps
// t+1..t+rho_reset are refractory.
func LIFRefracFeedForwardStep(s *ir.Step, x *ir.Value, st LIFRefracState, p LIFRefracParameters, dt float64) (*ir.Value, LIFRefracState) {
	z, next := LIFFeedForwardStep(s, x, st.LIF, p.LIF, dt)
	z, v, rho := refractory(s, z, next.V, st.LIF.V, st.Rho, p.RhoReset, p.LIF.Method, p.LIF.Alpha)
	return z, LIFRefracState{LIF: LIFFeedForwardState{V: v, I: next.I}, Rho: rho}
}

// LIFRefracStep is the recurrent form (Norse's lif_refrac_step): the
// refractory wrapper around LIFStep, whose reset is detached.
func LIFRefracStep(s *ir.Step, x *ir.Value, st LIFRefracState, p LIFRefracParameters, dt float64) (*ir.Value, LIFRefracState) {
	z, next := LIFStep(s, x, st.LIF, p.LIF, dt)
	z, v, rho := refractory(s, z, next.V, st.LIF.V, st.Rho, p.RhoReset, p.LIF.Method, p.LIF.Alpha)
	return z, LIFRefracState{LIF: LIFFeedForwardState{V: v, I: next.I}, Rho: rho}
}

// LIFAdExRefracParameters are AdEx parameters plus a refractory period.
type LIFAdExRefracParameters struct {
	LIFAdEx  LIFAdExParameters `json:"lif_adex"`
	RhoReset float64           `json:"rho_reset"`
}

// DefaultLIFAdExRefracParameters returns Norse's LIFAdExRefracParameters().
func DefaultLIFAdExRefracParameters() LIFAdExRefracParameters {
	return LIFAdExRefracParameters{LIFAdEx: DefaultLIFAdExParameters(), RhoReset: 5}
}

// LIFAdExRefracState is an AdEx state plus the refractory counter rho.
type LIFAdExRefracState struct {
	LIFAdEx LIFAdExState
	Rho     *ir.Value
}

// LIFAdExRefracFeedForwardStep is the refractory wrapper around
// LIFAdExFeedForwardStep, as LIFRefracFeedForwardStep is around LIF.
func LIFAdExRefracFeedForwardStep(s *ir.Step, x *ir.Value, st LIFAdExRefracState, p LIFAdExRefracParameters, dt float64) (*ir.Value, LIFAdExRefracState) {
	z, next := LIFAdExFeedForwardStep(s, x, st.LIFAdEx, p.LIFAdEx, dt)
	z, v, rho := refractory(s, z, next.V, st.LIFAdEx.V, st.Rho, p.RhoReset, p.LIFAdEx.Method, p.LIFAdEx.Alpha)
	next.V = v
	return z, LIFAdExRefracState{LIFAdEx: next, Rho: rho}
}
