package functional

import (
	"fmt"
	"sort"

	"github.com/snnc/snnc/ir"
)

// IzhikevichParameters are the parameters of Izhikevich neurons. A, B, C and
// D have no defaults; the presets give them.
type IzhikevichParameters struct {
	A      float64      `json:"a"`
	B      float64      `json:"b"`
	C      float64      `json:"c"`
	D      float64      `json:"d"`
	Sq     float64      `json:"sq"`      // coefficient of v² (0.04)
	Mn     float64      `json:"mn"`      // coefficient of v (5)
	Bias   float64      `json:"bias"`    // constant drive (140)
	VTh    float64      `json:"v_th"`    // spike cut-off (30)
	TauInv float64      `json:"tau_inv"` // time scale (250: dt·tau_inv = 0.25 with dt = 1 ms in s)
	Method ir.Surrogate `json:"method"`
	Alpha  float64      `json:"alpha"`
}

// IzhikevichSpikingBehavior is a preset: parameters and the resting state.
type IzhikevichSpikingBehavior struct {
	P IzhikevichParameters `json:"p"`
	V float64              `json:"v"` // initial voltage
	U float64              `json:"u"` // initial recovery variable
}

// IzhikevichState is the state of an Izhikevich neuron: v and recovery u.
type IzhikevichState struct{ V, U *ir.Value }

// IzhikevichStep advances Izhikevich neurons by one step. Both updates use
// the old v and u; the recurrent form is the same with a weighted input.
//
//	v′ = v + tau_inv·dt·(sq·v² + mn·v + bias − u + x)
//	u′ = u + tau_inv·dt·a·(b·v − u)
//	z  = Θ(v′ − v_th); v = c and u = u′ + d after a spike
func IzhikevichStep(s *ir.Step, x *ir.Value, st IzhikevichState, p IzhikevichParameters, dt float64) (*ir.Value, IzhikevichState) {
	v, u := st.V, st.U
	k := s.Mul(s.Param("tau_inv", p.TauInv), s.Const(dt))
	dv := s.Add(s.Sub(s.Add(s.Add(s.Mul(s.Param("sq", p.Sq), s.Mul(v, v)), s.Mul(s.Param("mn", p.Mn), v)), s.Param("bias", p.Bias)), u), x)
	vP := s.Add(v, s.Mul(k, dv))
	uP := s.Add(u, s.Mul(s.Mul(k, s.Param("a", p.A)), s.Sub(s.Mul(s.Param("b", p.B), v), u)))
	z := Threshold(s, s.Sub(vP, s.Param("v_th", p.VTh)), p.Method, p.Alpha)
	notZ := s.Sub(s.Const(1), z)
	vNew := s.Add(s.Mul(notZ, vP), s.Mul(z, s.Param("c", p.C)))
	uNew := s.Add(s.Mul(notZ, uP), s.Mul(z, s.Add(uP, s.Param("d", p.D))))
	return z, IzhikevichState{V: vNew, U: uNew}
}

// izhikevichPreset builds a preset from Izhikevich's table: a, b, c, d,
// tau_inv and the resting voltage; u starts at b·v_rest.
func izhikevichPreset(a, b, c, d, tauInv, vRest float64) IzhikevichSpikingBehavior {
	return IzhikevichSpikingBehavior{
		P: IzhikevichParameters{A: a, B: b, C: c, D: d, Sq: 0.04, Mn: 5, Bias: 140, VTh: 30, TauInv: tauInv, Method: Super, Alpha: 100},
		V: vRest, U: b * vRest,
	}
}

// IzhikevichPresets are Norse's 20 spiking behaviours, by Norse's names.
var IzhikevichPresets = map[string]IzhikevichSpikingBehavior{
	"tonic_spiking":               izhikevichPreset(0.02, 0.2, -65, 6, 250, -70),
	"phasic_spiking":              izhikevichPreset(0.02, 0.25, -65, 6, 250, -64),
	"tonic_bursting":              izhikevichPreset(0.02, 0.2, -50, 2, 250, -70),
	"phasic_bursting":             izhikevichPreset(0.02, 0.25, -55, 0.05, 200, -64),
	"mixed_mode":                  izhikevichPreset(0.02, 0.2, -55, 4, 250, -70),
	"spike_frequency_adaptation":  izhikevichPreset(0.01, 0.2, -65, 8, 250, -70),
	"class_1_exc":                 withDrive(izhikevichPreset(0.02, -0.1, -55, 6, 250, -60), 4.1, 108),
	"class_2_exc":                 izhikevichPreset(0.2, 0.26, -65, 0, 250, -64),
	"spike_latency":               izhikevichPreset(0.02, 0.2, -65, 6, 250, -70),
	"subthreshold_oscillation":    izhikevichPreset(0.05, 0.26, -60, 0, 250, -62),
	"resonator":                   izhikevichPreset(0.1, 0.26, -60, -1, 250, -62),
	"integrator":                  withDrive(izhikevichPreset(0.02, -0.1, -55, 6, 250, -60), 4.1, 108),
	"rebound_spike":               izhikevichPreset(0.03, 0.25, -60, 4, 200, -64),
	"rebound_burst":               izhikevichPreset(0.03, 0.25, -52, 0, 200, -64),
	"threshold_variability":       izhikevichPreset(0.03, 0.25, -60, 4, 250, -64),
	"bistability":                 izhikevichPreset(0.1, 0.26, -60, 0, 250, -61),
	"dap":                         izhikevichPreset(1, 0.2, -60, -21, 100, -70),
	"accomodation":                withU(izhikevichPreset(0.02, 1, -55, 4, 500, -65), -16),
	"inhibition_induced_spiking":  izhikevichPreset(-0.02, -1, -60, 8, 250, -63.8),
	"inhibition_induced_bursting": izhikevichPreset(-0.026, -1, -45, -2, 250, -63.8),
}

func withDrive(b IzhikevichSpikingBehavior, mn, bias float64) IzhikevichSpikingBehavior {
	b.P.Mn, b.P.Bias = mn, bias
	return b
}

func withU(b IzhikevichSpikingBehavior, u float64) IzhikevichSpikingBehavior {
	b.U = u
	return b
}

// IzhikevichPreset returns the preset called name.
func IzhikevichPreset(name string) (IzhikevichSpikingBehavior, error) {
	b, ok := IzhikevichPresets[name]
	if !ok {
		names := make([]string, 0, len(IzhikevichPresets))
		for n := range IzhikevichPresets {
			names = append(names, n)
		}
		sort.Strings(names)
		return b, fmt.Errorf("unknown Izhikevich preset %q (want one of %v)", name, names)
	}
	return b, nil
}
