package hdf5

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// nirLikeWriter builds a small NIR graph plus one of every value kind the
// writer supports.
func nirLikeWriter(t *testing.T) *Writer { return nirLikeWriterFor(t) }

// nirLikeWriterFor is nirLikeWriter for any test or fuzz target.
func nirLikeWriterFor(t testing.TB) *Writer {
	w := NewWriter()
	r := w.Root()
	mustDataset(t, r, "version", nil, "1.0.7")
	node := mustGroup(t, r, "node")
	mustDataset(t, node, "type", nil, "NIRGraph")
	mustDataset(t, node, "edges", []int{2, 2}, []string{"input", "lif", "lif", "output"})
	nodes := mustGroup(t, node, "nodes")
	lif := mustGroup(t, nodes, "lif")
	mustDataset(t, lif, "type", nil, "LIF")
	mustDataset(t, lif, "tau", []int{2, 2}, []float32{0.1, 0.2, 0.3, 0.4})
	mustDataset(t, lif, "v_leak", nil, []float64{-65, math.Inf(1), math.NaN(), 0})
	in := mustGroup(t, nodes, "input")
	mustDataset(t, in, "type", nil, "Input")
	mustDataset(t, in, "shape", nil, []int64{2, 2})

	vals := mustGroup(t, r, "values")
	mustDataset(t, vals, "i8", nil, []int8{-128, 127})
	mustDataset(t, vals, "i16", nil, []int16{-32768, 32767})
	mustDataset(t, vals, "i32", nil, []int32{math.MinInt32, math.MaxInt32})
	mustDataset(t, vals, "int", nil, []int{1, -1})
	mustDataset(t, vals, "u8", nil, []uint8{0, 255})
	mustDataset(t, vals, "u16", nil, []uint16{0, 65535})
	mustDataset(t, vals, "u32", nil, []uint32{0, math.MaxUint32})
	mustDataset(t, vals, "u64", nil, []uint64{0, 1 << 63})
	mustDataset(t, vals, "scalar_f32", nil, float32(1.5))
	mustDataset(t, vals, "scalar_i64", nil, int64(-7))
	mustDataset(t, vals, "scalar_int", nil, 42)
	mustDataset(t, vals, "bool", nil, true)
	mustDataset(t, vals, "bools", []int{1, 3}, []bool{true, false, true})
	mustDataset(t, vals, "fixed", nil, []FixedString{"a", "abc", ""})
	mustDataset(t, vals, "fixed_scalar", nil, FixedString("xyz"))
	mustDataset(t, vals, "empty", nil, []float64{})
	mustDataset(t, vals, "empty2d", []int{0, 3}, []float32{})
	mustDataset(t, vals, "empty_strings", nil, []string{})
	mustDataset(t, vals, "strings", nil, []string{"", "é", strings.Repeat("long ", 2000)})
	mustDataset(t, vals, "rank3", []int{2, 1, 2}, []float64{1, 2, 3, 4})
	mustDataset(t, vals, "one_elem_1d", []int{1}, 3.0)
	d := mustDataset(t, vals, "with_attrs", nil, []float64{1})
	require.NoError(t, d.SetAttr("unit", nil, "ms"))
	require.NoError(t, d.SetAttr("scale", []int{2}, []float64{1, 2}))
	require.NoError(t, d.SetAttr("scale", []int{3}, []float64{1, 2, 3})) // replaces
	require.NoError(t, vals.SetAttr("dt", nil, 1e-4))
	require.NoError(t, vals.SetAttr("flag", nil, false))
	require.NoError(t, vals.SetAttr("names", []int{2}, []string{"a", "b"}))
	require.NoError(t, r.SetAttr("producer", nil, "snnc"))
	return w
}

func mustGroup(t testing.TB, g *WriterGroup, name string) *WriterGroup {
	t.Helper()
	c, err := g.CreateGroup(name)
	require.NoError(t, err)
	return c
}

func mustDataset(t testing.TB, g *WriterGroup, name string, shape []int, data any) *WriterDataset {
	t.Helper()
	d, err := g.CreateDataset(name, shape, data)
	require.NoError(t, err)
	return d
}

