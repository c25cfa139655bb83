package nir

import (
	"bytes"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/snnc/snnc/functional"
	"github.com/snnc/snnc/module"
)

const testdataModels = "../testdata/models"

// exportImport exports m, writes and reads the file, and imports it.
func exportImport(t *testing.T, m *module.Model) (*Graph, *Imported) {
	t.Helper()
	g, err := Export(m)
	require.NoError(t, err)
	require.Empty(t, problemText(g.Check()))
	data, err := Encode(g)
	require.NoError(t, err)
	back, err := Decode(data)
	require.NoError(t, err)
	back.Version = ""
	require.Equal(t, g, back)
	imp, err := Convert(back, Options{Name: m.Name})
	require.NoError(t, err)
	return g, imp
}

// Export then import gives the graph the model builds, parameters
// included, for the shipped models NIR can express.
func TestExportImportTestdata(t *testing.T) {
	for _, name := range []string{"mnist_lif", "conv_iaf"} {
		t.Run(name, func(t *testing.T) {
			m, err := module.Load(filepath.Join(testdataModels, name+".snn.json"), 0)
			require.NoError(t, err)
			want, err := module.Build(m.Name, m.Net, m.InputShape...)
			require.NoError(t, err)
			_, imp := exportImport(t, m)
			require.Equal(t, graphText(want), graphText(imp.Builder))
			requireSameParams(t, want, imp.Builder)
		})
	}
	m, err := module.Load(filepath.Join(testdataModels, "lsnn_recurrent.snn.json"), 0)
	require.NoError(t, err)
	_, err = Export(m)
	require.ErrorContains(t, err, "layer 0 (lsnn): neuron model lsnn_recurrent has no NIR equivalent")
}

// Every layer kind NIR can express survives export and import unchanged,
// including a recurrent LIF without autapses, a feed-forward model in a
// recurrent layer, a non-default surrogate and another dt.
func TestExportImportAllLayers(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	w := func(n int) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = rng.NormFloat64()
		}
		return v
	}
	lifBox := functional.DefaultLIFBoxParameters()
	lifBox.Method, lifBox.Alpha, lifBox.VLeak, lifBox.TauMemInv = functional.Tanh, 3, 0.1, 73
	iaf := functional.DefaultIAFParameters()
	iaf.VTh = 0.7
	lif := functional.DefaultLIFParameters()
	lif.TauSynInv, lif.TauMemInv = 310, 47
	dt := 2.5e-4
	m := &module.Model{Name: "all", DT: dt, InputShape: []int{2, 16}, Net: module.Sequential{
		&module.Conv1d{Name: "c1", In: 2, Out: 4, Kernel: 3, Padding: 1, Weight: w(4 * 2 * 3), Bias: w(4)},
		&module.Neuron{Name: "if1", Model: "iaf", Params: &iaf, DT: dt},
		module.Flatten{},
		&module.Linear{Name: "fc", In: 64, Out: 8, Weight: w(8 * 64)},
		&module.Recurrent{Neuron: module.Neuron{Name: "rec", Model: "lif_recurrent", Params: &lif, DT: dt},
			In: 8, Hidden: 8, InputWeights: w(64), RecurrentWeights: w(64)},
		&module.Recurrent{Neuron: module.Neuron{Name: "rec2", Model: "lif", DT: dt},
			In: 8, Hidden: 6, InputWeights: w(48), RecurrentWeights: w(36), Autapses: true},
		&module.Scale{Name: "s", Factor: []float64{1.5}},
		&module.Delay{Steps: 3},
		&module.Linear{Name: "fc2", In: 6, Out: 16, Weight: w(96), Bias: w(16)},
		&module.Neuron{Name: "lifbox", Model: "lif_box", Params: &lifBox, DT: dt},
		&module.Neuron{Name: "lif_ff", Model: "lif_recurrent", DT: dt},
		&module.Neuron{Name: "li1", Model: "li_box", DT: dt},
		&module.Neuron{Name: "ro", Model: "li", DT: dt},
	}}
	want, err := module.Build(m.Name, m.Net, m.InputShape...)
	require.NoError(t, err)
	g, imp := exportImport(t, m)
	require.Equal(t, graphText(want), graphText(imp.Builder))
	// Only the diagonal of a recurrent matrix without autapses differs:
	// export writes it as zeros, which is what the layer uses.
	rw := want.Params["rec.recurrent_weights"]
	for i := range 8 {
		rw[i*8+i] = 0
	}
	requireSameParams(t, want, imp.Builder)
	require.Equal(t, TypeCubaLIF, g.Nodes["rec"].Type)
	require.Equal(t, Metadata{metaModel: "lif"}, g.Nodes["rec2"].Metadata)
	require.Equal(t, Metadata{metaSurrogate: "tanh", metaAlpha: 3.0}, g.Nodes["lifbox"].Metadata)
	require.Equal(t, []Edge{{"input", "c1"}, {"c1", "if1"}, {"if1", "flatten_2"}, {"flatten_2", "fc"}, {"fc", "rec.w_in"},
		{"rec.w_in", "rec"}, {"rec", "rec.w_rec"}, {"rec.w_rec", "rec"}}, g.Edges[:8])

	// Avg and sum pooling.
	m = &module.Model{Name: "pools", DT: 1e-3, InputShape: []int{1, 8, 8}, Net: module.Sequential{
		&module.SumPool2d{Kernel: [2]int{2, 2}}, &module.AvgPool2d{Kernel: [2]int{2, 2}, Stride: [2]int{1, 1}, Padding: [2]int{1, 1}},
	}}
	want, err = module.Build(m.Name, m.Net, m.InputShape...)
	require.NoError(t, err)
	_, imp = exportImport(t, m)
	require.Equal(t, graphText(want), graphText(imp.Builder))

	bad := &module.Model{Name: "sub", DT: 1e-3, InputShape: []int{3}, Net: module.Sequential{
		&module.Neuron{Name: "l", Model: "lif_box", Params: &functional.LIFBoxParameters{TauMemInv: 100, VTh: 1, ResetMethod: functional.ResetSubtract}},
	}}
	_, err = Export(bad)
	require.ErrorContains(t, err, "layer 0 (l): reset_subtract has no NIR equivalent")
}

