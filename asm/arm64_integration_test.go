package asm_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// arm64Exec says how to run arm64 test binaries: through the command in
// SNNC_ARM64_EXEC if set, else natively on an arm64 host, else under
// qemu-aarch64 (Debian qemu-user) when it is installed. ok is false when
// they cannot run here.
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

// TestARM64GeneratedPackage writes the kernels of arm64_kernels_test.go,
// their stubs, plain-Go twins (testdata/arm64pkg/generic.go.txt) and a
// test (testdata/arm64pkg/kernels_test.go.txt) into a temporary package
// inside this module, then
//
//   - runs go vet for GOARCH=arm64 (asmdecl checks every argument name and
//     offset against the stubs);
//   - builds the test binary and disassembles it with go tool objdump: every
//     WORD the builder emitted must decode (by Go's own arm64 disassembler)
//     to the instruction its comment names;
//   - runs the test, natively on arm64 or under qemu-aarch64: each kernel
//     against its twin, on special values (±0, NaN, ±Inf, ties, subnormals,
//     out-of-range conversions).
func TestARM64GeneratedPackage(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go vet, go build and go test in a subprocess")
	}
	gocmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command:", err)
	}
	file := buildARM64Kernels()
	var s, stubs bytes.Buffer
	if err := file.WriteAsm(&s); err != nil {
		t.Fatal(err)
	}
	if err := file.WriteStubs(&stubs); err != nil {
		t.Fatal(err)
	}
	dir := tempDir(t)
	write := func(name string, data []byte) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o666); err != nil {
			t.Fatal(err)
		}
	}
	copyIn := func(name, src string) {
		t.Helper()
		data, err := os.ReadFile(filepath.Join("testdata", "arm64pkg", src))
		if err != nil {
			t.Fatal(err)
		}
		write(name, data)
	}
	write("kernels_arm64.s", s.Bytes())
	write("kernels_arm64.go", stubs.Bytes())
	var names bytes.Buffer
	names.WriteString("package kernels\n\n// vopNames are the slots of vops, in order.\nvar vopNames = []string{\n")
	for _, op := range arm64Ops() {
		fmt.Fprintf(&names, "\t%q,\n", op.name)
	}
	names.WriteString("}\n\n// branchConds are the branches of bits 0-11 of branches.\nvar branchConds = []string{")
	for i, c := range branchConds {
		if i > 0 {
			names.WriteString(", ")
		}
		fmt.Fprintf(&names, "%q", c)
	}
	names.WriteString("}\n")
	write("names_arm64.go", names.Bytes())
	copyIn("generic.go", "generic.go.txt")
	copyIn("kernels_arm64_test.go", "kernels_test.go.txt")
	if testing.Verbose() {
		t.Logf("generated package in %s; assembly:\n%s", dir, s.Bytes())
	}

	run := func(env []string, args ...string) []byte {
		t.Helper()
		cmd := exec.Command(gocmd, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s go %s: %v\n%s", strings.Join(env, " "), strings.Join(args, " "), err, out)
		}
		return out
	}
	arm64 := []string{"GOARCH=arm64"}
	run(arm64, "vet", ".")
	run(arm64, "test", "-c", "-o", "kernels.test", ".")
	dis := run(nil, "tool", "objdump", "-s", `^github.com/snnc/snnc/asm/testdata/[^.]*\.`, "kernels.test")
	checkWords(t, s.String(), string(dis))

	x, ok := arm64Exec()
	if !ok {
		t.Skip("cannot run arm64 binaries here (no qemu-aarch64; set SNNC_ARM64_EXEC)")
	}
	test := []string{"test", "-count=1", "-v"}
	if x != "" {
		test = append(test, "-exec", x)
	}
	out := run(arm64, append(test, ".")...)
	t.Logf("%s", out)
}

// tempDir makes a directory for a package inside this module (so that it
// can import the module's packages); it is removed after the test.
func tempDir(t *testing.T) string {
	t.Helper()
	if err := os.MkdirAll("testdata", 0o777); err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("testdata", "tmp-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

var (
	wordLine = regexp.MustCompile(`^\s*WORD \$0x([0-9a-f]{8}) // (.*)$`)
	disLine  = regexp.MustCompile(`^\s*kernels_arm64\.s:(\d+)\s+0x[0-9a-f]+\s+([0-9a-f]{8})\s+(.*?)\s*$`)
)

// checkWords checks every WORD line of the assembly src against the
// objdump disassembly dis: the same encoding at that line, decoded to the
// instruction the comment names. Go's disassembler spells some vector
// mnemonics without the V prefix (FADD V1.S4, …), so mnemonics are
// compared without it.
func checkWords(t *testing.T, src, dis string) {
	t.Helper()
	decoded := map[int][2]string{}
	for _, l := range strings.Split(dis, "\n") {
		if m := disLine.FindStringSubmatch(l); m != nil {
			var n int
			fmt.Sscan(m[1], &n)
			decoded[n] = [2]string{m[2], m[3]}
		}
	}
	norm := func(s string) string {
		s = strings.Join(strings.Fields(s), " ")
		op, rest, _ := strings.Cut(s, " ")
		return strings.TrimPrefix(op, "V") + " " + rest
	}
	words := 0
	for i, l := range strings.Split(src, "\n") {
		m := wordLine.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		words++
		d, ok := decoded[i+1]
		if !ok {
			t.Errorf("line %d %q: not in the disassembly (is the function linked?)", i+1, l)
			continue
		}
		if d[0] != m[1] {
			t.Errorf("line %d: assembled 0x%s, the source says 0x%s", i+1, d[0], m[1])
		}
		if norm(d[1]) != norm(m[2]) {
			t.Errorf("line %d: 0x%s decodes to %q, the comment says %q", i+1, m[1], d[1], m[2])
		}
	}
	if words == 0 {
		t.Error("no WORD instructions checked")
	}
	t.Logf("%d WORD instructions decode to the instructions their comments name", words)
}