func writeAndOpen(t *testing.T, w *Writer) (*File, []byte) {
	t.Helper()
	b, err := w.Bytes()
	require.NoError(t, err)
	f, err := Open(b)
	require.NoError(t, err)
	return f, b
}

func TestWriterRoundTrip(t *testing.T) {
	f, _ := writeAndOpen(t, nirLikeWriter(t))

	assert.Equal(t, []string{"node", "values", "version"}, f.Root().Members())
	assert.Equal(t, []string{"NIRGraph"}, stringsAt(t, f, "/node/type"))
	assert.Equal(t, []string{"input", "lif", "lif", "output"}, stringsAt(t, f, "/node/edges"))
	tau, err := f.Dataset("/node/nodes/lif/tau")
	require.NoError(t, err)
	assert.Equal(t, []int{2, 2}, tau.Shape())
	assert.Equal(t, DType{Kind: Float, Size: 4}, tau.Type())
	assert.Equal(t, []float64{float64(float32(0.1)), float64(float32(0.2)), float64(float32(0.3)), float64(float32(0.4))},
		float64sAt(t, f, "/node/nodes/lif/tau"))
	leak := float64sAt(t, f, "/node/nodes/lif/v_leak")
	assert.Equal(t, -65.0, leak[0])
	assert.True(t, math.IsInf(leak[1], 1))
	assert.True(t, math.IsNaN(leak[2]))
	assert.Equal(t, []int64{2, 2}, int64sAt(t, f, "/node/nodes/input/shape"))

	assert.Equal(t, []int64{-128, 127}, int64sAt(t, f, "/values/i8"))
	assert.Equal(t, []int64{-32768, 32767}, int64sAt(t, f, "/values/i16"))
	assert.Equal(t, []int64{math.MinInt32, math.MaxInt32}, int64sAt(t, f, "/values/i32"))
	assert.Equal(t, []int64{1, -1}, int64sAt(t, f, "/values/int"))
	assert.Equal(t, []int64{0, 255}, int64sAt(t, f, "/values/u8"))
	assert.Equal(t, []int64{0, 65535}, int64sAt(t, f, "/values/u16"))
	assert.Equal(t, []int64{0, math.MaxUint32}, int64sAt(t, f, "/values/u32"))
	assert.Equal(t, []float64{0, 1 << 63}, float64sAt(t, f, "/values/u64"))
	assert.Equal(t, []float64{1.5}, float64sAt(t, f, "/values/scalar_f32"))
	assert.Equal(t, []int64{-7}, int64sAt(t, f, "/values/scalar_i64"))
	assert.Equal(t, []int64{42}, int64sAt(t, f, "/values/scalar_int"))

	for path, want := range map[string]DType{
		"/values/i16":        {Kind: Int, Size: 2},
		"/values/u64":        {Kind: Uint, Size: 8},
		"/values/scalar_int": {Kind: Int, Size: 8},
		"/values/fixed":      {Kind: String, Size: 3, Pad: NullPad},
		"/values/strings":    {Kind: String, Size: 16, VarLen: true, UTF8: true},
	} {
		d, err := f.Dataset(path)
		require.NoError(t, err)
		assert.Equal(t, want, d.Type(), path)
	}

	b, err := f.Dataset("/values/bools")
	require.NoError(t, err)
	assert.True(t, b.Type().IsBool())
	assert.Equal(t, []int{1, 3}, b.Shape())
	assert.Equal(t, []int64{1, 0, 1}, int64sAt(t, f, "/values/bools"))
	assert.Equal(t, []int64{1}, int64sAt(t, f, "/values/bool"))

	assert.Equal(t, []string{"a", "abc", ""}, stringsAt(t, f, "/values/fixed"))
	assert.Equal(t, []string{"xyz"}, stringsAt(t, f, "/values/fixed_scalar"))
	assert.Equal(t, []string{"", "é", strings.Repeat("long ", 2000)}, stringsAt(t, f, "/values/strings"))
	assert.Empty(t, stringsAt(t, f, "/values/empty_strings"))
	assert.Empty(t, float64sAt(t, f, "/values/empty"))
	e2, err := f.Dataset("/values/empty2d")
	require.NoError(t, err)
	assert.Equal(t, []int{0, 3}, e2.Shape())
	r3, err := f.Dataset("/values/rank3")
	require.NoError(t, err)
	assert.Equal(t, []int{2, 1, 2}, r3.Shape())
	one, err := f.Dataset("/values/one_elem_1d")
	require.NoError(t, err)
	assert.Equal(t, []int{1}, one.Shape())

	d, err := f.Dataset("/values/with_attrs")
	require.NoError(t, err)
	require.Len(t, d.Attrs(), 2)
	a, err := d.Attr("scale")
	require.NoError(t, err)
	fv, err := a.Float64s()
	require.NoError(t, err)
	assert.Equal(t, []float64{1, 2, 3}, fv)
	a, err = d.Attr("unit")
	require.NoError(t, err)
	s, err := a.Strings()
	require.NoError(t, err)
	assert.Equal(t, []string{"ms"}, s)

	g, err := f.Group("/values")
	require.NoError(t, err)
	a, err = g.Attr("flag")
	require.NoError(t, err)
	assert.True(t, a.Type().IsBool())
	a, err = g.Attr("names")
	require.NoError(t, err)
	s, err = a.Strings()
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b"}, s)
	a, err = f.Root().Attr("producer")
	require.NoError(t, err)
	s, err = a.Strings()
	require.NoError(t, err)
	assert.Equal(t, []string{"snnc"}, s)
}

