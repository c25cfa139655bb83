package compiler

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/snnc/snnc/module"
)

// MakeGolden refuses, before allocating anything, a run that would not fit
// its memory limit, and says what to change.
func TestGoldenMemoryLimit(t *testing.T) {
	// The largest input the model format allows.
	huge, err := module.Build("huge", module.Sequential{&module.Neuron{Name: "lif", Model: "lif"}}, 16777216)
	require.NoError(t, err)
	_, err = MakeGolden(huge.Graph, huge.Params, 10, 2, true)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "compiler: graph huge is too large for a golden run within 1073 MB, even of one step")
	assert.Contains(t, err.Error(), "of shape [16777216]")

	small, err := module.Build("small", module.Sequential{&module.Neuron{Name: "lif", Model: "lif"}}, 1000)
	require.NoError(t, err)
	_, err = MakeGoldenWithin(small.Graph, small.Params, 100_000, 2, false, 100<<20)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "compiler: the golden run of graph small over 100000 steps × 2 batch entries needs about")
	assert.Contains(t, err.Error(), "use fewer golden steps (at most about")

	gd, err := MakeGoldenWithin(small.Graph, small.Params, 20, 2, true, 100<<20)
	require.NoError(t, err)
	assert.Equal(t, 20, gd.T)

	_, err = MakeGolden(small.Graph, small.Params, 0, 2, false)
	assert.ErrorContains(t, err, "needs T ≥ 1 and B ≥ 1")
}
