package functional_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/snnc/snnc/functional"
	"github.com/snnc/snnc/ir"
)

// QIFParameters are the quadratic integrate-and-fire model's parameters,
// as a user's package would declare them.
type QIFParameters struct {
	TauMemInv float64 `json:"tau_mem_inv"`
	VTh       float64 `json:"v_th"`
}

// qif: v += dt·τ⁻¹·(v² + x); spike and reset to 0 when v > v_th.
func qif(p QIFParameters, dt float64) *ir.Step {
	return functional.Lift("qif", "x", "z", []functional.StateVar{{Name: "v", Init: 0}}, func(s *ir.Step, x *ir.Value, st []*ir.Value) (*ir.Value, []*ir.Value) {
		v := st[0]
		dv := s.Mul(s.Mul(s.Const(dt), s.Param("tau_mem_inv", p.TauMemInv)), s.Add(s.Mul(v, v), x))
		vn := s.Add(v, dv)
		z := functional.Threshold(s, s.Sub(vn, s.Param("v_th", p.VTh)), functional.Super, 100)
		return z, []*ir.Value{s.Sub(vn, s.Mul(z, vn))}
	})
}

func TestRegister(t *testing.T) {
	def := func() QIFParameters { return QIFParameters{TauMemInv: 100, VTh: 1} }
	require.NoError(t, functional.Register("test_qif", "quadratic integrate-and-fire", def, qif))
	m, err := functional.LookupModel("test_qif")
	require.NoError(t, err)
	assert.False(t, m.Builtin)
	assert.Contains(t, functional.ModelNames(), "test_qif")
	p := m.Params().(*QIFParameters)
	assert.Equal(t, 1.0, p.VTh)
	p.VTh = 2
	s := m.Build(p, 1e-3)
	require.NoError(t, ir.Verify(s))
	assert.Equal(t, 2.0, s.Params[s.ParamIndex("v_th")].Default)

	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"taken", functional.Register("test_qif", "", def, qif), "test_qif is already the name of another registered model"},
		{"builtin", functional.Register("lif", "", def, qif), "lif is already the name of a built-in model"},
		{"bad name", functional.Register("my-model", "", def, qif), `name "my-model" is not an identifier`},
		{"not a struct", functional.Register("f", "", func() float64 { return 1 }, func(float64, float64) *ir.Step { return nil }), "must be a struct"},
		{"nil build", functional.Register[QIFParameters]("nb", "", def, nil), "must not be nil"},
		{"panics", functional.Register("pan", "", def, func(QIFParameters, float64) *ir.Step { panic("boom") }), "panicked: boom"},
		{"two outputs", functional.Register("two", "", def, func(p QIFParameters, dt float64) *ir.Step {
			s := qif(p, dt)
			s.Output("v", s.States[0].Next)
			return s
		}), "2 outputs"},
		{"no input", functional.Register("noin", "", def, func(QIFParameters, float64) *ir.Step {
			s := ir.NewStep("noin")
			s.Output("z", s.Const(1))
			return s
		}), "no input"},
	} {
		require.Error(t, tc.err, tc.name)
		assert.True(t, errors.Is(tc.err, functional.ErrModel), tc.name)
		assert.Contains(t, tc.err.Error(), tc.want, tc.name)
	}
	for _, name := range []string{"f", "nb", "pan", "two", "noin", "my-model"} {
		_, err := functional.LookupModel(name)
		assert.Error(t, err, "%s was registered although Register failed", name)
	}
	assert.Panics(t, func() { functional.MustRegister("lif", "", def, qif) })
}