func TestWriterIsDeterministic(t *testing.T) {
	a, err := nirLikeWriter(t).Bytes()
	require.NoError(t, err)
	b, err := nirLikeWriter(t).Bytes()
	require.NoError(t, err)
	assert.Equal(t, a, b)

	var buf bytes.Buffer
	n, err := nirLikeWriter(t).WriteTo(&buf)
	require.NoError(t, err)
	assert.Equal(t, int64(len(a)), n)
	assert.Equal(t, a, buf.Bytes())
}

func TestWriterManyMembers(t *testing.T) {
	// 8 names per symbol node, 32 children per B-tree node: these sizes
	// give one leaf node, two levels and three levels.
	for _, n := range []int{0, 1, 8, 9, 200, 256, 257, 300, 1000, 8193} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			w := NewWriter()
			g := mustGroup(t, w.Root(), "many")
			for i := range n {
				mustDataset(t, g, fmt.Sprintf("m%05d", i), nil, int64(i))
			}
			f, _ := writeAndOpen(t, w)
			many, err := f.Group("many")
			require.NoError(t, err)
			names := many.Members()
			require.Len(t, names, n)
			for i, d := range many.Datasets() {
				require.Equal(t, fmt.Sprintf("m%05d", i), d.Name())
				v, err := d.Int64s()
				require.NoError(t, err)
				require.Equal(t, []int64{int64(i)}, v)
			}
		})
	}
}

func TestWriterManyStrings(t *testing.T) {
	// Enough strings to need several global heap collections.
	w := NewWriter()
	var want []string
	for i := range 3000 {
		want = append(want, strings.Repeat("x", i%50)+fmt.Sprint(i))
	}
	mustDataset(t, w.Root(), "s", nil, want)
	f, _ := writeAndOpen(t, w)
	assert.Equal(t, want, stringsAt(t, f, "/s"))
}

