package module_test

import (
	"fmt"

	"github.com/snnc/snnc/backend/interp"
	"github.com/snnc/snnc/module"
)

// A Cell advances one time step per call; the caller keeps the state and
// hands it back with the next input, as with Norse's LIFCell.
func ExampleCell() {
	step, err := (&module.Cell{Model: "lif"}).Step()
	if err != nil {
		panic(err)
	}
	var state map[string][]float64 // nil: Norse's initial state
	for t := range 5 {
		x := []float64{2, 4} // one batch entry, two neurons
		res, err := interp.RunStep(step, &interp.StepRun{T: 1, B: 1, N: 2, Inputs: map[string][]float64{"x": x}, Init: state})
		if err != nil {
			panic(err)
		}
		state = res.States
		fmt.Printf("t=%d z=%v v=%.3f\n", t, res.Outputs["z"], state["v"])
	}
	// Output:
	// t=0 z=[0 0] v=[0.200 0.400]
	// t=1 z=[0 1] v=[0.540 0.000]
	// t=2 z=[0 0] v=[0.974 0.976]
	// t=3 z=[1 1] v=[0.000 0.000]
	// t=4 z=[0 1] v=[0.672 0.000]
}
