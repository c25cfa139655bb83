package amd64

import (
	"bytes"
	"fmt"
	"go/format"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/snnc/snnc/asm"
)

// TestEmitProducts checks that EmitProducts builds both kernels of
// both ISAs without builder errors, within their declared ISA, and
// rejects an unknown ISA.
func TestEmitProducts(t *testing.T) {
	for _, isa := range []ISA{AVX2, AVX512} {
		file := asm.NewFile(asm.AMD64, "products")
		if err := EmitProducts(file, isa); err != nil {
			t.Fatalf("%v: %v", isa, err)
		}
		if err := file.Err(); err != nil {
			t.Fatalf("%v: %v", isa, err)
		}
		var names []string
		for _, fn := range file.Funcs() {
			names = append(names, fn.Name())
			req := fn.Requires()
			if isa == AVX2 && (req.Has(asm.AVX512F) || !req.Has(asm.FMA3)) {
				t.Errorf("%s requires %v", fn.Name(), req)
			}
		}
		want := []string{"linear" + isa.Suffix(), "linearSpikes" + isa.Suffix()}
		if strings.Join(names, " ") != strings.Join(want, " ") {
			t.Errorf("%v: functions %v, want %v", isa, names, want)
		}
	}
	if err := EmitProducts(asm.NewFile(asm.AMD64, "products"), ISA(7)); err == nil {
		t.Error("EmitProducts(ISA(7)) succeeded")
	}
}

// TestEmitBackwardProducts checks that EmitBackwardProducts builds its
// three kernels of both ISAs without builder errors, within their
// declared ISA, next to EmitProducts' in one file, and rejects an unknown
// ISA.
func TestEmitBackwardProducts(t *testing.T) {
	for _, isa := range []ISA{AVX2, AVX512} {
		file := asm.NewFile(asm.AMD64, "products")
		if err := EmitProducts(file, isa); err != nil {
			t.Fatalf("%v: %v", isa, err)
		}
		if err := EmitBackwardProducts(file, isa); err != nil {
			t.Fatalf("%v: %v", isa, err)
		}
		if err := file.Err(); err != nil {
			t.Fatalf("%v: %v", isa, err)
		}
		var names []string
		for _, fn := range file.Funcs()[2:] {
			names = append(names, fn.Name())
			req := fn.Requires()
			if isa == AVX2 && (req.Has(asm.AVX512F) || !req.Has(asm.FMA3)) {
				t.Errorf("%s requires %v", fn.Name(), req)
			}
		}
		s := isa.Suffix()
		want := []string{"linearAdd" + s, "linearAddXT" + s, "outerSpikes" + s}
		if strings.Join(names, " ") != strings.Join(want, " ") {
			t.Errorf("%v: functions %v, want %v", isa, names, want)
		}
	}
	if err := EmitBackwardProducts(asm.NewFile(asm.AMD64, "products"), ISA(7)); err == nil {
		t.Error("EmitBackwardProducts(ISA(7)) succeeded")
	}
}

// TestProducts generates a package holding the AVX2 and AVX-512 product
// kernels, a copy of the plain-Go kernels of backend/gogen/rt and the
// tests of testdata/productspkg, inside this module (so that it resolves
// cpuid and gonum), then runs go vet on it — asmdecl checks every argument
// access against the stubs — and go test, which compares every kernel with
// its plain-Go twin bit for bit over many shapes (see
// testdata/productspkg/products_amd64_test.go.txt). Kernels the CPU lacks
// are skipped unless SNNC_REQUIRE_ISA says otherwise.
func TestProducts(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go vet and go test in a subprocess")
	}
	dir := productsPackage(t, "")
	productsGo(t, dir, []string{"GOARCH=amd64"}, "vet", ".")
	if runtime.GOARCH != "amd64" {
		t.Skip("not running the amd64 kernels on", runtime.GOARCH)
	}
	args := []string{"test", "-count=1", "-run", "Test"}
	if testing.Verbose() {
		args = append(args, "-v")
	}
	productsGo(t, dir, nil, append(args, ".")...)
}

// productsPackage writes the generated package into dir, or into a new
// temporary directory under testdata (removed after the test) if dir is
// empty, and returns the directory.
func productsPackage(t *testing.T, dir string) string {
	t.Helper()
	file := asm.NewFile(asm.AMD64, "products")
	file.Generator = "backend/amd64 TestProducts"
	for _, isa := range []ISA{AVX2, AVX512} {
		if err := EmitProducts(file, isa); err != nil {
			t.Fatal(err)
		}
		if err := EmitBackwardProducts(file, isa); err != nil {
			t.Fatal(err)
		}
		if err := EmitSpikeCheck(file, isa); err != nil {
			t.Fatal(err)
		}
		if err := EmitSpikeLists(file, isa); err != nil {
			t.Fatal(err)
		}
		if err := EmitAdam(file, isa); err != nil {
			t.Fatal(err)
		}
		emitFMAPeak(file, isa)
	}
	if dir == "" {
		if err := os.MkdirAll("testdata", 0o777); err != nil {
			t.Fatal(err)
		}
		var err error
		if dir, err = os.MkdirTemp("testdata", "tmp-"); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
	} else if err := os.MkdirAll(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := file.WriteFiles(filepath.Join(dir, "products_amd64.s"), filepath.Join(dir, "products_stubs_amd64.go")); err != nil {
		t.Fatal(err)
	}
	write := func(name string, data []byte) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o666); err != nil {
			t.Fatal(err)
		}
	}
	write("requires_amd64.go", productsRequires(file))
	// The plain-Go kernels, as every generated package carries them.
	pkgLine := regexp.MustCompile(`(?m)^package rt$`)
	for _, name := range []string{"linear.go", "fma.go", "encode.go", "lists.go", "optim.go", "threads.go", "tensor.go"} {
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
	return dir
}

