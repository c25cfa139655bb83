package nir

import (
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/snnc/snnc/backend/interp"
)

// Graphs with random damage (parameters replaced, dropped, retyped, edges
// added) are checked, repaired and converted without panicking, and what
// converts runs.
func TestHostileGraphs(t *testing.T) {
	dir := refDir(t)
	rng := rand.New(rand.NewPCG(13, 14))
	values := []float64{-1, 0, 1, 2, 3, 0.5, 1e9, math.NaN(), math.Inf(1), 1e-9, 16}
	var graphs []*Graph
	for _, p := range refFiles(t, dir) {
		if strings.Contains(p, "big_sparse") || strings.Contains(p, "deep_chain") {
			continue
		}
		g, err := ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		graphs = append(graphs, g)
	}
	graphs = append(graphs, braille38(12))
	built := 0
	defer func() { t.Logf("%d of 3000 damaged graphs built", built) }()
	for iter := range 3000 {
		g := graphs[iter%len(graphs)].Clone()
		for range 1 + rng.IntN(3) {
			damage(rng, g, values)
		}
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("iteration %d: panic %v", iter, r)
				}
			}()
			_ = g.Check()
			var sb strings.Builder
			_ = Summary(&sb, g)
			imp, err := Convert(g, Options{Lenient: iter%2 == 0})
			if err != nil || len(imp.Builder.Graph.Nodes) > 500 {
				return
			}
			built++
			if len(imp.Builder.Graph.Outputs) == 0 || imp.Builder.Graph.NodeByName("input") == nil {
				return
			}
			x := make([]float64, 3*imp.Builder.Graph.NodeByName("input").Type.Size())
			if len(x) > 1<<16 {
				return
			}
			_, _ = interp.RunGraph(imp.Builder.Graph, &interp.GraphRun{T: 3, B: 1,
				Inputs: map[string][]float64{"input": x}, Params: imp.Builder.Params})
			if _, err := Export(imp.Model); err != nil {
				t.Fatalf("iteration %d: export: %v", iter, err)
			}
		}()
	}
}

// damage changes one random thing in g or one of its nested graphs.
func damage(rng *rand.Rand, g *Graph, values []float64) {
	for rng.IntN(2) == 0 {
		var subs []*Graph
		for _, n := range g.Nodes {
			if n.Graph != nil {
				subs = append(subs, n.Graph)
			}
		}
		if len(subs) == 0 {
			break
		}
		g = subs[rng.IntN(len(subs))]
	}
	names := g.Names()
	if len(names) == 0 {
		return
	}
	n := g.Nodes[names[rng.IntN(len(names))]]
	keys := slices.Sorted(maps.Keys(n.Params))
	switch rng.IntN(6) {
	case 0, 1: // a random tensor for a parameter
		if len(keys) == 0 {
			return
		}
		rank := rng.IntN(4)
		shape := make([]int, rank)
		for i := range shape {
			shape[i] = rng.IntN(5)
		}
		t := Tensor{Shape: shape, Data: make([]float64, size(shape))}
		for i := range t.Data {
			t.Data[i] = values[rng.IntN(len(values))]
		}
		n.Params[keys[rng.IntN(len(keys))]] = t
	case 2: // one value changed
		if len(keys) == 0 {
			return
		}
		t := n.Params[keys[rng.IntN(len(keys))]]
		if len(t.Data) > 0 {
			t.Data[rng.IntN(len(t.Data))] = values[rng.IntN(len(values))]
		}
	case 3: // a parameter dropped
		if len(keys) > 0 {
			delete(n.Params, keys[rng.IntN(len(keys))])
		}
	case 4: // another type
		n.Type = Types[rng.IntN(len(Types))]
		if n.Type == TypeGraph && n.Graph == nil && rng.IntN(2) == 0 {
			n.Graph = NewGraph()
		}
	case 5: // another edge
		g.Edges = append(g.Edges, Edge{names[rng.IntN(len(names))], names[rng.IntN(len(names))]})
	}
}
