package hdf5

import (
	"bytes"
	"compress/zlib"
	"errors"
	"io"
	"sync"
)

// filterDeflate is the only filter the reader implements.
const filterDeflate = 1

// filterNames names the registered filters that appear in the wild, for
// error messages.
var filterNames = map[uint16]string{
	2: "shuffle", 3: "fletcher32", 4: "szip", 5: "nbit", 6: "scaleoffset",
	307: "bzip2", 32000: "lzf", 32001: "blosc", 32004: "lz4", 32008: "bitshuffle",
	32013: "zfp", 32015: "zstd", 32017: "sz",
}

// readFilters decodes a filter pipeline message and checks that every
// filter is deflate. It returns the number of filters.
func (f *File) readFilters(m message) (int, error) {
	d := f.newDecoder(m.data, m.off, "filter pipeline message")
	version := d.u8()
	n := int(d.u8())
	switch version {
	case 1:
		d.skip(6)
	case 2:
	default:
		if d.err == nil {
			return 0, errorf("unknown filter pipeline version %d at offset %#x", version, m.off)
		}
	}
	for range n {
		start := d.offset()
		id := d.u16()
		nameLen := 0
		if version == 1 || id >= 256 {
			nameLen = int(d.u16())
		}
		d.u16() // flags: optional or not, irrelevant when decoding
		nvalues := int(d.u16())
		if version == 1 {
			nameLen = align8(nameLen)
		}
		d.skip(nameLen)
		d.skip(4 * nvalues) // client data, e.g. the deflate level
		if version == 1 && nvalues%2 == 1 {
			d.skip(4)
		}
		if d.err != nil {
			return 0, d.err
		}
		if id != filterDeflate {
			if name, ok := filterNames[id]; ok {
				return 0, unsupported("%s filter (id %d, at offset %#x)", name, id, start)
			}
			return 0, unsupported("filter id %d (at offset %#x)", id, start)
		}
	}
	return n, d.err
}

// zlibReaders recycles decompressors, which are large, across chunks.
var zlibReaders sync.Pool

// inflate decompresses one deflate stage. The output must be exactly want
// bytes when want >= 0; otherwise it may be at most limit bytes. Reading one
// byte past the expected end makes zlib verify its checksum.
func inflate(in []byte, want, limit int) ([]byte, error) {
	var zr io.ReadCloser
	if r, ok := zlibReaders.Get().(io.ReadCloser); ok {
		if err := r.(zlib.Resetter).Reset(bytes.NewReader(in), nil); err != nil {
			return nil, err
		}
		zr = r
	} else {
		var err error
		if zr, err = zlib.NewReader(bytes.NewReader(in)); err != nil {
			return nil, err
		}
	}
	defer zlibReaders.Put(zr)
	if want >= 0 {
		limit = want
	}
	out := make([]byte, limit+1)
	n, err := io.ReadFull(zr, out)
	switch {
	case err == nil:
		return nil, errors.New("decompressed data is larger than the chunk")
	case err != io.EOF && err != io.ErrUnexpectedEOF:
		return nil, err
	case want >= 0 && n != want:
		return nil, errors.New("decompressed data is smaller than the chunk")
	}
	return out[:n], nil
}
