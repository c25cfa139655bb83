package hdf5

import (
	"fmt"
	"slices"
)

// Dataset is an n-dimensional array of typed elements.
type Dataset struct {
	name string
	path string
	*datasetInfo
}

// datasetInfo is the parsed object header of a dataset. Hard links to the
// same dataset share it.
type datasetInfo struct {
	f       *File
	space   dataspace
	dtype   DType
	layout  *layout
	filters int    // number of deflate stages in the pipeline
	fill    []byte // one element of fill value, or nil for zeros
	nbytes  uint64 // decoded size of the whole dataset
	attrs   []*Attribute
	off     int64 // file offset of the object header

	// The values decoded so far, shared by all links (guarded by f.mu).
	raw  []byte
	f64s []float64
	i64s []int64
	strs []string
}

// Name returns the dataset's link name within its group.
func (d *Dataset) Name() string { return d.name }

// Path returns the dataset's absolute path, e.g. "/node/nodes/lif/tau".
func (d *Dataset) Path() string { return d.path }

// Shape returns the dimensions; it is empty for a scalar.
func (d *Dataset) Shape() []int { return slices.Clone(d.space.shape) }

// Len returns the number of elements (1 for a scalar).
func (d *Dataset) Len() int { return int(d.space.n) }

// Type returns the element type.
func (d *Dataset) Type() DType { return d.dtype.clone() }

// Attrs returns the dataset's attributes sorted by name.
func (d *Dataset) Attrs() []*Attribute { return slices.Clone(d.attrs) }

// Attr returns the attribute with the given name.
func (d *Dataset) Attr(name string) (*Attribute, error) { return findAttr(d.attrs, d.path, name) }

// The values of a dataset are decoded once: every later call, through any
// link of the dataset, returns the same slice, which callers must
// therefore not modify.

// Raw returns the elements as stored, in row-major order and in the file's
// byte order. Variable-length strings appear as their heap references.
// The slice may alias the file's bytes; do not modify it.
func (d *Dataset) Raw() (b []byte, err error) {
	defer recoverInternal(&err)
	d.f.mu.Lock()
	defer d.f.mu.Unlock()
	if b, err = d.read(); err != nil {
		return nil, fmt.Errorf("%w (dataset %s)", err, d.path)
	}
	return b, nil
}

// Float64s returns the elements converted to float64. Integer and enum
// values convert exactly up to 2^53. The slice is shared; do not modify it.
func (d *Dataset) Float64s() ([]float64, error) {
	return withRaw(d, &d.f64s, func(raw []byte) ([]float64, error) { return d.f.float64s(d.dtype, raw) })
}

// Int64s returns the elements converted to int64. Floating-point values must
// be integral and in range; unsigned values must fit. The slice is shared;
// do not modify it.
func (d *Dataset) Int64s() ([]int64, error) {
	return withRaw(d, &d.i64s, func(raw []byte) ([]int64, error) { return d.f.int64s(d.dtype, raw) })
}

// Strings returns the elements of a string dataset. The slice is shared;
// do not modify it.
func (d *Dataset) Strings() ([]string, error) {
	return withRaw(d, &d.strs, func(raw []byte) ([]string, error) { return d.f.strings(d.dtype, raw) })
}

// withRaw reads d and converts its bytes, once: cache keeps the result.
// Errors name the dataset.
func withRaw[T any](d *Dataset, cache *[]T, conv func([]byte) ([]T, error)) (v []T, err error) {
	defer recoverInternal(&err)
	d.f.mu.Lock()
	defer d.f.mu.Unlock()
	if *cache != nil {
		return *cache, nil
	}
	raw, err := d.read()
	if err == nil {
		v, err = conv(raw)
	}
	if err != nil {
		return nil, fmt.Errorf("%w (dataset %s)", err, d.path)
	}
	*cache = v
	return v, nil
}

// readDataset interprets the object header of a dataset.
func (p *parser) readDataset(oh *objectHeader) (*datasetInfo, error) {
	f := p.f
	di := &datasetInfo{f: f, off: f.fileOffset(oh.addr)}
	m, ok := oh.find(msgDataspace)
	if !ok {
		return nil, errorf("dataset at offset %#x has no dataspace message", di.off)
	}
	var err error
	if di.space, err = f.readDataspace(m.data, m.off, f.maxDataBytes()); err != nil {
		return nil, err
	}
	if m, ok = oh.find(msgDatatype); !ok {
		return nil, errorf("dataset at offset %#x has no datatype message", di.off)
	}
	if di.dtype, err = f.readDatatype(m.data, m.off); err != nil {
		return nil, err
	}
	var fits bool
	if di.nbytes, fits = mulLimit(di.space.n, uint64(di.dtype.Size), f.maxDataBytes()); !fits {
		return nil, errorf("dataset at offset %#x is larger than the file could hold", di.off)
	}
	if m, ok = oh.find(msgLayout); !ok {
		return nil, errorf("dataset at offset %#x has no data layout message", di.off)
	}
	if di.layout, err = f.readLayout(m); err != nil {
		return nil, err
	}
	if _, ok := oh.find(msgExternal); ok {
		return nil, unsupported("external data storage (dataset at offset %#x)", di.off)
	}
	if m, ok = oh.find(msgFilters); ok {
		if di.filters, err = f.readFilters(m); err != nil {
			return nil, err
		}
	}
	if err := di.checkLayout(); err != nil {
		return nil, err
	}
	di.fill = f.readFill(oh, di.dtype.Size)
	if di.attrs, err = p.readAttributes(oh); err != nil {
		return nil, err
	}
	return di, nil
}

