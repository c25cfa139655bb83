package module_test

import (
	"testing"

	"github.com/snnc/snnc/backend/gogen"
	"github.com/snnc/snnc/backend/interp"
	"github.com/snnc/snnc/compiler"
	"github.com/snnc/snnc/module"
	"github.com/snnc/snnc/passes"
)

// maxFuzzElements bounds the networks compileModel runs, so that a fuzzer
// that finds a large but valid model spends its time on other inputs.
const maxFuzzElements = 1 << 14

// compileModel takes a model that Parse accepted through everything a
// compile does: the graph, the pass pipeline for inference and for
// training, the interpreter in both precisions, the golden and the
// generator. Parse accepting a model is a promise that none of these
// fails on it.
func compileModel(t *testing.T, m *module.Model) {
	b, err := module.Build(m.Name, m.Net, m.InputShape...)
	if err != nil {
		t.Fatalf("Parse accepted a model that does not build: %v", err)
	}
	total := 0
	for _, n := range b.Graph.Nodes {
		total += n.Type.Size()
	}
	if total > maxFuzzElements {
		return
	}
	for _, train := range []bool{false, true} {
		var off []string
		if !train {
			off = []string{"autodiff", "fuse-surrogate-backward"}
		}
		g, err := passes.Run(b.Graph, passes.Options{Disable: off, Train: train})
		if err != nil {
			t.Fatalf("passes (train %v): %v", train, err)
		}
		gold, err := compiler.MakeGolden(b.Graph, b.Params, 2, 1, train)
		if err != nil {
			t.Fatalf("golden (train %v): %v", train, err)
		}
		if _, err := gogen.Generate(g, b.Params, gogen.Options{Package: "fuzz", Source: "m.snn.json", Train: train, Golden: gold}); err != nil {
			t.Fatalf("generate (train %v): %v", train, err)
		}
	}
	in := b.Graph.Nodes[0]
	x := make([]float64, 3*in.Type.Size())
	for _, p := range []interp.Precision{interp.Float64, interp.Float32} {
		run := &interp.GraphRun{T: 3, B: 1, Inputs: map[string][]float64{in.Name: x}, Params: b.Params, Precision: p}
		if _, err := interp.RunGraph(b.Graph, run); err != nil {
			t.Fatalf("interpreter: %v", err)
		}
	}
}