func TestWriterErrors(t *testing.T) {
	w := NewWriter()
	r := w.Root()
	_, err := r.CreateGroup("a")
	require.NoError(t, err)
	for _, name := range []string{"", ".", "x/y", "nul\x00", "a"} {
		_, err := r.CreateGroup(name)
		assert.Error(t, err, "%q", name)
		_, err = r.CreateDataset(name, nil, 1.0)
		assert.Error(t, err, "%q", name)
	}
	_, err = r.CreateDataset("a", nil, 1.0)
	assert.EqualError(t, err, `hdf5: /: member "a" already exists`)

	_, err = r.CreateDataset("bad_type", nil, []complex64{1})
	assert.EqualError(t, err, "hdf5: dataset /bad_type: unsupported data type []complex64")
	_, err = r.CreateDataset("bad_shape", []int{2, 2}, []float64{1, 2, 3})
	assert.EqualError(t, err, "hdf5: dataset /bad_shape: shape [2 2] holds 4 elements but data has 3")
	_, err = r.CreateDataset("neg_shape", []int{-1}, []float64{})
	assert.ErrorContains(t, err, "invalid shape")
	_, err = r.CreateDataset("huge_shape", []int{math.MaxInt, 3}, []float64{})
	assert.ErrorContains(t, err, "invalid shape")
	_, err = r.CreateDataset("deep", make([]int, 33), []float64{})
	assert.ErrorContains(t, err, "rank 33")
	_, err = r.CreateDataset("scalar_shape", []int{2}, 1.0)
	assert.ErrorContains(t, err, "holds 2 elements but data has 1")

	assert.ErrorContains(t, r.SetAttr("", nil, 1), "invalid attribute name")
	assert.ErrorContains(t, r.SetAttr("x", []int{3}, []int64{1}), "holds 3 elements")
	require.NoError(t, r.SetAttr("big", nil, make([]float64, 10000)))
	_, err = w.Bytes()
	assert.ErrorContains(t, err, `attribute "big" is 80`)

	// Values are copied: later changes by the caller do not leak in.
	w = NewWriter()
	data := []float64{1, 2}
	mustDataset(t, w.Root(), "d", nil, data)
	data[0] = 99
	f, _ := writeAndOpen(t, w)
	assert.Equal(t, []float64{1, 2}, float64sAt(t, f, "/d"))
}

// copyTree rebuilds a file read by the reader with the writer.
func copyTree(t *testing.T, dst *WriterGroup, src *Group) {
	for _, a := range src.Attrs() {
		require.NoError(t, dst.SetAttr(a.Name(), a.Shape(), goValues(t, a.Type(), a.Raw(), a.Strings)))
	}
	for _, d := range src.Datasets() {
		raw, err := d.Raw()
		require.NoError(t, err)
		wd := mustDataset(t, dst, d.Name(), d.Shape(), goValues(t, d.Type(), raw, d.Strings))
		for _, a := range d.Attrs() {
			require.NoError(t, wd.SetAttr(a.Name(), a.Shape(), goValues(t, a.Type(), a.Raw(), a.Strings)))
		}
	}
	for _, g := range src.Groups() {
		copyTree(t, mustGroup(t, dst, g.Name()), g)
	}
}

// goValues converts stored values to the Go slice the writer takes.
func goValues(t *testing.T, dt DType, raw []byte, strs func() ([]string, error)) any {
	if dt.Kind == String {
		s, err := strs()
		require.NoError(t, err)
		if dt.VarLen {
			return s
		}
		fixed := make([]FixedString, len(s))
		for i := range s {
			fixed[i] = FixedString(s[i])
		}
		return fixed
	}
	n := len(raw) / dt.Size
	at := func(i int) []byte { return raw[i*dt.Size : (i+1)*dt.Size] }
	switch {
	case dt.IsBool():
		out := make([]bool, n)
		for i := range out {
			out[i] = raw[i] != 0
		}
		return out
	case dt.Kind == Float && dt.Size == 4:
		out := make([]float32, n)
		for i := range out {
			out[i] = float32(decodeFloat(at(i), dt.BigEndian))
		}
		return out
	case dt.Kind == Float:
		out := make([]float64, n)
		for i := range out {
			out[i] = decodeFloat(at(i), dt.BigEndian)
		}
		return out
	}
	signed := dt.Kind == Int || dt.Kind == Enum && dt.Signed
	ints := make([]int64, n)
	for i := range ints {
		ints[i] = decodeInt(at(i), dt.BigEndian, signed)
	}
	switch {
	case signed && dt.Size == 1:
		return convertInts[int8](ints)
	case signed && dt.Size == 2:
		return convertInts[int16](ints)
	case signed && dt.Size == 4:
		return convertInts[int32](ints)
	case signed:
		return ints
	case dt.Size == 1:
		return convertInts[uint8](ints)
	case dt.Size == 2:
		return convertInts[uint16](ints)
	case dt.Size == 4:
		return convertInts[uint32](ints)
	default:
		return convertInts[uint64](ints)
	}
}