// productsRequires generates requires_amd64.go: each function's features as
// cpuid/v2 constants, spelled from its asm.Feature names (the "// Requires:"
// line of its stub), so the tests skip exactly what dispatch would.
func productsRequires(file *asm.File) []byte {
	var b bytes.Buffer
	b.WriteString("// Code generated by backend/amd64 TestProducts. DO NOT EDIT.\n\n")
	b.WriteString("package products\n\nimport \"github.com/klauspost/cpuid/v2\"\n\n")
	b.WriteString("var requires = map[string][]cpuid.FeatureID{\n")
	for _, fn := range file.Funcs() {
		var ids []string
		for _, f := range fn.Requires().List() {
			ids = append(ids, "cpuid."+f.String())
		}
		fmt.Fprintf(&b, "\t%q: {%s},\n", fn.Name(), strings.Join(ids, ", "))
	}
	b.WriteString("}\n")
	src, err := format.Source(b.Bytes())
	if err != nil {
		panic(fmt.Sprintf("requires_amd64.go: %v\n%s", err, b.Bytes()))
	}
	return src
}

// productsGo runs the go command with args in dir, failing the test on error.
func productsGo(t *testing.T, dir string, env []string, args ...string) {
	t.Helper()
	gocmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command:", err)
	}
	cmd := exec.Command(gocmd, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s go %s: %v\n%s", strings.Join(env, " "), strings.Join(args, " "), err, out)
	}
	t.Logf("%s go %s:\n%s", strings.Join(env, " "), strings.Join(args, " "), out)
}

// TestEmitSpikeLists checks that EmitSpikeLists builds its kernels of
// both ISAs without builder errors and within their declared ISA, and
// rejects an unknown ISA. (TestProducts runs them.)
func TestEmitSpikeLists(t *testing.T) {
	for _, isa := range []ISA{AVX2, AVX512} {
		file := asm.NewFile(asm.AMD64, "lists")
		if err := EmitSpikeLists(file, isa); err != nil {
			t.Fatalf("%v: %v", isa, err)
		}
		var names []string
		for _, fn := range file.Funcs() {
			names = append(names, fn.Name())
			if req := fn.Requires(); isa == AVX2 && req.Has(asm.AVX512F) {
				t.Errorf("%s requires %v", fn.Name(), req)
			}
		}
		s := isa.Suffix()
		want := []string{"spikeLists" + s, "spikeTile" + s, "spikeColumnsOuter" + s}
		if ListsBitsISA(isa) == isa {
			want = slices.Insert(want, 1, "spikeListsBits"+s)
		}
		if strings.Join(names, " ") != strings.Join(want, " ") {
			t.Errorf("%v: functions %v, want %v", isa, names, want)
		}
	}
	if err := EmitSpikeLists(asm.NewFile(asm.AMD64, "lists"), ISA(7)); err == nil {
		t.Error("EmitSpikeLists(ISA(7)) succeeded")
	}
}

// TestEmitAdam checks that EmitAdam builds adamUpdate for both ISAs within
// their declared ISA and rejects an unknown ISA. (TestProducts runs them.)
func TestEmitAdam(t *testing.T) {
	if AdamLanes != 8 {
		t.Errorf("AdamLanes = %d; backend/gogen/rt's adamLanes is 8", AdamLanes)
	}
	for _, isa := range []ISA{AVX2, AVX512} {
		file := asm.NewFile(asm.AMD64, "adam")
		if err := EmitAdam(file, isa); err != nil {
			t.Fatalf("%v: %v", isa, err)
		}
		for _, fn := range file.Funcs() {
			if fn.Name() != "adamUpdate"+isa.Suffix() {
				t.Errorf("%v: function %s", isa, fn.Name())
			}
			if req := fn.Requires(); isa == AVX2 && req.Has(asm.AVX512F) {
				t.Errorf("%s requires %v", fn.Name(), req)
			}
		}
	}
	if err := EmitAdam(asm.NewFile(asm.AMD64, "adam"), ISA(7)); err == nil {
		t.Error("EmitAdam(ISA(7)) succeeded")
	}
}
