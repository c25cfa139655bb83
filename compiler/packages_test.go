package compiler

import (
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/snnc/snnc/backend/gogen"
	"github.com/snnc/snnc/functional"
	"github.com/snnc/snnc/internal/reftest"
	"github.com/snnc/snnc/internal/teststeps"
	"github.com/snnc/snnc/ir"
	"github.com/snnc/snnc/module"
	"github.com/snnc/snnc/nir"
	"github.com/snnc/snnc/passes"
)

// oneLayer builds input [5] → linear → neuron layer of 11 neurons (one
// linear per step input), with the model's first parameter bound per
// neuron and its second bound as one shared value, so that the kernels'
// three ways of reading a parameter are all compiled and differentiated.
func oneLayer(t *testing.T, name string, s *ir.Step) (*ir.Graph, map[string][]float64) {
	t.Helper()
	const in, n = 5, 11
	rng := rand.New(rand.NewPCG(uint64(len(name)), 9))
	g := ir.NewGraph(name)
	params := map[string][]float64{}
	random := func(size int, scale float64) []float64 {
		v := make([]float64, size)
		for i := range v {
			v[i] = rng.NormFloat64() * scale
		}
		return v
	}
	x := teststeps.Must(g.Input("input", in))
	var args []*ir.Node
	for i, inName := range s.Inputs {
		w := teststeps.Must(g.Param("w"+inName, n, in))
		params[w.Name] = random(n*in, 2/float64(i+1))
		args = append(args, teststeps.Must(g.Op(ir.GLinear, nil, x, w)))
	}
	var bind []string
	for k, p := range s.Params {
		if k == 2 {
			break
		}
		size := n
		if k == 1 {
			size = 1
		}
		node := teststeps.Must(g.Param("p."+p.Name, size))
		vals := make([]float64, size)
		for i := range vals {
			vals[i] = p.Default * (1 + 0.1*rng.Float64())
		}
		params[node.Name] = vals
		bind = append(bind, p.Name)
		args = append(args, node)
	}
	out := teststeps.Must(g.Op(ir.GNeuron, &ir.Node{Step: s, Bind: bind}, args...))
	g.Output("output", out)
	return g, params
}

// TestGeneratedPackages compiles every functional model in a one-layer
// network, the custom integrator and every testdata model (optimized by the
// whole pipeline, and the testdata models also with every optional pass
// off), then vets and
// tests the generated packages: forward outputs bit for bit against the
// float32 interpreter, gradients within gradTolerance, streaming against
// whole sequences, no allocations per call.
func TestGeneratedPackages(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles and tests a Go package per model")
	}
	type model = testModel
	var models []model
	for _, name := range functional.ModelNames() {
		m, err := functional.LookupModel(name)
		if err != nil {
			t.Fatal(err)
		}
		s := m.Build(m.Params(), 1e-3)
		g, p := oneLayer(t, name, s)
		models = append(models, model{name: name, g: g, params: p, inputGrad: true})
	}
	g, p := oneLayer(t, "integrator", teststeps.Integrator())
	models = append(models, model{name: "integrator", g: g, params: p})
	files, _ := filepath.Glob("../testdata/models/*.snn.json")
	for _, f := range files {
		m, err := module.Load(f, 0)
		if err != nil {
			t.Fatal(err)
		}
		b, err := m.Build()
		if err != nil {
			t.Fatal(err)
		}
		models = append(models, model{name: m.Name, g: b.Graph, params: b.Params})
		// Unoptimized: every schedule unfused, the adjoint step as
		// autodiff derives it (untrimmed), every state it reads saved.
		var optional []string
		for _, p := range passes.Pipeline {
			if p.Optional && p.Name != "autodiff" {
				optional = append(optional, p.Name)
			}
		}
		models = append(models, model{name: m.Name + "_plain", g: b.Graph, params: b.Params, disable: optional, inputGrad: true})
		models = append(models, model{name: m.Name + "_infer", g: b.Graph, params: b.Params, disable: []string{"autodiff", "fuse-surrogate-backward"}, infer: true})
	}

	// A spike input read in place by an event-driven product whose width
	// is not a multiple of the spike lists' tiles (rt/lists.go): row by
	// row, with the in-place rows of a split batch; then a product of
	// spikes narrow enough to stay dense.
	net := module.Sequential{
		&module.Linear{Name: "fc1", In: 40, Out: 24, Weight: randomWeights(24*40, 1), Bias: randomWeights(24, 2)},
		&module.Neuron{Name: "lif", Model: "lif"},
		&module.Linear{Name: "fc2", In: 24, Out: 8, Weight: randomWeights(8*24, 3), Bias: randomWeights(8, 4)},
		&module.Neuron{Name: "li", Model: "li"},
	}
	b, err := module.BuildWith("spike_rows", net, module.Options{InputSpikes: true}, 40)
	if err != nil {
		t.Fatal(err)
	}
	models = append(models, model{name: "spike_rows", g: b.Graph, params: b.Params, B: 5, T: 7})

	// An inference network whose first product is small enough to run
	// inside its neuron kernel (fuse-linear-epilogue: 12 inputs into 64
	// neurons; no testdata model has one), so that the fused kernels are
	// compiled and checked too.
	net = module.Sequential{
		&module.Linear{Name: "fc1", In: 12, Out: 64, Weight: randomWeights(64*12, 5), Bias: randomWeights(64, 6)},
		&module.Neuron{Name: "lif", Model: "lif"},
		&module.Linear{Name: "fc2", In: 64, Out: 8, Weight: randomWeights(8*64, 7), Bias: randomWeights(8, 8)},
		&module.Neuron{Name: "li", Model: "li"},
	}
	if b, err = module.Build("fused_product", net, 12); err != nil {
		t.Fatal(err)
	}
	inferOff := []string{"autodiff", "fuse-surrogate-backward"}
	if g, err := passes.Run(b.Graph, passes.Options{Disable: inferOff}); err != nil || !slices.ContainsFunc(g.Nodes, func(n *ir.Node) bool { return n.Sched.Epilogue }) {
		t.Fatalf("fused_product: no product fused into its neuron kernel (err %v)", err)
	}
	models = append(models, model{name: "fused_product", g: b.Graph, params: b.Params, disable: inferOff, infer: true})

	// NIR graphs from other frameworks (the consistent field files) and
	// the NIR reference files compile too.
	// Without the reference folder the other models still run.
	ref := reftest.NIR.Optional(t)
	var nirFiles, more []string
	if ref != "" {
		nirFiles, _ = filepath.Glob(filepath.Join(ref, "field", "*.nir"))
		more, _ = filepath.Glob(filepath.Join(ref, "*.nir"))
	}
	for _, f := range append(nirFiles, more...) {
		if strings.HasSuffix(f, ".raw.nir") {
			continue // the same graph as its gzip twin
		}
		imp, err := nir.Load(f, nir.Options{})
		var inconsistent *nir.InconsistentError
		if errors.As(err, &inconsistent) {
			continue // rejected by design; nir's tests cover it
		}
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		name := "nir_" + strings.TrimSuffix(filepath.Base(f), ".nir")
		models = append(models, model{name: name, g: imp.Builder.Graph, params: imp.Builder.Params})
	}
	if ref != "" && len(nirFiles) == 0 {
		t.Errorf("no NIR field files under %s (set SNNC_NIR_REF)", ref)
	}

	compileAndTest(t, models)
}

