package gogen

import (
	"strings"
	"testing"

	"github.com/snnc/snnc/internal/teststeps"
	"github.com/snnc/snnc/ir"
)

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
	x := teststeps.Must(g.Input("input", 3))
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
	s := teststeps.Integrator()
	s.Output("s", s.States[0].Next)
	g = ir.NewGraph("twoout")
	x = teststeps.Must(g.Input("input", 3))
	g.Output("y", teststeps.Must(g.Op(ir.GNeuron, &ir.Node{Step: s}, x)))
	if _, err := Generate(g, nil, Options{Package: "twoout"}); err == nil || !strings.Contains(err.Error(), "step integrator has 2 outputs (z, s)") {
		t.Errorf("step with two outputs: got %v", err)
	}
}
