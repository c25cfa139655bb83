package tensorio

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
)

// DType is the element type a tensor has on disk.
type DType int

// The element types. The zero DType is invalid so that a Tensor whose DType
// was forgotten is rejected by the writers instead of being silently
// written in some default type.
//
// Float32 and Float64 are read and written. The integer types and Bool are
// read from .npy and .npz files only: their values are held exactly in
// Data, and the writers refuse them.
const (
	Float32 DType = iota + 1
	Float64
	Int8
	Int16
	Int32
	Int64
	Uint8
	Uint16
	Uint32
	Uint64
	Bool
)

// String returns the numpy name of the type.
func (d DType) String() string {
	switch d {
	case Float32:
		return "float32"
	case Float64:
		return "float64"
	case Int8:
		return "int8"
	case Int16:
		return "int16"
	case Int32:
		return "int32"
	case Int64:
		return "int64"
	case Uint8:
		return "uint8"
	case Uint16:
		return "uint16"
	case Uint32:
		return "uint32"
	case Uint64:
		return "uint64"
	case Bool:
		return "bool"
	}
	return fmt.Sprintf("DType(%d)", int(d))
}

// Size returns the number of bytes one element occupies on disk, or 0 for an
// invalid DType.
func (d DType) Size() int {
	switch d {
	case Int8, Uint8, Bool:
		return 1
	case Int16, Uint16:
		return 2
	case Float32, Int32, Uint32:
		return 4
	case Float64, Int64, Uint64:
		return 8
	}
	return 0
}

// IsFloat reports whether d is Float32 or Float64, the types the writers
// accept.
func (d DType) IsFloat() bool { return d == Float32 || d == Float64 }

// maxExactInt is 2^53: every integer of at most this magnitude is a
// float64, and above it some are not, so larger int64 and uint64 values are
// refused rather than rounded.
const maxExactInt = 1 << 53

// Tensor is a dense C-order array. Data always holds float64 values; DType
// records the on-disk element type. A Tensor with an empty Shape is a scalar
// holding exactly one element.
type Tensor struct {
	Name  string
	Shape []int
	DType DType
	Data  []float64
}

// ErrFormat is wrapped by every error that reports malformed or unsupported
// input, as opposed to an I/O failure.
var ErrFormat = errors.New("invalid tensor file")

type formatError struct{ msg string }

func (e *formatError) Error() string        { return e.msg }
func (e *formatError) Is(target error) bool { return target == ErrFormat }

// errorf builds a format error prefixed with where, which names the file and
// possibly the tensor, e.g. `weights.safetensors: tensor "fc1.weight"`.
func errorf(where, format string, args ...any) error {
	return &formatError{where + ": " + fmt.Sprintf(format, args...)}
}

// readError turns an error from the underlying reader into a report about
// the file: running out of input is a format problem, anything else is I/O.
func readError(where, what string, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errorf(where, "file is truncated in the %s", what)
	}
	return fmt.Errorf("%s: reading %s: %w", where, what, err)
}

// maxBytes bounds the on-disk size of a single tensor. Its elements, at
// least one byte each, then number at most math.MaxInt/8, so that even
// decoded to float64 its size still fits an int.
const maxBytes = math.MaxInt / 8

// numBytes returns the on-disk size of an array with the given shape, or
// ok=false if a dimension is negative or the size exceeds maxBytes.
func numBytes(shape []int, dt DType) (n int, ok bool) {
	empty := false
	for _, d := range shape {
		if d < 0 {
			return 0, false
		}
		// An empty array is empty however large its other dimensions are,
		// so this must be known before multiplying them out.
		empty = empty || d == 0
	}
	if empty {
		return 0, true
	}
	n = dt.Size()
	for _, d := range shape {
		if n > maxBytes/d {
			return 0, false
		}
		n *= d
	}
	return n, true
}

// shapeString formats a shape like [6 4].
func shapeString(shape []int) string {
	return fmt.Sprint(shape)
}

// check validates a tensor before it is written.
func (t *Tensor) check(where string) error {
	if t == nil {
		return fmt.Errorf("%s: nil tensor", where)
	}
	if !t.DType.IsFloat() {
		return fmt.Errorf("%s: tensor %q: unsupported dtype %v (only float32 and float64 are written)",
			where, t.Name, t.DType)
	}
	n, ok := numBytes(t.Shape, t.DType)
	if !ok {
		return fmt.Errorf("%s: tensor %q: invalid shape %s", where, t.Name, shapeString(t.Shape))
	}
	if want := n / t.DType.Size(); len(t.Data) != want {
		return fmt.Errorf("%s: tensor %q: shape %s needs %d elements but Data has %d",
			where, t.Name, shapeString(t.Shape), want, len(t.Data))
	}
	return nil
}

