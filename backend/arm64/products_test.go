package arm64_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/snnc/snnc/asm"
	"github.com/snnc/snnc/backend/arm64"
)

// TestEmitProducts checks that EmitProducts builds both kernels without
// builder errors.
func TestEmitProducts(t *testing.T) {
	file := asm.NewFile(asm.ARM64, "products")
	if err := arm64.EmitProducts(file); err != nil {
		t.Fatal(err)
	}
	if err := file.Err(); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, fn := range file.Funcs() {
		names = append(names, fn.Name())
		if req := fn.Requires(); req != 0 {
			t.Errorf("%s requires %v", fn.Name(), req)
		}
	}
	if got := strings.Join(names, " "); got != "linearNEON linearSpikesNEON" {
		t.Errorf("functions %s", got)
	}
}

// TestEmitBackwardProducts checks that EmitBackwardProducts builds its
// three kernels without builder errors, next to EmitProducts' in one file.
func TestEmitBackwardProducts(t *testing.T) {
	file := asm.NewFile(asm.ARM64, "products")
	if err := arm64.EmitProducts(file); err != nil {
		t.Fatal(err)
	}
	if err := arm64.EmitBackwardProducts(file); err != nil {
		t.Fatal(err)
	}
	if err := file.Err(); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, fn := range file.Funcs()[2:] {
		names = append(names, fn.Name())
		if req := fn.Requires(); req != 0 {
			t.Errorf("%s requires %v", fn.Name(), req)
		}
	}
	if got := strings.Join(names, " "); got != "linearAddNEON linearAddXTNEON outerSpikesNEON" {
		t.Errorf("functions %s", got)
	}
}

// TestProducts generates a package holding the NEON product kernels, a
// copy of the plain-Go kernels of backend/gogen/rt and the tests of
// testdata/productspkg inside this module, vets it for arm64 and runs
// it there (natively or under qemu-aarch64, see arm64Exec): every kernel
// against its plain-Go twin bit for bit over many shapes, with guards
// around y and the inputs ending at an unreadable page.
func TestProducts(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go vet and go test in a subprocess")
	}
	file := asm.NewFile(asm.ARM64, "products")
	file.Generator = "backend/arm64 TestProducts"
	if err := arm64.EmitProducts(file); err != nil {
		t.Fatal(err)
	}
	if err := arm64.EmitBackwardProducts(file); err != nil {
		t.Fatal(err)
	}
	dir := tempPackage(t)
	if err := file.WriteFiles(filepath.Join(dir, "products_arm64.s"), filepath.Join(dir, "products_stubs_arm64.go")); err != nil {
		t.Fatal(err)
	}
	write := func(name string, data []byte) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o666); err != nil {
			t.Fatal(err)
		}
	}
	pkgLine := regexp.MustCompile(`(?m)^package rt$`)
	for _, name := range []string{"linear.go", "fma.go"} {
		src, err := os.ReadFile(filepath.Join("..", "gogen", "rt", name))
		if err != nil {
			t.Fatal(err)
		}
		write(name, pkgLine.ReplaceAll(src, []byte("package products")))
	}
	tmpl, err := filepath.Glob(filepath.Join("testdata", "productspkg", "*.go.txt"))
	if err != nil || len(tmpl) == 0 {
		t.Fatalf("no templates in testdata/productspkg: %v", err)
	}
	for _, p := range tmpl {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		write(strings.TrimSuffix(filepath.Base(p), ".txt"), data)
	}
	goCmd := func(args ...string) {
		t.Helper()
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOARCH=arm64")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("GOARCH=arm64 go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		t.Logf("GOARCH=arm64 go %s:\n%s", strings.Join(args, " "), out)
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
