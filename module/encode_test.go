package module_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/snnc/snnc/ir"
	"github.com/snnc/snnc/module"
)

// A model file declares its input as spikes and uses the encoder layers;
// Save writes what Parse reads back.
func TestEncoderLayersInFile(t *testing.T) {
	src := `{"snnc_model": 1, "dt": 0.002, "input_shape": [3], "input": "spikes",
 "layers": [
  {"type": "poisson", "f_max": 250, "seed": 42},
  {"type": "constant_current_lif", "name": "ccl", "params": {"tau_mem_inv": 50, "v_th": 0.5}},
  {"type": "spike_latency", "name": "lat"}]}`
	noWeights := func(string) ([]byte, error) { return nil, assert.AnError }
	m, err := module.Parse("m.snn.json", []byte(src), noWeights, 0)
	require.NoError(t, err)
	require.True(t, m.InputSpikes)
	b, err := m.Build()
	require.NoError(t, err)
	g := b.Graph
	require.True(t, g.Nodes[0].Spikes, "input declared as spikes")
	require.Equal(t, ir.GPoisson, g.Nodes[1].Op)
	require.Equal(t, ir.Poisson{FMax: 250, DT: 0.002, Seed: 42}, g.Nodes[1].Poisson, "dt is the model's")
	ccl := g.Nodes[2].Step
	require.Equal(t, 50.0, ccl.Params[ccl.ParamIndex("tau_mem_inv")].Default)
	require.Equal(t, 0.5, ccl.Params[ccl.ParamIndex("v_th")].Default)
	require.Len(t, ccl.States, 1, "constant_current_lif: v only")
	require.GreaterOrEqual(t, g.Nodes[3].Step.StateIndex("mask"), 0, "spike_latency keeps a first-spike mask")

	path := filepath.Join(t.TempDir(), "enc.snn.json")
	require.NoError(t, module.Save(path, m))
	back, err := module.Load(path, 0)
	require.NoError(t, err)
	bb, err := back.Build()
	require.NoError(t, err)
	require.Equal(t, g.String(), bb.Graph.String(), "Save → Load")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Contains(t, string(data), `"input": "spikes"`)
}

func TestEncoderFileErrors(t *testing.T) {
	noWeights := func(string) ([]byte, error) { return nil, assert.AnError }
	for _, tc := range []struct{ name, src, want string }{
		{"input", "{\"snnc_model\": 1, \"dt\": 0.001, \"input_shape\": [3],\n \"input\": \"bits\", \"layers\": [{\"type\": \"flatten\"}]}", `m.snn.json:2:11: input is "bits", want "values" or "spikes"`},
		{"f_max", `{"snnc_model": 1, "dt": 0.001, "input_shape": [3], "layers": [{"type": "poisson", "f_max": -5}]}`, "layer 0: poisson f_max -5: want a finite value >= 0"},
		{"encoder name", `{"snnc_model": 1, "dt": 0.001, "input_shape": [3], "layers": [{"type": "spike_latency"}]}`, "spike_latency layer needs a name"},
		{"encoder model", `{"snnc_model": 1, "dt": 0.001, "input_shape": [3], "layers": [{"type": "constant_current_lif", "name": "e", "model": "lif"}]}`, `model "lif": an encoder layer is its own model`},
		{"encoder params", `{"snnc_model": 1, "dt": 0.001, "input_shape": [3], "layers": [{"type": "constant_current_lif", "name": "e", "params": {"tau_mem_inv": -1}}]}`, "tau_mem_inv"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := module.Parse("m.snn.json", []byte(tc.src), noWeights, 0)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}
