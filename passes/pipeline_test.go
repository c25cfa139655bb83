package passes_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/snnc/snnc/functional"
	"github.com/snnc/snnc/ir"
	"github.com/snnc/snnc/passes"
)

// TestPipelineTable checks the declared pipeline: kebab-case names, docs,
// and constraints that name earlier passes.
func TestPipelineTable(t *testing.T) {
	require.NoError(t, passes.Check(passes.Pipeline))
	for _, p := range passes.Pipeline {
		assert.NotEmpty(t, p.Summary, p.Name)
		assert.Contains(t, p.Doc, ".", p.Name)
	}
}

func TestCheckRejectsBadTables(t *testing.T) {
	run := func(*ir.Graph) error { return nil }
	pass := func(name string, after ...string) passes.Pass {
		return passes.Pass{Name: name, Summary: "s", Doc: "d.", Optional: true, After: after, Run: run}
	}
	for _, tc := range []struct {
		table []passes.Pass
		err   string
	}{
		{[]passes.Pass{pass("a"), pass("b", "c"), pass("c")}, `pass b must run after "c", which is not an earlier pass`},
		{[]passes.Pass{pass("a", "nope")}, `pass a must run after "nope"`},
		{[]passes.Pass{pass("a", "a")}, `pass a must run after "a"`},
		{[]passes.Pass{pass("a"), pass("a")}, "two passes are called a"},
		{[]passes.Pass{pass("Constant_Fold")}, `pass name "Constant_Fold" is not kebab-case`},
		{[]passes.Pass{{Name: "a", Summary: "s", Doc: "d"}}, "pass a has no function"},
		{[]passes.Pass{{Name: "a", Summary: "two\nlines", Doc: "d", Run: run}}, "pass a needs a one-line summary"},
		{[]passes.Pass{{Name: "a", Summary: "s", Run: run}}, "pass a has no doc"},
	} {
		err := passes.Check(tc.table)
		require.Error(t, err, tc.err)
		assert.Contains(t, err.Error(), tc.err)
	}
}

func TestRunRejectsBadOptions(t *testing.T) {
	g := graphCases(t)[0].g
	valid := "(the passes are " + strings.Join(passes.Names(passes.Pipeline), ", ") + ")"
	for _, tc := range []struct {
		opt passes.Options
		err string
	}{
		{passes.Options{StopAfter: "fold"}, `passes: unknown pass "fold" ` + valid},
		{passes.Options{Disable: []string{"cse", "nope"}}, `passes: unknown pass "nope" ` + valid},
		{passes.Options{StopAfter: "cse", Disable: []string{"cse"}}, "passes: cannot stop after cse: it is disabled"},
		{passes.Options{Train: true, StopAfter: "plan-buffers"}, "passes: cannot stop after plan-buffers: it does not run in a training compile"},
	} {
		_, err := passes.Run(g, tc.opt)
		require.Error(t, err)
		assert.Equal(t, tc.err, err.Error())
		assert.ErrorIs(t, err, passes.ErrPassSet)
	}
}

// TestTrainingSkipsInferencePasses: in a training compile the passes that
// rewrite for inference leave the graph alone, with or without autodiff
// (without it, and in graphs without neuron layers, nothing else tells
// them that the graph is backpropagated through).
func TestTrainingSkipsInferencePasses(t *testing.T) {
	for _, c := range modelCases(t) {
		for _, off := range [][]string{nil, {"autodiff", "fuse-surrogate-backward"}} {
			ran := map[string]bool{}
			_, err := passes.Run(c.g, passes.Options{Train: true, Disable: off, Observe: func(p string, _ *ir.Graph) { ran[p] = true }})
			require.NoError(t, err)
			for _, p := range passes.Pipeline {
				assert.Equal(t, !p.InferenceOnly && !slices.Contains(off, p.Name), ran[p.Name], "%s: pass %s (disabled %v)", c.name, p.Name, off)
			}
		}
	}
	required := []passes.Pass{{Name: "lower", Summary: "s", Doc: "d.", Run: func(*ir.Graph) error { return nil }}}
	err := passes.Options{Disable: []string{"lower"}}.Validate(required)
	require.Error(t, err)
	assert.Equal(t, "passes: pass lower is required and cannot be disabled", err.Error())
}

// TestRunLeavesInputAlone: Run works on a copy, whatever the passes do.
func TestRunLeavesInputAlone(t *testing.T) {
	for _, c := range append(graphCases(t), modelCases(t)...) {
		text := c.g.String()
		steps := append([]*ir.Step(nil), c.g.Steps...)
		out, err := passes.Run(c.g, passes.Options{})
		require.NoError(t, err)
		assert.Equal(t, text, c.g.String(), c.name)
		assert.Equal(t, steps, c.g.Steps, c.name)
		for _, s := range out.Steps {
			assert.NotContains(t, steps, s, "%s: the output shares a step with the input", c.name)
		}
	}
}

func TestRunStopAfterDisableObserve(t *testing.T) {
	c := graphCases(t)[0]
	names, gs := runObserved(t, c, passes.Options{StopAfter: "cse", Disable: []string{"canonicalize"}})
	assert.Equal(t, []string{"autodiff", "constant-fold", "cse"}, names)
	out, err := passes.Run(c.g, passes.Options{StopAfter: "cse", Disable: []string{"canonicalize"}})
	require.NoError(t, err)
	assert.Equal(t, gs[len(gs)-1].String(), out.String(), "Run returns what the last pass made")

	names, _ = runObserved(t, c, passes.Options{})
	assert.Equal(t, passes.Names(passes.Pipeline), names)
	names, _ = runObserved(t, c, passes.Options{Disable: passes.Names(passes.Pipeline)})
	assert.Empty(t, names)
}

func TestRunRejectsInvalidInput(t *testing.T) {
	g := ir.NewGraph("empty") // no outputs
	_, err := passes.Run(g, passes.Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "passes: input: ir: graph empty: no outputs")
}

// TestAdjointStepsFollowRewrites: a schedule's adjoint step is a step of
// the graph like any other; the passes rewrite it, point the schedule at
// the result and dce keeps it.
func TestAdjointStepsFollowRewrites(t *testing.T) {
	m, err := functional.LookupModel("lif")
	require.NoError(t, err)
	s := m.Build(m.Params(), 1e-3)
	bwd, err := passes.BackwardStep(s)
	require.NoError(t, err)
	g := ir.NewGraph("adjoint")
	x, err := g.Input("x", 3)
	require.NoError(t, err)
	n, err := g.Op(ir.GNeuron, &ir.Node{Step: s, Sched: ir.Schedule{Adjoint: bwd}}, x)
	require.NoError(t, err)
	g.Steps = append(g.Steps, bwd)
	g.Output("z", n)
	require.NoError(t, ir.VerifyGraph(g))

	out, err := passes.Run(g, passes.Options{})
	require.NoError(t, err)
	adj := out.Nodes[1].Sched.Adjoint
	require.NotNil(t, adj)
	assert.Contains(t, out.Steps, adj)
	assert.NotSame(t, bwd, adj)
	assert.Same(t, bwd, g.Nodes[1].Sched.Adjoint, "the input graph is left alone")
	assert.Less(t, len(adj.Values), len(bwd.Values), "the adjoint step was optimized too")
}
