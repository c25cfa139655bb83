package hdf5

import (
	"errors"
	"math"
	"os"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func openTestdata(t *testing.T, name string) *File {
	t.Helper()
	f, err := OpenFile("testdata/" + name)
	require.NoError(t, err)
	return f
}

func float64sAt(t *testing.T, f *File, path string) []float64 {
	t.Helper()
	d, err := f.Dataset(path)
	require.NoError(t, err)
	v, err := d.Float64s()
	require.NoError(t, err)
	return v
}

func int64sAt(t *testing.T, f *File, path string) []int64 {
	t.Helper()
	d, err := f.Dataset(path)
	require.NoError(t, err)
	v, err := d.Int64s()
	require.NoError(t, err)
	return v
}

func stringsAt(t *testing.T, f *File, path string) []string {
	t.Helper()
	d, err := f.Dataset(path)
	require.NoError(t, err)
	v, err := d.Strings()
	require.NoError(t, err)
	return v
}

func TestNumericTypes(t *testing.T) {
	f := openTestdata(t, "types.h5")
	ints := []int64{-6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5}
	floats := make([]float64, len(ints))
	for i, v := range ints {
		floats[i] = 1.5 * float64(v)
	}
	for _, name := range []string{"le_f4", "be_f4", "le_f8", "be_f8"} {
		assert.Equal(t, floats, float64sAt(t, f, "/num/"+name), name)
	}
	for _, name := range []string{"le_i1", "le_i2", "be_i2", "le_i4", "be_i4", "le_i8", "be_i8"} {
		assert.Equal(t, ints, int64sAt(t, f, "/num/"+name), name)
	}
	for _, name := range []string{"le_u1", "le_u2", "be_u4", "le_u8"} {
		assert.Equal(t, []int64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, int64sAt(t, f, "/num/"+name), name)
	}

	d, err := f.Dataset("/num/be_f4")
	require.NoError(t, err)
	assert.Equal(t, []int{3, 4}, d.Shape())
	assert.Equal(t, 12, d.Len())
	assert.Equal(t, DType{Kind: Float, Size: 4, BigEndian: true}, d.Type())
	assert.Equal(t, "float32be", d.Type().String())

	// Floats convert to integers only when exact.
	_, err = d.Int64s()
	assert.ErrorContains(t, err, "not an int64")
	cont, err := f.Group("/cont")
	require.NoError(t, err)
	integral, err := cont.Attr("attr03") // float64 0, 1, 2, 3
	require.NoError(t, err)
	iv, err := integral.Int64s()
	require.NoError(t, err)
	assert.Equal(t, []int64{0, 1, 2, 3}, iv)

	// uint64 beyond int64 is an error for Int64s but fine for Float64s.
	u, err := f.Dataset("/num/u64max")
	require.NoError(t, err)
	_, err = u.Int64s()
	assert.ErrorContains(t, err, "does not fit")
	assert.Equal(t, []float64{math.MaxUint64}, float64sAt(t, f, "/num/u64max"))

	s, err := f.Dataset("/num/scalar")
	require.NoError(t, err)
	assert.Empty(t, s.Shape())
	assert.Equal(t, 1, s.Len())
	assert.Equal(t, []float64{-0.5}, float64sAt(t, f, "/num/scalar"))

	e, err := f.Dataset("/num/empty")
	require.NoError(t, err)
	assert.Equal(t, []int{0}, e.Shape())
	assert.Empty(t, float64sAt(t, f, "/num/empty"))

	b, err := f.Dataset("/num/bools")
	require.NoError(t, err)
	assert.True(t, b.Type().IsBool())
	assert.Equal(t, "enum(int8){FALSE=0,TRUE=1}", b.Type().String())
	assert.Equal(t, []int64{1, 0, 1, 0, 0, 1}, int64sAt(t, f, "/num/bools"))
}

func TestStrings(t *testing.T) {
	f := openTestdata(t, "types.h5")
	assert.Equal(t, []string{"héllo", "", "wörld"}, stringsAt(t, f, "/str/vlen_utf8"))
	assert.Equal(t, []string{"ab", "cde"}, stringsAt(t, f, "/str/vlen_ascii"))
	assert.Equal(t, []string{"single"}, stringsAt(t, f, "/str/scalar"))
	assert.Equal(t, []string{"a", "bcdef", "gh"}, stringsAt(t, f, "/str/fixed_nullpad"))
	assert.Equal(t, []string{"xy", "hello"}, stringsAt(t, f, "/str/fixed_nullterm"))
	assert.Equal(t, []string{"ab", "cdef"}, stringsAt(t, f, "/str/fixed_spacepad"))

	d, err := f.Dataset("/str/vlen_utf8")
	require.NoError(t, err)
	assert.Equal(t, DType{Kind: String, Size: 16, VarLen: true, UTF8: true}, d.Type())
	_, err = d.Float64s()
	assert.ErrorContains(t, err, "cannot read string(vlen,utf8) values as numbers")
	n, err := f.Dataset("/num/le_f8")
	require.NoError(t, err)
	_, err = n.Strings()
	assert.ErrorContains(t, err, "cannot read float64 values as strings")

	fixed, err := f.Dataset("/str/fixed_spacepad")
	require.NoError(t, err)
	assert.Equal(t, DType{Kind: String, Size: 4, Pad: SpacePad}, fixed.Type())
	raw, err := fixed.Raw()
	require.NoError(t, err)
	assert.Equal(t, []byte("ab  cdef"), raw)
}

func TestLayouts(t *testing.T) {
	f := openTestdata(t, "types.h5")
	assert.Equal(t, []int64{0, 1, 2, 3, 4, 5}, int64sAt(t, f, "/layout/compact"))

	// 5x7 in 2x3 chunks: the last row and column of chunks stick out.
	edge := float64sAt(t, f, "/layout/gzip_edge")
	require.Len(t, edge, 35)
	for i, v := range edge {
		assert.Equal(t, float64(i)/4, v)
	}
	assert.Equal(t, []int64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, int64sAt(t, f, "/layout/plain_chunks"))

	// Unwritten chunks read as the fill value -1.
	want := make([]int64, 36)
	for i := range want {
		want[i] = -1
	}
	want[2], want[3], want[8], want[9], want[35] = 1, 2, 3, 4, 9
	assert.Equal(t, want, int64sAt(t, f, "/layout/sparse"))

	// The second chunk was stored with the deflate filter skipped.
	assert.Equal(t, []int64{10, 20, 30, 40}, int64sAt(t, f, "/layout/masked"))

	c, err := f.Dataset("/layout/chunk3d")
	require.NoError(t, err)
	assert.Equal(t, []int{3, 4, 5}, c.Shape())
	assert.Equal(t, []int{2, 3, 2}, c.layout.chunk)
}

func TestAttributes(t *testing.T) {
	f := openTestdata(t, "types.h5")
	root := f.Root()
	var names []string
	for _, a := range root.Attrs() {
		names = append(names, a.Name())
	}
	assert.Equal(t, []string{"fixed", "flag", "ints", "pi", "title"}, names)

	a, err := root.Attr("title")
	require.NoError(t, err)
	s, err := a.Strings()
	require.NoError(t, err)
	assert.Equal(t, []string{"types test"}, s)
	assert.Empty(t, a.Shape())
	assert.Equal(t, 1, a.Len())

	a, err = root.Attr("ints")
	require.NoError(t, err)
	v, err := a.Int64s()
	require.NoError(t, err)
	assert.Equal(t, []int64{1, -2, 3}, v)
	assert.Equal(t, []int{3}, a.Shape())
	assert.Equal(t, "int32", a.Type().String())

	a, err = root.Attr("pi")
	require.NoError(t, err)
	fv, err := a.Float64s()
	require.NoError(t, err)
	assert.Equal(t, []float64{3.25}, fv)

	a, err = root.Attr("flag")
	require.NoError(t, err)
	assert.True(t, a.Type().IsBool())
	v, err = a.Int64s()
	require.NoError(t, err)
	assert.Equal(t, []int64{1}, v)

	a, err = root.Attr("fixed")
	require.NoError(t, err)
	s, err = a.Strings()
	require.NoError(t, err)
	assert.Equal(t, []string{"abc"}, s)
	assert.Equal(t, []byte("abc"), a.Raw())

	_, err = root.Attr("nope")
	assert.ErrorIs(t, err, ErrNotFound)
	assert.EqualError(t, err, `hdf5: /: attribute "nope" not found`)

	// Twelve attributes on a group and on a dataset, added after creation,
	// live partly in object header continuation blocks.
	cont, err := f.Group("/cont")
	require.NoError(t, err)
	require.Len(t, cont.Attrs(), 12)
	a, err = cont.Attr("attr11")
	require.NoError(t, err)
	fv, err = a.Float64s()
	require.NoError(t, err)
	assert.Len(t, fv, 12)
	x, err := f.Dataset("/cont/x")
	require.NoError(t, err)
	require.Len(t, x.Attrs(), 12)
	a, err = x.Attr("a07")
	require.NoError(t, err)
	s, err = a.Strings()
	require.NoError(t, err)
	assert.Equal(t, []string{"value 7"}, s)
}

func TestGroups(t *testing.T) {
	f := openTestdata(t, "types.h5")
	root := f.Root()
	assert.Equal(t, "/", root.Name())
	assert.Equal(t, []string{"cont", "layout", "num", "str", "wide"}, root.Members())
	assert.Len(t, root.Groups(), 5)
	assert.Empty(t, root.Datasets())

	// 300 links in one group need a two-level B-tree.
	wide, err := root.Group("wide")
	require.NoError(t, err)
	require.Len(t, wide.Members(), 300)
	assert.Equal(t, "m000", wide.Members()[0])
	assert.Equal(t, "m299", wide.Members()[299])
	for _, d := range wide.Datasets() {
		v, err := d.Int64s()
		require.NoError(t, err)
		require.Equal(t, []int64{42}, v, d.Path())
	}

	d, err := root.Dataset("num/le_f4")
	require.NoError(t, err)
	assert.Equal(t, "le_f4", d.Name())
	assert.Equal(t, "/num/le_f4", d.Path())
	g, err := f.Group("/layout/")
	require.NoError(t, err)
	assert.Equal(t, "/layout", g.Path())
	assert.Equal(t, "layout", g.Name())
	self, err := g.Group("")
	require.NoError(t, err)
	assert.Same(t, g, self)

	_, err = root.Group("num/le_f4")
	assert.EqualError(t, err, "hdf5: /num/le_f4 is a dataset, not a group")
	_, err = root.Dataset("num")
	assert.EqualError(t, err, "hdf5: /num is a group, not a dataset")
	_, err = root.Dataset("num/le_f4/x")
	assert.EqualError(t, err, "hdf5: /num/le_f4 is a dataset, not a group")
	_, err = root.Dataset("num/missing")
	assert.ErrorIs(t, err, ErrNotFound)
	assert.EqualError(t, err, `hdf5: /num: member "missing" not found`)
}

func TestOtherFileFormats(t *testing.T) {
	// Superblock version 1, whose root object header is not 8-aligned.
	f := openTestdata(t, "sbv1.h5")
	v := float64sAt(t, f, "/v")
	require.Len(t, v, 40)
	assert.Equal(t, 39.0, v[39])
	assert.Equal(t, []string{"sb1"}, stringsAt(t, f, "/s"))

	// 4-byte addresses and lengths.
	f = openTestdata(t, "offsets4.h5")
	assert.Equal(t, []int64{0, 1, 2, 3, 4, 5}, int64sAt(t, f, "/g/v"))
	assert.Len(t, float64sAt(t, f, "/g/c"), 20)
	assert.Equal(t, []string{"four"}, stringsAt(t, f, "/g/s"))
	g, err := f.Group("g")
	require.NoError(t, err)
	a, err := g.Attr("a")
	require.NoError(t, err)
	fv, err := a.Float64s()
	require.NoError(t, err)
	assert.Equal(t, []float64{1.5}, fv)
}

func TestUserBlock(t *testing.T) {
	data, err := os.ReadFile("testdata/affine_if.raw.nir")
	require.NoError(t, err)
	// A 512-byte user block shifts every address by the superblock offset.
	shifted := append(make([]byte, 512), data...)
	f, err := Open(shifted)
	require.NoError(t, err)
	assert.Equal(t, []float64{1, 2, 3, 4}, float64sAt(t, f, "/node/nodes/affine/weight"))
}

func TestUnsupportedFeatures(t *testing.T) {
	for file, msg := range map[string]string{
		"unsupported_latest.h5":   "hdf5: superblock version 3 is not supported",
		"unsupported_shuffle.h5":  "hdf5: shuffle filter (id 2, at offset",
		"unsupported_compound.h5": "hdf5: compound datatype (class 6, at offset",
		"unsupported_softlink.h5": "hdf5: soft link /y is not supported",
	} {
		_, err := OpenFile("testdata/" + file)
		assert.ErrorIs(t, err, ErrUnsupported, file)
		assert.ErrorContains(t, err, msg, file)
	}
}

func TestNotHDF5(t *testing.T) {
	for _, data := range [][]byte{nil, []byte("hello"), make([]byte, 4096)} {
		_, err := Open(data)
		assert.EqualError(t, err, "hdf5: not an HDF5 file (no superblock signature)")
	}
	_, err := OpenFile("testdata/does-not-exist.h5")
	assert.True(t, errors.Is(err, os.ErrNotExist))
}

// TestConcurrentReads shares one File between goroutines; run with -race.
func TestConcurrentReads(t *testing.T) {
	f := openTestdata(t, "types.h5")
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = readGroup(f.Root(), math.MaxInt)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		assert.NoError(t, err)
	}
}
