package dataset

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
)

// The IDX format (the format of the MNIST files) is a 4-byte magic number,
// then one big-endian uint32 per dimension, then the elements in row-major
// order. The magic number is two zero bytes, a byte giving the element type
// and a byte giving the number of dimensions. Files are often gzipped.

// idxUbyte is the element type code of unsigned bytes, the only type read.
const idxUbyte = 0x08

// maxIDXDims bounds the number of dimensions of an IDX file; real files
// have one (labels) to four.
const maxIDXDims = 16

// DefaultMaxIDXBytes is the size limit for the data of one IDX file used by
// LoadIDX when given 0: 256 MiB, a little over five times MNIST's training
// images.
const DefaultMaxIDXBytes = 256 << 20

// IDX is the content of an IDX file of unsigned bytes.
type IDX struct {
	Dims []int  // e.g. [60000 28 28]
	Data []byte // row-major, len(Data) is the product of Dims
}

// ReadIDX reads an IDX file of unsigned bytes from r, gzipped or not: a
// gzip stream is recognized by its magic bytes. The data may take at most
// maxBytes bytes (0 means DefaultMaxIDXBytes), which is checked from the
// header before anything is allocated for it. Errors name the input by
// name and give the byte offset, counted in the decompressed data, at which
// the problem lies.
func ReadIDX(r io.Reader, name string, maxBytes int64) (*IDX, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxIDXBytes
	}
	// The data is held in one slice, so it cannot exceed an int, which is
	// 32 bits on some platforms.
	maxBytes = min(maxBytes, math.MaxInt)
	br := bufio.NewReader(r)
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%s: not a valid gzip stream: %v", name, err)
		}
		defer zr.Close()
		name += " (decompressed)"
		return readIDX(&countingReader{r: zr}, name, maxBytes)
	}
	return readIDX(&countingReader{r: br}, name, maxBytes)
}

// countingReader counts the bytes read, for the offsets errors give.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func readIDX(r *countingReader, name string, maxBytes int64) (*IDX, error) {
	var magic [4]byte
	if _, err := io.ReadFull(r, magic[:]); err != nil {
		return nil, idxReadError(name, r.n, "magic number", err)
	}
	if magic[0] != 0 || magic[1] != 0 {
		return nil, fmt.Errorf("%s: byte offset 0: magic number % x is not an IDX file's (00 00 type dims)", name, magic)
	}
	if magic[2] != idxUbyte {
		return nil, fmt.Errorf("%s: byte offset 2: element type 0x%02x is not supported (only unsigned bytes, 0x08)", name, magic[2])
	}
	ndims := int(magic[3])
	if ndims == 0 || ndims > maxIDXDims {
		return nil, fmt.Errorf("%s: byte offset 3: %d dimensions (want 1 to %d)", name, ndims, maxIDXDims)
	}
	dims := make([]int, ndims)
	size := int64(1)
	for i := range dims {
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, idxReadError(name, r.n, fmt.Sprintf("dimension %d", i), err)
		}
		d := int64(binary.BigEndian.Uint32(b[:]))
		if d != 0 && size > maxBytes/d {
			return nil, fmt.Errorf("%s: byte offset %d: dimension %d of %d makes the data larger than the limit of %d bytes",
				name, r.n-4, i, d, maxBytes)
		}
		size *= d
		dims[i] = int(d) // d ≤ maxBytes, which fits an int once size has been checked
	}
	header := r.n
	// The data grows as it arrives, so a header claiming more than the
	// file holds costs no more than the file.
	var buf bytes.Buffer
	got, err := buf.ReadFrom(io.LimitReader(r, size))
	if err != nil {
		return nil, idxReadError(name, r.n, "data", err)
	}
	if got < size {
		return nil, fmt.Errorf("%s: byte offset %d: file is truncated: shape %v needs %d bytes of data, found %d",
			name, r.n, dims, size, got)
	}
	// Reading past the data also makes gzip check its CRC.
	var one [1]byte
	if n, err := io.ReadFull(r, one[:]); n > 0 {
		return nil, fmt.Errorf("%s: byte offset %d: unexpected data after the %d bytes the header at offset 0 to %d describes",
			name, header+size, size, header)
	} else if err != io.EOF {
		return nil, idxReadError(name, r.n, "end of the file", err)
	}
	return &IDX{Dims: dims, Data: buf.Bytes()}, nil
}

// idxReadError reports a failed read of what at offset: running out of input
// is a truncated file, corrupt gzip data is named as such, and anything else
// is passed on as an I/O error.
func idxReadError(name string, offset int64, what string, err error) error {
	var corrupt flate.CorruptInputError
	switch {
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%s: byte offset %d: file is truncated in the %s", name, offset, what)
	case errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) || errors.As(err, &corrupt):
		return fmt.Errorf("%s: byte offset %d: corrupt gzip data in the %s: %v", name, offset, what, err)
	}
	return fmt.Errorf("%s: byte offset %d: reading the %s: %w", name, offset, what, err)
}

// LoadIDX reads the IDX file at path, gzipped or not, as ReadIDX does.
func LoadIDX(path string, maxBytes int64) (*IDX, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadIDX(f, path, maxBytes)
}
