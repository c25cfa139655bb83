package tensorio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// npyArange3 is the file np.save writes for np.arange(3, dtype='<f4'),
// built by hand from the format specification and numpy's format.py:
//
//   - 8 bytes: "\x93NUMPY", version 1.0
//   - 2 bytes: header length 118 (0x76), little endian
//   - the 57-byte dict "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }"
//   - 20 spaces of growth room (21 minus the one digit of shape[0])
//   - 40 spaces and a newline, so that 10 + 118 = 128 is a multiple of 64
//   - 12 bytes of data: 0, 1, 2 as little-endian float32
//
// Numpy releases older than the growth room pad to the same 128 bytes with
// the same spaces, so the bytes do not depend on the numpy version.
var npyArange3 = []byte("\x93NUMPY\x01\x00\x76\x00" +
	"{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }" +
	strings.Repeat(" ", 20+40) + "\n" +
	"\x00\x00\x00\x00" + "\x00\x00\x80\x3f" + "\x00\x00\x00\x40")

// npyFile builds a .npy file around a header dict, padding it the way numpy
// does, for tests that need headers the writer never produces.
func npyFile(version byte, dict string, data []byte) []byte {
	lenSize := 2
	if version > 1 {
		lenSize = 4
	}
	hlen := len(dict) + 1
	pad := 64 - (8+lenSize+hlen)%64
	var b bytes.Buffer
	b.WriteString("\x93NUMPY")
	b.Write([]byte{version, 0})
	var lb [4]byte
	binary.LittleEndian.PutUint32(lb[:], uint32(hlen+pad))
	b.Write(lb[:lenSize])
	b.WriteString(dict + strings.Repeat(" ", pad) + "\n")
	b.Write(data)
	return b.Bytes()
}

func le32(vs ...float32) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	return b
}

func le64(vs ...float64) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	return b
}

func writeNpyBytes(t *testing.T, tensor *Tensor) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, WriteNpy(&buf, tensor))
	return buf.Bytes()
}

func TestNpyGolden(t *testing.T) {
	require.Len(t, npyArange3, 140)
	tensor := &Tensor{Shape: []int{3}, DType: Float32, Data: []float64{0, 1, 2}}
	require.Equal(t, npyArange3, writeNpyBytes(t, tensor))

	got, err := ReadNpy(bytes.NewReader(npyArange3), "arange.npy")
	require.NoError(t, err)
	requireSameTensor(t, tensor, got)
}

func TestNpyHeaderLayout(t *testing.T) {
	for _, tc := range []struct {
		shape []int
		dt    DType
		dict  string
		total int // bytes before the data
	}{
		// 55-byte dict, no growth room for a scalar: 10+56 pads to 128.
		{[]int{}, Float64, "{'descr': '<f8', 'fortran_order': False, 'shape': (), }", 128},
		{[]int{2, 3}, Float64, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }" + strings.Repeat(" ", 20), 128},
		{[]int{12345, 0}, Float32, "{'descr': '<f4', 'fortran_order': False, 'shape': (12345, 0), }" + strings.Repeat(" ", 16), 128},
	} {
		got := writeNpyBytes(t, &Tensor{Shape: tc.shape, DType: tc.dt, Data: make([]float64, len(seqFor(tc.shape)))})
		require.Len(t, got, tc.total+len(seqFor(tc.shape))*tc.dt.Size())
		header := string(got[10:tc.total])
		require.True(t, strings.HasPrefix(header, tc.dict+" "), "header %q", header)
		require.Equal(t, strings.TrimRight(header, " \n"), strings.TrimRight(tc.dict, " "))
		require.True(t, strings.HasSuffix(header, " \n"))
		require.Equal(t, tc.total-10, int(binary.LittleEndian.Uint16(got[8:])))
	}
}

func seqFor(shape []int) []float64 {
	n, _ := numBytes(shape, Float64)
	return make([]float64, n/8)
}

