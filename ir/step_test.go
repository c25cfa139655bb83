package ir_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/snnc/snnc/functional"
	"github.com/snnc/snnc/ir"
)

// allSteps builds every functional model with Norse's default parameters.
func allSteps(t testing.TB) []*ir.Step {
	var steps []*ir.Step
	for _, name := range functional.ModelNames() {
		m, err := functional.LookupModel(name)
		require.NoError(t, err)
		steps = append(steps, m.Build(m.Params(), 1e-3))
	}
	return steps
}

func TestModelsVerify(t *testing.T) {
	for _, s := range allSteps(t) {
		assert.NoError(t, ir.Verify(s), s.Name)
	}
}

func TestPrintParseRoundTrip(t *testing.T) {
	for _, s := range allSteps(t) {
		text := s.String()
		back, err := ir.ParseStep(text)
		require.NoError(t, err, "%s:\n%s", s.Name, text)
		assert.Equal(t, text, back.String(), s.Name)
		assert.Equal(t, len(s.Values), len(back.Values))
		for k, v := range s.Values {
			w := back.Values[k]
			assert.Equal(t, v.LongString(), w.LongString())
			assert.Equal(t, v.Const, w.Const)
		}
	}
}

func TestPrintExactFloats(t *testing.T) {
	s := ir.NewStep("f")
	x := s.Input("x")
	c := s.Const(0.1 + 0.2) // not the shortest decimal of any literal
	st := s.State("v", float64(float32(1.8)))
	s.Output("y", s.Add(s.Mul(x, c), s.Param("p", 1.0/3)))
	s.SetNext(st, x)
	back, err := ir.ParseStep(s.String())
	require.NoError(t, err)
	assert.Equal(t, 0.1+0.2, back.Values[1].Const)
	assert.Equal(t, float64(float32(1.8)), back.States[0].Init)
	assert.Equal(t, 1.0/3, back.Params[0].Default)
}

func TestParseErrors(t *testing.T) {
	const good = `step s {
  input x
  state v = 0
  v1 = input x
  v2 = state v
  v3 = add v1 v2
  output z = v3
  next v = v3
}
`
	_, err := ir.ParseStep(good)
	require.NoError(t, err)
	for _, tc := range []struct{ name, src, want string }{
		{"empty", "", "1:1: empty input"},
		{"header", "stop s {\n}", "1:1: want \"step NAME {\""},
		{"unknown op", strings.Replace(good, "add v1 v2", "plus v1 v2", 1), "6:8: unknown op \"plus\""},
		{"arity", strings.Replace(good, "add v1 v2", "add v1", 1), "6:8: add takes 2 arguments, got 1"},
		{"undefined", strings.Replace(good, "add v1 v2", "add v1 v9", 1), "6:15: v9 is not defined before this line"},
		{"use before def", strings.Replace(good, "output z = v3", "output z = v4", 1), "7:14: v4 is not defined"},
		{"dup value", strings.Replace(good, "v3 = add", "v2 = add", 1), "6:3: v2 defined twice"},
		{"dup decl", strings.Replace(good, "state v = 0", "state x = 0", 1), "3:9: x already declared at 2:9"},
		{"bad number", strings.Replace(good, "state v = 0", "state v = zero", 1), "3:13: bad number \"zero\""},
		{"undeclared leaf", strings.Replace(good, "v1 = input x", "v1 = input y", 1), "v1 = input y: no input called \"y\" is declared"},
		{"missing next", strings.Replace(good, "  next v = v3\n", "", 1), "state v has no next value"},
		{"no brace", strings.Replace(good, "}\n", "", 1), "missing closing brace"},
		{"bad surrogate", strings.Replace(good, "add v1 v2", "threshold sup 1 v1", 1), "unknown surrogate method \"sup\""},
		{"bad pred", strings.Replace(good, "add v1 v2", "cmp gtt v1 v2", 1), "6:12: unknown predicate \"gtt\""},
		{"trailing", good + "extra\n", "unexpected text after the closing brace"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ir.ParseStep(tc.src)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestVerifyRejects(t *testing.T) {
	build := func() (*ir.Step, *ir.Value) {
		s := ir.NewStep("s")
		x := s.Input("x")
		v := s.State("v", 0)
		y := s.Add(x, v)
		s.Output("z", y)
		s.SetNext(v, y)
		return s, y
	}
	for _, tc := range []struct {
		name   string
		break_ func(s *ir.Step, y *ir.Value)
		want   string
	}{
		{"arity", func(s *ir.Step, y *ir.Value) { y.Args = y.Args[:1] }, "v3 = add v1: add takes 2 arguments, got 1"},
		{"order", func(s *ir.Step, y *ir.Value) { s.Values[0], s.Values[2] = s.Values[2], s.Values[0] }, "v3 = add v1 v2: argument v1 is not defined before it"},
		{"no outputs", func(s *ir.Step, y *ir.Value) { s.Outputs = nil }, "no outputs"},
		{"bad name", func(s *ir.Step, y *ir.Value) { s.Inputs[0] = "1x" }, "input name \"1x\" is not an identifier"},
		{"dup name", func(s *ir.Step, y *ir.Value) { s.Params = append(s.Params, ir.ParamVar{Name: "x"}) }, "param x: the name is already a input"},
		{"bad method", func(s *ir.Step, y *ir.Value) { y.Op = ir.OpThreshold; y.Args = y.Args[:1] }, "invalid surrogate method"},
		{"foreign next", func(s *ir.Step, y *ir.Value) { s.States[0].Next = &ir.Value{ID: 99, Op: ir.OpConst} }, "next v = v99: the value is not defined"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, y := build()
			require.NoError(t, ir.Verify(s))
			tc.break_(s, y)
			err := ir.Verify(s)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range allSteps(f) {
		f.Add(s.String())
	}
	f.Add("step s {\n  input x\n  v1 = input x\n  output y = v1\n}\n")
	f.Fuzz(func(t *testing.T, src string) {
		s, err := ir.ParseStep(src)
		if err != nil {
			return
		}
		text := s.String()
		back, err := ir.ParseStep(text)
		if err != nil {
			t.Fatalf("printed step does not parse: %v\n%s", err, text)
		}
		if got := back.String(); got != text {
			t.Fatalf("round trip changed the step:\n%s\nbecame\n%s", text, got)
		}
	})
}
