package tensorio

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// stFile assembles a safetensors file from a header and a data buffer.
func stFile(header string, data []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	return append(append(b, header...), data...)
}

func writeSafetensorsBytes(t *testing.T, tensors []*Tensor, metadata map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, WriteSafetensors(&buf, tensors, metadata))
	return buf.Bytes()
}

// The header is compact JSON with the metadata first and tensors in name
// order, padded with spaces to a multiple of 8 bytes; the data follows in
// the same order.
func TestSafetensorsGolden(t *testing.T) {
	tensors := []*Tensor{
		{Name: "b", Shape: []int{}, DType: Float64, Data: []float64{-1}},
		{Name: "a", Shape: []int{2}, DType: Float32, Data: []float64{1, 2}},
	}
	header := `{"__metadata__":{"format":"pt"},` +
		`"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},` +
		`"b":{"dtype":"F64","shape":[],"data_offsets":[8,16]}}`
	require.Len(t, header, 138)
	want := append([]byte{144, 0, 0, 0, 0, 0, 0, 0}, header+"      "...)
	want = append(want, le32(1, 2)...)
	want = append(want, le64(-1)...)
	require.Equal(t, want, writeSafetensorsBytes(t, tensors, map[string]string{"format": "pt"}))
}

func TestSafetensorsRoundTrip(t *testing.T) {
	tensors := sampleTensors()
	tensors = append(tensors, &Tensor{Name: "edges", Shape: []int{len(float64Edges)}, DType: Float64, Data: float64Edges})
	metadata := map[string]string{"format": "pt", "note": "<b>&\"quoted\"\n", "": "empty key"}
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(tensors), func(i, j int) { tensors[i], tensors[j] = tensors[j], tensors[i] })

	b := writeSafetensorsBytes(t, tensors, metadata)
	require.Zero(t, (binary.LittleEndian.Uint64(b)+8)%8, "data buffer is 8-byte aligned")
	f, err := ParseSafetensors(b, "x.safetensors")
	require.NoError(t, err)
	require.Equal(t, metadata, f.Metadata)
	require.Len(t, f.Tensors, len(tensors))
	for i := 1; i < len(f.Tensors); i++ {
		require.Less(t, f.Tensors[i-1].Name, f.Tensors[i].Name, "tensors come back in name order")
	}
	for _, want := range tensors {
		got := f.Get(want.Name)
		require.NotNil(t, got, want.Name)
		requireSameTensor(t, want, got)
	}
	require.Nil(t, f.Get("missing"))

	// Input order does not matter.
	rand.New(rand.NewPCG(3, 4)).Shuffle(len(tensors), func(i, j int) { tensors[i], tensors[j] = tensors[j], tensors[i] })
	require.Equal(t, b, writeSafetensorsBytes(t, tensors, metadata))

	f2, err := ReadSafetensors(bytes.NewReader(b), "x.safetensors")
	require.NoError(t, err)
	require.Equal(t, f.Metadata, f2.Metadata)
	require.Len(t, f2.Tensors, len(f.Tensors))
	for i := range f.Tensors {
		requireSameTensor(t, f.Tensors[i], f2.Tensors[i])
	}
}

func TestSafetensorsEmpty(t *testing.T) {
	b := writeSafetensorsBytes(t, nil, nil)
	require.Equal(t, stFile("{}      ", nil), b)
	f, err := ParseSafetensors(b, "empty.safetensors")
	require.NoError(t, err)
	require.Empty(t, f.Tensors)
	require.Nil(t, f.Metadata)
}

func TestSafetensorsFloat32Rounding(t *testing.T) {
	in := &Tensor{Name: "x", Shape: []int{len(float32Cases)}, DType: Float32}
	var want []float64
	for _, c := range float32Cases {
		in.Data = append(in.Data, c.in)
		want = append(want, c.want)
	}
	f, err := ParseSafetensors(writeSafetensorsBytes(t, []*Tensor{in}, nil), "f32.safetensors")
	require.NoError(t, err)
	requireSameBits(t, want, f.Get("x").Data)
}

