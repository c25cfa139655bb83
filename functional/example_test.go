package functional_test

import (
	"fmt"

	"github.com/snnc/snnc/backend/interp"
	"github.com/snnc/snnc/functional"
	"github.com/snnc/snnc/ir"
	"github.com/snnc/snnc/passes"
)

// IntegratorParameters say how the integrator's threshold is differentiated.
type IntegratorParameters struct {
	Method ir.Surrogate
	Alpha  float64
}

// IntegratorStep is a custom dynamic: the state integrates its input,
// s = s + i, and the neuron spikes while s > 1. The threshold's argument is
// s − 1, so the spike is Θ(s − 1).
func IntegratorStep(s *ir.Step, i, state *ir.Value, p IntegratorParameters) (z, next *ir.Value) {
	next = s.Add(state, i)
	z = functional.Threshold(s, s.Sub(next, s.Const(1)), p.Method, p.Alpha)
	return z, next
}

// A new neuron model is one step function. Its gradient comes from the
// derivative rules of the ops it uses; nothing else is written by hand.
func Example_customNeuron() {
	step := ir.NewStep("integrator")
	st := step.State("s", 0)
	z, next := IntegratorStep(step, step.Input("x"), st, IntegratorParameters{Method: functional.Super, Alpha: 10})
	step.Output("z", z)
	step.SetNext(st, next)

	run := &interp.StepRun{T: 5, B: 1, N: 1, Inputs: map[string][]float64{"x": {0.3, 0.3, 0.3, 0.3, 0.3}}}
	ones := map[string][]float64{"z": {1, 1, 1, 1, 1}} // loss = Σ z
	res, grads, err := interp.GradStep(step, run, ones)
	if err != nil {
		panic(err)
	}
	fmt.Println("spikes:", res.Outputs["z"])
	fmt.Printf("dL/dx:  %.4f\n", grads.Inputs["x"])

	// The same gradient from the derived adjoint step, run backwards in time.
	bwd, err := passes.BackwardStep(step)
	if err != nil {
		panic(err)
	}
	again, err := interp.RunAdjoint(step, bwd, run, res, ones)
	if err != nil {
		panic(err)
	}
	fmt.Printf("again:  %.4f\n", again.Inputs["x"])
	// Output:
	// spikes: [0 0 0 1 1]
	// dL/dx:  [0.4445 0.4289 0.3889 0.1389 0.0278]
	// again:  [0.4445 0.4289 0.3889 0.1389 0.0278]
}
