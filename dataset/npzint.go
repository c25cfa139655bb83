package dataset

import (
	"archive/zip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/snnc/snnc/internal/tensorio"
)

// internal/tensorio reads float32 and float64 arrays only, while numpy saves
// labels, and often images, as integers. When tensorio cannot read an
// archive, LoadNpz reads its two members x and y here instead: integer data
// is decoded below, float data by tensorio.ReadNpy, and both count against
// the same memory limit, checked from each header before its data is read.
// Other members, which tensorio may have refused, are ignored.

// maxNpyHeader bounds a .npy header; np.save writes fewer than 200 bytes.
const maxNpyHeader = 1 << 16

// npyMember is the parsed header of one member of an archive.
type npyMember struct {
	file   *zip.File
	where  string // the archive and member, for errors
	raw    []byte // the header bytes, magic to padding
	descr  string // e.g. "<i8"
	shape  []int
	count  int64 // number of elements
	intLen int   // element size of an integer dtype, 0 for a float dtype
	signed bool
	order  binary.ByteOrder
}

// readXY reads x and y from the archive. ok is false when it is not a zip
// archive, which tensorio's error reports.
func readXY(r io.ReaderAt, size int64, path string, maxMemory int64) (tensors []*tensorio.Tensor, ok bool, err error) {
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, false, nil // tensorio's error says what is wrong
	}
	var members []*npyMember
	for _, name := range []string{"x", "y"} {
		f, err := findMember(zr, path, name+".npy")
		if err != nil {
			return nil, true, err
		}
		if f == nil {
			var names []string
			for _, f := range zr.File {
				names = append(names, strings.TrimSuffix(f.Name, ".npy"))
			}
			return nil, true, missingArray(path, name, names)
		}
		m, err := readNpyMemberHeader(f, fmt.Sprintf("%s: member %q", path, f.Name))
		if err != nil {
			return nil, true, err
		}
		members = append(members, m)
	}
	if maxMemory == 0 {
		maxMemory = tensorio.DefaultMaxMemory
	}
	left := maxMemory
	for _, m := range members {
		if maxMemory > 0 && m.count > left/8 {
			return nil, true, fmt.Errorf("%s: shape %v decodes to more than the memory limit of %d bytes: %w",
				m.where, m.shape, maxMemory, tensorio.ErrMemoryLimit)
		}
		left -= 8 * m.count
	}
	for k, m := range members {
		t, err := m.read()
		if err != nil {
			return nil, true, err
		}
		t.Name = []string{"x", "y"}[k]
		tensors = append(tensors, t)
	}
	return tensors, true, nil
}

// findMember returns the member called name, nil if there is none, or an
// error if there are several.
func findMember(zr *zip.Reader, path, name string) (*zip.File, error) {
	var found *zip.File
	for _, f := range zr.File {
		if f.Name == name {
			if found != nil {
				return nil, fmt.Errorf("%s: member %q: duplicate member", path, name)
			}
			found = f
		}
	}
	return found, nil
}

// readNpyMemberHeader reads and parses the .npy header of member f and
// checks the member's declared size against it.
func readNpyMemberHeader(f *zip.File, where string) (*npyMember, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %v", where, err)
	}
	defer rc.Close()
	var pre [10]byte
	if _, err := io.ReadFull(rc, pre[:8]); err != nil {
		return nil, fmt.Errorf("%s: file is truncated in the .npy header", where)
	}
	if string(pre[:6]) != "\x93NUMPY" {
		return nil, fmt.Errorf("%s: not a .npy file", where)
	}
	lenSize := 4
	switch pre[6] {
	case 1:
		lenSize = 2
	case 2, 3:
	default:
		return nil, fmt.Errorf("%s: unsupported .npy format version %d.%d", where, pre[6], pre[7])
	}
	lb := make([]byte, 4)
	if _, err := io.ReadFull(rc, lb[:lenSize]); err != nil {
		return nil, fmt.Errorf("%s: file is truncated in the .npy header", where)
	}
	hlen := binary.LittleEndian.Uint32(lb)
	if hlen > maxNpyHeader {
		return nil, fmt.Errorf("%s: .npy header length %d exceeds the limit of %d bytes", where, hlen, maxNpyHeader)
	}
	text := make([]byte, hlen)
	if _, err := io.ReadFull(rc, text); err != nil {
		return nil, fmt.Errorf("%s: file is truncated in the .npy header", where)
	}
	m := &npyMember{file: f, where: where}
	m.raw = append(append(pre[:8:8], lb[:lenSize]...), text...)
	if err := m.parse(string(text)); err != nil {
		return nil, fmt.Errorf("%s: .npy header %q: %v", where, strings.TrimSpace(shorten(string(text))), err)
	}
	elem := int64(m.intLen)
	if elem == 0 {
		elem, _ = strconv.ParseInt(m.descr[2:], 10, 64)
	}
	if want := uint64(len(m.raw)) + uint64(m.count)*uint64(elem); f.UncompressedSize64 != want {
		return nil, fmt.Errorf("%s: member is %d bytes but its .npy header describes %d", where, f.UncompressedSize64, want)
	}
	return m, nil
}

