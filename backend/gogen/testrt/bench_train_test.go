// Benchmarks of a training package (snnc compile --train): TrainStep at
// the flags' sizes, and ForwardTrain then Backward with every kernel
// implementation. snnc compile copies this file into every training
// package as bench_train_test.go.

package testrt

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkTrainStep times TrainStep (cross-entropy on the maximum over
// time, SGD with learning rate 1e-3) over -snnc.T steps, and reports it in
// ms.
func BenchmarkTrainStep(b *testing.B) {
	benchTrainStep(b, func(m *Model, s *State, o *Optimizer, x []float32, T int, loss Loss) error {
		_, err := m.TrainStep(s, o, x, T, loss)
		return err
	})
}

// benchTrainStep times step, a training step of BenchmarkTrainStep's on
// the spikes x, from the initial state.
func benchTrainStep(b *testing.B, step func(m *Model, s *State, o *Optimizer, x []float32, T int, loss Loss) error) {
	m := newModel(b)
	T, s := *benchSteps, benchState(b, m)
	x := benchSpikes(T, s.Batch())
	labels := make([]int32, s.Batch())
	for i := range labels {
		labels[i] = int32(i % OutputSize)
	}
	o, err := m.NewSGD(1e-3, 0)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		s.Reset()
		if err := step(m, s, o, x, T, Loss{Kind: CrossEntropyMaxTime, Labels: labels}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/train-step")
}

// BenchmarkForwardBackward times ForwardTrain then Backward of the whole
// network over benchT steps of benchB batch entries, the input 10 %
// Bernoulli spikes, with every implementation the CPU runs: a training
// step without the loss and the optimizer.
func BenchmarkForwardBackward(b *testing.B) {
	m := newModel(b)
	rng := rand.New(rand.NewPCG(3, 4))
	x := make([]float32, benchT*benchB*InputSize)
	for i := range x {
		if rng.Float64() < 0.1 {
			x[i] = 1
		}
	}
	y, dy := make([]float32, benchT*benchB*OutputSize), benchInput(benchT*benchB*OutputSize)
	for i := range dy {
		dy[i] *= 1e-3
	}
	s, g := newState(b, m, benchB), m.NewGrads()
	defer SetImplementation(Implementation())
	for _, impl := range Implementations() {
		SetImplementation(impl)
		b.Run("impl="+impl, func(b *testing.B) {
			for b.Loop() {
				s.Reset()
				if err := m.ForwardTrain(s, y, x, benchT); err != nil {
					b.Fatal(err)
				}
				if err := m.Backward(s, g, dy); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/step")
		})
	}
}
