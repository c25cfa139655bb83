package module_test

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/snnc/snnc/backend/interp"
	"github.com/snnc/snnc/functional"
	"github.com/snnc/snnc/module"
)

// TestSequentialState checks the outputs SequentialState adds: one per
// layer, named after the layer or its index, with the neuron layers'
// recorded states under the same names.
func TestSequentialState(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	w := func(n int) []float64 { return f32(n, func() float64 { return rng.Float64() - 0.2 }) }
	net := module.SequentialState{
		&module.Linear{Name: "fc1", In: 4, Out: 6, Weight: w(24), Bias: w(6)},
		&module.Neuron{Name: "lif", Model: "lif"},
		module.Flatten{},
		&module.Linear{Name: "fc2", In: 6, Out: 3, Weight: w(18)},
		&module.Neuron{Name: "readout", Model: "li"},
	}
	b, err := module.Build("net", net, 4)
	require.NoError(t, err)
	var names []string
	for _, o := range b.Graph.Outputs {
		names = append(names, o.Name)
	}
	require.Equal(t, []string{"hidden.fc1", "hidden.lif", "hidden.2", "hidden.fc2", "hidden.readout", "output"}, names)

	const T, B = 10, 2
	x := f32(T*B*4, func() float64 { return 2 * rng.Float64() })
	res, err := interp.RunGraph(b.Graph, &interp.GraphRun{T: T, B: B, Inputs: map[string][]float64{"input": x}, Params: b.Params})
	require.NoError(t, err)
	assert.Equal(t, res.Outputs["output"], res.Outputs["hidden.readout"])
	assert.Equal(t, res.Outputs["hidden.lif"], res.Outputs["hidden.2"], "flatten of a flat layer")
	assert.ElementsMatch(t, []string{"hidden.lif", "hidden.readout", "output"}, keys(res.OutputStates))
	assert.ElementsMatch(t, []string{"v", "i"}, keys(res.OutputStates["hidden.lif"]))
	assert.Equal(t, res.Outputs["hidden.readout"], res.OutputStates["hidden.readout"]["v"], "LI outputs its voltage")
	assert.Contains(t, res.Outputs["hidden.lif"], 1.0, "the LIF layer spikes")

	// The same layers without the hidden outputs compute the same output.
	seq, err := module.Build("net", module.Sequential(net), 4)
	require.NoError(t, err)
	plain, err := interp.RunGraph(seq.Graph, &interp.GraphRun{T: T, B: B, Inputs: map[string][]float64{"input": x}, Params: seq.Params})
	require.NoError(t, err)
	assert.Equal(t, plain.Outputs["output"], res.Outputs["output"])

	_, err = module.Build("dup", module.SequentialState{&module.Neuron{Name: "a", Model: "li"}, &module.Neuron{Name: "a", Model: "li"}}, 3)
	assert.ErrorContains(t, err, "layer 1: the graph already has an output hidden.a")
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestLift checks that Lift builds a stateless module unchanged and
// refuses modules with state across time.
func TestLift(t *testing.T) {
	fc := &module.Linear{Name: "fc", In: 3, Out: 2, Weight: make([]float64, 6)}
	lifted, err := module.Build("net", &module.Lift{Module: fc}, 3)
	require.NoError(t, err)
	plain, err := module.Build("net", fc, 3)
	require.NoError(t, err)
	assert.Equal(t, graphText(t, plain), graphText(t, lifted))

	for name, m := range map[string]module.Module{
		"neuron": &module.Neuron{Name: "lif", Model: "lif"},
		"delay":  module.Sequential{fc, &module.Delay{Steps: 1}},
	} {
		_, err := module.Build("net", &module.Lift{Module: m}, 3)
		assert.ErrorContains(t, err, "carries state across time steps", name)
	}
}

// TestSaveLoadRoundTrip writes models with every layer type a file can
// hold, reads them back and checks that every layer's output and recorded
// states are identical, and that saving the loaded model writes the same
// files again.
func TestSaveLoadRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	w := func(n int) []float64 { return f32(n, func() float64 { return rng.Float64() - 0.3 }) }
	for _, tm := range []testModel{
		{
			name: "every_layer", dt: 1e-3, shape: []int{1, 6, 6}, T: 12, B: 2,
			layers: []module.LayerSpec{
				{Type: "conv2d", Name: "c1", In: 1, Out: 2, Kernel: []int{3}, Padding: []int{1}, Bias: true},
				{Type: "neuron", Name: "lif1", Model: "lif", Params: raw(`{"v_th": 0.5, "method": "tanh", "alpha": 5}`)},
				{Type: "sum_pool2d", Kernel: []int{2}},
				{Type: "avg_pool2d", Kernel: []int{1, 3}, Stride: []int{1}},
				{Type: "flatten"},
				{Type: "scale", Name: "s", Features: 6},
				{Type: "linear", Name: "fc1", In: 6, Out: 8, Bias: true},
				{Type: "delay", Steps: 2},
				{Type: "recurrent", Name: "rec", Model: "lsnn_recurrent", In: 8, Hidden: 5, Params: raw(`{"beta": 0.5}`)},
				{Type: "linear", Name: "fc2", In: 5, Out: 3},
				{Type: "neuron", Name: "readout", Model: "li", Params: raw(`{"tau_mem_inv": 50}`)},
			},
			w: map[string][]float64{
				"c1.weight": w(18), "c1.bias": w(2), "s.factor": w(6),
				"fc1.weight": w(48), "fc1.bias": w(8),
				"rec.input_weights": w(40), "rec.recurrent_weights": w(25),
				"fc2.weight": w(15),
			},
		},
		{
			name: "conv1d_izhikevich", dt: 5e-4, shape: []int{2, 7}, T: 15, B: 1,
			layers: []module.LayerSpec{
				{Type: "conv1d", Name: "c", In: 2, Out: 4, Kernel: []int{3}, Stride: []int{2}, Dilation: []int{1}, Groups: 2},
				{Type: "neuron", Name: "izh", Model: "izhikevich", Params: raw(`{"p": {"a": 0.02, "b": 0.2, "c": -65, "d": 6, "sq": 0.04, "mn": 5, "bias": 140, "v_th": 30, "tau_inv": 250, "method": "super", "alpha": 100}, "v": -70, "u": -14}`)},
				{Type: "flatten"},
				{Type: "scale", Name: "gain", Features: 0},
				{Type: "neuron", Name: "li_box", Model: "li_box"},
			},
			w: map[string][]float64{"c.weight": f32(12, func() float64 { return 20 * rng.Float64() }), "gain.factor": {0.5}},
		},
	} {
		t.Run(tm.name, func(t *testing.T) {
			m, err := module.New(tm.name, tm.dt, tm.shape, tm.layers, tm.w)
			require.NoError(t, err)
			dir1, dir2 := t.TempDir(), t.TempDir()
			require.NoError(t, module.Save(filepath.Join(dir1, tm.name+".snn.json"), m))
			loaded, err := module.Load(filepath.Join(dir1, tm.name+".snn.json"), 0)
			require.NoError(t, err)

			size := 1
			for _, d := range tm.shape {
				size *= d
			}
			x := f32(tm.T*tm.B*size, rng.Float64)
			run := func(m *module.Model) *interp.GraphResult {
				b, err := module.Build(m.Name, module.SequentialState(m.Net), m.InputShape...)
				require.NoError(t, err)
				res, err := interp.RunGraph(b.Graph, &interp.GraphRun{T: tm.T, B: tm.B, Inputs: map[string][]float64{"input": x}, Params: b.Params})
				require.NoError(t, err)
				return res
			}
			want, got := run(m), run(loaded)
			require.Len(t, got.Outputs, len(tm.layers)+1)
			require.Equal(t, want.Outputs, got.Outputs)
			require.Equal(t, want.OutputStates, got.OutputStates)

			require.NoError(t, module.Save(filepath.Join(dir2, tm.name+".snn.json"), loaded))
			for _, file := range []string{tm.name + ".snn.json", tm.name + ".safetensors"} {
				a, err := os.ReadFile(filepath.Join(dir1, file))
				require.NoError(t, err)
				b, err := os.ReadFile(filepath.Join(dir2, file))
				require.NoError(t, err)
				assert.Equal(t, string(a), string(b), "%s written again", file)
			}
		})
	}
}

// TestLIReadoutInFile checks that a file's LI readout is a neuron layer
// with model li whose output is the voltage.
func TestLIReadoutInFile(t *testing.T) {
	src := []byte(`{"snnc_model": 1, "dt": 0.001, "input_shape": [2],
 "layers": [{"type": "neuron", "name": "readout", "model": "li", "params": {"tau_mem_inv": 50}}]}`)
	m, err := module.Parse("m.snn.json", src, nil, 0)
	require.NoError(t, err)
	p := functional.DefaultLIParameters()
	p.TauMemInv = 50
	assert.Equal(t, module.Sequential{&module.Neuron{Name: "readout", Model: "li", Params: &p, DT: 1e-3}}, m.Net)
}
