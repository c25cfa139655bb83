package functional

import "github.com/snnc/snnc/ir"

// LIFCurrentEncoderStep is Norse's lif_current_encoder: the input current x
// drives the voltage directly (no synaptic state), in this order:
//
//	v ← v + dt·tau_mem_inv·((v_leak − v) + x)
//	z = Θ(v − v_th)
//	v ← v − z·(v − v_reset)
//
// The reset is not detached, so the gradient flows through it; backward the
// threshold has p.Method's surrogate. tau_syn_inv is not used.
func LIFCurrentEncoderStep(s *ir.Step, x, v *ir.Value, p LIFParameters, dt float64) (z, vNew *ir.Value) {
	bracket := s.Add(s.Sub(s.Param("v_leak", p.VLeak), v), x)
	vDec := integrate(s, v, s.Param("tau_mem_inv", p.TauMemInv), bracket, dt)
	z = Threshold(s, s.Sub(vDec, s.Param("v_th", p.VTh)), p.Method, p.Alpha)
	vNew = s.Sub(vDec, s.Mul(z, s.Sub(vDec, s.Param("v_reset", p.VReset))))
	return z, vNew
}

// ConstantCurrentLIF builds the step of Norse's constant_current_lif_encode
// applied to a given sequence: the encoder runs lif_current_encoder once per
// time step on that step's input current, from v = 0 (Norse starts the
// encoder at zeros, not at v_leak). Feeding the same current at every step
// of a sequence of length seq_length gives Norse's encoding of that current.
func ConstantCurrentLIF(p LIFParameters, dt float64) *ir.Step {
	return Lift("constant_current_lif", "x", "z", []StateVar{{"v", 0}}, func(s *ir.Step, x *ir.Value, st []*ir.Value) (*ir.Value, []*ir.Value) {
		z, v := LIFCurrentEncoderStep(s, x, st[0], p, dt)
		return z, []*ir.Value{v}
	})
}

// SpikeLatency builds the step of Norse's spike_latency_lif_encode (the
// SpikeLatencyLIFEncoder module) applied to a given sequence: the LIF
// current encoder as in ConstantCurrentLIF, but each neuron keeps only its
// first spike, as if its refractory period were infinite. The state mask
// (0 until the neuron's first spike, then 1) is Norse's boolean mask; the
// voltage keeps integrating and resetting after the first spike, as in
// Norse. The output torch.where(mask, 0, z) is select(mask, 0, z): backward
// the surrogate gradient reaches the input until the first spike and is 0
// after it; the mask carries no gradient.
func SpikeLatency(p LIFParameters, dt float64) *ir.Step {
	return Lift("spike_latency", "x", "z", []StateVar{{"v", 0}, {"mask", 0}}, func(s *ir.Step, x *ir.Value, st []*ir.Value) (*ir.Value, []*ir.Value) {
		z, v := LIFCurrentEncoderStep(s, x, st[0], p, dt)
		mask := st[1]
		out := s.Select(mask, s.Const(0), z)
		return out, []*ir.Value{v, s.Max(mask, s.Detach(z))}
	})
}
