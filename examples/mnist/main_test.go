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

// TestTrainStepLearns trains the compiled package on the sample input
// toward a class it does not predict (cross-entropy on the readout's
// maximum over time, Adam): the loss must fall and the prediction move to
// that class, through the package's own loss, gradients and updates.
func TestTrainStepLearns(t *testing.T) {
	ts, err := tensorio.LoadFile("../../testdata/inputs/mnist_lif.npy")
	if err != nil {
		t.Fatal(err)
	}
	T := ts[0].Shape[0]
	x := make([]float32, len(ts[0].Data))
	for i, v := range ts[0].Data {
		x[i] = float32(v)
	}
	m, err := mnistlif.New()
	if err != nil {
		t.Fatal(err)
	}
	s, err := m.NewState(1)
	if err != nil {
		t.Fatal(err)
	}
	o, err := m.NewAdam(1e-3, 0.9, 0.999, 1e-8)
	if err != nil {
		t.Fatal(err)
	}
	const target = 3
	loss := mnistlif.Loss{Kind: mnistlif.CrossEntropyMaxTime, Labels: []int32{target}}
	var first, last float32
	for step := range 20 {
		s.Reset()
		l, err := m.TrainStep(s, o, x, T, loss)
		if err != nil {
			t.Fatal(err)
		}
		if step == 0 {
			first = l
		}
		last = l
	}
	t.Logf("loss %.4f → %.4f in 20 steps", first, last)
	if !(last < first/2) {
		t.Errorf("loss %g after 20 steps, from %g: want it at least halved", last, first)
	}
	y := make([]float32, T*mnistlif.OutputSize)
	s.Reset()
	if err := m.Forward(s, y, x, T); err != nil {
		t.Fatal(err)
	}
	best, top := 0, float32(math.Inf(-1))
	for i, v := range y {
		if v > top {
			best, top = i%mnistlif.OutputSize, v
		}
	}
	if best != target {
		t.Errorf("after training the readout peaks for class %d, want %d", best, target)
	}
}
