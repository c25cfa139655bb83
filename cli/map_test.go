package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/snnc/snnc/internal/hdf5"
	"github.com/snnc/snnc/internal/tensorio"
)

func TestMapMNISTLoihi2(t *testing.T) {
	dir := t.TempDir()
	rep, net := filepath.Join(dir, "report.txt"), filepath.Join(dir, "mnist.net")
	code, stdout, stderr := snnc("map", mnistModel, "--target", "loihi2", "--report", rep, "--export", net,
		"--input", "../testdata/inputs/mnist_lif.npy")
	require.Equal(t, 0, code, stderr)
	for _, want := range []string{"layer lif1: cuba_lif, 256 neurons", "du=818 dv=410 vth=16384", "mapping: 3 core(s) of 128",
		"852992/1048576", "class: chip and float agree on 1 of 1", "wrote " + net} {
		assert.Contains(t, stdout, want)
	}
	saved, err := os.ReadFile(rep)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(stdout, string(saved)), "the report file holds what was printed")
	f, err := hdf5.OpenFile(net)
	require.NoError(t, err)
	w, err := f.Dataset("layer/0/weight")
	require.NoError(t, err)
	assert.Equal(t, []int{256, 784}, w.Shape())
	vth, err := f.Dataset("layer/0/neuron/vThMant")
	require.NoError(t, err)
	v, err := vth.Int64s()
	require.NoError(t, err)
	assert.Equal(t, []int64{16384}, v)
}

func TestMapNIRSameAsModelFile(t *testing.T) {
	quietNotes(t)
	dir := t.TempDir()
	nirFile := filepath.Join(dir, "mnist.nir")
	code, _, stderr := snnc("nir", "export", mnistModel, "-o", nirFile)
	require.Equal(t, 0, code, stderr)
	code, fromNIR, stderr := snnc("map", nirFile, "--target", "loihi2")
	require.Equal(t, 0, code, stderr)
	code, fromModel, stderr := snnc("map", mnistModel, "--target", "loihi2")
	require.Equal(t, 0, code, stderr)
	// The register and mapping lines must agree; names and notes may differ.
	pick := func(s string) []string {
		var out []string
		for _, l := range strings.Split(s, "\n") {
			if strings.Contains(l, "registers:") || strings.Contains(l, "/8192") || strings.Contains(l, "weights ") {
				out = append(out, strings.TrimSpace(l[strings.Index(l, ":")+1:]))
			}
		}
		return out
	}
	require.NotEmpty(t, pick(fromModel))
	assert.Equal(t, pick(fromModel), pick(fromNIR))
}

func TestMapXyloRefusesMNIST(t *testing.T) {
	code, _, stderr := snnc("map", mnistModel, "--target", "xylo-audio2")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "topology.max_inputs is 16")
	assert.Contains(t, stderr, "layer lif1")
}

func TestMapTrueNorthRefusesMNIST(t *testing.T) {
	code, _, stderr := snnc("map", mnistModel, "--target", "truenorth")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "neuron model cuba_lif does not run on truenorth")
}

func TestMapUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"map"}, "map needs one MODEL file"},
		{[]string{"map", mnistModel}, "map needs --target (one of loihi2"},
		{[]string{"map", mnistModel, "--target", "loihi9"}, `--target: unknown target "loihi9"`},
		{[]string{"map", mnistModel, "--target", "loihi2", "--labels", "y.npy"}, "--labels needs --input"},
		{[]string{"map", mnistModel, "--bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"run", mnistModel, "--input", "../testdata/inputs/mnist_lif.npy", "--target", "nope"}, `unknown target "nope"`},
	} {
		code, _, stderr := snnc(tc.args...)
		assert.Equal(t, 2, code, tc.args)
		assert.Contains(t, stderr, tc.want)
		assert.Contains(t, stderr, `Run "snnc `+tc.args[0]+` --help" for usage.`)
	}
}

func TestMapBadTargetFile(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "chip.json")
	require.NoError(t, os.WriteFile(bad, []byte("{\n  \"schema\": \"snnc.target/v0\",\n  \"nam\": 1\n}"), 0o644))
	code, _, stderr := snnc("map", mnistModel, "--target", bad)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, bad+":3:3: nam: unknown field")
}

func TestRunTarget(t *testing.T) {
	code, stdout, stderr := snnc("run", mnistModel, "--input", "../testdata/inputs/mnist_lif.npy", "--target", "loihi2")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "on loihi2 (integer emulation)")
	assert.Contains(t, stdout, "lif1         spikes float 780")
	assert.Contains(t, stdout, "class: chip and float agree on 1 of 1")
}

