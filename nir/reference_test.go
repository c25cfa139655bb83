package nir

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every reference file reads, checks as consistent, builds and runs.
func TestReferenceFilesLoad(t *testing.T) {
	dir := refDir(t)
	for _, path := range refFiles(t, dir) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			g, err := ReadFile(path)
			require.NoError(t, err)
			assert.Empty(t, problemText(g.Check()))
			imp, err := Load(path, Options{})
			require.NoError(t, err)
			T, B := 12, 2
			in := imp.Model.InputShape
			x := spikes(rand.New(rand.NewPCG(1, 2)), T, B, size(in), 0.3)
			y := run(t, imp, x, T, B)
			require.Len(t, y, T*B*imp.Builder.Graph.Outputs[0].Node.Type.Size())
			for _, v := range y {
				require.False(t, math.IsNaN(v) || math.IsInf(v, 0))
			}
		})
	}
	// The NIRData sample is not a graph: Decode says so.
	_, err := ReadFile(filepath.Join(dir, "nirdata_example.nird"))
	require.ErrorContains(t, err, "nirdata_example.nird: nir: the file holds NIRGraphData (recorded data), not a NIR graph")
}

// The gzip-compressed and contiguous variants of each file give identical
// graphs and identical networks.
func TestGzipAndRawAgree(t *testing.T) {
	dir := refDir(t)
	pairs := 0
	for _, raw := range refFiles(t, dir) {
		if !strings.HasSuffix(raw, ".raw.nir") {
			continue
		}
		gz := strings.TrimSuffix(raw, ".raw.nir") + ".nir"
		if _, err := os.Stat(gz); err != nil {
			continue
		}
		pairs++
		t.Run(filepath.Base(gz), func(t *testing.T) {
			a, err := ReadFile(raw)
			require.NoError(t, err)
			b, err := ReadFile(gz)
			require.NoError(t, err)
			require.Equal(t, a, b)
			ia, err := Convert(a, Options{Name: "g"})
			require.NoError(t, err)
			ib, err := Convert(b, Options{Name: "g"})
			require.NoError(t, err)
			require.Equal(t, graphText(ia.Builder), graphText(ib.Builder))
			requireSameParams(t, ia.Builder, ib.Builder)
		})
	}
	require.GreaterOrEqual(t, pairs, 5)
}

// What the reference README says each file holds.
func TestReferenceContents(t *testing.T) {
	dir := refDir(t)
	g, err := ReadFile(filepath.Join(dir, "affine_if.raw.nir"))
	require.NoError(t, err)
	require.Equal(t, []Edge{{"input", "affine"}, {"affine", "if"}, {"if", "output"}}, g.Edges)
	require.Equal(t, Tensor{Shape: []int{2, 2}, Data: []float64{1, 2, 3, 4}}, g.Nodes["affine"].Params["weight"])
	require.Equal(t, []float64{1, 2}, g.Nodes["if"].Params["v_threshold"].Data)
	require.Equal(t, "1.0.8.dev9+g7232ada", g.Version)

	g, err = ReadFile(filepath.Join(dir, "zoo.nir"))
	require.NoError(t, err)
	require.Equal(t, Metadata{"producer": "gen_nir.py", "dt": 0.001, "steps": int64(100), "flag": true,
		"arr": Array{Shape: []int{3}, Data: []int32{1, 2, 3}}}, g.Metadata)
	require.Equal(t, Metadata{"note": "elementwise"}, g.Nodes["scale"].Metadata)
	require.Equal(t, "same", g.Nodes["conv1"].Strings["padding"])
	sub := g.Nodes["sub"].Graph
	require.NotNil(t, sub)
	require.Equal(t, []float64{0.001, 0.002}, sub.Nodes["delay"].Params["delay"].Data)

	g, err = ReadFile(filepath.Join(dir, "deep_chain.raw.nir"))
	require.NoError(t, err)
	require.Len(t, g.Nodes, 162)

	// Files from before v_reset and w_in existed get the defaults.
	g, err = ReadFile(filepath.Join(dir, "field", fieldBraille))
	require.NoError(t, err)
	lif := g.Nodes["lif1.lif"]
	require.Equal(t, []string{"v_reset"}, lif.Defaulted)
	require.Equal(t, Fill([]int{38}, 0), lif.Params["v_reset"])
}

