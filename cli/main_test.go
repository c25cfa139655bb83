package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/snnc/snnc/internal/tensorio"
)

func snnc(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = Main(args, &o, &e)
	return code, o.String(), e.String()
}

func TestRunTestdataModels(t *testing.T) {
	for _, name := range []string{"mnist_lif", "lsnn_recurrent", "conv_iaf"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, "y.npy")
			code, stdout, stderr := snnc("run", "../testdata/models/"+name+".snn.json", "--input", "../testdata/inputs/"+name+".npy", "--output", out, "--record", filepath.Join(dir, "rec"))
			require.Equal(t, 0, code, stderr)
			assert.Contains(t, stdout, "spikes, rate")
			assert.Contains(t, stdout, "batch 0: class")
			ys, err := tensorio.LoadFile(out)
			require.NoError(t, err)
			assert.Len(t, ys[0].Shape, 3)
			recs, err := os.ReadDir(filepath.Join(dir, "rec"))
			require.NoError(t, err)
			assert.NotEmpty(t, recs)
		})
	}
}

func TestExitCodes(t *testing.T) {
	code, _, stderr := snnc()
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "Usage:")
	code, _, stderr = snnc("frobnicate")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `snnc: unknown command "frobnicate"`)
	code, _, stderr = snnc("run", "../testdata/models/mnist_lif.snn.json")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "run needs --input")
	code, _, stderr = snnc("run", "--bogus")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "flag provided but not defined: -bogus")
	code, stdout, _ := snnc("run", "--help")
	assert.Equal(t, 0, code)
	assert.Contains(t, stdout, "--input") // flag help is printed

	bad := filepath.Join(t.TempDir(), "bad.snn.json")
	require.NoError(t, os.WriteFile(bad, []byte("{\n  \"snnc_model\": 1,\n  oops\n}"), 0o644))
	code, _, stderr = snnc("dump", bad)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "snnc: "+bad+":3:3: invalid character 'o'")

	code, _, stderr = snnc("run", "../testdata/models/mnist_lif.snn.json", "--input", "../testdata/inputs/conv_iaf.npy")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "does not fit the model's input: want [T][B][784]")
}

func TestDumpAndModels(t *testing.T) {
	code, stdout, _ := snnc("dump", "../testdata/models/conv_iaf.snn.json")
	require.Equal(t, 0, code)
	assert.Contains(t, stdout, "graph conv_iaf {")
	assert.Contains(t, stdout, "= conv2d stride=1x1 padding=0x0 dilation=1x1 groups=1")
	code, stdout, _ = snnc("models")
	require.Equal(t, 0, code)
	assert.Contains(t, stdout, "lsnn_recurrent")
}