// checkTensors validates tensors for a multi-tensor format, which also
// needs their names to be non-empty and distinct.
func checkTensors(where string, tensors []*Tensor) error {
	seen := make(map[string]bool, len(tensors))
	for _, t := range tensors {
		if err := t.check(where); err != nil {
			return err
		}
		if t.Name == "" {
			return fmt.Errorf("%s: tensor with shape %s has an empty name", where, shapeString(t.Shape))
		}
		if seen[t.Name] {
			return fmt.Errorf("%s: duplicate tensor name %q", where, t.Name)
		}
		seen[t.Name] = true
	}
	return nil
}

// appendDecoded appends the elements encoded in b to dst. len(b) must be a
// multiple of dt.Size(). It stops before the first element that has no
// exact float64 value, an integer beyond ±2^53 or a bool byte other than 0
// or 1, and returns ok=false; that element is the one at index
// len(result)-len(dst) of b, which badElement describes.
func appendDecoded(dst []float64, b []byte, dt DType, order binary.ByteOrder) (_ []float64, ok bool) {
	dst = slices.Grow(dst, len(b)/dt.Size())
	switch dt {
	case Float32:
		for i := 0; i+4 <= len(b); i += 4 {
			dst = append(dst, float64(math.Float32frombits(order.Uint32(b[i:]))))
		}
	case Float64:
		for i := 0; i+8 <= len(b); i += 8 {
			dst = append(dst, math.Float64frombits(order.Uint64(b[i:])))
		}
	case Int8:
		for _, v := range b {
			dst = append(dst, float64(int8(v)))
		}
	case Uint8:
		for _, v := range b {
			dst = append(dst, float64(v))
		}
	case Bool:
		for _, v := range b {
			if v > 1 {
				return dst, false
			}
			dst = append(dst, float64(v))
		}
	case Int16:
		for i := 0; i+2 <= len(b); i += 2 {
			dst = append(dst, float64(int16(order.Uint16(b[i:]))))
		}
	case Uint16:
		for i := 0; i+2 <= len(b); i += 2 {
			dst = append(dst, float64(order.Uint16(b[i:])))
		}
	case Int32:
		for i := 0; i+4 <= len(b); i += 4 {
			dst = append(dst, float64(int32(order.Uint32(b[i:]))))
		}
	case Uint32:
		for i := 0; i+4 <= len(b); i += 4 {
			dst = append(dst, float64(order.Uint32(b[i:])))
		}
	case Int64:
		for i := 0; i+8 <= len(b); i += 8 {
			v := int64(order.Uint64(b[i:]))
			if v > maxExactInt || v < -maxExactInt {
				return dst, false
			}
			dst = append(dst, float64(v))
		}
	case Uint64:
		for i := 0; i+8 <= len(b); i += 8 {
			v := order.Uint64(b[i:])
			if v > maxExactInt {
				return dst, false
			}
			dst = append(dst, float64(v))
		}
	}
	return dst, true
}

// badElement reports the element, at flat index i of an array of the given
// shape, that appendDecoded refused; raw holds its bytes.
func badElement(where string, shape []int, i int, raw []byte, dt DType, order binary.ByteOrder) error {
	at := fmt.Sprintf("element %d", i)
	if len(shape) > 1 {
		at += " " + shapeString(unravel(i, shape))
	}
	switch dt {
	case Bool:
		return errorf(where, "%s: bool byte %d is neither 0 (False) nor 1 (True)", at, raw[0])
	case Int64:
		return errorf(where, "%s: int64 value %d is beyond ±2^53, where float64 no longer holds every integer exactly",
			at, int64(order.Uint64(raw)))
	default:
		return errorf(where, "%s: %s value %d is beyond 2^53, where float64 no longer holds every integer exactly",
			at, dt, order.Uint64(raw))
	}
}

// unravel turns a flat C-order index into one index per dimension.
func unravel(i int, shape []int) []int {
	idx := make([]int, len(shape))
	for k := len(shape) - 1; k >= 0; k-- {
		if shape[k] > 0 {
			idx[k] = i % shape[k]
			i /= shape[k]
		}
	}
	return idx
}

// writeData writes values little-endian in dtype dt, converting to float32
// with round-to-nearest-even when dt is Float32. It encodes through a small
// buffer so that writing a large tensor needs no second copy of it.
func writeData(w io.Writer, data []float64, dt DType) error {
	var buf [32 << 10]byte
	size := dt.Size()
	per := len(buf) / size
	for len(data) > 0 {
		n := min(per, len(data))
		for i, v := range data[:n] {
			if dt == Float32 {
				binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(float32(v)))
			} else {
				binary.LittleEndian.PutUint64(buf[8*i:], math.Float64bits(v))
			}
		}
		if _, err := w.Write(buf[:n*size]); err != nil {
			return err
		}
		data = data[n:]
	}
	return nil
}

// excerpt shortens raw input quoted in an error message, so that a hostile
// file cannot produce megabyte-long errors, and makes it valid UTF-8.
func excerpt(s string) string {
	const limit = 80
	if len(s) > limit {
		return strings.ToValidUTF8(s[:limit], "\uFFFD") + "..."
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}
