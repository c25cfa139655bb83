// Command customneuron takes a neuron model that no library ships (package
// qif, an adaptive quadratic integrate-and-fire neuron written outside
// snnc) from its definition to a compiled, tested Go package, through
// snnc's public API only:
//
//	go run ./examples/customneuron [-v]
//
// It runs the model in the reference interpreter, differentiates it two
// independent ways (direct backpropagation through time, and the adjoint
// step snnc derives from the ops' rules, which the compiled kernels run)
// and compares them, builds a network around it from a model file, writes
// that network as a NIR file and reads it back, and compiles it into a
// temporary directory, whose package's own tests then check it against
// the interpreter. docs/custom-neuron.md
// walks through the same steps.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/snnc/snnc/backend/interp"
	"github.com/snnc/snnc/compiler"
	"github.com/snnc/snnc/examples/customneuron/qif" // registers "qif_adapt"
	"github.com/snnc/snnc/module"
	"github.com/snnc/snnc/nir"
	"github.com/snnc/snnc/passes"
)

// modelFile is a network that names the model by its registered name.
const modelFile = `{
  "snnc_model": 1,
  "name": "qifnet",
  "dt": 0.001,
  "input_shape": [16],
  "layers": [
    {"type": "linear", "name": "fc1", "in": 16, "out": 32},
    {"type": "neuron", "name": "qif1", "model": "qif_adapt", "params": {"b": 0.3}},
    {"type": "linear", "name": "fc2", "in": 32, "out": 4},
    {"type": "neuron", "name": "readout", "model": "li"}
  ]
}`

// verbose shows what the go command prints while it checks the package.
var verbose = flag.Bool("v", false, "show the output of go vet and go test")

func main() {
	flag.Parse()
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "customneuron:", err)
		os.Exit(1)
	}
}

