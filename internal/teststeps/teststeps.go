// Package teststeps holds the small steps and helpers that the tests of
// several packages (backend/gogen, compiler) build networks from, so that
// they are written once. Only tests import it.
package teststeps

import (
	"github.com/snnc/snnc/functional"
	"github.com/snnc/snnc/ir"
)

// Must returns n, panicking on err: for graphs a test builds from known
// good parts.
func Must(n *ir.Node, err error) *ir.Node {
	if err != nil {
		panic(err)
	}
	return n
}

// Integrator is the custom dynamic of the functional package's example:
// s = s + x, spiking (and keeping s) while s > 1, with a SuperSpike
// surrogate.
func Integrator() *ir.Step {
	s := ir.NewStep("integrator")
	st := s.State("s", 0)
	next := s.Add(st, s.Input("x"))
	s.Output("z", functional.Threshold(s, s.Sub(next, s.Const(1)), functional.Super, 10))
	s.SetNext(st, next)
	return s
}
