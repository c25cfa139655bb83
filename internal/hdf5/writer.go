package hdf5

import (
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
)

// Writer builds an HDF5 file in memory. Create groups and datasets under
// [Writer.Root], then call [Writer.Bytes] or [Writer.WriteTo].
//
// Dataset and attribute values are given as Go values:
//
//   - numbers: float32, float64, int8, int16, int32, int64, uint8, uint16,
//     uint32, uint64, or int (stored as int64);
//   - bool, stored as h5py's enum FALSE=0/TRUE=1 over int8;
//   - string, stored as a variable-length UTF-8 string;
//   - [FixedString], stored as a fixed-length NUL-padded string as long as
//     the longest value;
//
// either as a single value (a scalar) or as a slice of one of these types.
// A nil shape means a scalar for single values and a 1-D array for slices;
// otherwise the product of shape must equal the slice length (an empty
// shape holds one element). Values are copied when they are added.
type Writer struct {
	root *WriterGroup
}

// WriterGroup is a group being built by a [Writer].
type WriterGroup struct {
	name     string
	path     string
	groups   map[string]*WriterGroup
	datasets map[string]*WriterDataset
	attrs    attrList
}

// WriterDataset is a dataset being built by a [Writer].
type WriterDataset struct {
	path  string
	value *value
	attrs attrList
}

// FixedString marks a string to be stored with fixed length rather than in
// the global heap.
type FixedString string

// attrList keeps attributes in the order they were set.
type attrList []namedValue

type namedValue struct {
	name  string
	value *value
}

// value is an encoded dataset or attribute value.
type value struct {
	shape   []int
	dtype   DType
	raw     []byte   // little-endian elements; nil for variable-length strings
	strings []string // variable-length strings
}

// NewWriter returns a Writer with an empty root group.
func NewWriter() *Writer {
	return &Writer{root: newWriterGroup("/", "/")}
}

func newWriterGroup(name, path string) *WriterGroup {
	return &WriterGroup{name: name, path: path,
		groups: make(map[string]*WriterGroup), datasets: make(map[string]*WriterDataset)}
}

// Root returns the root group.
func (w *Writer) Root() *WriterGroup { return w.root }

// Bytes serializes the file.
func (w *Writer) Bytes() ([]byte, error) { return encodeFile(w.root) }

// WriteTo writes the serialized file to out.
func (w *Writer) WriteTo(out io.Writer) (int64, error) {
	b, err := w.Bytes()
	if err != nil {
		return 0, err
	}
	n, err := out.Write(b)
	return int64(n), err
}

// WriteFile writes the serialized file to path.
func (w *Writer) WriteFile(path string) error {
	b, err := w.Bytes()
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("hdf5: %w", err)
	}
	return nil
}

// Path returns the group's absolute path.
func (g *WriterGroup) Path() string { return g.path }

// CreateGroup adds an empty child group.
func (g *WriterGroup) CreateGroup(name string) (*WriterGroup, error) {
	if err := g.checkNewName(name); err != nil {
		return nil, err
	}
	c := newWriterGroup(name, joinPath(g.path, name))
	g.groups[name] = c
	return c, nil
}

// CreateDataset adds a child dataset holding data; see [Writer] for the
// accepted types.
func (g *WriterGroup) CreateDataset(name string, shape []int, data any) (*WriterDataset, error) {
	if err := g.checkNewName(name); err != nil {
		return nil, err
	}
	v, err := newValue(shape, data)
	if err != nil {
		return nil, fmt.Errorf("hdf5: dataset %s: %w", joinPath(g.path, name), err)
	}
	d := &WriterDataset{path: joinPath(g.path, name), value: v}
	g.datasets[name] = d
	return d, nil
}

// SetAttr sets an attribute of the group, replacing one of the same name.
func (g *WriterGroup) SetAttr(name string, shape []int, data any) error {
	return g.attrs.set(g.path, name, shape, data)
}

// SetAttr sets an attribute of the dataset, replacing one of the same name.
func (d *WriterDataset) SetAttr(name string, shape []int, data any) error {
	return d.attrs.set(d.path, name, shape, data)
}

func (l *attrList) set(owner, name string, shape []int, data any) error {
	if name == "" || strings.IndexByte(name, 0) >= 0 {
		return fmt.Errorf("hdf5: %s: invalid attribute name %q", owner, name)
	}
	v, err := newValue(shape, data)
	if err != nil {
		return fmt.Errorf("hdf5: %s: attribute %q: %w", owner, name, err)
	}
	for i := range *l {
		if (*l)[i].name == name {
			(*l)[i].value = v
			return nil
		}
	}
	*l = append(*l, namedValue{name, v})
	return nil
}

// checkNewName validates a link name that is about to be added to g.
func (g *WriterGroup) checkNewName(name string) error {
	if name == "" || name == "." || strings.ContainsAny(name, "/\x00") {
		return fmt.Errorf("hdf5: %s: invalid member name %q", g.path, name)
	}
	_, isGroup := g.groups[name]
	_, isDataset := g.datasets[name]
	if isGroup || isDataset {
		return fmt.Errorf("hdf5: %s: member %q already exists", g.path, name)
	}
	return nil
}

