package amd64_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/snnc/snnc/asm"
	"github.com/snnc/snnc/backend/amd64"
	"github.com/snnc/snnc/backend/kernel"
	"github.com/snnc/snnc/backend/kernel/kerneltest"
	"github.com/snnc/snnc/functional"
)

// TestBenchKernels times forward neuron kernels in a package of their own
// (T = 100, B = 32, one goroutine), in ns per neuron-step:
//
//   - BenchmarkKernels/order=...: LIF, LSNN and AdEx at N = 8 to 4096 in
//     each loop nest of the lowering core (time steps outermost, tiles of
//     256 and 1024 neurons), AVX2 and AVX-512: what kernel.LoopFor
//     chooses;
//   - BenchmarkKernels/n=...: the same models at small and odd N, AVX2
//     against AVX-512 and the masked tail: what the generated dispatch
//     chooses (amd64.Prefer).
//
// Run it with
//
//	SNNC_BENCH=1 go test ./backend/amd64 -run TestBenchKernels -v -timeout 1h
//
// SNNC_BENCH_FLAGS replaces the go test flags of that run (default
// "-bench . -benchtime 200x -count 3 -cpu 1").
func TestBenchKernels(t *testing.T) {
	if os.Getenv("SNNC_BENCH") == "" {
		t.Skip("set SNNC_BENCH=1 to run the kernel benchmarks")
	}
	if runtime.GOARCH != "amd64" {
		t.Skip("amd64 kernels")
	}
	file := asm.NewFile(asm.AMD64, "kernels")
	file.Constraint = "!purego"
	em := amd64.NewEmitter(file)
	var cases strings.Builder
	orders := map[string]kernel.Loop{"time": kernel.TimeOutermost, "tile256": {TileLanes: 256}, "tile1024": {TileLanes: 1024}}
	add := func(bench, model string, n int, order kernel.Loop, isa amd64.ISA) {
		m, err := functional.LookupModel(model)
		if err != nil {
			t.Fatal(err)
		}
		s := m.Build(m.Params(), 1e-3)
		name := fmt.Sprintf("k%d%s", strings.Count(cases.String(), "\n"), isa.Suffix())
		k := kerneltest.Forward(name, s, n)
		k.Loop = order
		if err := em.Kernel(k, isa); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		// The arguments: inputs and output [T][B][N], states [B][N],
		// parameters [N] or [1] at their defaults.
		var sizes, vals, call []string
		for range s.Inputs {
			sizes, vals = append(sizes, "seq"), append(vals, "0")
		}
		sizes, vals = append(sizes, "seq"), append(vals, "0")
		for range s.States {
			sizes, vals = append(sizes, "state"), append(vals, "0")
		}
		for _, p := range s.Params {
			size := "shared"
			if p.PerNeuron {
				size = "neuron"
			}
			sizes, vals = append(sizes, size), append(vals, fmt.Sprint(float32(p.Default)))
		}
		for i := range sizes {
			call = append(call, fmt.Sprintf("a[%d]", i))
		}
		fmt.Fprintf(&cases, "\t{%q, %d, %q, %q, %q, []float32{%s}, func(T, B int, a [][]float32) { %s(T, B, %s) }},\n",
			fmt.Sprintf("%s/model=%s/impl=%s", bench, model, isa), n, isa.String(), strings.Join(sizes, " "), model,
			strings.Join(vals, ", "), name, strings.Join(call, ", "))
	}
	for _, model := range []string{"lif", "lsnn", "lif_adex"} {
		for _, n := range []int{8, 33, 100, 256, 1024, 4096} {
			for _, o := range []string{"time", "tile256", "tile1024"} {
				for _, isa := range amd64.ISAs {
					add(fmt.Sprintf("order=%s/n=%d", o, n), model, n, orders[o], isa)
				}
			}
		}
		for _, n := range []int{1, 2, 4, 8, 17, 33, 100} {
			for _, isa := range amd64.ISAs {
				add(fmt.Sprintf("n=%d", n), model, n, kernel.LoopFor(n), isa)
			}
		}
	}
	dir := tempPackage(t)
	if err := file.WriteFiles(filepath.Join(dir, "kernels_amd64.s"), filepath.Join(dir, "kernels_amd64.go")); err != nil {
		t.Fatal(err)
	}
	src := strings.Replace(kernelBench, "//CASES\n", cases.String(), 1)
	if err := os.WriteFile(filepath.Join(dir, "kernels_test.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	flags := strings.Fields(os.Getenv("SNNC_BENCH_FLAGS"))
	if len(flags) == 0 {
		flags = strings.Fields("-bench . -benchtime 200x -count 3 -cpu 1")
	}
	cmd := exec.Command("go", append([]string{"test", "-run", "^$", "-timeout", "0"}, flags...)...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
}

// kernelBench is the benchmark file of the package TestBenchKernels
// builds.
const kernelBench = `//go:build !purego

package kernels

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/klauspost/cpuid/v2"
)

var benches = []struct {
	name                string
	n                   int
	isa, sizes, model   string
	vals                []float32
	run                     func(T, B int, a [][]float32)
}{
//CASES
}

func BenchmarkKernels(b *testing.B) {
	const T, B = 100, 32
	for _, c := range benches {
		if c.isa == "avx512" && !cpuid.CPU.Supports(cpuid.AVX512F) || !cpuid.CPU.Supports(cpuid.AVX2, cpuid.FMA3) {
			continue
		}
		b.Run(c.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			var args [][]float32
			for i, size := range strings.Fields(c.sizes) {
				var a []float32
				switch size {
				case "seq":
					a = make([]float32, T*B*c.n)
					for j := range a {
						a[j] = float32(rng.NormFloat64())
					}
				case "state":
					a = make([]float32, B*c.n)
				case "neuron":
					a = make([]float32, c.n)
				default:
					a = make([]float32, 1)
				}
				if size != "seq" && size != "state" {
					for j := range a {
						a[j] = c.vals[i]
					}
				}
				args = append(args, a)
			}
			b.ResetTimer()
			for range b.N {
				c.run(T, B, args)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(T*B*c.n), "ns/neuron-step")
		})
	}
}
`