// Files from other writers: header order differs from data order, which
// is kept; other writers may omit padding or pad the header with spaces.
func TestSafetensorsForeignLayout(t *testing.T) {
	header := `{"z":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},` +
		` "a" : {"data_offsets":[0,4],"shape":[1],"dtype":"F32"}, "__metadata__":{}}   `
	f, err := ParseSafetensors(stFile(header, le32(1, 2)), "x.safetensors")
	require.NoError(t, err)
	require.Equal(t, "z", f.Tensors[0].Name)
	require.Equal(t, []float64{2}, f.Tensors[0].Data)
	require.Equal(t, "a", f.Tensors[1].Name)
	require.Equal(t, []float64{1}, f.Tensors[1].Data)
	require.Equal(t, map[string]string{}, f.Metadata)
}

// Zero-sized tensors occupy an empty range at the current position.
func TestSafetensorsZeroSizedOffsets(t *testing.T) {
	header := `{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},` +
		`"e":{"dtype":"F64","shape":[0,3],"data_offsets":[4,4]},` +
		`"f":{"dtype":"F64","shape":[0],"data_offsets":[0,0]}}`
	f, err := ParseSafetensors(stFile(header, le32(1)), "x.safetensors")
	require.NoError(t, err)
	require.Equal(t, []int{0, 3}, f.Get("e").Shape)
	require.Empty(t, f.Get("e").Data)
}

func TestSafetensorsMismatchMessage(t *testing.T) {
	header := `{"fc1.weight":{"dtype":"F32","shape":[6,4],"data_offsets":[0,100]}}`
	_, err := ParseSafetensors(stFile(header, make([]byte, 100)), "weights.safetensors")
	require.EqualError(t, err,
		`weights.safetensors: tensor "fc1.weight": data_offsets [0 100] do not match shape [6 4] of F32 (96 bytes)`)
	require.ErrorIs(t, err, ErrFormat)
}

