package tensorio

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// NpyReader reads the data of a .npy file in pieces, so that an array
// larger than memory can be processed row by row. Open it with OpenNpy.
type NpyReader struct {
	Shape []int
	DType DType

	path string
	f    *os.File
	r    *bufio.Reader
	h    *npyHeader
	left int // bytes of data not yet read
	buf  []byte
}

// OpenNpy opens the .npy file at path and reads its header.
func OpenNpy(path string) (*NpyReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	r := bufio.NewReaderSize(f, 1<<16)
	h, err := readNpyHeader(r, path)
	if err != nil {
		f.Close()
		return nil, err
	}
	return &NpyReader{Shape: h.shape, DType: h.dtype, path: path, f: f, r: r, h: h, left: h.nbytes}, nil
}

// Read fills dst with the next len(dst) elements in C order.
func (nr *NpyReader) Read(dst []float64) error {
	size := nr.DType.Size()
	if len(dst) > nr.left/size {
		return fmt.Errorf("%s: reading %d elements, only %d are left", nr.path, len(dst), nr.left/size)
	}
	const chunk = 64 << 10
	if nr.buf == nil {
		nr.buf = make([]byte, chunk)
	}
	out := dst[:0]
	for len(out) < len(dst) {
		n := min((len(dst)-len(out))*size, len(nr.buf))
		if _, err := io.ReadFull(nr.r, nr.buf[:n]); err != nil {
			read := nr.h.nbytes - nr.left
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return errorf(nr.path, "data is truncated: shape %s of %s needs %d bytes, found fewer than %d",
					shapeString(nr.h.shape), nr.DType, nr.h.nbytes, read+n)
			}
			return fmt.Errorf("%s: reading data: %w", nr.path, err)
		}
		before := len(out)
		var ok bool
		if out, ok = appendDecoded(out, nr.buf[:n], nr.DType, nr.h.order); !ok {
			i := len(out) - before // within buf
			done := (nr.h.nbytes - nr.left) / size
			return badElement(nr.path, nr.h.shape, done+i, nr.buf[i*size:(i+1)*size], nr.DType, nr.h.order)
		}
		nr.left -= n
	}
	return nil
}

// Finish checks that every element was read and nothing follows the
// array, then closes the file.
func (nr *NpyReader) Finish() error {
	defer nr.f.Close()
	if nr.left > 0 {
		return fmt.Errorf("%s: %d bytes of data were not read", nr.path, nr.left)
	}
	if _, err := nr.r.ReadByte(); err == nil {
		return errorf(nr.path, "unexpected data after the array")
	} else if err != io.EOF {
		return fmt.Errorf("%s: %w", nr.path, err)
	}
	return nil
}

// Close closes the file without further checks.
func (nr *NpyReader) Close() error { return nr.f.Close() }

// NpyWriter writes a .npy file of a known shape in pieces: the header
// first, then the data in C order as it is produced. Like SaveFile it
// writes under a temporary name and renames the file into place on Close,
// so a failed or abandoned write leaves any existing file untouched.
type NpyWriter struct {
	path  string
	f     *os.File
	w     *bufio.Writer
	dtype DType
	left  int  // elements still to come
	done  bool // closed or aborted
}

// CreateNpy starts writing an array of the given shape and dtype to path.
func CreateNpy(path string, shape []int, dt DType) (*NpyWriter, error) {
	if !dt.IsFloat() {
		return nil, fmt.Errorf("%s: unsupported dtype %v (only float32 and float64 are written)", path, dt)
	}
	n, ok := numBytes(shape, dt)
	if !ok {
		return nil, fmt.Errorf("%s: invalid shape %s", path, shapeString(shape))
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return nil, fmt.Errorf("saving %s: %w", path, err)
	}
	nw := &NpyWriter{path: path, f: f, w: bufio.NewWriterSize(f, 1<<16), dtype: dt, left: n / dt.Size()}
	if _, err := nw.w.Write(npyHeaderBytes(shape, dt)); err != nil {
		nw.Abort()
		return nil, fmt.Errorf("saving %s: %w", path, err)
	}
	return nw, nil
}

// Write appends elements; more than the shape holds is an error.
func (nw *NpyWriter) Write(data []float64) error {
	if len(data) > nw.left {
		return fmt.Errorf("saving %s: %d elements more than the shape holds", nw.path, len(data)-nw.left)
	}
	nw.left -= len(data)
	if err := writeData(nw.w, data, nw.dtype); err != nil {
		return fmt.Errorf("saving %s: %w", nw.path, err)
	}
	return nil
}

// Close checks that the whole array was written, and moves the file into
// place. On error the temporary file is removed.
func (nw *NpyWriter) Close() error {
	if nw.done {
		return fmt.Errorf("saving %s: already closed", nw.path)
	}
	nw.done = true
	var err error
	if nw.left != 0 {
		err = fmt.Errorf("%d elements are missing", nw.left)
	}
	if err == nil {
		err = nw.w.Flush()
	}
	if err == nil {
		// CreateTemp makes the file private; give it ordinary permissions.
		err = nw.f.Chmod(0o644)
	}
	if cerr := nw.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(nw.f.Name(), nw.path)
	}
	if err != nil {
		os.Remove(nw.f.Name())
		return fmt.Errorf("saving %s: %w", nw.path, err)
	}
	return nil
}

// Abort abandons the write and removes the temporary file; after Close it
// does nothing, so it may be deferred.
func (nw *NpyWriter) Abort() {
	if nw.done {
		return
	}
	nw.done = true
	nw.f.Close()
	os.Remove(nw.f.Name())
}
