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
	"github.com/snnc/snnc/functional"
	"github.com/snnc/snnc/ir"
)

// everyOp is a step that uses every op the backend lowers, each on values
// that reach both signs, zero and the state (the step of backend/amd64's
// test).
func everyOp() *ir.Step {
	s := ir.NewStep("every_op")
	x := s.Input("x")
	st := s.State("s", 0.5)
	p := s.PerNeuronParam("p", 0.25)
	q := s.Param("q", -1.5)
	c := s.Const(0.75)
	a := s.Add(x, st)
	b := s.Sub(c, s.Mul(a, p))
	d := s.Div(b, s.Add(s.Abs(x), c))
	e := s.FMA(d, q, s.Neg(a))
	m := s.Max(s.Min(e, b), s.Neg(c))
	r := s.Relu(s.Sub(m, s.Detach(d)))
	sq := s.Sqrt(s.Abs(e))
	ex := s.Exp(s.Min(a, s.Const(3)))
	var cmps *ir.Value = s.Const(0)
	for k, pr := range []ir.Pred{ir.PredGT, ir.PredGE, ir.PredLT, ir.PredLE, ir.PredEQ, ir.PredNE} {
		// Weights 1, 2, 4, ... keep every comparison visible in the sum;
		// x against c is often an exact tie (see the test's inputs).
		cmps = s.Add(cmps, s.Mul(s.Cmp(pr, r, sq), s.Const(float64(int(1)<<k))))
		cmps = s.Add(cmps, s.Mul(s.Cmp(pr, x, c), s.Const(float64(int(1)<<(k+6)))))
	}
	sel := s.Select(s.Cmp(ir.PredGT, x, c), ex, cmps)
	z := s.Threshold(s.Sub(sel, s.Const(1)), ir.Super, 100)
	// The signs of zeros: 1/min(x, −x), 1/max(x, −x) and 1/relu(x) are
	// ±Inf when x is ±0.
	one := s.Const(1)
	signs := s.Add(s.Div(one, s.Min(x, s.Neg(x))), s.Div(one, s.Max(x, s.Neg(x))))
	signs = s.Add(signs, s.Div(one, s.Relu(x)))
	s.Output("z", s.Add(s.Add(z, s.Mul(sel, s.Const(0.001))), signs))
	s.SetNext(st, s.Sub(sel, s.Mul(z, sel)))
	return s
}

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

// stepKernel describes step s's kernel over n lanes with the plain Go
// signature (T, B int, x0.., y, s0.., p0.. []float32, <extra>): per-neuron
// params read per lane, shared ones from their slice's first element.
func stepKernel(name string, s *ir.Step, n int) *kernel.Kernel {
	k := &kernel.Kernel{Name: name, Step: s, N: n, Leaves: map[*ir.Value]kernel.Source{}}
	for i := range s.Inputs {
		k.Args = append(k.Args, fmt.Sprintf("x%d", i))
	}
	k.Args = append(k.Args, "y")
	for i, st := range s.States {
		k.Args = append(k.Args, fmt.Sprintf("s%d", i))
		k.States = append(k.States, kernel.State{Arg: fmt.Sprintf("s%d", i), Next: st.Next})
	}
	for i := range s.Params {
		k.Args = append(k.Args, fmt.Sprintf("p%d", i))
	}
	for _, v := range s.Values {
		switch v.Op {
		case ir.OpInput:
			k.Leaves[v] = kernel.Source{Kind: kernel.FromSeq, Arg: fmt.Sprintf("x%d", s.InputIndex(v.Name))}
		case ir.OpState:
			k.Leaves[v] = kernel.Source{Kind: kernel.FromState, State: s.StateIndex(v.Name)}
		case ir.OpParam:
			i := s.ParamIndex(v.Name)
			kind := kernel.FromShared
			if s.Params[i].PerNeuron {
				kind = kernel.FromPerNeuron
			}
			k.Leaves[v] = kernel.Source{Kind: kind, Arg: fmt.Sprintf("p%d", i)}
		case ir.OpConst:
			k.Leaves[v] = kernel.Source{Kind: kernel.FromConst, Const: v.Const}
		}
	}
	k.Sinks = []kernel.Sink{{Kind: kernel.ToSeq, Arg: "y", Value: s.Outputs[0].Value}}
	return k
}

// reverseKernel is stepKernel run backwards in time, with a sink of every
// other kind: dx += output 0 per lane and step, dp[n] += output 0 over
// steps and batch entries, ds[0] += state 0's next value (output 0 if
// there is no state) over everything.
func reverseKernel(name string, s *ir.Step, n int) *kernel.Kernel {
	k := stepKernel(name, s, n)
	k.Reverse = true
	k.Args = append(k.Args, "dx", "dp", "ds")
	shared := s.Outputs[0].Value
	if len(s.States) > 0 {
		shared = s.States[0].Next
	}
	k.Sinks = append(k.Sinks,
		kernel.Sink{Kind: kernel.AddToSeq, Arg: "dx", Value: s.Outputs[0].Value},
		kernel.Sink{Kind: kernel.AddToPerNeuron, Arg: "dp", Value: s.Outputs[0].Value},
		kernel.Sink{Kind: kernel.AddToShared, Arg: "ds", Value: shared})
	return k
}

// epilogueKernel is stepKernel computing input 0 itself as xin·wTᵀ + bias
// (xin [T][B][in], wT [in][n], bias [n] or nil).
func epilogueKernel(name string, s *ir.Step, n, in int) *kernel.Kernel {
	k := stepKernel(name, s, n)
	k.Args = append(k.Args, "xin", "wT", "bias")
	ep := &kernel.Epilogue{X: "xin", WT: "wT", Bias: "bias", In: in, Input: s.Leaf(ir.OpInput, s.Inputs[0])}
	delete(k.Leaves, ep.Input)
	k.Epilogue = ep
	return k
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
	steps := []*ir.Step{everyOp(), swap(), expRange()}
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
			emit(stepKernel(fmt.Sprintf("step%d_%d", si, n), s, n), "forward", 0)
			if n <= 13 || n%8 == 1 || n > 1024 {
				emit(reverseKernel(fmt.Sprintf("reverse%d_%d", si, n), s, n), "reverse", 0)
				emit(epilogueKernel(fmt.Sprintf("epilogue%d_%d", si, n), s, n, 1+n%5), "epilogue", 1+n%5)
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
	err := arm64.NewEmitter(file).Kernel(stepKernel("logs", s, 8))
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
	err = arm64.NewEmitter(file).Kernel(stepKernel("wide", wide, 8))
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