// names returns the group's member names in byte-wise order, the order of
// a symbol table.
func (g *WriterGroup) names() []string {
	names := make([]string, 0, len(g.groups)+len(g.datasets))
	for n := range g.groups {
		names = append(names, n)
	}
	for n := range g.datasets {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// newValue encodes data (see Writer) with the given shape.
func newValue(shape []int, data any) (*value, error) {
	v := &value{}
	var n int // number of elements in data
	var scalar bool
	le := func(size int, put func(b []byte, i int)) {
		v.raw = make([]byte, size*n)
		for i := range n {
			put(v.raw[i*size:], i)
		}
	}
	switch x := data.(type) {
	case float32, float64, int8, int16, int32, int64, int, uint8, uint16, uint32, uint64, bool, string, FixedString:
		// Wrap a single value in a one-element slice and encode that.
		s, err := newValue(nil, sliceOf(x))
		if err != nil {
			return nil, err
		}
		v, n, scalar = s, 1, true
	case []float32:
		n, v.dtype = len(x), DType{Kind: Float, Size: 4}
		le(4, func(b []byte, i int) { putU32(b, math.Float32bits(x[i])) })
	case []float64:
		n, v.dtype = len(x), DType{Kind: Float, Size: 8}
		le(8, func(b []byte, i int) { putU64(b, math.Float64bits(x[i])) })
	case []int8:
		n, v.dtype = len(x), DType{Kind: Int, Size: 1}
		le(1, func(b []byte, i int) { b[0] = byte(x[i]) })
	case []int16:
		n, v.dtype = len(x), DType{Kind: Int, Size: 2}
		le(2, func(b []byte, i int) { putU16(b, uint16(x[i])) })
	case []int32:
		n, v.dtype = len(x), DType{Kind: Int, Size: 4}
		le(4, func(b []byte, i int) { putU32(b, uint32(x[i])) })
	case []int64:
		n, v.dtype = len(x), DType{Kind: Int, Size: 8}
		le(8, func(b []byte, i int) { putU64(b, uint64(x[i])) })
	case []int:
		n, v.dtype = len(x), DType{Kind: Int, Size: 8}
		le(8, func(b []byte, i int) { putU64(b, uint64(x[i])) })
	case []uint8:
		n, v.dtype = len(x), DType{Kind: Uint, Size: 1}
		le(1, func(b []byte, i int) { b[0] = x[i] })
	case []uint16:
		n, v.dtype = len(x), DType{Kind: Uint, Size: 2}
		le(2, func(b []byte, i int) { putU16(b, x[i]) })
	case []uint32:
		n, v.dtype = len(x), DType{Kind: Uint, Size: 4}
		le(4, func(b []byte, i int) { putU32(b, x[i]) })
	case []uint64:
		n, v.dtype = len(x), DType{Kind: Uint, Size: 8}
		le(8, func(b []byte, i int) { putU64(b, x[i]) })
	case []bool:
		n, v.dtype = len(x), boolType
		le(1, func(b []byte, i int) {
			if x[i] {
				b[0] = 1
			}
		})
	case []string:
		n, v.dtype = len(x), DType{Kind: String, Size: 16, VarLen: true, UTF8: true}
		v.strings = slices.Clone(x)
	case []FixedString:
		n = len(x)
		size, utf8 := 1, false
		for _, s := range x {
			size = max(size, len(s))
			utf8 = utf8 || !isASCII(string(s))
		}
		v.dtype = DType{Kind: String, Size: size, UTF8: utf8, Pad: NullPad}
		le(size, func(b []byte, i int) { copy(b[:size], x[i]) })
	default:
		return nil, fmt.Errorf("unsupported data type %T", data)
	}
	if shape == nil {
		if scalar {
			shape = []int{}
		} else {
			shape = []int{n}
		}
	}
	if len(shape) > maxRank {
		return nil, fmt.Errorf("rank %d exceeds %d", len(shape), maxRank)
	}
	count := 1
	for _, d := range shape {
		if d < 0 || d > 0 && count > math.MaxInt/d {
			return nil, fmt.Errorf("invalid shape %v", shape)
		}
		count *= d
	}
	if count != n {
		return nil, fmt.Errorf("shape %v holds %d elements but data has %d", shape, count, n)
	}
	v.shape = slices.Clone(shape)
	return v, nil
}

// boolType is the enum h5py uses for numpy bool.
var boolType = DType{Kind: Enum, Size: 1, Signed: true,
	Members: []EnumMember{{"FALSE", 0}, {"TRUE", 1}}}

// sliceOf wraps a single value in a one-element slice of its type.
func sliceOf(x any) any {
	switch x := x.(type) {
	case float32:
		return []float32{x}
	case float64:
		return []float64{x}
	case int8:
		return []int8{x}
	case int16:
		return []int16{x}
	case int32:
		return []int32{x}
	case int64:
		return []int64{x}
	case int:
		return []int{x}
	case uint8:
		return []uint8{x}
	case uint16:
		return []uint16{x}
	case uint32:
		return []uint32{x}
	case uint64:
		return []uint64{x}
	case bool:
		return []bool{x}
	case string:
		return []string{x}
	case FixedString:
		return []FixedString{x}
	}
	return nil
}

func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
