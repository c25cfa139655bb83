package cli

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/snnc/snnc/internal/reftest"
	"github.com/snnc/snnc/internal/tensorio"
)

// nirRef returns the NIR reference folder, skipping the test without it.
func nirRef(t *testing.T) string { return reftest.NIR.Dir(t) }

// quietNotes sends the import notes to a buffer during a test.
func quietNotes(t *testing.T) *bytes.Buffer {
	var b bytes.Buffer
	old := noteOut
	noteOut = &b
	t.Cleanup(func() { noteOut = old })
	return &b
}

func TestRunAndDumpNIR(t *testing.T) {
	ref := nirRef(t)
	notes := quietNotes(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "x.npy")
	x := make([]float64, 20*12)
	for i := range x {
		x[i] = float64(i % 3 % 2)
	}
	require.NoError(t, tensorio.SaveFile(in, &tensorio.Tensor{Name: "x", Shape: []int{20, 12}, DType: tensorio.Float32, Data: x}))
	out := filepath.Join(dir, "y.npy")
	code, stdout, stderr := snnc("run", filepath.Join(ref, "field", "norse_test_braille.nir"), "--input", in, "--output", out, "--dt", "1e-4")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "norse_test_braille: 20 time steps × 1 batch, input [12], dt 0.0001 s")
	assert.Contains(t, stdout, "lif1.lif")
	assert.Empty(t, notes.String())

	code, stdout, _ = snnc("dump", filepath.Join(ref, "cubalif_rnn.nir"))
	require.Equal(t, 0, code)
	assert.Contains(t, stdout, "graph cubalif_rnn {")
	assert.Contains(t, stdout, "recurrent lif autapses=true")

	// An inconsistent file is rejected naming the nodes.
	broken := filepath.Join(ref, "field", "nir_paper_braille_noDelay_bias_zero_subgraph.nir")
	code, _, stderr = snnc("run", broken, "--input", in)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, `nested graph lif1: edges input → lif, lif → lin, lin → lif, lif → output name node "lif", which does not exist`)
	assert.Contains(t, stderr, "snnc nir info --lenient")
}

func TestNIRExportAndInfo(t *testing.T) {
	ref := nirRef(t)
	quietNotes(t)
	out := filepath.Join(t.TempDir(), "conv.nir")
	code, stdout, stderr := snnc("nir", "export", "../testdata/models/conv_iaf.snn.json", "-o", out)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "wrote "+out+": 8 nodes, 7 edges (dt 0.001 s)")

	code, stdout, stderr = snnc("nir", "info", out)
	require.Equal(t, 0, code, stderr)
	assert.Regexp(t, `conv1 +Conv2d +\[1,12,12\] → \[4,10,10\] +weight \[4,1,3,3\]`, stdout)
	assert.Contains(t, stdout, "check: consistent")
	assert.Contains(t, stdout, "snnc builds it at dt 0.001 s")
	assert.Contains(t, stdout, "input → conv1")

	// The exported file runs like the model file.
	code, want, _ := snnc("dump", "../testdata/models/conv_iaf.snn.json")
	require.Equal(t, 0, code)
	code, got, _ := snnc("dump", out)
	require.Equal(t, 0, code)
	assert.Equal(t, want, replaceName(got, "conv", "conv_iaf"))

	broken := filepath.Join(ref, "field", "nir_paper_braille_noDelay_bias_zero_subgraph.nir")
	code, stdout, stderr = snnc("nir", "info", broken)
	assert.Equal(t, 1, code)
	assert.Contains(t, stdout, "problems:\n  - nested graph lif1: edges input → lif")
	assert.Contains(t, stderr, "snnc does not build an inconsistent graph")
	code, stdout, stderr = snnc("nir", "info", "--lenient", broken)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "repairs (--lenient):\n  - nested graph lif1: renamed \"lif\" to \"lif1\" in 4 edge ends")
	fixed := filepath.Join(t.TempDir(), "fixed.nir")
	code, _, stderr = snnc("nir", "export", "--lenient", broken, "-o", fixed)
	require.Equal(t, 0, code, stderr)
	code, _, stderr = snnc("nir", "info", fixed)
	assert.Equal(t, 0, code, stderr)

	code, _, stderr = snnc("nir", "export", "../testdata/models/lsnn_recurrent.snn.json", "-o", fixed)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "neuron model lsnn_recurrent has no NIR equivalent")

	code, _, stderr = snnc("nir")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "nir needs a subcommand")
	code, _, stderr = snnc("nir", "export", "../testdata/models/conv_iaf.snn.json")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "nir export needs -o FILE.nir")
}

// replaceName renames the graph in a dump.
func replaceName(dump, from, to string) string {
	return string(bytes.Replace([]byte(dump), []byte("graph "+from+" {"), []byte("graph "+to+" {"), 1))
}
