package arm64_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/snnc/snnc/asm"
	"github.com/snnc/snnc/backend/arm64"
	"github.com/snnc/snnc/backend/kernel"
	"github.com/snnc/snnc/backend/kernel/kerneltest"
	"github.com/snnc/snnc/functional"
	"github.com/snnc/snnc/ir"
)

// swap is a step whose two states trade places every step (and one is
// reset to a constant), so that state updates need a temporary.
func swap() *ir.Step {
	s := ir.NewStep("swap")
	x := s.Input("x")
	a := s.State("a", 1)
	b := s.State("b", 2)
	c := s.State("c", 3)
	s.Output("y", s.Add(s.Mul(a, x), b))
	s.SetNext(a, b)
	s.SetNext(b, a)
	s.SetNext(c, s.Const(-0.5))
	return s
}

// expRange is exp over the whole float32 range of its argument: results
// that overflow, underflow, or are subnormal (where exp32 splits its
// power of two), and a shared parameter in the exponent.
func expRange() *ir.Step {
	s := ir.NewStep("exp_range")
	x := s.Input("x")
	k := s.Param("k", 40)
	s.Output("y", s.Exp(s.Mul(x, k)))
	return s
}

// arm64Exec says how to run arm64 test binaries: through the command in
// SNNC_ARM64_EXEC if set, else natively on an arm64 host, else under
// qemu-aarch64 (Debian qemu-user) when it is installed.
func arm64Exec() (runner string, ok bool) {
	if x := os.Getenv("SNNC_ARM64_EXEC"); x != "" {
		return x, true
	}
	if runtime.GOARCH == "arm64" {
		return "", true
	}
	if p, err := exec.LookPath("qemu-aarch64"); err == nil {
		return p, true
	}
	return "", false
}

// TestKernels emits, for several steps and every width from 0 to 49 lanes
// plus layers of one, two and three tiles (1024 lanes each), the forward
// kernel, a reverse-time kernel with every kind of sink and a kernel with
// a fused input product, into a package of their own; vets it for arm64
// and runs it there (natively or under qemu-aarch64, see arm64Exec)
// against the float32 interpreter: outputs, final states and every sink
// bit for bit, on slices at odd offsets with guard values around them; on
// Linux every kernel also runs with each argument placed against a
// PROT_NONE page, before and after it (testdata/kernelspkg), for T and B
// of 0, 1 and more, and must give the same bits.
func TestKernels(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and tests a package of kernels")
	}
	steps := []*ir.Step{kerneltest.EveryOp(), swap(), expRange()}
	for _, name := range []string{"lif", "li", "lif_adex", "lif_refrac", "izhikevich", "lsnn"} {
		m, err := functional.LookupModel(name)
		if err != nil {
			t.Fatal(err)
		}
		steps = append(steps, m.Build(m.Params(), 1e-3))
	}
	file := asm.NewFile(asm.ARM64, "kernels")
	file.Constraint = "!purego"
	em := arm64.NewEmitter(file)
	var cases strings.Builder
	emitted, skipped := 0, 0
	emit := func(k *kernel.Kernel, kind string, in int) {
		err := em.Kernel(k)
		if errors.Is(err, arm64.ErrUnsupported) {
			t.Logf("%s not emitted: %v", k.Name, err)
			skipped++
			return
		}
		if err != nil {
			t.Fatalf("%s: %v", k.Name, err)
		}
		emitted++
		fmt.Fprintf(&cases, "\t\t%q: {%d, %q, %d, %s},\n", k.Name, k.N, kind, in, k.Name)
	}
	for si, s := range steps {
		fmt.Fprintf(&cases, "\t{step: %q, kernels: map[string]kernel{\n", s.String())
		var widths []int
		for n := 0; n <= 3*16+1; n++ {
			widths = append(widths, n)
		}
		widths = append(widths, 1024, 1024+17, 2*1024+64+3)
		for _, n := range widths {
			emit(kerneltest.Forward(fmt.Sprintf("step%d_%d", si, n), s, n), "forward", 0)
			if n <= 13 || n%8 == 1 || n > 1024 {
				emit(kerneltest.Reverse(fmt.Sprintf("reverse%d_%d", si, n), s, n), "reverse", 0)
				emit(kerneltest.Epilogue(fmt.Sprintf("epilogue%d_%d", si, n), s, n, 1+n%5), "epilogue", 1+n%5)
			}
		}
		cases.WriteString("\t}},\n")
	}
	if emitted == 0 {
		t.Fatal("no kernel emitted")
	}
	t.Logf("%d kernels emitted, %d not supported", emitted, skipped)
	dir := tempPackage(t)
	if err := file.WriteFiles(filepath.Join(dir, "kernels_arm64.s"), filepath.Join(dir, "kernels_arm64.go")); err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join("testdata", "kernels_test.go.txt"))
	if err != nil {
		t.Fatal(err)
	}
	src = []byte(strings.Replace(string(src), "//CASES\n", cases.String(), 1))
	if err := os.WriteFile(filepath.Join(dir, "kernels_arm64_test.go"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	// The guard-page test (Linux), as in backend/amd64.
	tmpl, err := filepath.Glob(filepath.Join("testdata", "kernelspkg", "*.go.txt"))
	if err != nil || len(tmpl) == 0 {
		t.Fatalf("no templates in testdata/kernelspkg: %v", err)
	}
	for _, p := range tmpl {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, strings.TrimSuffix(filepath.Base(p), ".txt")), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	goCmd := func(args ...string) {
		t.Helper()
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOARCH=arm64")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("GOARCH=arm64 go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	goCmd("vet", ".")
	x, ok := arm64Exec()
	if !ok {
		t.Skip("vetted; cannot run arm64 binaries here (no qemu-aarch64; set SNNC_ARM64_EXEC)")
	}
	test := []string{"test", "-count=1"}
	if x != "" {
		test = append(test, "-exec", x)
	}
	goCmd(append(test, ".")...)
}

// TestUnsupported checks that kernels the backend cannot lower fail with
// ErrUnsupported (the generator then keeps the plain-Go kernel) and add
// nothing to the file.
func TestUnsupported(t *testing.T) {
	s := ir.NewStep("logs")
	x := s.Input("x")
	s.Output("y", s.Log(x))
	file := asm.NewFile(asm.ARM64, "kernels")
	err := arm64.NewEmitter(file).Kernel(kerneltest.Forward("logs", s, 8))
	if !errors.Is(err, arm64.ErrUnsupported) {
		t.Fatalf("Log: got %v, want ErrUnsupported", err)
	}
	if len(file.Funcs()) != 0 {
		t.Errorf("the file got %d functions", len(file.Funcs()))
	}
	// More simultaneously live values than registers.
	wide := ir.NewStep("wide")
	in := wide.Input("x")
	var vals []*ir.Value
	for i := range 40 {
		vals = append(vals, wide.Mul(in, wide.Const(float64(i+2))))
	}
	sum := vals[0]
	for _, v := range vals[1:] {
		sum = wide.Add(sum, v)
	}
	for _, v := range vals {
		sum = wide.Add(sum, v)
	}
	wide.Output("y", sum)
	err = arm64.NewEmitter(file).Kernel(kerneltest.Forward("wide", wide, 8))
	if !errors.Is(err, arm64.ErrUnsupported) {
		t.Fatalf("40 live values: got %v, want ErrUnsupported", err)
	}
	if len(file.Funcs()) != 0 {
		t.Errorf("the file got %d functions", len(file.Funcs()))
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