func convertInts[T int8 | int16 | int32 | uint8 | uint16 | uint32 | uint64](v []int64) []T {
	out := make([]T, len(v))
	for i, x := range v {
		out[i] = T(x)
	}
	return out
}

// TestWriterReproducesFiles reads files, writes them back with the writer
// and checks that the copy reads exactly like the original.
func TestWriterReproducesFiles(t *testing.T) {
	files := []string{"testdata/affine_if.nir", "testdata/affine_if.raw.nir", "testdata/nir_paper_lif_norse.nir"}
	if dir := refDir(t); dir != "" {
		for _, name := range hdf5Files(t, dir) {
			files = append(files, filepath.Join(dir, name))
		}
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			orig, err := OpenFile(file)
			require.NoError(t, err)
			want, err := listing(orig)
			require.NoError(t, err)
			w := NewWriter()
			copyTree(t, w.Root(), orig.Root())
			cp, _ := writeAndOpen(t, w)
			got, err := listing(cp)
			require.NoError(t, err)
			assert.Equal(t, want, got)
		})
	}
}

// TestWriterOutputReadByH5dump checks the writer's output with HDF5's own
// h5dump. It is the only test that may skip: h5dump is optional
// (Debian package hdf5-tools).
func TestWriterOutputReadByH5dump(t *testing.T) {
	h5dump, err := exec.LookPath("h5dump")
	if err != nil {
		t.Skip("h5dump not installed (apt-get install hdf5-tools)")
	}
	w := nirLikeWriter(t)
	many := mustGroup(t, w.Root(), "many")
	for i := range 300 {
		mustDataset(t, many, fmt.Sprintf("m%03d", i), nil, int64(i))
	}
	path := filepath.Join(t.TempDir(), "out.h5")
	require.NoError(t, w.WriteFile(path))

	out, err := exec.Command(h5dump, path).CombinedOutput()
	require.NoError(t, err, "%s", out)
	dump := string(out)
	for _, want := range []string{
		`DATASET "version"`, `(0): "1.0.7"`,
		`(0,0): "input", "lif",`,
		`H5T_IEEE_F32LE`, `DATASPACE  SIMPLE { ( 2, 2 ) / ( 2, 2 ) }`,
		`(0): -65, inf, nan, 0`,
		`"FALSE"            0;`, `(0,0): TRUE, FALSE, TRUE`,
		`STRSIZE 3;`, `(0): "a\000\000", "abc", "\000\000\000"`,
		`(0): 0, 9223372036854775808`,
		`ATTRIBUTE "dt"`, `(0): 0.0001`,
		`ATTRIBUTE "producer"`, `(0): "snnc"`,
		`DATASET "m299"`,
	} {
		assert.True(t, strings.Contains(dump, want), "h5dump output lacks %q", want)
	}
	assert.Equal(t, 300, strings.Count(dump, `DATASET "m`))

	// Looking members up by name uses the B-tree keys, unlike a full dump.
	for _, m := range []string{"m000", "m007", "m008", "m255", "m256", "m299"} {
		out, err := exec.Command(h5dump, "-d", "/many/"+m, path).CombinedOutput()
		require.NoError(t, err, "%s", out)
		assert.Contains(t, string(out), fmt.Sprintf("(0): %d\n", atoi(t, m[1:])))
	}
	_ = os.Remove(path)
}

func atoi(t *testing.T, s string) int {
	var n int
	_, err := fmt.Sscan(strings.TrimLeft(s, "0")+"0", &n)
	require.NoError(t, err)
	return n / 10
}
