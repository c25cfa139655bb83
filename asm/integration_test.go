package asm_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	. "github.com/snnc/snnc/asm"
)

// TestGeneratedPackage writes the kernels of kernels_test.go, their stubs,
// plain-Go twins (testdata/kernelpkg/generic.go.txt) and a test
// (testdata/kernelpkg/kernels_test.go.txt) into a temporary package inside
// this module, then runs go vet on it — asmdecl checks every argument
// name, offset, size and frame against the stubs — for amd64 with and
// without the purego tag, and go test, which compares each kernel with
// its twin over lengths 0..4W+1 with guard values around the outputs.
// Kernels needing features this CPU lacks are skipped.
func TestGeneratedPackage(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go vet and go test in a subprocess")
	}
	gocmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command:", err)
	}
	file := buildKernels()
	var s, stubs bytes.Buffer
	if err := file.WriteAsm(&s); err != nil {
		t.Fatal(err)
	}
	if err := file.WriteStubs(&stubs); err != nil {
		t.Fatal(err)
	}

	if err := os.MkdirAll("testdata", 0o777); err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("testdata", "tmp-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })

	write := func(name string, data []byte) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o666); err != nil {
			t.Fatal(err)
		}
	}
	copyIn := func(name, src string) {
		t.Helper()
		data, err := os.ReadFile(filepath.Join("testdata", "kernelpkg", src))
		if err != nil {
			t.Fatal(err)
		}
		write(name, data)
	}
	write("kernels_amd64.s", s.Bytes())
	write("kernels_stubs_amd64.go", stubs.Bytes())
	write("requires_amd64.go", requiresFile(file))
	copyIn("generic.go", "generic.go.txt")
	copyIn("kernels_amd64_test.go", "kernels_test.go.txt")
	if testing.Verbose() {
		t.Logf("generated package in %s; assembly:\n%s", dir, s.Bytes())
	}

	run := func(env []string, args ...string) {
		t.Helper()
		cmd := exec.Command(gocmd, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s go %s: %v\n%s", strings.Join(env, " "), strings.Join(args, " "), err, out)
		}
		t.Logf("%s go %s:\n%s", strings.Join(env, " "), strings.Join(args, " "), out)
	}
	amd64 := []string{"GOARCH=amd64"}
	run(amd64, "vet", ".")
	run(amd64, "vet", "-tags", "purego", ".")
	if runtime.GOARCH != "amd64" {
		t.Skip("not running the amd64 kernels on", runtime.GOARCH)
	}
	run(nil, "test", "-count=1", "-v", ".")
}

// requiresFile generates requires_amd64.go: each function's features as
// cpuid/v2 constants, spelled from asm.Feature names.
func requiresFile(file *File) []byte {
	var b bytes.Buffer
	b.WriteString("//go:build !purego\n\npackage kernels\n\nimport \"github.com/klauspost/cpuid/v2\"\n\n")
	b.WriteString("var requires = map[string][]cpuid.FeatureID{\n")
	for _, fn := range file.Funcs() {
		var ids []string
		for _, f := range fn.Requires().List() {
			ids = append(ids, "cpuid."+f.String())
		}
		fmt.Fprintf(&b, "\t%q: {%s},\n", fn.Name(), strings.Join(ids, ", "))
	}
	b.WriteString("}\n")
	return b.Bytes()
}
