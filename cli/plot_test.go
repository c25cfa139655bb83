package cli

import (
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readPNG decodes a PNG file.
func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	return img
}

// inked counts the pixels that differ from the top-left (background) one.
func inked(img image.Image) int {
	b := img.Bounds()
	br, bg, bb, ba := img.At(b.Min.X, b.Min.Y).RGBA()
	n := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			if r != br || g != bg || bl != bb || a != ba {
				n++
			}
		}
	}
	return n
}

func TestPlotTestdataModels(t *testing.T) {
	for _, tc := range []struct {
		name   string
		panels int // spiking layers + the traces
		wrote  string
	}{
		{"mnist_lif", 2, "raster of 1 layer, traces of layer readout neurons 0..7"},
		{"lsnn_recurrent", 2, "raster of 1 layer, traces of layer readout neurons 0..3"}, // readout has 4 neurons
		{"conv_iaf", 3, "raster of 2 layers, traces of layer lif_out neurons 0..7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), tc.name+".png")
			code, stdout, stderr := snnc("plot", "../testdata/models/"+tc.name+".snn.json", "--input", "../testdata/inputs/"+tc.name+".npy", "-o", out)
			require.Equal(t, 0, code, stderr)
			assert.Equal(t, "wrote "+out+": "+tc.wrote+"\n", stdout)
			img := readPNG(t, out)
			assert.Equal(t, image.Rect(0, 0, 900, 300*tc.panels), img.Bounds())
			// Axes, labels, dots and lines: well over a few thousand pixels.
			assert.Greater(t, inked(img), 5000)
		})
	}
}

func TestPlotOptions(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "lsnn.png")
	code, stdout, stderr := snnc("plot", "../testdata/models/lsnn_recurrent.snn.json", "--input", "../testdata/inputs/lsnn_recurrent.npy",
		"-o", out, "--layer", "lsnn", "--batch", "1", "--neurons", "3", "--dt", "0.0005")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "wrote "+out+": raster of 1 layer, traces of layer lsnn neurons 0..2\n", stdout)
	assert.Greater(t, inked(readPNG(t, out)), 5000)

	// More neurons than the layer has: all of them; one neuron: "neuron 0".
	code, stdout, stderr = snnc("plot", "../testdata/models/mnist_lif.snn.json", "--input", "../testdata/inputs/mnist_lif.npy",
		"--output", out, "--neurons", "50")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "traces of layer readout neurons 0..9\n")
	code, stdout, stderr = snnc("plot", "../testdata/models/mnist_lif.snn.json", "--input", "../testdata/inputs/mnist_lif.npy",
		"-o", out, "--neurons", "1", "--layer", "lif1")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "traces of layer lif1 neuron 0\n")
}

func TestPlotErrors(t *testing.T) {
	const model, input = "../testdata/models/mnist_lif.snn.json", "../testdata/inputs/mnist_lif.npy"
	dir := t.TempDir()
	out := filepath.Join(dir, "x.png")
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"unknown layer", []string{model, "--input", input, "-o", out, "--layer", "nope"}, 1,
			"snnc: --layer nope: no such neuron layer; the neuron layers are: lif1, readout\n"},
		{"missing input", []string{model, "-o", out}, 2, "plot needs --input X.npy"},
		{"missing output", []string{model, "--input", input}, 2, "plot needs -o OUT.png"},
		{"no model", []string{"--input", input, "-o", out}, 2, "plot needs one MODEL file"},
		{"not png", []string{model, "--input", input, "-o", filepath.Join(dir, "x.svg")}, 2, "plot writes PNG only"},
		{"bad neurons", []string{model, "--input", input, "-o", out, "--neurons", "0"}, 2, "--neurons 0: must be 1 or more"},
		{"bad flag", []string{model, "--bogus"}, 2, "flag provided but not defined: -bogus"},
		{"bad output dir", []string{model, "--input", input, "-o", filepath.Join(dir, "missing", "x.png")}, 1,
			"snnc: -o " + filepath.Join(dir, "missing", "x.png") + ": stat " + filepath.Join(dir, "missing") + ": no such file or directory"},
		{"batch out of range", []string{model, "--input", input, "-o", out, "--batch", "1"}, 1, "--batch 1: the input has one batch entry (0)"},
		{"input does not fit", []string{model, "--input", "../testdata/inputs/conv_iaf.npy", "-o", out}, 1, "does not fit the model's input"},
		{"missing input file", []string{model, "--input", filepath.Join(dir, "none.npy"), "-o", out}, 1, "none.npy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := snnc(append([]string{"plot"}, tc.args...)...)
			assert.Equal(t, tc.code, code, stderr)
			assert.Contains(t, stderr, tc.stderr)
		})
	}
	_, err := os.Stat(out)
	assert.True(t, os.IsNotExist(err), "no failed run leaves a PNG")
}

func TestPlotHelp(t *testing.T) {
	code, stdout, _ := snnc("plot", "--help")
	assert.Equal(t, 0, code)
	assert.Contains(t, stdout, "Usage: snnc "+plotSynopsis)
	for _, f := range []string{"-input", "-o", "-output", "-layer", "-batch", "-neurons", "-dt"} {
		assert.Contains(t, stdout, "  "+f+" ")
	}
	code, stdout, _ = snnc("help")
	assert.Equal(t, 0, code)
	assert.Contains(t, stdout, "snnc plot MODEL --input X.npy (-o | --output) OUT.png")
	assert.NotContains(t, stdout, "not built yet")
}

func TestIntTicks(t *testing.T) {
	ticks := intTicks{dt: 0.001}.Ticks(-0.5, 99.5)
	var labels []string
	for _, tk := range ticks {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	assert.Equal(t, []string{"0\n0", "10\n0.01", "20\n0.02", "30\n0.03", "40\n0.04", "50\n0.05", "60\n0.06", "70\n0.07", "80\n0.08", "90\n0.09"}, labels)
	labels = labels[:0]
	for _, tk := range (intTicks{}).Ticks(-0.5, 3.5) {
		labels = append(labels, tk.Label)
	}
	assert.Equal(t, []string{"0", "1", "2", "3"}, labels) // whole neuron indices only
}
