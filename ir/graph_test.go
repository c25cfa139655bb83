package ir_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/snnc/snnc/ir"
	"github.com/snnc/snnc/module"
)

func testdataGraphs(t testing.TB) []*ir.Graph {
	paths, err := filepath.Glob("../testdata/models/*.snn.json")
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	var gs []*ir.Graph
	for _, p := range paths {
		m, err := module.Load(p, 0)
		require.NoError(t, err)
		b, err := m.Build()
		require.NoError(t, err)
		gs = append(gs, b.Graph)
	}
	return gs
}

func TestGraphPrintParseRoundTrip(t *testing.T) {
	for _, g := range testdataGraphs(t) {
		text := g.String()
		back, err := ir.ParseGraph(text)
		require.NoError(t, err, text)
		assert.Equal(t, text, back.String())
	}
}

func TestGraphVerifyErrors(t *testing.T) {
	g := ir.NewGraph("g")
	x, err := g.Input("x", 4)
	require.NoError(t, err)
	w, err := g.Param("w", 3, 5)
	require.NoError(t, err)
	_, err = g.Op(ir.GLinear, nil, x, w)
	assert.ErrorContains(t, err, "n3 = linear n1 n2 : []: input seq[4] does not match weight [out=3][in=5]")
	_, err = g.Op(ir.GConv2d, &ir.Node{Window: ir.Window{Stride: [2]int{1, 1}, Dilation: [2]int{1, 1}, Groups: 1}}, x, w)
	assert.ErrorContains(t, err, "must be a parameter of rank 4")

	for _, tc := range []struct{ name, src, want string }{
		{"unknown op", "graph g {\n  n1 = input x : seq[3]\n  n2 = softmax n1 : seq[3]\n  output y = n2\n}\n", "3:8: unknown graph op \"softmax\""},
		{"bad type", "graph g {\n  n1 = input x : seq[3]\n  n2 = flatten n1 : seq[4]\n  output y = n2\n}\n", "3:21: the type should be seq[3]"},
		{"no step", "graph g {\n  n1 = input x : seq[3]\n  n2 = neuron lif n1 : seq[3]\n  output y = n2\n}\n", "3:15: no step called \"lif\""},
		{"undefined", "graph g {\n  n1 = input x : seq[3]\n  output y = n7\n}\n", "3:14: n7 is not defined"},
		{"bad dim", "graph g {\n  n1 = input x : seq[0]\n  output y = n1\n}\n", "bad dimension"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ir.ParseGraph(tc.src)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func FuzzParseGraph(f *testing.F) {
	for _, g := range testdataGraphs(f) {
		f.Add(g.String())
	}
	f.Fuzz(func(t *testing.T, src string) {
		g, err := ir.ParseGraph(src)
		if err != nil {
			return
		}
		text := g.String()
		back, err := ir.ParseGraph(text)
		if err != nil {
			t.Fatalf("printed graph does not parse: %v\n%s", err, text)
		}
		if back.String() != text {
			t.Fatalf("round trip changed the graph:\n%s", text)
		}
	})
}
