package module_test

import (
	"bytes"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/snnc/snnc/functional"
	"github.com/snnc/snnc/internal/tensorio"
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

// modelJSON is a model file with the given layers (one per line, from
// line 2) over input [1, 6, 6].
func modelJSON(weights string, layers ...string) string {
	w := ""
	if weights != "" {
		w = `, "weights": "` + weights + `"`
	}
	return "{\"snnc_model\": 1, \"dt\": 0.001, \"input_shape\": [1, 6, 6]" + w + ", \"layers\": [\n" +
		strings.Join(layers, ",\n") + "\n]}"
}

// safetensors returns the bytes of a file holding tensors.
func safetensors(t *testing.T, tensors ...*tensorio.Tensor) []byte {
	var buf bytes.Buffer
	require.NoError(t, tensorio.WriteSafetensors(&buf, tensors, nil))
	return buf.Bytes()
}

func TestSizesNumberOrList(t *testing.T) {
	w := safetensors(t, &tensorio.Tensor{Name: "c.weight", Shape: []int{2, 1, 3, 3}, DType: tensorio.Float32, Data: make([]float64, 18)})
	read := func(string) ([]byte, error) { return w, nil }
	for _, conv := range []string{
		`{"type": "conv2d", "name": "c", "in": 1, "out": 2, "kernel": 3, "stride": 1, "padding": 1}`,
		`{"type": "conv2d", "name": "c", "in": 1, "out": 2, "kernel": [3, 3], "stride": [1], "padding": [1, 1]}`,
	} {
		m, err := module.Parse("m.snn.json", []byte(modelJSON("w.safetensors", conv, `{"type": "sum_pool2d", "kernel": 2, "stride": 2}`)), read, 0)
		require.NoError(t, err, conv)
		c := m.Net[0].(*module.Conv2d)
		assert.Equal(t, [2]int{3, 3}, c.Kernel)
		assert.Equal(t, [2]int{1, 1}, c.Stride)
		assert.Equal(t, [2]int{1, 1}, c.Padding)
		p := m.Net[1].(*module.SumPool2d)
		assert.Equal(t, [2]int{2, 2}, p.Kernel)
		assert.Equal(t, [2]int{2, 2}, p.Stride)
		b, err := module.Build(m.Name, m.Net, m.InputShape...)
		require.NoError(t, err)
		assert.Equal(t, []int{2, 3, 3}, b.Graph.Outputs[0].Node.Type.Shape)
	}
	_, err := module.Parse("m.snn.json", []byte(modelJSON("w.safetensors",
		`{"type": "conv2d", "name": "c", "in": 1, "out": 2, "kernel": "3x3"}`)), read, 0)
	assert.ErrorContains(t, err, `m.snn.json:2:1: layer 0: json: cannot unmarshal string "3x3" into Go struct field LayerSpec.kernel of type []int`)
	_, err = module.Parse("m.snn.json", []byte(modelJSON("w.safetensors",
		`{"type": "conv2d", "name": "c", "in": 1, "out": 2, "kernel": [3, 3, 3]}`)), read, 0)
	assert.ErrorContains(t, err, "kernel [3 3 3]: want one or two numbers")
}

func TestParseRejectsOutOfDomain(t *testing.T) {
	lif := `  {"type": "neuron", "name": "a", "model": "lif"}`
	conv := func(groups string) string {
		return `  {"type": "conv2d", "name": "c", "in": 1, "out": 2, "kernel": 3, "groups": ` + groups + `}`
	}
	convW := safetensors(t, &tensorio.Tensor{Name: "c.weight", Shape: []int{2, 1, 3, 3}, DType: tensorio.Float32, Data: make([]float64, 18)})
	for _, tc := range []struct {
		name, src string
		weights   []byte
		want      string
	}{
		{"duplicate name", modelJSON("", `  {"type": "flatten"}`, lif, `  {"type": "neuron", "name": "a", "model": "iaf"}`), nil,
			`m.snn.json:4:3: layer 2: name "a" is already the name of layer 1 (m.snn.json:3:3); layer names must be unique`},
		{"groups 0", modelJSON("w.safetensors", conv("0")), convW,
			"m.snn.json:2:77: layer 0: conv2d c: groups 0: must be at least 1"},
		{"groups negative", modelJSON("w.safetensors", conv("-2")), convW, "groups -2: must be at least 1"},
		{"negative tau", modelJSON("", `  {"type": "neuron", "name": "lif1", "model": "lif",
    "params": {"v_th": 1, "tau_mem_inv": -100}}`), nil,
			"m.snn.json:3:42: layer 0: neuron lif1: tau_mem_inv -100: must be positive"},
		{"zero tau", modelJSON("", `  {"type": "neuron", "name": "l", "model": "li", "params": {"tau_syn_inv": 0}}`), nil,
			"m.snn.json:2:76: layer 0: neuron l: tau_syn_inv 0: must be positive"},
		{"nested", modelJSON("", `  {"type": "neuron", "name": "r", "model": "lif_refrac", "params": {"lif": {"alpha": 0}}}`), nil,
			"m.snn.json:2:86: layer 0: neuron r: lif.alpha 0: must be positive"},
		{"refractory", modelJSON("", `  {"type": "neuron", "name": "r", "model": "lif_refrac", "params": {"rho_reset": -1}}`), nil,
			"neuron r: rho_reset -1: must not be negative"},
		{"stp U", modelJSON("", `  {"type": "neuron", "name": "s", "model": "stp", "params": {"U": 1.5}}`), nil,
			"neuron s: U 1.5: must be in [0, 1]"},
		{"delta_T", modelJSON("", `  {"type": "neuron", "name": "e", "model": "lif_ex", "params": {"delta_T": 0}}`), nil,
			"neuron e: delta_T 0: must be positive"},
		{"NaN weight", modelJSON("w.safetensors", conv("1")), safetensors(t, &tensorio.Tensor{Name: "c.weight", Shape: []int{2, 1, 3, 3}, DType: tensorio.Float32,
			Data: append(make([]float64, 17), math.NaN())}), `w.safetensors: tensor "c.weight": element 17 (flat index) is NaN; weights must be finite`},
		{"Inf weight", modelJSON("w.safetensors", conv("1")), safetensors(t, &tensorio.Tensor{Name: "c.weight", Shape: []int{2, 1, 3, 3}, DType: tensorio.Float64,
			Data: append([]float64{math.Inf(-1)}, make([]float64, 17)...)}), `tensor "c.weight": element 0 (flat index) is -Inf`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := module.Parse("m.snn.json", []byte(tc.src), func(string) ([]byte, error) { return tc.weights, nil }, 0)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// TestDefaultParamsInDomain checks that Norse's defaults of every
// registered model pass the domain checks that file parameters get.
func TestDefaultParamsInDomain(t *testing.T) {
	for _, name := range functional.ModelNames() {
		m, err := functional.LookupModel(name)
		require.NoError(t, err)
		if len(m.Build(m.Params(), 1e-3).Inputs) != 1 {
			continue // a neuron layer feeds one input; Parse builds the graph
		}
		src := modelJSON("", `{"type": "neuron", "name": "n", "model": "`+name+`"}`)
		_, err = module.Parse("m.snn.json", []byte(src), nil, 0)
		assert.NoError(t, err, name)
	}
}
