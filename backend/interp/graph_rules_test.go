package interp

import (
	"strings"
	"testing"

	"github.com/snnc/snnc/ir"
)

// TestGraphRulesCoverIR: every graph op of ir has a forward rule and a
// gradient rule (or is a leaf, with the reason), or is listed as not
// evaluable with the reason; the table holds no op ir does not have.
func TestGraphRulesCoverIR(t *testing.T) {
	known := map[ir.GraphOp]bool{}
	for _, op := range ir.GraphOps() {
		known[op] = true
		rule, ok := graphRules[op]
		if why, listed := notEvaluable[op]; listed {
			if why == "" {
				t.Errorf("%v is listed as not evaluable without a reason", op)
			}
			if ok {
				t.Errorf("%v is listed as not evaluable but has a rule", op)
			}
			continue
		}
		if !ok || rule.forward == nil {
			t.Errorf("%v has no forward rule and is not listed as not evaluable", op)
			continue
		}
		switch {
		case rule.backward == nil && rule.leaf == "":
			t.Errorf("%v has no gradient rule and is not a leaf", op)
		case rule.backward != nil && rule.leaf != "":
			t.Errorf("%v has a gradient rule and is a leaf (%s)", op, rule.leaf)
		}
	}
	for op := range graphRules {
		if !known[op] {
			t.Errorf("a rule for %v, which ir.GraphOps does not list", op)
		}
	}
	for op := range notEvaluable {
		if !known[op] {
			t.Errorf("%v listed as not evaluable is not an op of ir.GraphOps", op)
		}
	}
}

// addGraph is y = x + x over 3 features.
func addGraph(t *testing.T) *ir.Graph {
	g := ir.NewGraph("twice")
	x, err := g.Input("x", 3)
	if err != nil {
		t.Fatal(err)
	}
	y, err := g.Op(ir.GAdd, nil, x, x)
	if err != nil {
		t.Fatal(err)
	}
	g.Output("y", y)
	return g
}

// TestOpWithoutRuleRefused: a graph holding an op whose rule is missing (or
// whose gradient rule is, or which is listed as not evaluable) is refused
// by RunGraph and GradGraph with an error naming the op, not a panic; with
// the rule back, the same graph runs.
func TestOpWithoutRuleRefused(t *testing.T) {
	g := addGraph(t)
	run := func() *GraphRun {
		return &GraphRun{T: 2, B: 1, Inputs: map[string][]float64{"x": {1, 2, 3, 4, 5, 6}}}
	}
	seed := map[string][]float64{"y": {1, 1, 1, 1, 1, 1}}
	saved := graphRules[ir.GAdd]
	t.Cleanup(func() {
		graphRules[ir.GAdd] = saved
		delete(notEvaluable, ir.GAdd)
	})
	refused := func(what string, err error, want string) {
		t.Helper()
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "graph twice") {
			t.Errorf("%s: error %v, want one naming graph twice and %q", what, err, want)
		}
	}

	delete(graphRules, ir.GAdd)
	_, err := RunGraph(g, run())
	refused("RunGraph without add's rule", err, "no interpreter rule for add")
	_, _, err = GradGraph(g, run(), seed)
	refused("GradGraph without add's rule", err, "no interpreter rule for add")

	graphRules[ir.GAdd] = graphRule{forward: saved.forward}
	_, _, err = GradGraph(g, run(), seed)
	refused("GradGraph without add's gradient rule", err, "no gradient rule for add")

	graphRules[ir.GAdd] = saved
	notEvaluable[ir.GAdd] = "a reason given here"
	_, err = RunGraph(g, run())
	refused("RunGraph with add listed as not evaluable", err, "does not evaluate add: a reason given here")
	delete(notEvaluable, ir.GAdd)

	res, grads, err := GradGraph(g, run(), seed)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range res.Outputs["y"] {
		if want := 2 * float64(i+1); v != want {
			t.Errorf("y[%d] = %g, want %g", i, v, want)
		}
	}
	for i, v := range grads.Inputs["x"] {
		if v != 2 {
			t.Errorf("dL/dx[%d] = %g, want 2", i, v)
		}
	}
}
