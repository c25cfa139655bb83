package hdf5

// maxRank is the largest number of dimensions HDF5 allows.
const maxRank = 32

// dataspace is the shape of a dataset or attribute. Rank 0 is a scalar.
type dataspace struct {
	shape []int
	n     uint64 // number of elements
}

// readDataspace decodes a dataspace message. limit caps the element count;
// callers derive it from the file size.
func (f *File) readDataspace(b []byte, off int64, limit uint64) (dataspace, error) {
	d := f.newDecoder(b, off, "dataspace")
	version := d.u8()
	rank := int(d.u8())
	flags := d.u8()
	switch version {
	case 1:
		d.skip(5)
	case 2:
		switch typ := d.u8(); typ {
		case 0, 1: // scalar, simple
		case 2:
			return dataspace{}, unsupported("null dataspace (at offset %#x)", off)
		default:
			return dataspace{}, errorf("unknown dataspace type %d at offset %#x", typ, off)
		}
	default:
		if d.err == nil {
			return dataspace{}, errorf("unknown dataspace version %d at offset %#x", version, off)
		}
	}
	if d.err != nil {
		return dataspace{}, d.err
	}
	if rank > maxRank {
		return dataspace{}, errorf("dataspace at offset %#x has rank %d (maximum %d)", off, rank, maxRank)
	}
	ds := dataspace{shape: make([]int, rank), n: 1}
	for i := range ds.shape {
		dim := d.length()
		if d.err != nil {
			return dataspace{}, d.err
		}
		var ok bool
		if ds.n, ok = mulLimit(ds.n, dim, limit); !ok || dim > limit {
			return dataspace{}, errorf("dataspace at offset %#x is too large for the file", off)
		}
		ds.shape[i] = int(dim)
	}
	if flags&0x01 != 0 {
		d.skip(rank * f.lenSize) // maximum dimensions
	}
	if version == 1 && flags&0x02 != 0 {
		d.skip(rank * f.lenSize) // permutation index, never used by HDF5
	}
	return ds, d.err
}
