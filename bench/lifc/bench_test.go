package lifc

import (
	"fmt"
	"testing"

	"github.com/snnc/snnc/bench/lifc/snnclif"
)

// benchShapes are the sizes BenchmarkLIF runs, [T][B][N] with N = 1024:
// B = 32 puts x and z at 12.5 MiB each (L3-resident on the machines of
// ../../../shared/docs/machine.md §1), B = 256 at 100 MiB each (DRAM).
var benchShapes = []struct{ T, B int }{{100, 32}, {100, 256}}

// BenchmarkLIF times one LIF forward over [T][B][N] (currents in, f32
// spikes out, states [B][N] carried across iterations) for:
//
//   - impl=clang: the clang kernel of the natural loop (Forward);
//   - impl=clangtiled: the clang kernel of the generated kernels' loop,
//     256-neuron tiles with their states in L1 (ForwardTiled);
//   - impl=avx512, avx2, generic: snnc's emitted kernels, through the
//     compiled package's Forward, which for this model is the LIF kernel
//     alone writing into the caller's output;
//   - impl=copy: copy(z, x), the same bytes read and written, the
//     streaming floor of a kernel whose states stay in cache.
//
// It reports ns/neuron-step (and MB/s for the 8 bytes moved per
// neuron-step). Compare the implementations within one run:
//
//	go test ./bench/lifc -run XXX -bench LIF -count 10 | tee lif.txt
//	benchstat -col /impl -filter .unit:ns/neuron-step lif.txt
func BenchmarkLIF(b *testing.B) {
	defer snnclif.SetImplementation(snnclif.Implementation())
	m, err := snnclif.New()
	if err != nil {
		b.Fatal(err)
	}
	const N = snnclif.InputSize
	for _, sh := range benchShapes {
		T, B := sh.T, sh.B
		x := input(T*B*N, 5)
		z := make([]float32, T*B*N)
		copy(z, x) // fault the pages in before timing
		run := func(impl string, f func()) {
			b.Run(fmt.Sprintf("T=%d/B=%d/N=%d/impl=%s", T, B, N, impl), func(b *testing.B) {
				b.SetBytes(int64(8 * T * B * N))
				for b.Loop() {
					f()
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(T*B*N), "ns/neuron-step")
			})
		}

		if Available {
			v, i := make([]float32, B*N), make([]float32, B*N)
			run("clang", func() { Forward(T, B, N, x, z, v, i) })
			run("clangtiled", func() { ForwardTiled(T, B, N, x, z, v, i) })
		}
		for _, impl := range []string{"avx512", "avx2", "generic"} {
			if snnclif.SetImplementation(impl) != nil {
				continue // not on this CPU
			}
			s, err := m.NewState(B)
			if err != nil {
				b.Fatal(err)
			}
			run(impl, func() {
				if err := m.Forward(s, z, x, T); err != nil {
					panic(err) // f runs in the sub-benchmark: the outer b cannot fail it
				}
			})
		}
		run("copy", func() { copy(z, x) })
	}
}
