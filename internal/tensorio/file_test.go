package tensorio

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSaveLoadFile(t *testing.T) {
	dir := t.TempDir()
	tensors := sampleTensors() // already in no particular order
	for _, ext := range []string{".npz", ".safetensors", ".SafeTensors"} {
		path := filepath.Join(dir, "model"+ext)
		require.NoError(t, SaveFile(path, tensors...))
		got, err := LoadFile(path)
		require.NoError(t, err, path)
		require.Len(t, got, len(tensors))
		byName := map[string]*Tensor{}
		for _, g := range got {
			byName[g.Name] = g
		}
		for _, want := range tensors {
			requireSameTensor(t, want, byName[want.Name])
		}
	}

	path := filepath.Join(dir, "layer.0.bias.npy")
	want := &Tensor{Name: "layer.0.bias", Shape: []int{2, 2}, DType: Float64, Data: []float64{1, 2, 3, 4}}
	require.NoError(t, SaveFile(path, want))
	got, err := LoadFile(path)
	require.NoError(t, err)
	require.Len(t, got, 1)
	requireSameTensor(t, want, got[0])

	st, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o644), st.Mode().Perm())
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 4, "no temporary files are left behind")
}

func TestLoadFileErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := LoadFile(filepath.Join(dir, "weights.pt"))
	require.ErrorContains(t, err, `unsupported extension ".pt"`)

	for _, name := range []string{"missing.npy", "missing.npz", "missing.safetensors"} {
		_, err := LoadFile(filepath.Join(dir, name))
		require.ErrorIs(t, err, os.ErrNotExist)
	}

	trailing := filepath.Join(dir, "trailing.npy")
	require.NoError(t, os.WriteFile(trailing, append(npyArange3, 0), 0o644))
	_, err = LoadFile(trailing)
	require.ErrorIs(t, err, ErrFormat)
	require.ErrorContains(t, err, "trailing.npy: unexpected data after the array")

	bad := filepath.Join(dir, "bad.safetensors")
	require.NoError(t, os.WriteFile(bad, []byte("short"), 0o644))
	_, err = LoadFile(bad)
	require.ErrorContains(t, err, "bad.safetensors: file is 5 bytes")

	badNpz := filepath.Join(dir, "bad.npz")
	require.NoError(t, os.WriteFile(badNpz, npyArange3, 0o644))
	_, err = LoadFile(badNpz)
	require.ErrorContains(t, err, "bad.npz: not a valid zip archive")

	badNpy := filepath.Join(dir, "bad.npy")
	require.NoError(t, os.WriteFile(badNpy, npyArange3[:100], 0o644))
	_, err = LoadFile(badNpy)
	require.ErrorContains(t, err, "bad.npy: file is truncated")
}

func TestSaveFileErrors(t *testing.T) {
	dir := t.TempDir()
	a := &Tensor{Name: "a", Shape: []int{}, DType: Float32, Data: []float64{1}}

	require.ErrorContains(t, SaveFile(filepath.Join(dir, "x.pt"), a), `unsupported extension ".pt"`)
	require.ErrorContains(t, SaveFile(filepath.Join(dir, "x.npy"), a, a), "exactly one tensor, got 2")
	require.ErrorContains(t, SaveFile(filepath.Join(dir, "x.npy")), "exactly one tensor, got 0")
	require.Error(t, SaveFile(filepath.Join(dir, "no", "such", "dir.npy"), a))

	// A failed save leaves the existing file as it was.
	path := filepath.Join(dir, "keep.safetensors")
	require.NoError(t, SaveFile(path, a))
	before, err := os.ReadFile(path)
	require.NoError(t, err)
	err = SaveFile(path, a, &Tensor{Name: "b", Shape: []int{2}, DType: Float32, Data: []float64{1}})
	require.ErrorContains(t, err, "saving "+path)
	require.ErrorContains(t, err, `tensor "b": shape [2] needs 2 elements but Data has 1`)
	after, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, before, after)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1, "the temporary file is removed")
}
