package main

import (
	"math"
	"testing"

	"github.com/snnc/snnc/backend/interp"
	"github.com/snnc/snnc/examples/mnist/mnistlif"
	"github.com/snnc/snnc/internal/tensorio"
	"github.com/snnc/snnc/module"
)

// TestSampleMatchesInterpreter runs the whole sample input (100 steps)
// through the compiled package and the float32 interpreter: every output
// value must be equal bit for bit.
func TestSampleMatchesInterpreter(t *testing.T) {
	ts, err := tensorio.LoadFile("../../testdata/inputs/mnist_lif.npy")
	if err != nil {
		t.Fatal(err)
	}
	x64 := ts[0].Data
	T := ts[0].Shape[0]
	m, err := module.Load("../../testdata/models/mnist_lif.snn.json", 0)
	if err != nil {
		t.Fatal(err)
	}
	b, err := module.Build(m.Name, m.Net, m.InputShape...)
	if err != nil {
		t.Fatal(err)
	}
	res, err := interp.RunGraph(b.Graph, &interp.GraphRun{T: T, B: 1, Inputs: map[string][]float64{"input": x64}, Params: b.Params, Precision: interp.Float32})
	if err != nil {
		t.Fatal(err)
	}
	want := res.Outputs["output"]

	x := make([]float32, len(x64))
	for i, v := range x64 {
		x[i] = float32(v)
	}
	model, err := mnistlif.New()
	if err != nil {
		t.Fatal(err)
	}
	s, err := model.NewState(1)
	if err != nil {
		t.Fatal(err)
	}
	y := make([]float32, T*mnistlif.OutputSize)
	if err := model.Forward(s, y, x, T); err != nil {
		t.Fatal(err)
	}
	for i := range y {
		if math.Float32bits(y[i]) != math.Float32bits(float32(want[i])) {
			t.Fatalf("y[%d] = %g, interpreter %g", i, y[i], want[i])
		}
	}
}
