package nir_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/snnc/snnc/module"
	"github.com/snnc/snnc/nir"
)

// NIR has no encoders: export refuses them, naming the layer. An input
// declared as spikes is kept in the graph's metadata, and import reads it
// back.
func TestExportEncoders(t *testing.T) {
	for _, layer := range []module.LayerSpec{
		{Type: "poisson"},
		{Type: "constant_current_lif", Name: "enc"},
		{Type: "spike_latency", Name: "enc"},
	} {
		m, err := module.New("enc", 1e-3, []int{3}, []module.LayerSpec{layer}, nil)
		require.NoError(t, err)
		_, err = nir.Export(m)
		require.Error(t, err, layer.Type)
		require.True(t, strings.Contains(err.Error(), "layer 0") && strings.Contains(err.Error(), "no NIR equivalent"), "%s: %v", layer.Type, err)
	}

	m, err := module.New("spk", 1e-3, []int{2}, []module.LayerSpec{
		{Type: "linear", Name: "fc", In: 2, Out: 2},
		{Type: "neuron", Name: "lif", Model: "lif"},
	}, map[string][]float64{"fc.weight": {1, 2, 3, 4}})
	require.NoError(t, err)
	m.InputSpikes = true
	g, err := nir.Export(m)
	require.NoError(t, err)
	require.Equal(t, module.InputSpikes, g.Metadata["input"])
	data, err := nir.Encode(g)
	require.NoError(t, err)
	back, err := nir.Decode(data)
	require.NoError(t, err)
	imp, err := nir.Convert(back, nir.Options{})
	require.NoError(t, err)
	require.True(t, imp.Model.InputSpikes)
	require.True(t, imp.Builder.Graph.Nodes[0].Spikes)
}
