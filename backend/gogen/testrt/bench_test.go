// Benchmarks of a generated package: the whole network's Forward at the
// T, B and goroutine count of the flags -snnc.T, -snnc.B and
// -snnc.threads (`snnc bench` passes them), and the helpers of the neuron
// kernels' benchmarks, which kernels_bench_test.go generates per layer.
// snnc compile copies this file into every package it writes as
// bench_test.go.

package testrt

import (
	"flag"
	"math/rand/v2"
	"testing"
)

// benchT and benchB are the sizes of the neuron kernels' benchmarks, as in
// the project's performance tables: T time steps of B batch entries.
const benchT, benchB = 100, 32

var (
	benchSteps   = flag.Int("snnc.T", 100, "time steps of BenchmarkForward and BenchmarkTrainStep")
	benchBatch   = flag.Int("snnc.B", 32, "batch entries of BenchmarkForward and BenchmarkTrainStep")
	benchThreads = flag.Int("snnc.threads", 1, "goroutines of BenchmarkForward and BenchmarkTrainStep (State.SetThreads)")
)

// benchSpikes is T·B·InputSize Bernoulli spikes of probability 0.1.
func benchSpikes(T, B int) []float32 {
	rng := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, T*B*InputSize)
	for i := range x {
		if rng.Float64() < 0.1 {
			x[i] = 1
		}
	}
	return x
}

// benchState is a State of -snnc.B entries on -snnc.threads goroutines.
func benchState(b *testing.B, m *Model) *State {
	s := newState(b, m, *benchBatch)
	if err := s.SetThreads(*benchThreads); err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkForward times Forward over -snnc.T steps from the initial
// state, and reports it in ms.
func BenchmarkForward(b *testing.B) {
	m := newModel(b)
	T, s := *benchSteps, benchState(b, m)
	x, y := benchSpikes(T, s.Batch()), make([]float32, T*s.Batch()*OutputSize)
	for b.Loop() {
		s.Reset()
		if err := m.Forward(s, y, x, T); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/forward")
}

// benchKernel runs f over T·B·n neuron-steps per iteration and reports
// ns/neuron-step.
func benchKernel(b *testing.B, n int, f func()) {
	b.SetBytes(int64(8 * benchT * benchB * n)) // currents in, spikes out
	for b.Loop() {
		f()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(benchT*benchB*n), "ns/neuron-step")
}

// byName returns the kernel set called name.
func byName(name string) *kernels {
	for _, k := range implementations {
		if k.name == name {
			return k
		}
	}
	return &generic
}

func benchInput(n int) []float32 {
	rng := rand.New(rand.NewPCG(1, uint64(n)))
	x := make([]float32, n)
	for i := range x {
		x[i] = rng.Float32() * 2
	}
	return x
}