func TestSafetensorsErrors(t *testing.T) {
	entry := func(name, dtype, shape, offsets string) string {
		return `"` + name + `":{"dtype":` + dtype + `,"shape":` + shape + `,"data_offsets":` + offsets + `}`
	}
	ok := entry("w", `"F32"`, "[2]", "[0,8]")
	for _, tc := range []struct {
		name string
		file []byte
		want string
	}{
		{"empty", nil, "file is 0 bytes, too short"},
		{"short", []byte{1, 2, 3}, "file is 3 bytes, too short"},
		{"header length beyond file", stFile(`{}`, nil)[:9], "header length 2 exceeds the 1 bytes that follow it"},
		{"huge header length", []byte("\xff\xff\xff\xff\xff\xff\xff\xff{}"), "header length 18446744073709551615 exceeds the 2 bytes"},
		{"empty header", stFile("", nil), "header is not a valid JSON object"},
		{"not json", stFile("{'w': 1}", nil), "header is not a valid JSON object"},
		{"array", stFile("[]", nil), "header is not a JSON object"},
		{"truncated json", stFile(`{"w":{"dtype":"F32"`, nil), "header is not a valid JSON object: unexpected EOF"},
		{"unclosed object", stFile(`{`, nil), "not a valid JSON object"},
		{"invalid utf-8", stFile("{\"w\xff\":{}}", nil), "header is not valid UTF-8"},
		{"trailing garbage", stFile("{"+ok+"}x", le32(1, 2)), `unexpected data after the header JSON object: "x"`},
		{"second object", stFile("{"+ok+"}{}", le32(1, 2)), "unexpected data after the header JSON object"},
		{"bf16", stFile("{"+entry("w", `"BF16"`, "[2]", "[0,4]")+"}", make([]byte, 4)), `tensor "w": unsupported dtype "BF16" (only F32 and F64 are supported)`},
		{"f16", stFile("{"+entry("w", `"F16"`, "[2]", "[0,4]")+"}", make([]byte, 4)), `tensor "w": unsupported dtype "F16"`},
		{"i64", stFile("{"+entry("w", `"I64"`, "[2]", "[0,16]")+"}", make([]byte, 16)), `tensor "w": unsupported dtype "I64"`},
		{"dtype number", stFile("{"+entry("w", `32`, "[2]", "[0,8]")+"}", le32(1, 2)), `tensor "w": dtype must be a string, not 32`},
		{"entry not object", stFile(`{"w":[1,2]}`, nil), `tensor "w": header entry must be a JSON object, not [1,2]`},
		{"entry null", stFile(`{"w":null}`, nil), `tensor "w": header entry must be a JSON object, not null`},
		{"string dim", stFile("{"+entry("w", `"F32"`, `["2"]`, "[0,8]")+"}", le32(1, 2)), `tensor "w": shape must be a list of integers, not ["2"]`},
		{"unknown fields ignored but dtype checked", stFile(`{"w":{"DTYPE":"F32","shape":[2],"data_offsets":[0,8]}}`, le32(1, 2)), `tensor "w": missing dtype`},
		{"missing dtype", stFile(`{"w":{"shape":[2],"data_offsets":[0,8]}}`, le32(1, 2)), `tensor "w": missing dtype`},
		{"missing shape", stFile(`{"w":{"dtype":"F32","data_offsets":[0,8]}}`, le32(1, 2)), `tensor "w": missing shape`},
		{"null shape", stFile(`{"w":{"dtype":"F32","shape":null,"data_offsets":[0,8]}}`, le32(1, 2)), `tensor "w": shape must be a list of integers, not null`},
		{"missing offsets", stFile(`{"w":{"dtype":"F32","shape":[2]}}`, le32(1, 2)), `tensor "w": missing data_offsets`},
		{"negative dim", stFile("{"+entry("w", `"F32"`, "[-2]", "[0,8]")+"}", le32(1, 2)), `tensor "w": invalid dimension -2 in shape [-2]`},
		{"fractional dim", stFile("{"+entry("w", `"F32"`, "[2.5]", "[0,8]")+"}", le32(1, 2)), `tensor "w": shape must be a list of integers, not [2.5]`},
		{"shape overflow", stFile("{"+entry("w", `"F64"`, "[65536,65536,65536,65536]", "[0,8]")+"}", le64(1)), `tensor "w": shape [65536 65536 65536 65536] of F64 is too large`},
		{"dim beyond int64", stFile("{"+entry("w", `"F64"`, "[18446744073709551616]", "[0,8]")+"}", le64(1)), `tensor "w": shape must be a list of integers, not [18446744073709551616]`},
		{"one offset", stFile("{"+entry("w", `"F32"`, "[2]", "[8]")+"}", le32(1, 2)), `tensor "w": data_offsets must be a [begin, end] pair of integers, not [8]`},
		{"three offsets", stFile("{"+entry("w", `"F32"`, "[2]", "[0,8,8]")+"}", le32(1, 2)), "must be a [begin, end] pair"},
		{"reversed offsets", stFile("{"+entry("w", `"F32"`, "[0]", "[8,0]")+"}", le32(1, 2)), `tensor "w": invalid data_offsets [8 0]`},
		{"negative offset", stFile("{"+entry("w", `"F32"`, "[2]", "[-8,0]")+"}", le32(1, 2)), `tensor "w": invalid data_offsets [-8 0]`},
		{"size mismatch", stFile("{"+entry("w", `"F64"`, "[2]", "[0,8]")+"}", le32(1, 2)), `tensor "w": data_offsets [0 8] do not match shape [2] of F64 (16 bytes)`},
		{"beyond buffer", stFile("{"+entry("w", `"F32"`, "[2]", "[4,12]")+"}", le32(1, 2)), `tensor "w": data_offsets [4 12] lie beyond the 8-byte data buffer`},
		{"far beyond buffer", stFile("{"+entry("w", `"F32"`, "[2]", "[9223372036854775800,9223372036854775808]")+"}", nil), `tensor "w": data_offsets must be a [begin, end] pair of integers`},
		{"huge offsets", stFile("{"+entry("w", `"F32"`, "[2]", "[4611686018427387904,4611686018427387912]")+"}", nil), `tensor "w": data_offsets [4611686018427387904 4611686018427387912] lie beyond the 0-byte data buffer`},
		{"overlap", stFile("{"+ok+","+entry("v", `"F32"`, "[1]", "[4,8]")+"}", le32(1, 2)), `tensor "v": data_offsets [4 8] overlap tensor "w", which ends at 8`},
		{"same range", stFile("{"+ok+","+entry("v", `"F32"`, "[2]", "[0,8]")+"}", le32(1, 2)), `overlap tensor`},
		{"hole", stFile("{"+entry("w", `"F32"`, "[1]", "[4,8]")+"}", le32(1, 2)), `tensor "w": data_offsets [4 8] leave bytes [0 4] of the data buffer unused`},
		{"trailing bytes", stFile("{"+ok+"}", le32(1, 2, 3)), "x.safetensors: bytes [8 12] of the data buffer are not used by any tensor"},
		{"duplicate name", stFile("{"+ok+","+ok+"}", le32(1, 2)), `duplicate tensor name "w"`},
		{"duplicate escaped name", stFile("{"+ok+`,"\u0077":{}}`, le32(1, 2)), `duplicate tensor name "w"`},
		{"duplicate metadata", stFile(`{"__metadata__":{},"__metadata__":{}}`, nil), "duplicate __metadata__ entry"},
		{"metadata not strings", stFile(`{"__metadata__":{"epoch":3}}`, nil), "__metadata__ must map strings to strings, not {\"epoch\":3}"},
		{"metadata not object", stFile(`{"__metadata__":"x"}`, nil), "__metadata__ must map strings to strings"},
	} {
		_, err := ParseSafetensors(tc.file, "x.safetensors")
		require.ErrorIs(t, err, ErrFormat, tc.name)
		require.ErrorContains(t, err, "x.safetensors: ", tc.name)
		require.ErrorContains(t, err, tc.want, tc.name)
	}
}

