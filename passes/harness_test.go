package passes_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/snnc/snnc/backend/interp"
	"github.com/snnc/snnc/functional"
	"github.com/snnc/snnc/ir"
	"github.com/snnc/snnc/module"
	"github.com/snnc/snnc/passes"
)

// An irCase is IR the passes run on: a functional model's step, wrapped in
// a graph of one neuron node that binds no parameter (so every parameter
// takes its default, as in a model file), a testdata model's graph with its
// weights, or a hand-written test file.
type irCase struct {
	name   string
	g      *ir.Graph
	step   bool                 // g wraps one step: print and run just that
	params map[string][]float64 // graph parameters; nil: random ones
	scale  float64              // input scale of a model's step
}

// text is the form goldens hold: the steps of a wrapped step (the step and
// its adjoint once autodiff has run), else the graph.
func (c irCase) text(g *ir.Graph) string {
	if c.step {
		var b strings.Builder
		for _, s := range g.Steps {
			b.WriteString(s.String())
		}
		return b.String()
	}
	return g.String()
}

// wrapStep returns a graph that applies s, with one input per step input
// and no bound parameters.
func wrapStep(t testing.TB, s *ir.Step) *ir.Graph {
	g := ir.NewGraph(s.Name)
	var args []*ir.Node
	for _, name := range s.Inputs {
		x, err := g.Input(name, 4)
		require.NoError(t, err)
		args = append(args, x)
	}
	n, err := g.Op(ir.GNeuron, &ir.Node{Step: s}, args...)
	require.NoError(t, err)
	g.Output(s.Outputs[0].Name, n)
	require.NoError(t, ir.VerifyGraph(g))
	return g
}

// modelCases are the step of every functional model with Norse's defaults.
func modelCases(t testing.TB) []irCase {
	var cs []irCase
	for _, name := range functional.ModelNames() {
		m, err := functional.LookupModel(name)
		require.NoError(t, err)
		scale := inputScale[name]
		if scale == 0 {
			scale = 1
		}
		cs = append(cs, irCase{name: "model_" + name, g: wrapStep(t, m.Build(m.Params(), 1e-3)), step: true, scale: scale})
	}
	return cs
}

// graphCases are the graphs of the testdata models.
func graphCases(t testing.TB) []irCase {
	paths, err := filepath.Glob("../testdata/models/*.snn.json")
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	var cs []irCase
	for _, p := range paths {
		m, err := module.Load(p, 0)
		require.NoError(t, err)
		b, err := m.Build()
		require.NoError(t, err)
		cs = append(cs, irCase{name: "graph_" + m.Name, g: b.Graph, params: b.Params})
	}
	return cs
}

// specials are the numbers where exact rewrites and folds go wrong if they
// are wrong at all: signed zeros, infinities, NaN, a float32 subnormal, a
// float64 value that is 0 in float32, one that overflows float32, and
// numbers that are not float32-exact.
var specials = []float64{
	0, math.Copysign(0, -1), 1, -1, 2, 0.5, math.Inf(1), math.Inf(-1), math.NaN(),
	1e-40, 1e-50, 1e39, 0.001, -0.001, 0.1, 1.0 / 3, 100, -7.25,
}

// checkSame runs the case's IR before and after in both precisions on the
// same inputs and fails unless every output, state and node value is the
// same bit for bit (any NaN equals any NaN). special draws inputs from
// specials instead of a model's range.
func checkSame(t *testing.T, c irCase, before, after *ir.Graph, rng *rand.Rand, special bool) {
	t.Helper()
	for _, prec := range []interp.Precision{interp.Float64, interp.Float32} {
		if c.step {
			s0, s1 := before.Steps[0], after.Steps[0]
			run := stepRun(s0, rng, special, c.scale)
			run.Precision = prec
			r0, err := interp.RunStep(s0, run)
			require.NoError(t, err)
			r1, err := interp.RunStep(s1, run)
			require.NoError(t, err)
			for name, want := range r0.Outputs {
				requireSameBits(t, fmt.Sprintf("%v output %s", prec, name), want, r1.Outputs[name])
			}
			for name, want := range r0.States {
				requireSameBits(t, fmt.Sprintf("%v state %s", prec, name), want, r1.States[name])
			}
			continue
		}
		run := graphRun(before, c.params, rng, special)
		run.Precision = prec
		r0, err := interp.RunGraph(before, run)
		require.NoError(t, err)
		run.Params = paramsOf(after, run.Params) // dce may drop some
		r1, err := interp.RunGraph(after, run)
		require.NoError(t, err)
		for name, want := range r0.Outputs {
			requireSameBits(t, fmt.Sprintf("%v output %s", prec, name), want, r1.Outputs[name])
		}
		byID := map[int]*ir.Node{}
		for _, n := range before.Nodes {
			byID[n.ID] = n
		}
		for _, n := range after.Nodes {
			n0 := byID[n.ID]
			require.NotNil(t, n0, "%s: node %v is new", c.name, n)
			requireSameBits(t, fmt.Sprintf("%v %s", prec, n.LongString()), r0.Values[n0], r1.Values[n])
			for name, want := range r0.States[n0] {
				requireSameBits(t, fmt.Sprintf("%v %v state %s", prec, n, name), want, r1.States[n][name])
			}
		}
	}
}

