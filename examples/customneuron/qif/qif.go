// Package qif is a neuron model that no library ships, written the way a
// user writes one outside snnc: an adaptive quadratic integrate-and-fire
// neuron. Importing the package registers it as the model "qif_adapt", so
// model files, module.Neuron and an snnc command built with it (see
// ../snnc) can name it, and registers its NIR node type QIFAdapt (nir.go),
// so that NIR export and import know it.
package qif

import (
	"github.com/snnc/snnc/functional"
	"github.com/snnc/snnc/ir"
	"github.com/snnc/snnc/nir"
)

// Parameters of the adaptive QIF neuron; the JSON tags are the names a
// model file's "params" use.
type Parameters struct {
	TauMemInv   float64 `json:"tau_mem_inv"`   // 1/s, membrane
	TauAdaptInv float64 `json:"tau_adapt_inv"` // 1/s, adaptation current
	A           float64 `json:"a"`             // coupling of the adaptation to v
	B           float64 `json:"b"`             // adaptation jump per spike
	VTh         float64 `json:"v_th"`          // spike threshold
	VReset      float64 `json:"v_reset"`       // v after a spike
	Alpha       float64 `json:"alpha"`         // sharpness of the SuperSpike surrogate
}

// Defaults are the parameters a model file leaves out.
func Defaults() Parameters {
	return Parameters{TauMemInv: 100, TauAdaptInv: 20, A: 0.5, B: 0.2, VTh: 1, VReset: -0.5, Alpha: 100}
}

// Step is one time step of dt seconds:
//
//	v' = v + dt·τm⁻¹·(v² + x − w)
//	w' = w + dt·τw⁻¹·(a·v − w)
//	z  = H(v' − v_th)         (SuperSpike surrogate backward)
//	v' ← v_reset where z, w' ← w' + b·z
func Step(p Parameters, dt float64) *ir.Step {
	states := []functional.StateVar{{Name: "v", Init: 0}, {Name: "w", Init: 0}}
	return functional.Lift("qif_adapt", "x", "z", states, func(s *ir.Step, x *ir.Value, st []*ir.Value) (*ir.Value, []*ir.Value) {
		v, w := st[0], st[1]
		h := s.Const(dt)
		dv := s.Mul(s.Mul(h, s.Param("tau_mem_inv", p.TauMemInv)), s.Sub(s.Add(s.Mul(v, v), x), w))
		dw := s.Mul(s.Mul(h, s.Param("tau_adapt_inv", p.TauAdaptInv)), s.Sub(s.Mul(s.Param("a", p.A), v), w))
		vn, wn := s.Add(v, dv), s.Add(w, dw)
		z := functional.Threshold(s, s.Sub(vn, s.Param("v_th", p.VTh)), functional.Super, p.Alpha)
		vReset := s.Param("v_reset", p.VReset)
		vNext := s.Add(s.Mul(s.Sub(s.Const(1), z), vn), s.Mul(z, vReset))
		wNext := s.Add(wn, s.Mul(s.Param("b", p.B), z))
		return z, []*ir.Value{vNext, wNext}
	})
}

func init() {
	functional.MustRegister("qif_adapt", "adaptive quadratic integrate-and-fire", Defaults, Step)
	nir.MustRegisterModel(nirMapping) // after the model it maps
}