func TestSafetensorsWriteErrors(t *testing.T) {
	a := &Tensor{Name: "a", Shape: []int{1}, DType: Float32, Data: []float64{1}}
	for _, tc := range []struct {
		name     string
		tensors  []*Tensor
		metadata map[string]string
		want     string
	}{
		{"empty name", []*Tensor{{Shape: []int{1}, DType: Float32, Data: []float64{1}}}, nil, "empty name"},
		{"duplicate", []*Tensor{a, a}, nil, `duplicate tensor name "a"`},
		{"reserved", []*Tensor{{Name: "__metadata__", Shape: []int{}, DType: Float32, Data: []float64{1}}}, nil, "reserved for metadata"},
		{"bad name", []*Tensor{{Name: "a\xff", Shape: []int{}, DType: Float32, Data: []float64{1}}}, nil, "not valid UTF-8"},
		{"bad metadata key", []*Tensor{a}, map[string]string{"\xff": "x"}, "not valid UTF-8"},
		{"bad metadata value", []*Tensor{a}, map[string]string{"k": "\xff"}, "not valid UTF-8"},
	} {
		err := WriteSafetensors(discard{}, tc.tensors, tc.metadata)
		require.ErrorContains(t, err, tc.want, tc.name)
	}
}

func TestSafetensorsLargeHeaderLimit(t *testing.T) {
	// A header length above the reference limit is refused even when the
	// bytes are present.
	b := make([]byte, 8+maxSafetensorsHeader+1)
	binary.LittleEndian.PutUint64(b, maxSafetensorsHeader+1)
	_, err := ParseSafetensors(b, "big.safetensors")
	require.ErrorContains(t, err, "exceeds the limit")
}

func TestSafetensorsNaNPayload(t *testing.T) {
	nan := math.Float64frombits(0x7ff8_0000_dead_beef)
	want := &Tensor{Name: "n", Shape: []int{1}, DType: Float64, Data: []float64{nan}}
	f, err := ParseSafetensors(writeSafetensorsBytes(t, []*Tensor{want}, nil), "n.safetensors")
	require.NoError(t, err)
	requireSameTensor(t, want, f.Tensors[0])
	require.True(t, strings.HasPrefix(string(writeSafetensorsBytes(t, nil, map[string]string{"a": "b"})[8:]), `{"__metadata__":{"a":"b"}}`))
}