// randomWeights is n values of a normal distribution, scaled so that a
// layer's neurons spike now and then, from seed.
func randomWeights(n int, seed uint64) []float64 {
	r := rand.New(rand.NewPCG(seed, 77))
	w := make([]float64, n)
	for i := range w {
		w[i] = r.NormFloat64() * 0.6
	}
	return w
}

// testModel is one network to compile into a package and test.
type testModel struct {
	name    string
	g       *ir.Graph
	params  map[string][]float64
	disable []string // optional passes to skip
	infer   bool     // inference only: no Backward, buffers planned
	T, B    int      // the golden's size; 0 means 10 steps × 2 entries
	// inputGrad compiles with InputGrad: Backward computes Grads.Input,
	// which the package's tests then check against the golden.
	inputGrad bool
}

// compileAndTest generates a package per model, with the float32
// interpreter's golden, then vets the packages for both assembly
// architectures and runs their tests with and without purego.
func compileAndTest(t *testing.T, models []testModel) {
	t.Helper()
	// The packages must live inside this module to import cpuid; a fresh
	// directory per run keeps concurrent runs apart.
	if err := os.MkdirAll("testdata", 0o755); err != nil {
		t.Fatal(err)
	}
	root, err := os.MkdirTemp("testdata", "out-")
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("SNNC_KEEP_GENERATED") == "" {
		t.Cleanup(func() { os.RemoveAll(root) })
	}
	var dirs []string
	for _, m := range models {
		pkg := "m" + strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, strings.ToLower(m.name))
		T, B := m.T, m.B
		if T == 0 {
			T, B = 10, 2
		}
		gold, err := MakeGolden(m.g, m.params, T, B, !m.infer)
		if err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
		opt, err := passes.Run(m.g, passes.Options{Disable: m.disable, Train: !m.infer})
		if err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
		files, err := gogen.Generate(opt, m.params, gogen.Options{Package: pkg, Source: m.name, Train: !m.infer, InputGrad: m.inputGrad && !m.infer, Golden: gold})
		if err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
		dir := filepath.Join(root, pkg)
		for name, data := range files {
			path := filepath.Join(dir, name)
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		dirs = append(dirs, "./"+filepath.ToSlash(dir))
	}
	test := []string{"test", "-count=1"}
	if x := os.Getenv("SNNC_GO_TEST_EXEC"); x != "" {
		test = append(test, "-exec", x) // e.g. "qemu-x86_64 -cpu Haswell", "qemu-aarch64"
	}
	// SNNC_GO_TEST_GOARCH builds and runs the packages for another
	// architecture (arm64 under SNNC_GO_TEST_EXEC=qemu-aarch64). The
	// native run vets both assembly architectures.
	arch := os.Getenv("SNNC_GO_TEST_GOARCH")
	var env []string
	if arch != "" {
		env = []string{"GOARCH=" + arch}
	}
	other := []string{"GOARCH=arm64"}
	if arch == "arm64" || arch == "" && runtime.GOARCH == "arm64" {
		other = []string{"GOARCH=amd64"}
	}
	type goRun struct {
		env  []string
		tool []string
	}
	runs := []goRun{{env, []string{"vet"}}, {other, []string{"vet"}}, {env, test}, {env, append(test, "-tags", "purego")}}
	// Under an emulator (make test-cpus, test-arm64) the native run has
	// vetted the same files already, and on an emulated amd64 CPU the
	// plain-Go kernels (purego) are the native run's: only the tests that
	// differ run again, which saves minutes of emulation.
	if os.Getenv("SNNC_GO_TEST_EXEC") != "" {
		runs = runs[2:]
		if arch == "" || arch == runtime.GOARCH {
			runs = runs[:1]
		}
	}
	for _, run := range runs {
		cmd := exec.Command("go", append(run.tool, dirs...)...)
		cmd.Env = append(os.Environ(), run.env...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s go %s: %v\n%s", strings.Join(run.env, " "), strings.Join(run.tool, " "), err, out)
		}
	}
}
