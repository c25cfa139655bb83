package tensorio

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// .npy layout: the magic string, a major and minor version byte, the header
// length (uint16 LE in version 1.0, uint32 LE in 2.0 and 3.0), the header,
// a Python dict literal such as
//
//	{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
//
// padded with spaces and a newline, and then the raw array data.
const (
	npyMagic = "\x93NUMPY"
	// npyAlign is the alignment numpy pads the header to.
	npyAlign = 64
	// npyGrowthDigits is the room numpy leaves after the header so that the
	// first dimension can later be rewritten in place with up to 21 digits.
	npyGrowthDigits = 21
	// maxNpyHeader bounds the header we are prepared to read. numpy itself
	// refuses headers over 10000 bytes by default; this is more lenient so
	// that arrays of very high rank, written with a version 2.0 header,
	// still load.
	maxNpyHeader = 1 << 20
)

// npyHeader is a parsed and validated .npy header.
type npyHeader struct {
	dtype  DType
	order  binary.ByteOrder
	shape  []int
	nbytes int // size of the array data
	size   int // size of everything before the data
}

// ReadNpy reads one array from r. It consumes exactly the header and the
// data the header describes, so consecutive arrays written to one stream can
// be read back one by one. The returned tensor has no Name. name identifies
// the input in errors.
//
// Format versions 1.0, 2.0 and 3.0 are read, in the element types numpy
// names float32 ('<f4'), float64 ('<f8'), int8, int16, int32, int64 ('<i1'
// to '<i8'), uint8 to uint64 ('<u1' to '<u8') and bool ('|b1'). Big-endian
// descrs ('>f8', '>i4', ...) are byte-swapped, '=' (native order), which
// numpy itself never writes, is taken to mean little endian, and the
// one-byte types may also carry numpy's '|' (not applicable). Any other
// descr, including '|f4', and Fortran-order arrays are rejected with an
// error that says so.
//
// Every value is held exactly: an int64 or uint64 element beyond ±2^53,
// which float64 cannot always represent, and a bool byte other than 0 or 1
// (numpy writes no others) are errors naming the element.
func ReadNpy(r io.Reader, name string) (*Tensor, error) {
	h, err := readNpyHeader(r, name)
	if err != nil {
		return nil, err
	}
	data, err := readNpyData(r, h, name)
	if err != nil {
		return nil, err
	}
	return &Tensor{Shape: h.shape, DType: h.dtype, Data: data}, nil
}

func readNpyHeader(r io.Reader, name string) (*npyHeader, error) {
	var pre [8]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil {
		return nil, readError(name, "header", err)
	}
	if string(pre[:6]) != npyMagic {
		return nil, errorf(name, "not a .npy file (it does not start with \"\\x93NUMPY\")")
	}
	major, minor := pre[6], pre[7]
	lenSize := 4
	switch {
	case major == 1 && minor == 0:
		lenSize = 2
	case (major == 2 || major == 3) && minor == 0:
	default:
		return nil, errorf(name, "unsupported .npy format version %d.%d", major, minor)
	}
	var lb [4]byte
	if _, err := io.ReadFull(r, lb[:lenSize]); err != nil {
		return nil, readError(name, "header", err)
	}
	hlen := int64(binary.LittleEndian.Uint32(lb[:]))
	if hlen > maxNpyHeader {
		return nil, errorf(name, "header length %d exceeds the limit of %d bytes", hlen, maxNpyHeader)
	}
	// Read through a LimitReader so that memory follows the bytes actually
	// present, not the length the file claims.
	text, err := io.ReadAll(io.LimitReader(r, hlen))
	if err != nil {
		return nil, readError(name, "header", err)
	}
	if int64(len(text)) < hlen {
		return nil, errorf(name, "file is truncated in the header (%d of %d bytes)", len(text), hlen)
	}
	// Versions 1.0 and 2.0 are latin-1, 3.0 is UTF-8. Only ASCII matters to
	// an array's header, so latin-1 bytes are simply left as they are.
	if major == 3 && !utf8.Valid(text) {
		return nil, errorf(name, "version 3.0 header is not valid UTF-8")
	}
	h, err := parseNpyHeader(string(text), name)
	if err != nil {
		return nil, err
	}
	h.size = len(pre) + lenSize + len(text)
	return h, nil
}

