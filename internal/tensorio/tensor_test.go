package tensorio

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// sampleTensors covers the shapes every format must round-trip: a scalar,
// empty arrays (including one whose other dimensions are non-zero), and 1-d
// and 4-d arrays, in both element types.
func sampleTensors() []*Tensor {
	var out []*Tensor
	for _, dt := range []DType{Float32, Float64} {
		suffix := "_" + dt.String()
		out = append(out,
			&Tensor{Name: "scalar" + suffix, Shape: []int{}, DType: dt, Data: []float64{-7.5}},
			&Tensor{Name: "empty" + suffix, Shape: []int{0}, DType: dt, Data: []float64{}},
			&Tensor{Name: "empty3d" + suffix, Shape: []int{3, 0, 2}, DType: dt, Data: []float64{}},
			&Tensor{Name: "vec" + suffix, Shape: []int{5}, DType: dt, Data: []float64{0, 1, -2, 0.5, 1024}},
			&Tensor{Name: "conv" + suffix, Shape: []int{2, 3, 1, 2}, DType: dt, Data: seq(12)},
		)
	}
	return out
}

func seq(n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = float64(i)*0.25 - 1
	}
	return out
}

// float64Edges are values a float64 round trip must preserve bit for bit.
var float64Edges = []float64{
	math.Pi, -math.E, 0.1, math.Copysign(0, -1), math.SmallestNonzeroFloat64,
	math.MaxFloat64, -math.MaxFloat64, math.Inf(1), math.Inf(-1), math.NaN(),
	1 + 0x1p-52,
}

// float32Cases pairs float64 values with the value they must read back as
// after being written as float32: rounded to nearest, ties to even, with
// overflow going to infinity and underflow to (signed) zero.
var float32Cases = []struct{ in, want float64 }{
	{0.1, float64(float32(0.1))},
	{1 + 0x1p-24, 1},                     // halfway, rounds to the even neighbour 1
	{1 + 3*0x1p-24, 1 + 0x1p-22},         // halfway, rounds to the even neighbour above
	{1 + 0x1p-24 + 0x1p-40, 1 + 0x1p-23}, // just above halfway rounds up
	{1e39, math.Inf(1)},
	{-1e39, math.Inf(-1)},
	{1e-50, 0},
	{-1e-50, math.Copysign(0, -1)},
	{16777217, 16777216},
	{math.Inf(1), math.Inf(1)},
}

// requireSameTensor compares element bits, so that -0, NaN and the exact
// float64 value all count.
func requireSameTensor(t *testing.T, want, got *Tensor) {
	t.Helper()
	require.Equal(t, want.Name, got.Name)
	require.Equal(t, want.DType, got.DType, "tensor %q", want.Name)
	require.Equal(t, len(want.Shape), len(got.Shape), "tensor %q rank", want.Name)
	if len(want.Shape) > 0 {
		require.Equal(t, want.Shape, got.Shape, "tensor %q", want.Name)
	}
	requireSameBits(t, want.Data, got.Data)
}

func requireSameBits(t *testing.T, want, got []float64) {
	t.Helper()
	require.Equal(t, len(want), len(got))
	for i := range want {
		require.Equal(t, math.Float64bits(want[i]), math.Float64bits(got[i]),
			"element %d: want %v, got %v", i, want[i], got[i])
	}
}

func TestDType(t *testing.T) {
	require.Equal(t, "float32", Float32.String())
	require.Equal(t, "float64", Float64.String())
	require.Equal(t, "DType(0)", DType(0).String())
	require.Equal(t, 4, Float32.Size())
	require.Equal(t, 8, Float64.Size())
	require.Equal(t, 0, DType(99).Size())
	require.Equal(t, "DType(99)", DType(99).String())
	for dt, want := range map[DType]struct {
		name  string
		size  int
		float bool
	}{
		Float32: {"float32", 4, true}, Float64: {"float64", 8, true},
		Int8: {"int8", 1, false}, Int16: {"int16", 2, false}, Int32: {"int32", 4, false}, Int64: {"int64", 8, false},
		Uint8: {"uint8", 1, false}, Uint16: {"uint16", 2, false}, Uint32: {"uint32", 4, false}, Uint64: {"uint64", 8, false},
		Bool: {"bool", 1, false},
	} {
		require.Equal(t, want.name, dt.String())
		require.Equal(t, want.size, dt.Size(), dt.String())
		require.Equal(t, want.float, dt.IsFloat(), dt.String())
	}
	require.False(t, DType(0).IsFloat())
}

func TestNumBytes(t *testing.T) {
	n, ok := numBytes(nil, Float32)
	require.True(t, ok)
	require.Equal(t, 4, n, "a scalar has one element")

	n, ok = numBytes([]int{2, 3}, Float64)
	require.True(t, ok)
	require.Equal(t, 48, n)

	// A zero dimension anywhere makes the array empty, even when the other
	// dimensions would overflow if multiplied first.
	n, ok = numBytes([]int{math.MaxInt / 2, math.MaxInt / 2, 0}, Float32)
	require.True(t, ok)
	require.Equal(t, 0, n)

	// The square root of MaxInt, squared, times 8 bytes: too large on any
	// int size.
	half := int(math.Sqrt(float64(math.MaxInt)))
	_, ok = numBytes([]int{half, half}, Float64)
	require.False(t, ok, "overflow")
	_, ok = numBytes([]int{math.MaxInt}, Float32)
	require.False(t, ok, "overflow")
	_, ok = numBytes([]int{3, -1}, Float32)
	require.False(t, ok, "negative")
}

func TestWritersRejectInvalidTensors(t *testing.T) {
	bad := map[string]*Tensor{
		"unsupported dtype": {Name: "a", Shape: []int{1}, Data: []float64{1}},
		"needs 6 elements":  {Name: "a", Shape: []int{2, 3}, DType: Float32, Data: []float64{1}},
		"invalid shape":     {Name: "a", Shape: []int{-1}, DType: Float32},
	}
	for msg, tensor := range bad {
		require.ErrorContains(t, WriteNpy(discard{}, tensor), msg)
		require.ErrorContains(t, WriteSafetensors(discard{}, []*Tensor{tensor}, nil), msg)
		require.ErrorContains(t, WriteNpz(discard{}, []*Tensor{tensor}), msg)
	}
	// The integer and bool types are read, never written.
	for _, dt := range []DType{Int8, Int16, Int32, Int64, Uint8, Uint16, Uint32, Uint64, Bool} {
		tensor := &Tensor{Name: "a", Shape: []int{1}, DType: dt, Data: []float64{1}}
		msg := "unsupported dtype " + dt.String() + " (only float32 and float64 are written)"
		require.ErrorContains(t, WriteNpy(discard{}, tensor), msg)
		require.ErrorContains(t, WriteSafetensors(discard{}, []*Tensor{tensor}, nil), msg)
		require.ErrorContains(t, WriteNpz(discard{}, []*Tensor{tensor}), msg)
		_, err := CreateNpy(filepath.Join(t.TempDir(), "a.npy"), []int{1}, dt)
		require.ErrorContains(t, err, msg)
	}
	require.ErrorContains(t, WriteNpy(discard{}, nil), "nil tensor")
	require.ErrorContains(t, WriteSafetensors(discard{}, []*Tensor{nil}, nil), "nil tensor")
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