func requireSameBits(t *testing.T, what string, want, got []float64) {
	t.Helper()
	require.Len(t, got, len(want), what)
	for i := range want {
		if math.Float64bits(want[i]) != math.Float64bits(got[i]) && !(math.IsNaN(want[i]) && math.IsNaN(got[i])) {
			t.Fatalf("%s[%d]: %v before, %v after", what, i, want[i], got[i])
		}
	}
}

// stepRun draws a run of s: randomRun's model inputs and states, or
// special values in every lane, over a few time steps.
func stepRun(s *ir.Step, rng *rand.Rand, special bool, scale float64) *interp.StepRun {
	if !special {
		run, _ := randomRun(s, rng, 20, 2, 5, scale)
		return run
	}
	const T, B, N = 3, 1, 24
	run := &interp.StepRun{T: T, B: B, N: N, Inputs: map[string][]float64{}, Init: map[string][]float64{}}
	for _, name := range s.Inputs {
		run.Inputs[name] = specialValues(rng, T*B*N)
	}
	for _, st := range s.States {
		run.Init[st.Name] = specialValues(rng, B*N)
	}
	return run
}

// specialValues returns n numbers, most of them drawn from specials.
func specialValues(rng *rand.Rand, n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		if rng.IntN(4) == 0 {
			x[i] = rng.NormFloat64()
		} else {
			x[i] = specials[rng.IntN(len(specials))]
		}
	}
	return x
}

// graphRun draws inputs (spikes, or special values) for a short run of g
// and takes its parameters from params, drawing the ones params lacks.
func graphRun(g *ir.Graph, params map[string][]float64, rng *rand.Rand, special bool) *interp.GraphRun {
	const T, B = 12, 2
	run := &interp.GraphRun{T: T, B: B, Inputs: map[string][]float64{}, Params: map[string][]float64{}}
	for _, n := range g.Nodes {
		switch n.Op {
		case ir.GInput:
			size := B * n.Type.Size()
			if n.Type.Kind == ir.Sequence {
				size *= T
			}
			x := make([]float64, size)
			for i := range x {
				if special {
					x[i] = specials[rng.IntN(len(specials))]
				} else if rng.IntN(3) == 0 {
					x[i] = 1
				}
			}
			run.Inputs[n.Name] = x
		case ir.GParam:
			if p, ok := params[n.Name]; ok {
				run.Params[n.Name] = p
				continue
			}
			p := make([]float64, n.Type.Size())
			for i := range p {
				p[i] = rng.NormFloat64()
			}
			run.Params[n.Name] = p
		}
	}
	return run
}

// paramsOf keeps the parameters g still has.
func paramsOf(g *ir.Graph, params map[string][]float64) map[string][]float64 {
	kept := map[string][]float64{}
	for _, n := range g.Nodes {
		if n.Op == ir.GParam {
			kept[n.Name] = params[n.Name]
		}
	}
	return kept
}

// runObserved runs the pipeline over c and returns the graph after each
// pass that ran, and the passes' names.
func runObserved(t *testing.T, c irCase, opt passes.Options) ([]string, []*ir.Graph) {
	t.Helper()
	var names []string
	var gs []*ir.Graph
	opt.Observe = func(pass string, g *ir.Graph) {
		names = append(names, pass)
		gs = append(gs, g.Clone())
	}
	_, err := passes.Run(c.g, opt)
	require.NoError(t, err, c.name)
	return names, gs
}

// sectionsOf splits a golden file into its header comment, the IR before
// and the IR after.
func sectionsOf(text string) (header, before, after string, err error) {
	header, rest, ok := strings.Cut(text, beforeMark)
	if !ok {
		return "", "", "", fmt.Errorf("no %q line", strings.TrimSpace(beforeMark))
	}
	before, after, ok = strings.Cut(rest, afterMark)
	if !ok {
		return "", "", "", fmt.Errorf("no %q line", strings.TrimSpace(afterMark))
	}
	return header, before, after, nil
}

const (
	beforeMark = "-- before --\n"
	afterMark  = "-- after --\n"
)
