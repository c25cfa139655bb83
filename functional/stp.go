package functional

import "github.com/snnc/snnc/ir"

// TsodyksMakramParameters are the parameters of Tsodyks–Markram short-term
// synaptic plasticity.
type TsodyksMakramParameters struct {
	TauFInv float64 `json:"tau_f_inv"` // inverse facilitation time constant
	TauSInv float64 `json:"tau_s_inv"` // unused by the dynamics, kept for Norse's field set
	TauDInv float64 `json:"tau_d_inv"` // inverse depression time constant
	U       float64 `json:"U"`         // utilisation increment per spike
}

// DefaultTsodyksMakramParameters returns Norse's TsodyksMakramParameters().
func DefaultTsodyksMakramParameters() TsodyksMakramParameters {
	return TsodyksMakramParameters{TauFInv: 1 / 0.05, TauSInv: 1 / 0.02, TauDInv: 1 / 0.75, U: 0.45}
}

// TsodyksMakramState is the utilisation u and the available resources x.
type TsodyksMakramState struct{ U, X *ir.Value }

// STPStep advances the synapse by one step with presynaptic spikes z and
// returns the efficacy u⁺·x·z (with the old x):
//
//	u⁺ = u + dt·(−tau_f_inv·u) + U·(1 − u)·z
//	x⁺ = x + dt·tau_d_inv·(1 − x) − u⁺·x·z
func STPStep(s *ir.Step, z *ir.Value, st TsodyksMakramState, p TsodyksMakramParameters, dt float64) (*ir.Value, TsodyksMakramState) {
	one := s.Const(1)
	uP := s.Add(s.Add(st.U, s.Mul(s.Const(dt), s.Mul(s.Neg(s.Param("tau_f_inv", p.TauFInv)), st.U))),
		s.Mul(s.Mul(s.Param("U", p.U), s.Sub(one, st.U)), z))
	xP := s.Sub(s.Add(st.X, s.Mul(s.Mul(s.Const(dt), s.Param("tau_d_inv", p.TauDInv)), s.Sub(one, st.X))),
		s.Mul(s.Mul(uP, st.X), z))
	return s.Mul(s.Mul(uP, st.X), z), TsodyksMakramState{U: uP, X: xP}
}