func run(out io.Writer) error {
	// 1. The step alone, in the float64 interpreter: 8 neurons driven by
	// constant currents 0..1.4 for 200 steps.
	const T, N = 200, 8
	step := qif.Step(qif.Defaults(), 1e-3)
	x := make([]float64, T*N)
	for t := range T {
		for n := range N {
			x[t*N+n] = 0.2 * float64(n)
		}
	}
	run := &interp.StepRun{T: T, B: 1, N: N, Inputs: map[string][]float64{"x": x}}
	res, err := interp.RunStep(step, run)
	if err != nil {
		return err
	}
	counts := make([]int, N)
	for i, z := range res.Outputs["z"] {
		counts[i%N] += int(z)
	}
	fmt.Fprintf(out, "1. interpreter: spikes in %d steps per input current 0, 0.2, ..., 1.4: %v\n", T, counts)

	// 2. Its gradient, two ways: direct BPTT over the step's ops, and the
	// adjoint step derived from the ops' rules (what compiled kernels run).
	seed := make([]float64, T*N)
	for i := range seed {
		seed[i] = 1 // d(total spikes)
	}
	_, bptt, err := interp.GradStep(step, run, map[string][]float64{"z": seed})
	if err != nil {
		return err
	}
	adjoint, err := passes.BackwardStep(step)
	if err != nil {
		return err
	}
	viaAdjoint, err := interp.RunAdjoint(step, adjoint, run, res, map[string][]float64{"z": seed})
	if err != nil {
		return err
	}
	worst, scale := 0.0, 0.0
	for name, g := range bptt.Params {
		for i := range g {
			worst = max(worst, math.Abs(g[i]-viaAdjoint.Params[name][i]))
			scale = max(scale, math.Abs(g[i]))
		}
	}
	for i, g := range bptt.Inputs["x"] {
		worst = max(worst, math.Abs(g-viaAdjoint.Inputs["x"][i]))
	}
	fmt.Fprintf(out, "2. gradient: d(spikes)/d(v_th) = %.4g; BPTT and the derived adjoint step differ by at most %.2g (largest parameter gradient %.3g)\n",
		bptt.Params["v_th"][0], worst, scale)
	if worst > 1e-9*max(scale, 1) {
		return fmt.Errorf("BPTT and the adjoint step disagree by %g", worst)
	}

	// 3. A network that names the model, saved as a model file and read
	// back, as any model file naming a built-in model would be. The
	// weights are random (a trained network's would come from training).
	dir, err := os.MkdirTemp("", "customneuron-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	rng := rand.New(rand.NewPCG(1, 2))
	normal := func(n int, scale float64) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = rng.NormFloat64() * scale
		}
		return v
	}
	layers := []module.LayerSpec{
		{Type: "linear", Name: "fc1", In: 16, Out: 32},
		{Type: "neuron", Name: "qif1", Model: "qif_adapt", Params: json.RawMessage(`{"b": 0.3}`)},
		{Type: "linear", Name: "fc2", In: 32, Out: 4},
		{Type: "neuron", Name: "readout", Model: "li"},
	}
	weights := map[string][]float64{"fc1.weight": normal(32*16, 1.5), "fc2.weight": normal(4*32, 0.5)}
	m, err := module.New("qifnet", 1e-3, []int{16}, layers, weights)
	if err != nil {
		return err
	}
	path := filepath.Join(dir, "qifnet.snn.json")
	if err := module.Save(path, m); err != nil {
		return err
	}
	if m, err = module.Load(path, 0); err != nil {
		return err
	}
	b, err := module.Build(m.Name, m.Net, m.InputShape...)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "3. model file %s: fc1 → qif1 (qif_adapt, b = 0.3) → fc2 → readout (li), %d graph nodes\n", filepath.Base(path), len(b.Graph.Nodes))

	// 4. The network as a NIR file and back: qif1 becomes a node of the
	// model's own type QIFAdapt (qif/nir.go declares the mapping), which
	// this program, importing package qif, reads back as qif_adapt.
	g, err := nir.Export(m)
	if err != nil {
		return err
	}
	nirPath := filepath.Join(dir, "qifnet.nir")
	if err := nir.WriteFile(nirPath, g); err != nil {
		return err
	}
	imp, err := nir.Load(nirPath, nir.Options{})
	if err != nil {
		return err
	}
	const steps, batch = 100, 2
	xs := normal(steps*batch*16, 1)
	forward := func(b *module.Builder) (*interp.GraphResult, error) {
		return interp.RunGraph(b.Graph, &interp.GraphRun{T: steps, B: batch, Inputs: map[string][]float64{"input": xs}, Params: b.Params})
	}
	want, err := forward(b)
	if err != nil {
		return err
	}
	got, err := forward(imp.Builder)
	if err != nil {
		return err
	}
	spikes := 0.0
	for _, n := range b.Graph.Nodes {
		if n.Step != nil && n.Step.Name == "qif1" {
			for _, z := range want.Values[n] {
				spikes += z
			}
		}
	}
	wantOut, gotOut := want.Values[b.Graph.Outputs[0].Node], got.Values[imp.Builder.Graph.Outputs[0].Node]
	differ := 0
	for i := range wantOut {
		if wantOut[i] != gotOut[i] {
			differ++
		}
	}
	if differ > 0 || len(wantOut) != len(gotOut) {
		return fmt.Errorf("the network read back from %s differs from the model file's in %d of %d outputs", filepath.Base(nirPath), differ, len(wantOut))
	}
	fmt.Fprintf(out, "4. NIR: %s holds qif1 as a %s node; read back, its %d outputs on random input (qif1: %d spikes) equal the model file's bit for bit\n",
		filepath.Base(nirPath), g.Nodes["qif1"].Type, len(wantOut), int(spikes))

	// 5. Compile it, with training, into a temporary directory, and run the
	// generated package's tests: forward bit for bit against the float32
	// interpreter, gradients against its BPTT, every kernel implementation.
	pkgDir := filepath.Join(dir, "qifnet")
	p, err := compiler.Compile(b.Graph, b.Params, compiler.Options{Package: "qifnet", Source: "examples/customneuron", Train: true})
	if err != nil {
		return err
	}
	if err := p.Write(pkgDir); err != nil {
		return err
	}
	fmt.Fprintf(out, "5. compiled package qifnet into %s: %d files\n", pkgDir, len(p.Files))
	check := compiler.CheckOptions{Purego: true}
	if *verbose {
		check.Out = out
	}
	if err := compiler.Check(pkgDir, check); err != nil {
		return err
	}
	fmt.Fprintln(out, "6. its tests pass (go vet; go test; go test -tags purego): outputs and states equal the float32 interpreter's bit for bit, gradients its BPTT")
	return nil
}