func parseNpyHeader(text, name string) (*npyHeader, error) {
	dict, err := parsePyLiteral(text)
	if err != nil {
		return nil, errorf(name, "malformed header %q: %v", excerpt(strings.TrimSpace(text)), err)
	}
	if dict.kind != pyDict {
		return nil, errorf(name, "header %s is not a dict", excerpt(dict.raw))
	}
	var descr, fortran, shape *pyValue
	for i := 0; i < len(dict.items); i += 2 {
		key, val := dict.items[i], &dict.items[i+1]
		var slot **pyValue
		switch {
		case key.kind != pyStr:
			return nil, errorf(name, "header key %s is not a string", excerpt(key.raw))
		case key.str == "descr":
			slot = &descr
		case key.str == "fortran_order":
			slot = &fortran
		case key.str == "shape":
			slot = &shape
		default:
			return nil, errorf(name, "unexpected header key %s", excerpt(key.raw))
		}
		if *slot != nil {
			return nil, errorf(name, "duplicate header key %s", key.raw)
		}
		*slot = val
	}
	switch {
	case descr == nil:
		return nil, errorf(name, "header has no 'descr' key")
	case fortran == nil:
		return nil, errorf(name, "header has no 'fortran_order' key")
	case shape == nil:
		return nil, errorf(name, "header has no 'shape' key")
	}

	h := &npyHeader{}
	if h.dtype, h.order, err = npyDType(*descr, name); err != nil {
		return nil, err
	}
	if fortran.kind != pyBool {
		return nil, errorf(name, "fortran_order must be True or False, not %s", excerpt(fortran.raw))
	}
	if fortran.b {
		return nil, errorf(name, "Fortran-order arrays are not supported; save with np.ascontiguousarray")
	}
	if shape.kind != pyTuple {
		return nil, errorf(name, "shape must be a tuple, not %s", excerpt(shape.raw))
	}
	h.shape = make([]int, len(shape.items))
	for i, d := range shape.items {
		if d.kind != pyInt || d.num < 0 || d.num > maxBytes {
			return nil, errorf(name, "invalid dimension %s in shape %s", excerpt(d.raw), excerpt(shape.raw))
		}
		h.shape[i] = int(d.num)
	}
	var ok bool
	if h.nbytes, ok = numBytes(h.shape, h.dtype); !ok {
		return nil, errorf(name, "shape %s of %s is too large", excerpt(shape.raw), descr.raw)
	}
	return h, nil
}

// npyDType maps a descr to an element type and byte order.
func npyDType(descr pyValue, name string) (DType, binary.ByteOrder, error) {
	unsupported := errorf(name, "unsupported dtype descr %s (%s)", excerpt(descr.raw), supportedDescrs)
	switch descr.kind {
	case pyStr:
	case pyList:
		return 0, nil, errorf(name, "unsupported structured dtype descr %s (%s)", excerpt(descr.raw), supportedDescrs)
	default:
		return 0, nil, unsupported
	}
	s := descr.str
	if len(s) != 3 {
		return 0, nil, unsupported
	}
	dt, ok := npyTypes[s[1:]]
	if !ok {
		return 0, nil, unsupported
	}
	switch s[0] {
	case '<', '=':
		return dt, binary.LittleEndian, nil
	case '>':
		return dt, binary.BigEndian, nil
	case '|':
		// "Not applicable": numpy's byte order of one-byte types.
		if dt.Size() == 1 {
			return dt, binary.LittleEndian, nil
		}
	}
	return 0, nil, unsupported
}

