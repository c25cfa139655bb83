package arm64_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/snnc/snnc/asm"
	"github.com/snnc/snnc/backend/arm64"
	"github.com/snnc/snnc/backend/kernel"
	"github.com/snnc/snnc/backend/kernel/kerneltest"
	"github.com/snnc/snnc/functional"
	"github.com/snnc/snnc/ir"
)

// TestTiledKernels runs the forward, reverse-time and product-fused
// kernels of TestKernels with the other loop nest of the lowering core,
// tiles of 32 neurons carried through all time steps (several tiles and
// a partial one at small widths), against the float32 interpreter, the
// shared sums expected in that order.
func TestTiledKernels(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and tests a package of kernels")
	}
	const tile = 32
	steps := []*ir.Step{kerneltest.EveryOp(), swap()}
	for _, name := range []string{"lif", "lsnn"} {
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
	emit := func(k *kernel.Kernel, kind string, in int) {
		k.Loop = kernel.Loop{TileLanes: tile}
		if err := em.Kernel(k); err != nil {
			t.Fatalf("%s: %v", k.Name, err)
		}
		fmt.Fprintf(&cases, "\t\t%q: {%d, %q, %d, %s},\n", k.Name, k.N, kind, in, k.Name)
	}
	for si, s := range steps {
		fmt.Fprintf(&cases, "\t{step: %q, kernels: map[string]kernel{\n", s.String())
		for _, n := range []int{1, 3, 4, 31, 32, 33, 2*tile + 5, 100} {
			emit(kerneltest.Forward(fmt.Sprintf("step%d_%d", si, n), s, n), "forward", 0)
			emit(kerneltest.Reverse(fmt.Sprintf("reverse%d_%d", si, n), s, n), "reverse", 0)
			emit(kerneltest.Epilogue(fmt.Sprintf("epilogue%d_%d", si, n), s, n, 1+n%5), "epilogue", 1+n%5)
		}
		cases.WriteString("\t}},\n")
	}
	dir := tempPackage(t)
	if err := file.WriteFiles(filepath.Join(dir, "kernels_arm64.s"), filepath.Join(dir, "kernels_arm64.go")); err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join("testdata", "kernels_test.go.txt"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(src), "//CASES\n", cases.String(), 1)
	text = strings.Replace(text, "const tileLanes = 0\n", fmt.Sprintf("const tileLanes = %d\n", tile), 1)
	if err := os.WriteFile(filepath.Join(dir, "kernels_arm64_test.go"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOARCH=arm64")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("GOARCH=arm64 go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	run("vet", ".")
	x, ok := arm64Exec()
	if !ok {
		t.Skip("vetted; cannot run arm64 binaries here (no qemu-aarch64; set SNNC_ARM64_EXEC)")
	}
	test := []string{"test", "-count=1"}
	if x != "" {
		test = append(test, "-exec", x)
	}
	run(append(test, ".")...)
}
