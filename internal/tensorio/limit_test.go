package tensorio

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// deflateBomb is an .npz archive of a few KB whose one member, a float64
// array of zeros, inflates to n·8 bytes.
func deflateBomb(t *testing.T, n int) []byte {
	t.Helper()
	b := writeNpzBytes(t, []*Tensor{{Name: "x", Shape: []int{n}, DType: Float64, Data: make([]float64, n)}}, true)
	require.Less(t, len(b), n/100, "the archive must be much smaller than what it inflates to")
	return b
}

func TestNpzDecodeBudget(t *testing.T) {
	const n = 1 << 20 // 8 MiB inflated
	bomb := deflateBomb(t, n)

	_, err := ReadNpzWith(bytes.NewReader(bomb), int64(len(bomb)), "bomb.npz", Options{MaxMemory: 1 << 20})
	require.ErrorIs(t, err, ErrMemoryLimit)
	require.ErrorIs(t, err, ErrFormat)
	assert.Contains(t, err.Error(), `bomb.npz: member "x.npy": shape [1048576] decodes to more than the memory limit of 1048576 bytes`)

	// The same archive within a large enough limit, and with no limit.
	for _, limit := range []int64{8 << 20, -1} {
		ts, err := ReadNpzWith(bytes.NewReader(bomb), int64(len(bomb)), "bomb.npz", Options{MaxMemory: limit})
		require.NoError(t, err)
		assert.Len(t, ts[0].Data, n)
	}

	// The budget is for the whole file, not per member.
	two := writeNpzBytes(t, []*Tensor{
		{Name: "a", Shape: []int{1000}, DType: Float32, Data: make([]float64, 1000)},
		{Name: "b", Shape: []int{1000}, DType: Float32, Data: make([]float64, 1000)},
	}, false)
	_, err = ReadNpzWith(bytes.NewReader(two), int64(len(two)), "two.npz", Options{MaxMemory: 12000})
	require.ErrorIs(t, err, ErrMemoryLimit)
	assert.Contains(t, err.Error(), `two.npz: member "b.npy"`)
}

func TestLoadFileDecodeBudget(t *testing.T) {
	dir := t.TempDir()
	x := &Tensor{Name: "x", Shape: []int{100, 10}, DType: Float32, Data: make([]float64, 1000)}
	for _, name := range []string{"x.npy", "x.npz"} {
		path := filepath.Join(dir, name)
		require.NoError(t, SaveFile(path, x))
		_, err := LoadFileWith(path, Options{MaxMemory: 7999})
		require.ErrorIs(t, err, ErrMemoryLimit, name)
		assert.Contains(t, err.Error(), path)
		ts, err := LoadFileWith(path, Options{MaxMemory: 8000})
		require.NoError(t, err, name)
		assert.Equal(t, []int{100, 10}, ts[0].Shape)
	}
}

func TestNpyStreaming(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s.npy")
	want := &Tensor{Shape: []int{5, 3}, DType: Float32, Data: []float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14}}

	w, err := CreateNpy(path, want.Shape, want.DType)
	require.NoError(t, err)
	require.NoError(t, w.Write(want.Data[:6]))
	require.NoError(t, w.Write(want.Data[6:]))
	require.Error(t, w.Write([]float64{1}), "more than the shape holds")
	require.NoError(t, w.Close())
	// The streamed file is byte for byte what SaveFile writes.
	whole := filepath.Join(dir, "w.npy")
	require.NoError(t, SaveFile(whole, want))
	a, _ := os.ReadFile(path)
	b, _ := os.ReadFile(whole)
	assert.Equal(t, b, a)

	r, err := OpenNpy(path)
	require.NoError(t, err)
	assert.Equal(t, []int{5, 3}, r.Shape)
	got := make([]float64, 15)
	require.NoError(t, r.Read(got[:4]))
	require.NoError(t, r.Read(got[4:]))
	require.NoError(t, r.Finish())
	assert.Equal(t, want.Data, got)

	// A short write leaves nothing behind and names the file.
	short := filepath.Join(dir, "short.npy")
	w, err = CreateNpy(short, []int{4}, Float64)
	require.NoError(t, err)
	require.NoError(t, w.Write([]float64{1, 2}))
	err = w.Close()
	require.ErrorContains(t, err, "saving "+short+": 2 elements are missing")
	entries, _ := os.ReadDir(dir)
	assert.Len(t, entries, 2, "only s.npy and w.npy")

	// A truncated file is reported when its data is read.
	data, _ := os.ReadFile(whole)
	trunc := filepath.Join(dir, "trunc.npy")
	require.NoError(t, os.WriteFile(trunc, data[:len(data)-4], 0o644))
	r, err = OpenNpy(trunc)
	require.NoError(t, err)
	defer r.Close()
	err = r.Read(make([]float64, 15))
	require.ErrorIs(t, err, ErrFormat)
	assert.Contains(t, err.Error(), trunc+": data is truncated")
}
