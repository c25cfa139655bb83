package hdf5

// Storage layout classes.
const (
	layoutCompact    = 0
	layoutContiguous = 1
	layoutChunked    = 2
)

// layout says where a dataset's raw data lives.
type layout struct {
	class   int
	compact []byte // compact: the data itself
	addr    uint64 // contiguous: data address; chunked: chunk B-tree address
	size    uint64 // contiguous: stored bytes
	chunk   []int  // chunked: chunk shape, without the element-size dimension
	off     int64  // file offset of the layout message, for errors
}

// readLayout decodes a data layout message (version 3; what HDF5 writes
// unless asked for the 1.10 format).
func (f *File) readLayout(m message) (*layout, error) {
	d := f.newDecoder(m.data, m.off, "data layout message")
	version := d.u8()
	class := d.u8()
	if d.err != nil {
		return nil, d.err
	}
	switch version {
	case 3:
	case 1, 2:
		return nil, unsupported("data layout message version %d (at offset %#x)", version, m.off)
	case 4, 5:
		return nil, unsupported("data layout message version %d (chunk indexes other than version-1 B-trees, at offset %#x)", version, m.off)
	default:
		return nil, errorf("unknown data layout message version %d at offset %#x", version, m.off)
	}
	l := &layout{class: int(class), off: m.off}
	switch class {
	case layoutCompact:
		n := int(d.u16())
		l.compact = d.take(n)
	case layoutContiguous:
		l.addr = d.addr()
		l.size = d.length()
	case layoutChunked:
		dims := int(d.u8())
		l.addr = d.addr()
		if d.err != nil {
			return nil, d.err
		}
		// The last dimension is the element size, checked by the caller.
		if dims < 2 || dims > maxRank+1 {
			return nil, errorf("chunked layout at offset %#x has %d dimensions", m.off, dims)
		}
		l.chunk = make([]int, dims)
		for i := range l.chunk {
			v := d.u32()
			if v == 0 && d.err == nil {
				return nil, errorf("chunked layout at offset %#x has a zero chunk dimension", m.off)
			}
			l.chunk[i] = int(v)
		}
	case 3:
		return nil, unsupported("virtual dataset layout (at offset %#x)", m.off)
	default:
		return nil, errorf("unknown data layout class %d at offset %#x", class, m.off)
	}
	return l, d.err
}
