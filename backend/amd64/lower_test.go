package amd64_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/snnc/snnc/asm"
	"github.com/snnc/snnc/backend/amd64"
	"github.com/snnc/snnc/backend/kernel"
	"github.com/snnc/snnc/backend/kernel/kerneltest"
	"github.com/snnc/snnc/functional"
	"github.com/snnc/snnc/ir"
)

// TestForwardKernels emits the forward kernels of several steps for every
// width from 0 to 3·16+1 lanes and a few wide ones, in AVX2 and AVX-512, into a package of
// their own, and runs them there against the float32 interpreter: outputs
// and final states bit for bit, on slices at odd offsets with guard values
// around every output. For the widths around the vector widths (0, 1,
// W−1, W, W+1, 3W+1 and more) it also emits the reverse-time kernel with
// every kind of sink and the kernel with a fused input product; on Linux
// every kernel also runs with each argument placed against a PROT_NONE
// page, before and after it (testdata/kernelspkg/guard_linux_test.go.txt),
// so that any access outside the slices faults. Kernels the CPU cannot run are skipped; with
// SNNC_GO_TEST_EXEC="qemu-x86_64 -cpu Haswell" the package's tests run on
// an emulated CPU (make test-cpus).
func TestForwardKernels(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and tests a package of kernels")
	}
	steps := []*ir.Step{kerneltest.EveryOp()}
	for _, name := range []string{"lif", "li", "lif_adex", "lif_refrac", "izhikevich", "lsnn"} {
		m, err := functional.LookupModel(name)
		if err != nil {
			t.Fatal(err)
		}
		steps = append(steps, m.Build(m.Params(), 1e-3))
	}
	file := asm.NewFile(asm.AMD64, "kernels")
	file.Constraint = "!purego"
	em := amd64.NewEmitter(file)
	var cases strings.Builder
	emitted := 0
	for si, s := range steps {
		fmt.Fprintf(&cases, "\t{step: %q, kernels: map[string]kernel{\n", s.String())
		var widths []int
		for n := 0; n <= 3*16+1; n++ {
			widths = append(widths, n)
		}
		// Wide layers.
		widths = append(widths, 1024, 1024+17, 2*1024+64+3)
		for _, isa := range amd64.ISAs {
			emit := func(k *kernel.Kernel, kind string, in int) {
				if err := em.Kernel(k, isa); err != nil {
					t.Logf("%s (%s) not emitted: %v", s.Name, k.Name, err)
					return
				}
				emitted++
				fmt.Fprintf(&cases, "\t\t%q: {%d, %q, %q, %d, %s},\n", k.Name, k.N, isa.String(), kind, in, k.Name)
			}
			for _, n := range widths {
				emit(kerneltest.Forward(fmt.Sprintf("step%d_%d%s", si, n, isa.Suffix()), s, n), "forward", 0)
				if n <= 13 || n%8 == 1 || n == 15 || n > 1024 {
					emit(kerneltest.Reverse(fmt.Sprintf("reverse%d_%d%s", si, n, isa.Suffix()), s, n), "reverse", 0)
					emit(kerneltest.Epilogue(fmt.Sprintf("epilogue%d_%d%s", si, n, isa.Suffix()), s, n, 1+n%5), "epilogue", 1+n%5)
				}
			}
		}
		cases.WriteString("\t}},\n")
	}
	if emitted == 0 {
		t.Fatal("no kernel emitted")
	}
	dir := tempPackage(t)
	if err := file.WriteFiles(filepath.Join(dir, "kernels_amd64.s"), filepath.Join(dir, "kernels_amd64.go")); err != nil {
		t.Fatal(err)
	}
	src := strings.Replace(kernelTest, "//CASES\n", cases.String(), 1)
	if err := os.WriteFile(filepath.Join(dir, "kernels_test.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	copyTemplates(t, filepath.Join("testdata", "kernelspkg"), dir)
	test := []string{"test", "-count=1"}
	if x := os.Getenv("SNNC_GO_TEST_EXEC"); x != "" {
		test = append(test, "-exec", x) // e.g. "qemu-x86_64 -cpu Haswell"
	}
	for _, args := range [][]string{{"vet", "."}, append(test, ".")} {
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOARCH=amd64")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// copyTemplates copies every file NAME.txt of dir from into dir to as NAME.
func copyTemplates(t *testing.T, from, to string) {
	t.Helper()
	tmpl, err := filepath.Glob(filepath.Join(from, "*.go.txt"))
	if err != nil || len(tmpl) == 0 {
		t.Fatalf("no templates in %s: %v", from, err)
	}
	for _, p := range tmpl {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, strings.TrimSuffix(filepath.Base(p), ".txt")), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// tempPackage makes a directory for a package inside this module, so
// that it can import the interpreter; it is removed after the test.
func tempPackage(t *testing.T) string {
	t.Helper()
	if err := os.MkdirAll("testdata", 0o755); err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("testdata", "tmp-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// kernelTest is the test file of the kernel package. Per step (in the IR
// text form) and kernel, it runs the kernel and the interpreter.
const kernelTest = `//go:build !purego

package kernels

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/klauspost/cpuid/v2"

	"github.com/snnc/snnc/backend/interp"
	"github.com/snnc/snnc/ir"
)

type kernel struct {
	n    int
	isa  string
	kind string // "forward", "reverse" (with sinks dx, dp, ds) or "epilogue"
	in   int    // epilogue: inputs of the product
	fn   any
}

// runnable reports whether this CPU has the kernel's ISA.
func runnable(k kernel) bool {
	return !(k.isa == "avx512" && !cpuid.CPU.Supports(cpuid.AVX512F) || k.isa == "avx2" && !cpuid.CPU.Supports(cpuid.AVX2, cpuid.FMA3))
}

var cases = []struct {
	step    string
	kernels map[string]kernel
}{
//CASES
}

const guard = 12345.678

// padded returns a slice of n values at an odd offset inside a larger one
// whose other elements are the guard value, and the whole.
func padded(n int) (inner, whole []float32) {
	whole = make([]float32, n+7)
	for i := range whole {
		whole[i] = guard
	}
	return whole[3 : 3+n : 3+n], whole
}

func checkGuards(t *testing.T, what string, whole []float32, n int) {
	t.Helper()
	for i, v := range whole {
		if (i < 3 || i >= 3+n) && v != guard {
			t.Fatalf("%s: element %d outside the slice was overwritten: %g", what, i-3, v)
		}
	}
}

func TestKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range cases {
		s, err := ir.ParseStep(c.step)
		if err != nil {
			t.Fatal(err)
		}
		for name, k := range c.kernels {
			if !runnable(k) || k.kind != "forward" {
				continue // reverse and epilogue kernels: their bits are checked in backend/gogen's generated packages
			}
			const T, B = 5, 3
			n := k.n
			run := &interp.StepRun{T: T, B: B, N: n, Inputs: map[string][]float64{}, Init: map[string][]float64{}, Params: map[string][]float64{}, Precision: interp.Float32}
			var args [][]float32
			var wholes [][]float32
			var sizes []int
			add := func(vals []float64) []float32 {
				in, whole := padded(len(vals))
				for i, v := range vals {
					in[i] = float32(v)
				}
				args = append(args, in)
				wholes = append(wholes, whole)
				sizes = append(sizes, len(vals))
				return in
			}
			// A quarter of the values are special: zeros of both signs,
			// constants the steps compare against (exact ties), NaN, ±Inf.
			specials := []float64{0, math.Copysign(0, -1), 1, -1, 0.75, -0.75, 0.5, 2, math.NaN(), math.Inf(1), math.Inf(-1)}
			random := func(size int, scale float64) []float64 {
				v := make([]float64, size)
				for i := range v {
					v[i] = float64(float32(rng.NormFloat64() * scale))
					if rng.IntN(4) == 0 {
						v[i] = specials[rng.IntN(len(specials))]
					}
				}
				return v
			}
			for _, name := range s.Inputs {
				run.Inputs[name] = random(T*B*n, 2)
				add(run.Inputs[name])
			}
			y := add(make([]float64, T*B*n))
			var states [][]float32
			for _, st := range s.States {
				run.Init[st.Name] = random(B*n, 1)
				states = append(states, add(run.Init[st.Name]))
			}
			for _, p := range s.Params {
				size := 1
				if p.PerNeuron {
					size = n
				}
				vals := random(size, 0.5)
				for i := range vals {
					vals[i] = float64(float32(p.Default + vals[i]))
				}
				run.Params[p.Name] = vals
				add(vals)
			}
			call(k.fn, T, B, args)
			res, err := interp.RunStep(s, run)
			if err != nil {
				t.Fatal(err)
			}
			same := func(what string, got []float32, want []float64) {
				t.Helper()
				for i := range got {
					w := float32(want[i])
					if math.Float32bits(got[i]) != math.Float32bits(w) && !(got[i] != got[i] && w != w) {
						t.Fatalf("%s: %s[%d] = %g, interpreter %g", name, what, i, got[i], w)
					}
				}
			}
			same("y", y, res.Outputs[s.Outputs[0].Name])
			for i, st := range s.States {
				final := res.States[st.Name][(T-1)*B*n:]
				same(st.Name, states[i], final)
			}
			for i := range args {
				checkGuards(t, name, wholes[i], sizes[i])
			}
		}
	}
}

// call invokes a kernel func(T, B int, args ...[]float32).
func call(fn any, T, B int, a [][]float32) {
	in := []reflect.Value{reflect.ValueOf(T), reflect.ValueOf(B)}
	for _, x := range a {
		in = append(in, reflect.ValueOf(x))
	}
	reflect.ValueOf(fn).Call(in)
}
`