// npyTypes maps a descr without its byte order to an element type.
var npyTypes = map[string]DType{
	"f4": Float32, "f8": Float64,
	"i1": Int8, "i2": Int16, "i4": Int32, "i8": Int64,
	"u1": Uint8, "u2": Uint16, "u4": Uint32, "u8": Uint64,
	"b1": Bool,
}

// supportedDescrs is the list of readable descrs errors show.
const supportedDescrs = "supported: float32 and float64 '<f4' '<f8', integers '<i1' to '<i8' and '<u1' to '<u8', " +
	"bool '|b1', in either byte order"

// readNpyData reads exactly h.nbytes of array data. It decodes in chunks
// and lets the result grow as data arrives, so a header that claims a huge
// shape costs nothing unless the data is really there.
func readNpyData(r io.Reader, h *npyHeader, name string) ([]float64, error) {
	const chunk = 64 << 10 // a multiple of every element size
	size := h.dtype.Size()
	out := make([]float64, 0, min(h.nbytes, chunk)/size)
	buf := make([]byte, min(h.nbytes, chunk))
	for read := 0; read < h.nbytes; {
		n, err := io.ReadFull(r, buf[:min(h.nbytes-read, len(buf))])
		read += n
		if err != nil {
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return nil, errorf(name, "data is truncated: shape %s of %s needs %d bytes, found %d",
					shapeString(h.shape), h.dtype, h.nbytes, read)
			}
			return nil, fmt.Errorf("%s: reading data: %w", name, err)
		}
		var ok bool
		if out, ok = appendDecoded(out, buf[:n], h.dtype, h.order); !ok {
			i := len(out) - (read-n)/size // within buf
			return nil, badElement(name, h.shape, len(out), buf[i*size:(i+1)*size], h.dtype, h.order)
		}
	}
	return out, nil
}

// WriteNpy writes t as a version 1.0 .npy file ('<f4' or '<f8' by DType),
// producing the same bytes as numpy's np.save. Only headers too long for
// version 1.0, which need thousands of dimensions, are written as 2.0.
func WriteNpy(w io.Writer, t *Tensor) error {
	if err := t.check("npy"); err != nil {
		return err
	}
	if _, err := w.Write(npyHeaderBytes(t.Shape, t.DType)); err != nil {
		return err
	}
	return writeData(w, t.Data, t.DType)
}

// npyHeaderBytes builds everything that precedes the data, following
// numpy's _write_array_header and _wrap_header.
func npyHeaderBytes(shape []int, dt DType) []byte {
	descr := "<f4"
	if dt == Float64 {
		descr = "<f8"
	}
	dims := make([]string, len(shape))
	for i, d := range shape {
		dims[i] = strconv.Itoa(d)
	}
	tuple := "(" + strings.Join(dims, ", ") + ")"
	if len(shape) == 1 {
		tuple = "(" + dims[0] + ",)"
	}
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, tuple)
	if len(shape) > 0 {
		dict += strings.Repeat(" ", max(0, npyGrowthDigits-len(dims[0])))
	}

	hlen := len(dict) + 1 // the final newline
	// numpy pads by a full npyAlign bytes, not 0, when already aligned.
	padding := func(lenSize int) int { return npyAlign - (len(npyMagic)+2+lenSize+hlen)%npyAlign }
	version, lenSize := byte(1), 2
	pad := padding(lenSize)
	if hlen+pad > 0xffff {
		version, lenSize = 2, 4
		pad = padding(lenSize)
	}

	var b bytes.Buffer
	b.WriteString(npyMagic)
	b.Write([]byte{version, 0})
	var lb [4]byte
	binary.LittleEndian.PutUint32(lb[:], uint32(hlen+pad))
	b.Write(lb[:lenSize])
	b.WriteString(dict)
	b.WriteString(strings.Repeat(" ", pad))
	b.WriteByte('\n')
	return b.Bytes()
}