// The IF network of affine_if.nir computed by hand: IF integrates r·x per
// step, whatever dt, spikes when v > v_threshold and resets to 0.
func TestAffineIFByHand(t *testing.T) {
	imp, err := Load(filepath.Join(refDir(t), "affine_if.raw.nir"), Options{DT: 0.5})
	require.NoError(t, err)
	// x = [0.25, 0] gives the affine output [0.75, 0.25] every step.
	x := []float64{0.25, 0, 0.25, 0, 0.25, 0, 0.25, 0}
	y := run(t, imp, x, 4, 1)
	// Neuron 0 (θ=1): v = 0.75, 1.5 → spike, 0.75, 1.5 → spike.
	// Neuron 1 (θ=2): v = 0.25, 0.5, 0.75, 1.0: silent.
	require.Equal(t, []float64{0, 0, 1, 0, 0, 0, 1, 0}, y)
}

// Of the real files from other frameworks, the inconsistent one is
// rejected naming the nodes, or repaired under Lenient; the others build.
func TestFieldFiles(t *testing.T) {
	dir := filepath.Join(refDir(t), "field")
	for _, name := range []string{fieldBraille, fieldCNN, fieldLIF} {
		imp, err := Load(filepath.Join(dir, name), Options{})
		require.NoError(t, err, name)
		T := 10
		x := spikes(rand.New(rand.NewPCG(3, 4)), T, 1, size(imp.Model.InputShape), 0.2)
		run(t, imp, x, T, 1)
	}
	path := filepath.Join(dir, fieldBrailleNested)
	_, err := Load(path, Options{})
	var inc *InconsistentError
	require.ErrorAs(t, err, &inc)
	require.Len(t, inc.Problems, 1)
	p := inc.Problems[0]
	assert.True(t, p.Repairable)
	assert.Equal(t, []string{"lif1.lif"}, p.Nodes)
	assert.Contains(t, err.Error(), path)
	assert.Contains(t, err.Error(), `nested graph lif1: edges input → lif, lif → lin, lin → lif, lif → output name node "lif", which does not exist (nodes: input, lif1, lin, output)`)

	imp, err := Load(path, Options{Lenient: true, DT: 1e-4})
	require.NoError(t, err)
	require.Contains(t, imp.Notes[0], `nested graph lif1: renamed "lif" to "lif1" in 4 edge ends`)
	require.Equal(t, []Edge{{"input", "lif1"}, {"lif1", "lin"}, {"lin", "lif1"}, {"lif1", "output"}}, imp.Graph.Nodes["lif1"].Graph.Edges)
	// The nested recurrent CubaLIF became a recurrent layer; the input
	// was left alone.
	require.Contains(t, graphText(imp.Builder), "recurrent lif1.lif1 autapses=true")
	g, err := ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, "lif", g.Nodes["lif1"].Graph.Edges[0].To)
	x := spikes(rand.New(rand.NewPCG(5, 6)), 20, 1, 12, 0.3)
	run(t, imp, x, 20, 1)
}

// snnTorch's export of the Braille network (r = τ_mem/dt, w_in =
// τ_syn/dt at dt = 1e-4) suits dt = 1e-4: no warnings, and the recurrent
// CubaLIF becomes a recurrent layer of Norse's recurrent LIF.
func TestBrailleAtItsDT(t *testing.T) {
	imp, err := Load(filepath.Join(refDir(t), "field", fieldBraille), Options{DT: 1e-4})
	require.NoError(t, err)
	require.Contains(t, graphText(imp.Builder), "recurrent lif1.lif autapses=true")
	require.Empty(t, imp.Notes)
	imp, err = Load(filepath.Join(refDir(t), "field", fieldBraille), Options{})
	require.NoError(t, err)
	require.Len(t, imp.Notes, 2)
	require.Contains(t, imp.Notes[0], "lif1.lif (CubaLIF): dt/tau_syn = 4.5 at dt = 0.001 s; forward Euler overshoots")
}
