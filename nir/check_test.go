package nir

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/snnc/snnc/module"
)

// braille38 is a nested recurrent graph like the Braille files: input[12]
// → fc1 → sub{input[in] → lif(38) ⇄ lin; lif → output[38]} → output[38].
func braille38(subInput int) *Graph {
	sub := NewGraph()
	sub.Nodes["input"] = node(TypeInput, "shape", Ints(subInput))
	sub.Nodes["lif"] = node(TypeCubaLIF, "tau_syn", Fill([]int{38}, 0.005), "tau_mem", Fill([]int{38}, 0.02),
		"r", Fill([]int{38}, 1), "v_leak", Fill([]int{38}, 0), "v_threshold", Fill([]int{38}, 1))
	fillDefaults(sub.Nodes["lif"])
	sub.Nodes["lin"] = node(TypeLinear, "weight", Fill([]int{38, 38}, 0.01))
	sub.Nodes["output"] = node(TypeOutput, "shape", Ints(38))
	sub.Edges = []Edge{{"input", "lif"}, {"lif", "lin"}, {"lin", "lif"}, {"lif", "output"}}
	g := NewGraph()
	g.Nodes["input"] = node(TypeInput, "shape", Ints(12))
	g.Nodes["fc1"] = node(TypeLinear, "weight", Fill([]int{38, 12}, 0.1))
	g.Nodes["lif1"] = &Node{Type: TypeGraph, Graph: sub}
	g.Nodes["output"] = node(TypeOutput, "shape", Ints(38))
	g.Edges = []Edge{{"input", "fc1"}, {"fc1", "lif1"}, {"lif1", "output"}}
	return g
}

// A nested graph whose Input says 12 features while what enters it and
// its CubaLIF have 38 is rejected naming both nodes, or repaired.
func TestNestedInputShape(t *testing.T) {
	g := braille38(12)
	ps := g.Check()
	require.Len(t, ps, 1, problemText(ps))
	require.Equal(t, []string{"lif1.input", "fc1"}, ps[0].Nodes)
	require.Equal(t, "lif1.input (Input) has shape [12], but what enters the nested graph is [38] from fc1 (Linear) (--lenient repairs this)", ps[0].String())
	_, err := Convert(g, Options{})
	require.ErrorContains(t, err, "inconsistent NIR graph (1 problem; --lenient repairs 1):\n  lif1.input (Input) has shape [12]")

	imp, err := Convert(g, Options{Lenient: true})
	require.NoError(t, err)
	require.Equal(t, []string{"set the shape of lif1.input (Input) from [12] to [38], the shape it receives from fc1 (Linear)"}, imp.Notes)
	require.Equal(t, []float64{38}, imp.Graph.Nodes["lif1"].Graph.Nodes["input"].Params["shape"].Data)
	require.Equal(t, []float64{12}, g.Nodes["lif1"].Graph.Nodes["input"].Params["shape"].Data, "Convert leaves its argument alone")
	require.Empty(t, braille38(38).Check())
}

// An Output of shape [1,1,1] for one neuron (a Rockpool file) is rejected
// naming it, or repaired.
func TestOddOutputShape(t *testing.T) {
	g := chain([]int{1}, []int{1, 1, 1}, node(TypeLIF, "tau", Vector(0.01), "r", Vector(1), "v_leak", Vector(0),
		"v_threshold", Vector(1), "v_reset", Vector(0)))
	ps := g.Check()
	require.Len(t, ps, 1)
	require.Equal(t, "output (Output) has shape [1,1,1], but it receives [1] from n0 (LIF) (--lenient repairs this)", ps[0].String())
	changes, remaining := g.Repair()
	require.Empty(t, remaining)
	require.Equal(t, []string{"set the shape of output (Output) from [1,1,1] to [1], the shape it receives from n0 (LIF)"}, changes)
	require.Empty(t, g.Check())
}