// checkLayout validates the layout against the dataspace and datatype, so
// that reading can rely on it.
func (di *datasetInfo) checkLayout() error {
	l := di.layout
	if di.filters > 0 && l.class != layoutChunked {
		return errorf("dataset at offset %#x has filters but is not chunked", di.off)
	}
	switch l.class {
	case layoutCompact:
		if uint64(len(l.compact)) < di.nbytes {
			return errorf("compact dataset at offset %#x holds %d bytes, want %d", di.off, len(l.compact), di.nbytes)
		}
	case layoutContiguous:
		if l.addr != undefAddr && l.size < di.nbytes {
			return errorf("contiguous dataset at offset %#x holds %d bytes, want %d", di.off, l.size, di.nbytes)
		}
	case layoutChunked:
		rank := len(di.space.shape)
		if len(l.chunk) != rank+1 {
			return errorf("dataset at offset %#x has rank %d but %d-dimensional chunks", di.off, rank, len(l.chunk)-1)
		}
		if l.chunk[rank] != di.dtype.Size {
			return errorf("dataset at offset %#x has %d-byte elements but chunks of %d-byte elements",
				di.off, di.dtype.Size, l.chunk[rank])
		}
		// A chunk is never larger than the file could decompress to.
		n := uint64(1)
		for _, c := range l.chunk {
			var ok bool
			if n, ok = mulLimit(n, uint64(c), di.f.maxDataBytes()); !ok {
				return errorf("dataset at offset %#x has chunks larger than the file could hold", di.off)
			}
		}
		l.chunk = l.chunk[:rank]
	}
	return nil
}

// readFill returns one element of the dataset's fill value, or nil when the
// fill value is undefined or the default (all zero bytes).
func (f *File) readFill(oh *objectHeader, elemSize int) []byte {
	var value []byte
	if m, ok := oh.find(msgFill); ok {
		d := f.newDecoder(m.data, m.off, "fill value message")
		switch d.u8() {
		case 1, 2:
			d.skip(2) // allocation time, write time
			if defined := d.u8(); defined != 0 {
				value = d.take(int(d.u32()))
			}
		case 3:
			if flags := d.u8(); flags&0x20 != 0 {
				value = d.take(int(d.u32()))
			}
		}
	} else if m, ok := oh.find(msgFillOld); ok {
		d := f.newDecoder(m.data, m.off, "fill value message")
		value = d.take(int(d.u32()))
	}
	// A fill value of another size is not meaningful; HDF5 would convert it.
	if len(value) != elemSize {
		return nil
	}
	return value
}

// read returns the dataset's raw bytes, assembling chunks if needed. The
// bytes of compact and contiguous datasets are the file's own; assembled
// ones are charged to the file's budget and kept. The caller holds f.mu.
func (di *datasetInfo) read() ([]byte, error) {
	if di.raw != nil {
		return di.raw, nil
	}
	l := di.layout
	if l.class == layoutCompact {
		return l.compact[:di.nbytes:di.nbytes], nil
	}
	if l.class == layoutContiguous && l.addr != undefAddr && di.nbytes > 0 {
		b, err := di.f.at(l.addr, di.nbytes, "dataset data")
		return b[:len(b):len(b)], err
	}
	if err := di.f.charge(di.nbytes, fmt.Sprintf("the dataset at offset %#x (%d bytes)", di.off, di.nbytes)); err != nil {
		return nil, err
	}
	var err error
	if l.class == layoutContiguous {
		di.raw = di.filled()
	} else {
		di.raw, err = di.readChunked()
	}
	return di.raw, err
}

// filled returns a dataset-sized buffer holding the fill value everywhere.
func (di *datasetInfo) filled() []byte {
	b := make([]byte, di.nbytes)
	if di.fill != nil && len(b) > 0 {
		// Copy the fill value, then keep doubling the filled prefix.
		n := copy(b, di.fill)
		for n < len(b) {
			n += copy(b[n:], b[:n])
		}
	}
	return b
}