// An already aligned header still gets a full 64 bytes of padding, as in
// numpy's _wrap_header.
func TestNpyFullPadWhenAligned(t *testing.T) {
	// dict for shape (1, 1, ..., 1) grows by 3 bytes per extra dimension;
	// find a rank where 10 + len(dict) + 1 is a multiple of 64.
	for rank := 2; rank < 40; rank++ {
		shape := make([]int, rank)
		for i := range shape {
			shape[i] = 1
		}
		dict := "{'descr': '<f4', 'fortran_order': False, 'shape': (" +
			strings.TrimSuffix(strings.Repeat("1, ", rank), ", ") + "), }" + strings.Repeat(" ", 20)
		if (10+len(dict)+1)%64 != 0 {
			continue
		}
		got := writeNpyBytes(t, &Tensor{Shape: shape, DType: Float32, Data: []float64{3}})
		require.Equal(t, 10+len(dict)+64+1+4, len(got))
		return
	}
	t.Fatal("no rank gives an aligned header")
}

func TestNpyRoundTrip(t *testing.T) {
	for _, want := range sampleTensors() {
		got, err := ReadNpy(bytes.NewReader(writeNpyBytes(t, want)), want.Name)
		require.NoError(t, err)
		got.Name = want.Name
		requireSameTensor(t, want, got)
	}
}

func TestNpyFloat64Exact(t *testing.T) {
	want := &Tensor{Shape: []int{len(float64Edges)}, DType: Float64, Data: float64Edges}
	got, err := ReadNpy(bytes.NewReader(writeNpyBytes(t, want)), "edges.npy")
	require.NoError(t, err)
	requireSameTensor(t, want, got)
}

func TestNpyFloat32Rounding(t *testing.T) {
	in := &Tensor{Shape: []int{len(float32Cases)}, DType: Float32}
	var want []float64
	for _, c := range float32Cases {
		in.Data = append(in.Data, c.in)
		want = append(want, c.want)
	}
	got, err := ReadNpy(bytes.NewReader(writeNpyBytes(t, in)), "f32.npy")
	require.NoError(t, err)
	requireSameBits(t, want, got.Data)
}

// Consecutive arrays in one stream, as written by repeated np.save calls
// on one file object, are read one by one.
func TestNpySequential(t *testing.T) {
	var buf bytes.Buffer
	tensors := sampleTensors()
	for _, tensor := range tensors {
		require.NoError(t, WriteNpy(&buf, tensor))
	}
	for _, want := range tensors {
		got, err := ReadNpy(&buf, "stream")
		require.NoError(t, err)
		got.Name = want.Name
		requireSameTensor(t, want, got)
	}
	require.Zero(t, buf.Len())
}

// High-rank arrays whose header does not fit version 1.0 are written as
// version 2.0, as numpy does.
func TestNpyVersion2Fallback(t *testing.T) {
	shape := make([]int, 30000)
	for i := range shape {
		shape[i] = 1
	}
	want := &Tensor{Shape: shape, DType: Float64, Data: []float64{2.5}}
	b := writeNpyBytes(t, want)
	require.Equal(t, byte(2), b[6])
	require.Zero(t, (12+binary.LittleEndian.Uint32(b[8:]))%64)
	got, err := ReadNpy(bytes.NewReader(b), "rank.npy")
	require.NoError(t, err)
	got.Name = want.Name
	requireSameTensor(t, want, got)
}

// Headers written by other numpy versions and other tools.
func TestNpyHeaderVariants(t *testing.T) {
	f4 := le32(1.5, -2)
	for name, file := range map[string][]byte{
		"version 2.0":       npyFile(2, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", f4),
		"version 3.0":       npyFile(3, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", f4),
		"native order":      npyFile(1, "{'descr': '=f4', 'fortran_order': False, 'shape': (2,), }", f4),
		"double quotes":     npyFile(1, `{"descr": "<f4", "fortran_order": False, "shape": (2,)}`, f4),
		"key order":         npyFile(1, "{'shape': (2,), 'fortran_order': False, 'descr': '<f4'}", f4),
		"python 2 long":     npyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2L,), }", f4),
		"whitespace":        npyFile(1, "  {\t'descr' :'<f4' ,\n 'fortran_order':False,'shape':( 2 , ) , } ", f4),
		"16-byte alignment": append([]byte("\x93NUMPY\x01\x00\x46\x00{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }            \n"), f4...),
	} {
		got, err := ReadNpy(bytes.NewReader(file), "v.npy")
		require.NoError(t, err, name)
		requireSameBits(t, []float64{1.5, -2}, got.Data)
		require.Equal(t, []int{2}, got.Shape, name)
		require.Equal(t, Float32, got.DType, name)
	}
}

