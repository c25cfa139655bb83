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

// loopOrders are the loop nests the lowering core emits: time steps
// outermost, and tiles of neurons carried through all steps (a tile of 32
// lanes puts several tiles and a partial one in small layers).
var loopOrders = []kernel.Loop{kernel.TimeOutermost, {TileLanes: 32}, {TileLanes: 1024}}

// TestLoopOrders runs forward kernels in every loop order, in AVX2 and
// AVX-512, against the float32 interpreter, as TestForwardKernels does for
// the default order: outputs and final states bit for bit.
func TestLoopOrders(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and tests a package of kernels")
	}
	steps := []*ir.Step{kerneltest.EveryOp()}
	for _, name := range []string{"lif", "lsnn", "lif_adex"} {
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
		for oi, order := range loopOrders {
			for _, isa := range amd64.ISAs {
				for _, n := range []int{0, 1, 7, 8, 16, 17, 31, 32, 33, 64 + 9, 1024 + 17} {
					name := fmt.Sprintf("step%d_%d_order%d%s", si, n, oi, isa.Suffix())
					k := kerneltest.Forward(name, s, n)
					k.Loop = order
					if err := em.Kernel(k, isa); err != nil {
						t.Logf("%s not emitted: %v", name, err)
						continue
					}
					emitted++
					fmt.Fprintf(&cases, "\t\t%q: {%d, %q, %q, 0, %s},\n", name, n, isa.String(), "forward", name)
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
	runGo(t, dir, "vet", ".")
	test := []string{"test", "-count=1"}
	if x := os.Getenv("SNNC_GO_TEST_EXEC"); x != "" {
		test = append(test, "-exec", x)
	}
	runGo(t, dir, append(test, ".")...)
}

// runGo runs the go command in dir for amd64 and fails t on an error.
func runGo(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOARCH=amd64")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}