// TestMapXyloExport maps a model within Xylo's limits, exports the spec
// and checks it is the JSON Rockpool's from_specification takes.
func TestMapXyloExport(t *testing.T) {
	dir := t.TempDir()
	model := writeModel(t, dir, "small", 12, map[string][]int{"fc1.weight": {32, 12}, "fc2.weight": {4, 32}}, `
    {"type": "linear", "name": "fc1", "in": 12, "out": 32},
    {"type": "neuron", "name": "lif1", "model": "lif"},
    {"type": "linear", "name": "fc2", "in": 32, "out": 4},
    {"type": "neuron", "name": "readout", "model": "li"}`)
	spec := filepath.Join(dir, "small.xylo.json")
	code, stdout, stderr := snnc("map", model, "--target", "xylo-audio2", "--export", spec)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "hidden neurons")
	data, err := os.ReadFile(spec)
	require.NoError(t, err)
	var kw map[string]any
	require.NoError(t, json.Unmarshal(data, &kw))
	for _, k := range []string{"weights_in", "weights_out", "weights_rec", "dash_mem", "threshold_out", "aliases", "output_mode"} {
		assert.Contains(t, kw, k)
	}
	assert.NotContains(t, kw, "has_bias", "from_specification computes has_bias itself")
	assert.Equal(t, "Vmem", kw["output_mode"])
}

// writeModel writes NAME.snn.json with the given layers and random weights
// (±3/fan-in on average) into dir.
func writeModel(t *testing.T, dir, name string, in int, weights map[string][]int, layers string) string {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, uint64(len(weights))))
	var ts []*tensorio.Tensor
	for tn, shape := range weights {
		x := make([]float64, shape[0]*shape[1])
		for i := range x {
			x[i] = 3 * rng.NormFloat64() / float64(shape[1])
		}
		ts = append(ts, &tensorio.Tensor{Name: tn, Shape: shape, DType: tensorio.Float32, Data: x})
	}
	var st bytes.Buffer
	require.NoError(t, tensorio.WriteSafetensors(&st, ts, nil))
	require.NoError(t, os.WriteFile(filepath.Join(dir, name+".safetensors"), st.Bytes(), 0o644))
	model := filepath.Join(dir, name+".snn.json")
	require.NoError(t, os.WriteFile(model, []byte(fmt.Sprintf(`{"snnc_model": 1, "name": %q, "dt": 0.001, "input_shape": [%d], "weights": "%s.safetensors",
  "layers": [%s]}`, name, in, name, layers)), 0o644))
	return model
}

func TestMapRecurrentLoihi2(t *testing.T) {
	dir := t.TempDir()
	model := writeModel(t, dir, "rec", 20, map[string][]int{"rec.input_weights": {32, 20}, "rec.recurrent_weights": {32, 32}, "out.weight": {4, 32}}, `
    {"type": "recurrent", "name": "rec", "model": "lif_recurrent", "in": 20, "hidden": 32},
    {"type": "linear", "name": "out", "in": 32, "out": 4},
    {"type": "neuron", "name": "readout", "model": "li"}`)
	code, stdout, stderr := snnc("map", model, "--target", "loihi2")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "layer rec: cuba_lif, 32 neurons")
	assert.Contains(t, stdout, "rec_w_exp=")
	assert.Contains(t, stdout, "recurrent 1024")
	assert.Contains(t, stdout, "52/4096") // 20 inputs + 32 recurrent sources
	// netx has no recurrent block: the export says so instead of dropping it.
	code, _, stderr = snnc("map", model, "--target", "loihi2", "--export", filepath.Join(dir, "rec.net"))
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "netx has no recurrent dense block")
}

func TestMapShippedLSNNRefused(t *testing.T) {
	code, _, stderr := snnc("map", "../testdata/models/lsnn_recurrent.snn.json", "--target", "loihi2")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "only LIF, LIF box, IAF and LI map to chips")
}

func TestMapLabels(t *testing.T) {
	dir := t.TempDir()
	labels := filepath.Join(dir, "y.npy")
	require.NoError(t, tensorio.SaveFile(labels, &tensorio.Tensor{Name: "y", Shape: []int{1}, DType: tensorio.Float32, Data: []float64{5}}))
	code, stdout, stderr := snnc("map", mnistModel, "--target", "loihi2", "--input", "../testdata/inputs/mnist_lif.npy", "--labels", labels)
	require.Equal(t, 0, code, stderr)
	// `snnc run` says the float network picks class 5 for this input.
	assert.Contains(t, stdout, "accuracy: chip 1/1, float 1/1")
	bad := filepath.Join(dir, "bad.npy")
	require.NoError(t, tensorio.SaveFile(bad, &tensorio.Tensor{Name: "y", Shape: []int{1}, DType: tensorio.Float32, Data: []float64{2.5}}))
	code, _, stderr = snnc("map", mnistModel, "--target", "loihi2", "--input", "../testdata/inputs/mnist_lif.npy", "--labels", bad)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "label 0 is 2.5, not a class index")
}
