package nir

import (
	"maps"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/snnc/snnc/backend/interp"
	"github.com/snnc/snnc/internal/reftest"
	"github.com/snnc/snnc/module"
)

// refDir returns the directory of the NIR reference files, skipping the
// test if it is missing (see internal/reftest).
func refDir(t testing.TB) string { return reftest.NIR.Dir(t) }

// refFiles lists the .nir files directly in dir.
func refFiles(t testing.TB, dir string) []string {
	files, err := filepath.Glob(filepath.Join(dir, "*.nir"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	return files
}

// The real files from other frameworks in the field/ folder.
const (
	fieldBraille       = "norse_test_braille.nir"
	fieldBrailleNested = "nir_paper_braille_noDelay_bias_zero_subgraph.nir" // inconsistent
	fieldCNN           = "nir_paper_cnn_sinabs.nir"
	fieldLIF           = "nir_paper_lif_norse.nir"
)

// node builds a node from parameter name/tensor pairs.
func node(typ string, params ...any) *Node {
	n := NewNode(typ)
	for i := 0; i+1 < len(params); i += 2 {
		switch v := params[i+1].(type) {
		case Tensor:
			n.Params[params[i].(string)] = v
		case string:
			n.Strings[params[i].(string)] = v
		}
	}
	return n
}

// chain returns Input "input" → nodes (named n0, n1, ...) → Output
// "output".
func chain(in []int, out []int, nodes ...*Node) *Graph {
	g := NewGraph()
	g.Nodes["input"] = node(TypeInput, "shape", Ints(in...))
	g.Nodes["output"] = node(TypeOutput, "shape", Ints(out...))
	prev := "input"
	for i, n := range nodes {
		name := "n" + string(rune('0'+i))
		g.Nodes[name] = n
		g.Edges = append(g.Edges, Edge{prev, name})
		prev = name
	}
	g.Edges = append(g.Edges, Edge{prev, "output"})
	return g
}

// run runs a converted single-input network on x ([T][B][input]) and
// returns its output.
func run(t *testing.T, imp *Imported, x []float64, T, B int) []float64 {
	t.Helper()
	res, err := interp.RunGraph(imp.Builder.Graph, &interp.GraphRun{T: T, B: B,
		Inputs: map[string][]float64{"input": x}, Params: imp.Builder.Params})
	require.NoError(t, err)
	return res.Values[imp.Builder.Graph.Outputs[0].Node]
}

// spikes draws a [T][B][n] sequence of 0/1 spikes.
func spikes(rng *rand.Rand, T, B, n int, p float64) []float64 {
	x := make([]float64, T*B*n)
	for i := range x {
		if rng.Float64() < p {
			x[i] = 1
		}
	}
	return x
}

// graphText returns the IR graph text and the parameters of a builder.
func graphText(b *module.Builder) string { return b.Graph.String() }

// requireSameParams checks that two builders hold the same parameters.
func requireSameParams(t *testing.T, want, got *module.Builder) {
	t.Helper()
	require.Equal(t, slices.Sorted(maps.Keys(want.Params)), slices.Sorted(maps.Keys(got.Params)))
	for name, w := range want.Params {
		require.Equal(t, w, got.Params[name], "param %s", name)
	}
}

// problemText joins problem messages.
func problemText(ps []Problem) string {
	var parts []string
	for _, p := range ps {
		parts = append(parts, p.String())
	}
	return strings.Join(parts, "\n")
}