func shorten(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

// parse reads the header dict np.save writes, e.g.
// {'descr': '<i8', 'fortran_order': False, 'shape': (3, 4), }.
func (m *npyMember) parse(text string) error {
	fields := map[string]string{}
	s := strings.TrimSpace(text)
	s, ok := strings.CutPrefix(s, "{")
	if !ok {
		return errors.New("not a dict")
	}
	for {
		s = strings.TrimLeft(s, " ,")
		if strings.HasPrefix(s, "}") {
			break
		}
		key, rest, err := quoted(s)
		if err != nil {
			return err
		}
		rest, ok = strings.CutPrefix(strings.TrimLeft(rest, " "), ":")
		if !ok {
			return fmt.Errorf("no ':' after key %q", key)
		}
		rest = strings.TrimLeft(rest, " ")
		var value string
		switch {
		case strings.HasPrefix(rest, "'"), strings.HasPrefix(rest, `"`):
			value, rest, err = quoted(rest)
		case strings.HasPrefix(rest, "("):
			end := strings.IndexByte(rest, ')')
			if end < 0 {
				return errors.New("unterminated shape tuple")
			}
			value, rest = rest[:end+1], rest[end+1:]
		default:
			end := strings.IndexAny(rest, ",}")
			if end < 0 {
				return errors.New("unterminated dict")
			}
			value, rest = strings.TrimSpace(rest[:end]), rest[end:]
		}
		if err != nil {
			return err
		}
		if _, dup := fields[key]; dup {
			return fmt.Errorf("duplicate key %q", key)
		}
		fields[key] = value
		s = rest
	}
	for _, key := range []string{"descr", "fortran_order", "shape"} {
		if _, ok := fields[key]; !ok {
			return fmt.Errorf("no %q key", key)
		}
	}
	if len(fields) != 3 {
		return errors.New("unexpected keys")
	}
	if fields["fortran_order"] != "False" {
		return errors.New("only C-order arrays are supported (fortran_order must be False; save with np.ascontiguousarray)")
	}
	if err := m.parseDescr(fields["descr"]); err != nil {
		return err
	}
	return m.parseShape(fields["shape"])
}

// quoted splits a leading quoted string off s.
func quoted(s string) (str, rest string, err error) {
	if s == "" || (s[0] != '\'' && s[0] != '"') {
		return "", "", fmt.Errorf("expected a string at %q", shorten(s))
	}
	end := strings.IndexByte(s[1:], s[0])
	if end < 0 {
		return "", "", errors.New("unterminated string")
	}
	return s[1 : 1+end], s[2+end:], nil
}

func (m *npyMember) parseDescr(d string) error {
	m.descr = d
	if len(d) != 3 {
		return fmt.Errorf("unsupported dtype %q", d)
	}
	switch d[0] {
	case '<', '=', '|':
		m.order = binary.LittleEndian
	case '>':
		m.order = binary.BigEndian
	default:
		return fmt.Errorf("unsupported dtype %q", d)
	}
	switch d[1:] {
	case "f4", "f8":
		return nil // tensorio decodes floats
	case "i1", "i2", "i4", "i8":
		m.signed = true
	case "u1", "u2", "u4", "u8", "b1":
	default:
		return fmt.Errorf("unsupported dtype %q (want an integer, bool, float32 or float64 array)", d)
	}
	m.intLen = int(d[2] - '0')
	return nil
}

func (m *npyMember) parseShape(s string) error {
	s = strings.TrimSuffix(strings.TrimPrefix(s, "("), ")")
	m.count = 1
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue // the trailing comma of (n,) and ()
		}
		d, err := strconv.ParseInt(part, 10, 64)
		if err != nil || d < 0 || d > math.MaxInt32 {
			return fmt.Errorf("invalid dimension %q", part)
		}
		if d != 0 && m.count > math.MaxInt64/8/d {
			return errors.New("shape is too large")
		}
		m.count *= d
		m.shape = append(m.shape, int(d))
	}
	return nil
}

// read decodes the member's array into float64 values; the memory limit
// has been checked from the header.
func (m *npyMember) read() (*tensorio.Tensor, error) {
	rc, err := m.file.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %v", m.where, err)
	}
	defer rc.Close()
	if m.intLen == 0 {
		t, err := tensorio.ReadNpy(rc, m.where)
		if err != nil {
			return nil, err
		}
		return t, finish(rc, m.where)
	}
	if _, err := io.ReadFull(rc, make([]byte, len(m.raw))); err != nil {
		return nil, fmt.Errorf("%s: reading the .npy header again: %v", m.where, err)
	}
	data := make([]float64, 0, min(m.count, 1<<16))
	buf := make([]byte, 64<<10) // a multiple of every element size
	for left := m.count * int64(m.intLen); left > 0; {
		n, err := io.ReadFull(rc, buf[:min(left, int64(len(buf)))])
		if err != nil {
			return nil, fmt.Errorf("%s: data is truncated at element %d of %d: %v", m.where, len(data)+n/m.intLen, m.count, err)
		}
		left -= int64(n)
		for b := buf[:n]; len(b) > 0; b = b[m.intLen:] {
			data = append(data, m.decode(b))
		}
	}
	return &tensorio.Tensor{Shape: m.shape, DType: tensorio.Float64, Data: data}, finish(rc, m.where)
}

// decode returns the integer at the start of b as a float64.
func (m *npyMember) decode(b []byte) float64 {
	var u uint64
	switch m.intLen {
	case 1:
		u = uint64(b[0])
		if m.signed {
			return float64(int8(b[0]))
		}
	case 2:
		u = uint64(m.order.Uint16(b))
		if m.signed {
			return float64(int16(u))
		}
	case 4:
		u = uint64(m.order.Uint32(b))
		if m.signed {
			return float64(int32(u))
		}
	case 8:
		u = m.order.Uint64(b)
		if m.signed {
			return float64(int64(u))
		}
	}
	return float64(u)
}

// finish reads to the end of the member, which makes archive/zip check its
// CRC, and rejects anything after the array.
func finish(r io.Reader, where string) error {
	var one [1]byte
	n, err := io.ReadFull(r, one[:])
	switch {
	case n > 0:
		return fmt.Errorf("%s: unexpected data after the array", where)
	case err != io.EOF:
		return fmt.Errorf("%s: corrupt member: %v", where, err)
	}
	return nil
}
