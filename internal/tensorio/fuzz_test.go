package tensorio

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"io"
	"math"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// The fuzz targets check that no input panics and that whatever is read
// successfully survives being written and read again. The readers bound
// every allocation by the input's size, so tiny inputs stay cheap.

func seedTensors() []*Tensor {
	return append(sampleTensors(),
		&Tensor{Name: "edges", Shape: []int{len(float64Edges)}, DType: Float64, Data: float64Edges})
}

func safetensorsSeeds(t testing.TB) [][]byte {
	var a, b bytes.Buffer
	require.NoError(t, WriteSafetensors(&a, seedTensors(), map[string]string{"format": "pt"}))
	require.NoError(t, WriteSafetensors(&b, seedTensors()[:2], nil))
	return [][]byte{a.Bytes(), b.Bytes(),
		stFile(`{"a":{"dtype":"BF16","shape":[1],"data_offsets":[0,2]}}`, []byte{0, 0}),
		stFile(`{"z":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, le32(1, 2)),
	}
}

func FuzzSafetensors(f *testing.F) {
	for _, seed := range safetensorsSeeds(f) {
		f.Add(seed)
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := ParseSafetensors(data, "fuzz.safetensors")
		if err != nil {
			require.ErrorIs(t, err, ErrFormat)
			return
		}
		var out bytes.Buffer
		if err := WriteSafetensors(&out, file.Tensors, file.Metadata); err != nil {
			// Names the format allows but the writer refuses.
			require.ErrorContains(t, err, "name")
			return
		}
		again, err := ParseSafetensors(out.Bytes(), "again.safetensors")
		require.NoError(t, err)
		require.Len(t, again.Tensors, len(file.Tensors))
		for _, want := range file.Tensors {
			requireSameValues(t, want, again.Get(want.Name))
		}
	})
}

func npySeeds(t testing.TB) [][]byte {
	var seeds [][]byte
	for _, tensor := range seedTensors() {
		var buf bytes.Buffer
		require.NoError(t, WriteNpy(&buf, tensor))
		seeds = append(seeds, buf.Bytes())
	}
	return append(seeds, npyArange3,
		npyFile(3, "{'descr': '>f8', 'fortran_order': False, 'shape': (1, 1), }", le64(1)),
		npyFile(1, "{'descr': [('x', '<f4')], 'fortran_order': True, 'shape': (2L,), }", le32(1, 2)),
		npyFile(1, intDict("<i8", "(3,)"), ints(8, binary.LittleEndian, -1<<53, 0, 1<<53)),
		npyFile(1, intDict(">u8", "(2,)"), ints(8, binary.BigEndian, 7, 1<<53+1)),
		npyFile(1, intDict(">i2", "(2, 1)"), ints(2, binary.BigEndian, -2, 300)),
		npyFile(2, intDict("<u4", "()"), ints(4, binary.LittleEndian, 1<<31)),
		npyFile(1, intDict("|u1", "(2, 2)"), []byte{0, 1, 128, 255}),
		npyFile(1, intDict("|i1", "(2,)"), []byte{0x80, 0x7f}),
		npyFile(1, intDict("|b1", "(3,)"), []byte{1, 0, 2}))
}

// integerRange holds the values each integer type and bool may decode to.
var integerRange = map[DType][2]float64{
	Int8: {math.MinInt8, math.MaxInt8}, Int16: {math.MinInt16, math.MaxInt16},
	Int32: {math.MinInt32, math.MaxInt32}, Int64: {-maxExactInt, maxExactInt},
	Uint8: {0, math.MaxUint8}, Uint16: {0, math.MaxUint16}, Uint32: {0, math.MaxUint32},
	Uint64: {0, maxExactInt}, Bool: {0, 1},
}

// writable checks that the writers refuse a tensor read as integers or
// bools and that its values are those of its type, then returns it as
// Float64, which holds them all exactly, for the round trip.
func writable(t *testing.T, tensor *Tensor) *Tensor {
	t.Helper()
	if tensor.DType.IsFloat() {
		return tensor
	}
	require.ErrorContains(t, WriteNpy(io.Discard, tensor), "unsupported dtype "+tensor.DType.String())
	r, ok := integerRange[tensor.DType]
	require.True(t, ok, "unexpected dtype %v", tensor.DType)
	for i, v := range tensor.Data {
		require.True(t, v == math.Trunc(v) && v >= r[0] && v <= r[1], "element %d of %v: %v", i, tensor.DType, v)
	}
	copied := *tensor
	copied.DType = Float64
	return &copied
}

func FuzzNpy(f *testing.F) {
	for _, seed := range npySeeds(f) {
		f.Add(seed)
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		tensor, err := ReadNpy(bytes.NewReader(data), "fuzz.npy")
		if err != nil {
			require.ErrorIs(t, err, ErrFormat)
			return
		}
		tensor = writable(t, tensor)
		var out bytes.Buffer
		require.NoError(t, WriteNpy(&out, tensor))
		again, err := ReadNpy(&out, "again.npy")
		require.NoError(t, err)
		require.Zero(t, out.Len())
		requireSameValues(t, tensor, again)
	})
}

func npzSeeds(t testing.TB) [][]byte {
	var seeds [][]byte
	for _, compressed := range []bool{false, true} {
		var buf bytes.Buffer
		write := WriteNpz
		if compressed {
			write = WriteNpzCompressed
		}
		require.NoError(t, write(&buf, seedTensors()[:4]))
		seeds = append(seeds, buf.Bytes())
	}
	for _, path := range []string{"testdata/savez.npz", "testdata/savez_compressed.npz"} {
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		seeds = append(seeds, b)
	}
	seeds = append(seeds, zipOf(t, zip.Deflate,
		"x.npy", string(npyFile(1, intDict("|u1", "(2, 2)"), []byte{0, 1, 2, 255})),
		"y.npy", string(npyFile(1, intDict("<i8", "(2,)"), ints(8, binary.LittleEndian, 1, 0))),
		"m.npy", string(npyFile(1, intDict("|b1", "(2,)"), []byte{1, 0}))))
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("notes.txt")
	require.NoError(t, err)
	_, err = w.Write([]byte("not an array"))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return append(seeds, buf.Bytes())
}

func FuzzNpz(f *testing.F) {
	for _, seed := range npzSeeds(f) {
		f.Add(seed)
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		tensors, err := ReadNpz(bytes.NewReader(data), int64(len(data)), "fuzz.npz")
		if err != nil {
			require.ErrorIs(t, err, ErrFormat)
			return
		}
		for i := range tensors {
			tensors[i] = writable(t, tensors[i])
		}
		var out bytes.Buffer
		if err := WriteNpz(&out, tensors); err != nil {
			require.ErrorContains(t, err, "name")
			return
		}
		again, err := ReadNpz(bytes.NewReader(out.Bytes()), int64(out.Len()), "again.npz")
		require.NoError(t, err)
		require.Len(t, again, len(tensors))
		byName := map[string]*Tensor{}
		for _, a := range again {
			byName[a.Name] = a
		}
		for _, want := range tensors {
			requireSameValues(t, want, byName[want.Name])
		}
	})
}

// requireSameValues is requireSameTensor except that any two NaNs match:
// converting a float32 NaN to float64 and back may quiet it.
func requireSameValues(t *testing.T, want, got *Tensor) {
	t.Helper()
	require.NotNil(t, got)
	require.Equal(t, want.Name, got.Name)
	require.Equal(t, want.DType, got.DType)
	require.Equal(t, len(want.Shape), len(got.Shape))
	for i := range want.Shape {
		require.Equal(t, want.Shape[i], got.Shape[i])
	}
	require.Equal(t, len(want.Data), len(got.Data))
	for i, w := range want.Data {
		if math.IsNaN(w) {
			require.True(t, math.IsNaN(got.Data[i]))
			continue
		}
		require.Equal(t, math.Float64bits(w), math.Float64bits(got.Data[i]), "element %d", i)
	}
}