// Disagreements that have no one repair are reported with every node
// involved.
func TestUnrepairable(t *testing.T) {
	lif := func(n int) *Node {
		return node(TypeLIF, "tau", Fill([]int{n}, 0.01), "r", Fill([]int{n}, 1), "v_leak", Fill([]int{n}, 0),
			"v_threshold", Fill([]int{n}, 1), "v_reset", Fill([]int{n}, 0))
	}
	// A Linear whose weights do not fit its input.
	g := chain([]int{3}, []int{2}, node(TypeLinear, "weight", Fill([]int{4, 5}, 1)), lif(4), node(TypeLinear, "weight", Fill([]int{2, 4}, 1)))
	g.Nodes["input"].Params["shape"] = Ints(3)
	g.Nodes["extra"] = node(TypeInput, "shape", Ints(3))
	g.Edges = append(g.Edges, Edge{"extra", "n0"})
	ps := g.Check()
	require.Len(t, ps, 1, problemText(ps))
	require.Equal(t, "n0 (Linear) gets input of shape [3] from input (Input) and extra (Input), but its parameters want [5]", ps[0].Message)
	require.False(t, ps[0].Repairable)

	// Missing parameters and mismatched neuron parameters.
	bad := lif(3)
	delete(bad.Params, "tau")
	bad.Params["r"] = Fill([]int{2}, 1)
	g = chain([]int{3}, []int{3}, bad)
	ps = g.Check()
	require.Equal(t, "n0 (LIF): parameter tau is missing", ps[0].Message)

	// An unknown node type and an edge to nowhere.
	g = chain([]int{3}, []int{3}, NewNode("Frobnicate"))
	g.Edges = append(g.Edges, Edge{"n0", "nowhere"})
	ps = g.Check()
	require.Len(t, ps, 1)
	require.Contains(t, ps[0].Message, `the top graph: edge n0 → nowhere names node "nowhere", which does not exist (nodes: input, n0, output)`)
	g.Edges = g.Edges[:len(g.Edges)-1]
	ps = g.Check()
	require.Contains(t, ps[0].Message, `n0 (Frobnicate): unknown node type "Frobnicate"`)
}

// Constructs snnc cannot express are errors naming the nodes.
func TestUnsupported(t *testing.T) {
	lif := node(TypeLIF, "tau", Fill([]int{2}, 0.01), "r", Fill([]int{2}, 1), "v_leak", Fill([]int{2}, 0),
		"v_threshold", Fill([]int{2}, 1), "v_reset", Fill([]int{2}, 0))
	// A cycle through two Scale nodes.
	g := chain([]int{2}, []int{2}, lif, node(TypeScale, "scale", Vector(1, 2)), node(TypeScale, "scale", Vector(1, 2)))
	g.Edges = append(g.Edges, Edge{"n2", "n1"})
	_, err := Convert(g, Options{})
	require.ErrorContains(t, err, "the cycle n1 (Scale) → n2 (Scale) → n1 (Scale) is not a recurrent layer snnc supports")

	// A partial flatten.
	g = chain([]int{2, 3, 4}, []int{2, 12}, node(TypeFlatten, "start_dim", Scalar(1), "end_dim", Scalar(-1)))
	_, err = Convert(g, Options{})
	require.ErrorContains(t, err, "n0 (Flatten): flattening dims 1..-1 gives [2,12]; snnc's Flatten joins all feature dims")

	// Padding "same" that would pad unevenly.
	g = chain([]int{1, 8}, []int{1, 8}, node(TypeConv1d, "weight", Fill([]int{1, 1, 4}, 1), "bias", Vector(0),
		"stride", Scalar(1), "padding", "same", "dilation", Scalar(1), "groups", Scalar(1)))
	_, err = Convert(g, Options{})
	require.ErrorContains(t, err, `n0 (Conv1d): padding "same" with kernel 4 and dilation 1 pads unevenly (1+2)`)
}

// The h5dump of HDF5's own tools and h5py read what Export writes (the
// CI runs the same check through make nir-check).
func TestHDF5ToolsReadExports(t *testing.T) {
	m, err := module.Load(filepath.Join(testdataModels, "conv_iaf.snn.json"), 0)
	require.NoError(t, err)
	g, err := Export(m)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "conv_iaf.nir")
	require.NoError(t, WriteFile(path, g))
	ran := 0
	if h5dump, err := exec.LookPath("h5dump"); err == nil {
		out, err := exec.Command(h5dump, path).CombinedOutput()
		require.NoError(t, err, string(out))
		assert.Contains(t, string(out), `GROUP "conv1"`)
		ran++
	}
	python := "/usr/bin/python3"
	if _, err := os.Stat(python); err == nil && exec.Command(python, "-c", "import h5py").Run() == nil {
		out, err := exec.Command(python, "testdata/check_h5py.py", path).CombinedOutput()
		require.NoError(t, err, string(out))
		ran++
	}
	if ran == 0 {
		t.Skip("neither h5dump nor python3-h5py is installed")
	}
}
