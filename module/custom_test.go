package module_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/snnc/snnc/backend/interp"
	"github.com/snnc/snnc/functional"
	"github.com/snnc/snnc/ir"
	"github.com/snnc/snnc/module"
)

// ResonatorParameters: a resonate-and-fire neuron, registered below as a
// user's package would.
type ResonatorParameters struct {
	Omega float64 `json:"omega"`
	Damp  float64 `json:"damp"`
	VTh   float64 `json:"v_th"`
}

func resonator(p ResonatorParameters, dt float64) *ir.Step {
	return functional.Lift("resonator", "x", "z", []functional.StateVar{{Name: "u", Init: 0}, {Name: "w", Init: 0}},
		func(s *ir.Step, x *ir.Value, st []*ir.Value) (*ir.Value, []*ir.Value) {
			u, w := st[0], st[1]
			h := s.Const(dt)
			du := s.Sub(s.Add(s.Mul(s.Param("damp", p.Damp), u), x), s.Mul(s.Param("omega", p.Omega), w))
			dw := s.Add(s.Mul(s.Param("omega", p.Omega), u), s.Mul(s.Param("damp", p.Damp), w))
			un, wn := s.Add(u, s.Mul(h, du)), s.Add(w, s.Mul(h, dw))
			z := functional.Threshold(s, s.Sub(wn, s.Param("v_th", p.VTh)), functional.Super, 100)
			return z, []*ir.Value{un, s.Sub(wn, s.Mul(z, wn))}
		})
}

func init() {
	functional.MustRegister("test_resonator", "resonate-and-fire", func() ResonatorParameters {
		return ResonatorParameters{Omega: 40, Damp: -1, VTh: 0.05}
	}, resonator)
}

// TestRegisteredModelInFile: a model registered outside snnc is a model
// file's neuron model like a built-in one, parameters and their checks
// included, and module.Custom runs the same step without the registry.
func TestRegisteredModelInFile(t *testing.T) {
	src := modelJSON("", `{"type": "flatten"}`, `{"type": "neuron", "name": "res", "model": "test_resonator", "params": {"omega": 50}}`)
	m, err := module.Parse("m.snn.json", []byte(src), nil, 0)
	require.NoError(t, err)
	b, err := module.Build(m.Name, m.Net, m.InputShape...)
	require.NoError(t, err)

	_, err = module.Parse("m.snn.json", []byte(modelJSON("", `{"type": "neuron", "name": "r", "model": "test_resonator", "params": {"omega": 1, "tau": 3}}`)), nil, 0)
	require.ErrorContains(t, err, `unknown field "tau"`)

	step := resonator(ResonatorParameters{Omega: 50, Damp: -1, VTh: 0.05}, 1e-3)
	cb, err := module.Build("custom", module.Sequential{module.Flatten{}, &module.Custom{Name: "res", Step: step}}, 1, 6, 6)
	require.NoError(t, err)

	const T, B = 30, 2
	x := make([]float64, T*B*36)
	for i := range x {
		x[i] = float64(i%7) * 20
	}
	run := func(b *module.Builder) []float64 {
		res, err := interp.RunGraph(b.Graph, &interp.GraphRun{T: T, B: B, Inputs: map[string][]float64{"input": x}, Params: b.Params})
		require.NoError(t, err)
		return res.Outputs["output"]
	}
	fromFile, custom := run(b), run(cb)
	assert.Equal(t, fromFile, custom)
	spikes := 0.0
	for _, z := range custom {
		spikes += z
	}
	assert.Positive(t, spikes, "the resonator spikes on this input")

	// The step the caller passed is not renamed or changed.
	assert.Equal(t, "resonator", step.Name)
	_, err = module.Build("bad", &module.Custom{Name: "c"}, 3)
	assert.ErrorContains(t, err, "has no step")
}
