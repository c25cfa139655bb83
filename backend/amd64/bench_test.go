package amd64

import (
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"github.com/snnc/snnc/asm"
)

// The benchmarks of the product kernels live in the package TestProducts
// generates (testdata/productspkg/bench_amd64_test.go.txt), next to the
// kernels. Run them, on one core, with
//
//	SNNC_BENCH=1 go test ./backend/amd64 -run TestBenchProducts -v -timeout 1h
//
// SNNC_BENCH_FLAGS replaces the go test flags of that run (default
// "-bench . -benchtime 1s -count 1 -cpu 1"), e.g.
// SNNC_BENCH_FLAGS="-bench Dense/784x256 -count 5 -cpu 1". Setting
// SNNC_BENCH_DIR=DIR (inside this module; relative to backend/amd64, e.g.
// testdata/bench) keeps the generated package there, so that
// `cd backend/amd64/testdata/bench && go test -bench . -cpu 1` can be
// rerun by hand (delete the directory afterwards).
//
// What they measure, in GFLOP/s (2·rows·out·in per call):
//
//   - Peak: emitFMAPeak's register-only FMA loop, the machine's FMA peak
//     in the same run;
//   - Dense: 784×256 and 256×10 products (in×out) of 1, 800 and 3200
//     rows for the plain-Go kernel, gonum's Sgemm (NT: y = x·Wᵀ with W
//     [out][in], the torch layout; no bias), and the AVX2 and AVX-512
//     kernels;
//   - Spikes: the 784×256 product of 800 rows of spikes (inputs 0 or 1)
//     at 1, 5, 10, 20 and 50 % rates, the dense and the event-driven
//     kernels of each implementation (dense-equivalent GFLOP/s, so higher
//     is faster, and ns per call).
func TestBenchProducts(t *testing.T) {
	if os.Getenv("SNNC_BENCH") == "" {
		t.Skip("set SNNC_BENCH=1 to run the product benchmarks")
	}
	if runtime.GOARCH != "amd64" {
		t.Skip("amd64 kernels")
	}
	dir := productsPackage(t, os.Getenv("SNNC_BENCH_DIR"))
	flags := strings.Fields(os.Getenv("SNNC_BENCH_FLAGS"))
	if len(flags) == 0 {
		flags = strings.Fields("-bench . -benchtime 1s -count 1 -cpu 1")
	}
	cmd := exec.Command("go", append([]string{"test", "-run", "^$", "-timeout", "0"}, flags...)...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr // stream: the runs are long
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
}

// peakChains is the number of independent FMA chains of emitFMAPeak: more
// than FMA latency × FMA ports (4 × 2 on current cores).
const peakChains = 12

// emitFMAPeak adds fmaPeak<Suffix>(n int) to file: n iterations of one
// VFMADD231PS on each of peakChains accumulators, register-only, so that
// it runs at the machine's FMA throughput: n·peakChains·2·lanes flops.
func emitFMAPeak(file *asm.File, isa ISA) {
	f := file.AMD64("fmaPeak"+isa.Suffix(), asm.Sig(asm.P("n", asm.Int)))
	f.Doc = "fmaPeak" + isa.Suffix() + " runs n iterations of " +
		"independent VFMADD231PS chains, to measure the FMA peak."
	f.SetISA(productFeatures(isa)...)
	zero := func(v asm.Vec) {
		if isa == AVX512 {
			f.V("VPXORD", v, v, v)
		} else {
			f.VXORPS(v, v, v)
		}
	}
	loop, done := f.NewLabel("loop"), f.NewLabel("done")
	a, b := isa.vec(peakChains), isa.vec(peakChains+1)
	for i := range peakChains + 2 {
		zero(isa.vec(i)) // zeros: no denormal or overflow slow path
	}
	f.Load("n", asm.CX)
	f.TESTQ(asm.CX, asm.CX)
	f.JZ(done)
	f.Label(loop)
	for i := range peakChains {
		f.VFMADD231PS(a, b, isa.vec(i))
	}
	f.DECQ(asm.CX)
	f.JNZ(loop)
	f.Label(done)
	f.VZEROUPPER()
	f.RET()
}