func TestNpyBigEndian(t *testing.T) {
	be8 := binary.BigEndian.AppendUint64(nil, math.Float64bits(math.Pi))
	got, err := ReadNpy(bytes.NewReader(npyFile(1, "{'descr': '>f8', 'fortran_order': False, 'shape': (), }", be8)), "be.npy")
	require.NoError(t, err)
	requireSameBits(t, []float64{math.Pi}, got.Data)
	require.Equal(t, Float64, got.DType)

	be4 := binary.BigEndian.AppendUint32(nil, math.Float32bits(-0.75))
	got, err = ReadNpy(bytes.NewReader(npyFile(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (1, 1), }", be4)), "be.npy")
	require.NoError(t, err)
	requireSameBits(t, []float64{-0.75}, got.Data)
	require.Equal(t, []int{1, 1}, got.Shape)
}

func TestNpyErrors(t *testing.T) {
	dict := func(descr, fortran, shape string) string {
		return "{'descr': " + descr + ", 'fortran_order': " + fortran + ", 'shape': " + shape + ", }"
	}
	valid := dict("'<f4'", "False", "(2,)")
	for _, tc := range []struct {
		name string
		file []byte
		want string
	}{
		{"empty", nil, "truncated in the header"},
		{"bad magic", []byte("PK\x03\x04 this is a zip file"), "not a .npy file"},
		{"version 4.0", npyFile(4, valid, le32(1, 2)), "unsupported .npy format version 4.0"},
		{"version 1.1", append([]byte("\x93NUMPY\x01\x01"), npyFile(1, valid, le32(1, 2))[8:]...), "unsupported .npy format version 1.1"},
		{"header too long", []byte("\x93NUMPY\x02\x00\xff\xff\xff\xff{"), "header length 4294967295 exceeds the limit"},
		{"truncated header", []byte("\x93NUMPY\x01\x00\x76\x00{'descr'"), "truncated in the header (8 of 118 bytes)"},
		{"truncated length", []byte("\x93NUMPY\x02\x00\x01"), "truncated in the header"},
		{"invalid utf-8 in 3.0", npyFile(3, "{'descr': '<f4\xff', 'fortran_order': False, 'shape': (2,), }", nil), "not valid UTF-8"},
		{"not python", npyFile(1, "descr=<f4", nil), "malformed header"},
		{"unterminated string", npyFile(1, "{'descr: '<f4'}", nil), "malformed header"},
		{"missing comma", npyFile(1, "{'descr': '<f4' 'shape': (2,)}", nil), "expected ','"},
		{"missing colon", npyFile(1, "{'descr' '<f4'}", nil), "expected ':'"},
		{"unknown name", npyFile(1, dict("'<f4'", "false", "(2,)"), nil), `unsupported name "false"`},
		{"float", npyFile(1, dict("'<f4'", "False", "(2.0,)"), nil), "malformed header"},
		{"huge integer", npyFile(1, dict("'<f4'", "False", "(99999999999999999999,)"), nil), "out of range"},
		{"trailing text", npyFile(1, valid+" x", nil), "after the literal"},
		{"not a dict", npyFile(1, "('<f4', False, (2,))", nil), "is not a dict"},
		{"non-string key", npyFile(1, "{1: 2}", nil), "header key 1 is not a string"},
		{"missing descr", npyFile(1, "{'fortran_order': False, 'shape': (2,)}", nil), "no 'descr' key"},
		{"missing fortran_order", npyFile(1, "{'descr': '<f4', 'shape': (2,)}", nil), "no 'fortran_order' key"},
		{"missing shape", npyFile(1, "{'descr': '<f4', 'fortran_order': False}", nil), "no 'shape' key"},
		{"extra key", npyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}", nil), "unexpected header key 'x'"},
		{"duplicate key", npyFile(1, "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", nil), "duplicate header key 'descr'"},
		{"int64 without byte order", npyFile(1, dict("'|i8'", "False", "(2,)"), nil), "unsupported dtype descr '|i8'"},
		{"bool of two bytes", npyFile(1, dict("'|b2'", "False", "(2,)"), nil), "unsupported dtype descr '|b2'"},
		{"complex", npyFile(1, dict("'<c16'", "False", "(2,)"), nil), "unsupported dtype descr '<c16'"},
		{"half", npyFile(1, dict("'<f2'", "False", "(2,)"), nil), "unsupported dtype descr '<f2'"},
		{"object", npyFile(1, dict("'|O'", "False", "(2,)"), nil), "unsupported dtype descr '|O'"},
		{"no byte order", npyFile(1, dict("'|f4'", "False", "(2,)"), nil), "unsupported dtype descr '|f4'"},
		{"structured", npyFile(1, dict("[('x', '<f4'), ('y', '<f4')]", "False", "(2,)"), nil), "unsupported structured dtype descr [('x', '<f4'), ('y', '<f4')]"},
		{"descr not a string", npyFile(1, dict("4", "False", "(2,)"), nil), "unsupported dtype descr 4"},
		{"fortran", npyFile(1, dict("'<f4'", "True", "(2, 2)"), le32(1, 2, 3, 4)), "Fortran-order arrays are not supported; save with np.ascontiguousarray"},
		{"fortran not bool", npyFile(1, dict("'<f4'", "0", "(2,)"), nil), "fortran_order must be True or False, not 0"},
		{"shape list", npyFile(1, dict("'<f4'", "False", "[2]"), nil), "shape must be a tuple, not [2]"},
		{"shape int", npyFile(1, dict("'<f4'", "False", "(2)"), nil), "shape must be a tuple, not (2)"},
		{"negative dim", npyFile(1, dict("'<f4'", "False", "(2, -1)"), nil), "invalid dimension -1 in shape (2, -1)"},
		{"string dim", npyFile(1, dict("'<f4'", "False", "('2',)"), nil), "invalid dimension '2'"},
		{"overflow", npyFile(1, dict("'<f8'", "False", "(65536, 65536, 65536, 65536)"), nil), "shape (65536, 65536, 65536, 65536) of '<f8' is too large"},
		{"truncated data", npyFile(1, valid, le32(1)), "data is truncated: shape [2] of float32 needs 8 bytes, found 4"},
		{"huge claim", npyFile(1, dict("'<f8'", "False", "(30000000,)"), le64(1)), "needs 240000000 bytes, found 8"},
		{"deep nesting", npyFile(1, strings.Repeat("(", 100)+strings.Repeat(")", 100), nil), "nested more than 32 levels"},
	} {
		_, err := ReadNpy(bytes.NewReader(tc.file), "x.npy")
		require.ErrorIs(t, err, ErrFormat, tc.name)
		require.ErrorContains(t, err, "x.npy: ", tc.name)
		require.ErrorContains(t, err, tc.want, tc.name)
	}
}

func TestNpyReadErrorIsNotFormatError(t *testing.T) {
	_, err := ReadNpy(failingReader{}, "x.npy")
	require.ErrorContains(t, err, "disk on fire")
	require.NotErrorIs(t, err, ErrFormat)
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errDisk }

var errDisk = errors.New("disk on fire")

func TestPyLiteral(t *testing.T) {
	v, err := parsePyLiteral(`{'a': (), "b": (5,), 'c': [1, -2, +3,], 'd': {'e': None}, 'f': 'x\'y\\z'}`)
	require.NoError(t, err)
	require.Equal(t, pyDict, v.kind)
	require.Len(t, v.items, 10)
	require.Equal(t, pyTuple, v.items[1].kind)
	require.Empty(t, v.items[1].items)
	require.Equal(t, "(5,)", v.items[3].raw)
	require.Equal(t, int64(5), v.items[3].items[0].num)
	require.Equal(t, []int64{1, -2, 3}, []int64{v.items[5].items[0].num, v.items[5].items[1].num, v.items[5].items[2].num})
	require.Equal(t, pyNone, v.items[7].items[1].kind)
	require.Equal(t, `x'y\z`, v.items[9].str)

	for _, bad := range []string{
		"", "(", "(1,,)", "(,)", "[1 2]", "{'a'}", "{'a':}", "'abc", "'a\nb'", `'\x41'`, "-", "1.5", "Truex", "(1)(2)",
		strings.Repeat("[", 1000),
	} {
		_, err := parsePyLiteral(bad)
		require.Error(t, err, "%q", bad)
	}
}
