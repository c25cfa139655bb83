package gogen

import (
	"strings"
	"testing"

	"github.com/snnc/snnc/functional"
	"github.com/snnc/snnc/ir"
)

func must(n *ir.Node, err error) *ir.Node {
	if err != nil {
		panic(err)
	}
	return n
}

// integrator is s = s + x, spiking while s > 1.
func integrator() *ir.Step {
	s := ir.NewStep("integrator")
	st := s.State("s", 0)
	next := s.Add(st, s.Input("x"))
	s.Output("z", functional.Threshold(s, s.Sub(next, s.Const(1)), functional.Super, 10))
	s.SetNext(st, next)
	return s
}

func TestGoName(t *testing.T) {
	for in, want := range map[string]string{
		"fc1.weight": "fc1Weight", "lsnn.recurrent_weights": "lsnnRecurrentWeights", "0bias": "x0bias", "": "v", "..": "v",
	} {
		if got := goName(in, false); got != want {
			t.Errorf("goName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestGenerateRejects(t *testing.T) {
	g := ir.NewGraph("bad")
	x := must(g.Input("input", 3))
	g.Output("a", x)
	g.Output("b", x)
	if _, err := Generate(g, nil, Options{Package: "bad"}); err == nil || !strings.Contains(err.Error(), "2 outputs") {
		t.Errorf("two outputs: got %v", err)
	}
	if _, err := Generate(g, nil, Options{Package: "no-go"}); err == nil || !strings.Contains(err.Error(), "not a Go identifier") {
		t.Errorf("bad package name: got %v", err)
	}

	// A step with two outputs runs in the interpreter; a package would
	// drop the second, so Generate refuses it.
	s := integrator()
	s.Output("s", s.States[0].Next)
	g = ir.NewGraph("twoout")
	x = must(g.Input("input", 3))
	g.Output("y", must(g.Op(ir.GNeuron, &ir.Node{Step: s}, x)))
	if _, err := Generate(g, nil, Options{Package: "twoout"}); err == nil || !strings.Contains(err.Error(), "step integrator has 2 outputs (z, s)") {
		t.Errorf("step with two outputs: got %v", err)
	}
}
