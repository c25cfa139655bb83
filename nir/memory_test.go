package nir

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A file is decoded within ReadOptions.MaxMemory, and the error names the
// file and the dataset that went past it.
func TestReadMemoryLimit(t *testing.T) {
	g := NewGraph()
	g.Nodes["input"] = node(TypeInput, "shape", Ints(1000))
	g.Nodes["fc"] = node(TypeLinear, "weight", Fill([]int{100, 1000}, 0.5)) // 800 KB decoded
	g.Nodes["output"] = node(TypeOutput, "shape", Ints(100))
	g.Edges = []Edge{{"input", "fc"}, {"fc", "output"}}
	data, err := Encode(g)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "big.nir")
	require.NoError(t, os.WriteFile(path, data, 0o644))

	_, err = ReadFileWith(path, ReadOptions{MaxMemory: 500_000})
	require.ErrorIs(t, err, ErrMemoryLimit)
	assert.Contains(t, err.Error(), path+": nir: hdf5: decoding")
	assert.Contains(t, err.Error(), "(dataset /node/nodes/fc/weight)")

	back, err := ReadFileWith(path, ReadOptions{MaxMemory: 1 << 20})
	require.NoError(t, err)
	assert.Len(t, back.Nodes["fc"].Params["weight"].Data, 100_000)

	_, err = Load(path, Options{MaxMemory: 500_000})
	require.ErrorIs(t, err, ErrMemoryLimit)
}