// Import then export writes the graph that was read; reading that back
// builds the same network.
func TestImportExportReference(t *testing.T) {
	dir := refDir(t)
	files := append(refFiles(t, dir), filepath.Join(dir, "field", fieldBraille), filepath.Join(dir, "field", fieldCNN))
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			imp, err := Load(path, Options{Name: "g"})
			require.NoError(t, err)
			g, err := Export(imp.Model)
			require.NoError(t, err)
			var buf bytes.Buffer
			require.NoError(t, Write(&buf, g))
			back, err := Decode(buf.Bytes())
			require.NoError(t, err)
			require.Equal(t, WriterVersion, back.Version)
			src, err := ReadFile(path)
			require.NoError(t, err)
			src.Version = WriterVersion
			clearDefaulted(src)
			require.Equal(t, src, back)
			imp2, err := Convert(back, Options{Name: "g"})
			require.NoError(t, err)
			require.Equal(t, graphText(imp.Builder), graphText(imp2.Builder))
			requireSameParams(t, imp.Builder, imp2.Builder)
		})
	}
}

// An imported NIR graph inside a larger model exports as a nested graph.
func TestExportNestedNet(t *testing.T) {
	imp, err := Load(filepath.Join(refDir(t), "lif_mlp.raw.nir"), Options{})
	require.NoError(t, err)
	m := &module.Model{Name: "outer", DT: 1e-3, InputShape: []int{5}, Net: module.Sequential{
		&module.Linear{Name: "pre", In: 5, Out: 3, Weight: make([]float64, 15)},
		imp.Model.Net[0],
	}}
	want, err := module.Build(m.Name, m.Net, m.InputShape...)
	require.NoError(t, err)
	g, back := exportImport(t, m)
	require.Equal(t, TypeGraph, g.Nodes["graph_1"].Type)
	// The nested graph's layers are named after it.
	require.Equal(t, graphText(want), strings.ReplaceAll(graphText(back.Builder), "graph_1.", ""))
}

// clearDefaulted forgets which parameters Read filled in: a written file
// holds them.
func clearDefaulted(g *Graph) {
	for _, n := range g.Nodes {
		n.Defaulted = nil
		if n.Graph != nil {
			clearDefaulted(n.Graph)
		}
	}
}
