package gogen

import (
	"strings"
	"testing"

	"github.com/snnc/snnc/internal/teststeps"
	"github.com/snnc/snnc/ir"
)

// TestEmitRulesCoverIR: every graph op of ir has an emit rule that says
// all the generator needs of its kind of value, or is refused by name with
// a reason; the table holds no op ir does not have.
func TestEmitRulesCoverIR(t *testing.T) {
	known := map[ir.GraphOp]bool{}
	for _, op := range ir.GraphOps() {
		known[op] = true
		rule, ok := emitRules[op]
		if why, refused := notEmitted[op]; refused {
			if why == "" {
				t.Errorf("%v is refused without a reason", op)
			}
			if ok {
				t.Errorf("%v is refused but has a rule", op)
			}
			continue
		}
		if !ok {
			t.Errorf("%v has no emit rule and is not listed in notEmitted", op)
			continue
		}
		switch rule.kind {
		case computed:
			if rule.forward == nil || rule.backward == nil {
				t.Errorf("%v computes its value but lacks a forward or a backward rule", op)
			}
		case given:
			if rule.value == nil || rule.gradient == nil || rule.plan == nil {
				t.Errorf("%v is given but lacks its value, gradient or plan", op)
			}
		case view:
			if rule.forward != nil || rule.backward != nil || rule.state != nil {
				t.Errorf("%v is a view but has code or state of its own", op)
			}
		}
	}
	for op := range emitRules {
		if !known[op] {
			t.Errorf("an emit rule for %v, which ir.GraphOps does not list", op)
		}
	}
	for op := range notEmitted {
		if !known[op] {
			t.Errorf("%v in notEmitted is not an op of ir.GraphOps", op)
		}
	}
}

// TestUnsupportedOpRefused: Generate refuses a graph holding an op it
// cannot emit, with an error naming the graph, the op and the reason, even
// where the node does not reach the output; an op whose rule is missing is
// refused the same way, and with the rule back the graph compiles.
func TestUnsupportedOpRefused(t *testing.T) {
	g := ir.NewGraph("lossy")
	x := teststeps.Must(g.Input("input", 3))
	y := teststeps.Must(g.Op(ir.GNeuron, &ir.Node{Step: teststeps.Integrator()}, x))
	teststeps.Must(g.Op(ir.GMSE, nil, y, y))
	g.Output("y", y)
	_, err := Generate(g, nil, Options{Package: "lossy"})
	if err == nil || !strings.Contains(err.Error(), "graph lossy") || !strings.Contains(err.Error(), "= mse ") ||
		!strings.Contains(err.Error(), "losses are not compiled") {
		t.Errorf("a graph with mse: error %v, want one naming graph lossy, the mse node and the reason", err)
	}

	g = ir.NewGraph("twice")
	x = teststeps.Must(g.Input("input", 3))
	sum := teststeps.Must(g.Op(ir.GAdd, nil, x, x))
	g.Output("y", teststeps.Must(g.Op(ir.GNeuron, &ir.Node{Step: teststeps.Integrator()}, sum)))
	saved := emitRules[ir.GAdd]
	delete(emitRules, ir.GAdd)
	t.Cleanup(func() { emitRules[ir.GAdd] = saved })
	_, err = Generate(g, nil, Options{Package: "twice"})
	if err == nil || !strings.Contains(err.Error(), "graph twice") || !strings.Contains(err.Error(), "no generated form for add") {
		t.Errorf("add without its rule: error %v, want one naming graph twice and add", err)
	}
	emitRules[ir.GAdd] = saved
	files, err := Generate(g, nil, Options{Package: "twice"})
	if err != nil {
		t.Fatalf("with add's rule: %v", err)
	}
	if !strings.Contains(string(files["model.go"]), "\tadd(v2, x, x)\n") {
		t.Errorf("model.go does not add the input to itself:\n%s", files["model.go"])
	}
}
