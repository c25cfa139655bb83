package module_test

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/snnc/snnc/ir"
	"github.com/snnc/snnc/module"
)

// TestModelFileLimits: sizes over the IR's limits in a model file are
// errors of Load that name the file and the line of the layer (or the
// input shape), never a panic or a huge allocation later.
func TestModelFileLimits(t *testing.T) {
	src, err := os.ReadFile("../testdata/models/conv_iaf.snn.json")
	require.NoError(t, err)
	weights, err := os.ReadFile("../testdata/models/conv_iaf.safetensors")
	require.NoError(t, err)
	for _, tc := range []struct {
		name   string
		change func(m map[string]any)
		want   string
	}{
		{"input elements overflow", func(m map[string]any) { m["input_shape"] = []int{16777216, 16777216, 65536} }, ":1:1: input_shape"},
		{"input of 4 Gi elements", func(m map[string]any) { m["input_shape"] = []int{65536, 65536} }, "more than 134217728 elements"},
		{"64 dimensions", func(m map[string]any) {
			s := make([]int, 64)
			for i := range s {
				s[i] = 2
			}
			m["input_shape"] = s
		}, "64 dimensions"},
		{"sum_pool2d padding 1e9", func(m map[string]any) {
			layer(m, 2)["padding"] = []int{1e9}
		}, "layer 2: ir: graph conv_iaf"},
		{"conv2d padding 1e9", func(m map[string]any) {
			layer(m, 0)["padding"] = []int{1e9}
		}, "layer 0: ir: graph conv_iaf"},
		{"delay 2^31-1", func(m map[string]any) {
			// (1e12 does not fit a 32-bit int: there JSON decoding
			// rejects it, see TestModelFileHugeDelay.)
			insertLayer(m, 1, map[string]any{"type": "delay", "steps": math.MaxInt32})
		}, "layer 1: ir: graph conv_iaf"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var m map[string]any
			require.NoError(t, json.Unmarshal(src, &m))
			tc.change(m)
			dir := t.TempDir()
			js, err := json.MarshalIndent(m, "", "  ")
			require.NoError(t, err)
			path := filepath.Join(dir, "conv_iaf.snn.json")
			require.NoError(t, os.WriteFile(path, js, 0o644))
			require.NoError(t, os.WriteFile(filepath.Join(dir, "conv_iaf.safetensors"), weights, 0o644))
			_, err = module.Load(path, 0)
			require.Error(t, err)
			require.Contains(t, err.Error(), path+":")
			require.Contains(t, err.Error(), tc.want)
			require.ErrorIs(t, err, ir.ErrLimit)
		})
	}
}

// TestModelFileHugeDelay: a delay of 1e12 steps is an error at its layer
// on every platform (the IR's limit where int has 64 bits, JSON decoding
// where it has 32).
func TestModelFileHugeDelay(t *testing.T) {
	src, err := os.ReadFile("../testdata/models/conv_iaf.snn.json")
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(src, &m))
	insertLayer(m, 1, map[string]any{"type": "delay", "steps": 1e12})
	dir := t.TempDir()
	js, err := json.MarshalIndent(m, "", "  ")
	require.NoError(t, err)
	path := filepath.Join(dir, "conv_iaf.snn.json")
	require.NoError(t, os.WriteFile(path, js, 0o644))
	weights, err := os.ReadFile("../testdata/models/conv_iaf.safetensors")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "conv_iaf.safetensors"), weights, 0o644))
	_, err = module.Load(path, 0)
	require.ErrorContains(t, err, path+":19:5: layer 1: ")
}

func layer(m map[string]any, i int) map[string]any { return m["layers"].([]any)[i].(map[string]any) }

func insertLayer(m map[string]any, i int, l map[string]any) {
	ls := m["layers"].([]any)
	ls = append(ls[:i], append([]any{l}, ls[i:]...)...)
	m["layers"] = ls
}
