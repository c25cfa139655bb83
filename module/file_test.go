package module_test

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/snnc/snnc/module"
)

func TestParseErrors(t *testing.T) {
	noWeights := func(string) ([]byte, error) { return nil, assert.AnError }
	for _, tc := range []struct{ name, src, want string }{
		{"syntax", "{\n  \"snnc_model\": 1,\n  \"dt\": 0.001,,\n}", "m.snn.json:3:15: invalid character ','"},
		{"type", "{\"snnc_model\": \"one\"}", "m.snn.json:1:21: json: cannot unmarshal string"},
		{"truncated", "{\"snnc_model\": 1,", "m.snn.json:1:18: unexpected end of file"},
		{"unknown field", "{\"snnc_model\": 1, \"dtt\": 1}", "unknown field \"dtt\""},
		{"version", "{\"snnc_model\": 2}", "m.snn.json:1:1: snnc_model is 2, want 1"},
		{"no input", "{\"snnc_model\": 1, \"dt\": 0.001, \"layers\": [{\"type\": \"flatten\"}]}", "input_shape is missing"},
		{"bad layer", "{\"snnc_model\": 1, \"dt\": 0.001, \"input_shape\": [3],\n \"layers\": [\n  {\"type\": \"flatten\"},\n  {\"type\": \"neuron\", \"name\": \"a\", \"model\": \"lfi\"}]}", "m.snn.json:4:3: layer 1: unknown neuron model \"lfi\""},
		{"bad params", "{\"snnc_model\": 1, \"dt\": 0.001, \"input_shape\": [3], \"layers\": [{\"type\": \"neuron\", \"name\": \"a\", \"model\": \"lif\", \"params\": {\"tau\": 1}}]}", "params of model lif: json: unknown field \"tau\""},
		{"bad method", "{\"snnc_model\": 1, \"dt\": 0.001, \"input_shape\": [3], \"layers\": [{\"type\": \"neuron\", \"name\": \"a\", \"model\": \"lif\", \"params\": {\"method\": \"adjoint\"}}]}", "unknown surrogate method \"adjoint\""},
		{"missing weights", "{\"snnc_model\": 1, \"dt\": 0.001, \"input_shape\": [3], \"layers\": [{\"type\": \"linear\", \"name\": \"fc\", \"in\": 3, \"out\": 2}]}", "needs tensor \"fc.weight\" but the model names no weights file"},
		{"unreadable weights", "{\"snnc_model\": 1, \"dt\": 0.001, \"input_shape\": [3], \"weights\": \"w.safetensors\", \"layers\": [{\"type\": \"flatten\"}]}", "weights: assert.AnError"},
		{"layer type", "{\"snnc_model\": 1, \"dt\": 0.001, \"input_shape\": [3], \"layers\": [{\"type\": \"dense\"}]}", "unknown layer type \"dense\""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := module.Parse("m.snn.json", []byte(tc.src), noWeights, 0)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestLoadShapeMismatch(t *testing.T) {
	src := []byte(`{"snnc_model": 1, "dt": 0.001, "input_shape": [784], "weights": "mnist_lif.safetensors",
 "layers": [{"type": "linear", "name": "fc1", "in": 784, "out": 128, "bias": true}]}`)
	weights := func(name string) ([]byte, error) { return readFile("../testdata/models/" + name) }
	_, err := module.Parse("m.snn.json", src, weights, 0)
	assert.ErrorContains(t, err, `mnist_lif.safetensors: tensor "fc1.weight" has shape [256 784], the layer needs [128 784]`)
}

func FuzzModelFile(f *testing.F) {
	data, err := readFile("../testdata/models/conv_iaf.snn.json")
	require.NoError(f, err)
	f.Add(data)
	weights, err := readFile("../testdata/models/conv_iaf.safetensors")
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, src []byte) {
		m, err := module.Parse("m.snn.json", src, func(string) ([]byte, error) { return weights, nil }, 0)
		if err != nil {
			return
		}
		compileModel(t, m)
	})
}

func readFile(path string) ([]byte, error) { return os.ReadFile(path) }
