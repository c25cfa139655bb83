package tensorio

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Safetensors layout: an 8-byte little-endian header length N, N bytes of
// JSON header, then the data buffer that the header's data_offsets index.
const (
	safetensorsMetadataKey = "__metadata__"
	// maxSafetensorsHeader matches the limit of the reference implementation.
	maxSafetensorsHeader = 100_000_000
)

// SafetensorsFile is the decoded content of a safetensors file.
type SafetensorsFile struct {
	// Tensors are in the order the header lists them.
	Tensors []*Tensor
	// Metadata holds the optional free-form "__metadata__" entry; it is nil
	// when the file has none.
	Metadata map[string]string
}

// Get returns the tensor with the given name, or nil if there is none.
func (f *SafetensorsFile) Get(name string) *Tensor {
	for _, t := range f.Tensors {
		if t.Name == name {
			return t
		}
	}
	return nil
}

// ReadSafetensors reads a whole safetensors file from r. The format needs
// random access to its data buffer, so the input is read completely before it
// is decoded; see [ParseSafetensors]. name identifies the input in errors.
func ReadSafetensors(r io.Reader, name string) (*SafetensorsFile, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return ParseSafetensors(data, name)
}

// stTensor is a header entry that has passed validation.
type stTensor struct {
	name       string
	shape      []int
	dtype      DType
	begin, end int
}

// ParseSafetensors decodes a safetensors file held in memory. The header is
// validated completely, including that the tensors tile the data buffer
// without gaps or overlaps, before any tensor data is decoded.
func ParseSafetensors(data []byte, name string) (*SafetensorsFile, error) {
	if len(data) < 8 {
		return nil, errorf(name, "file is %d bytes, too short to hold the 8-byte header length", len(data))
	}
	hlen := binary.LittleEndian.Uint64(data)
	if hlen > uint64(len(data)-8) {
		return nil, errorf(name, "header length %d exceeds the %d bytes that follow it", hlen, len(data)-8)
	}
	if hlen > maxSafetensorsHeader {
		return nil, errorf(name, "header length %d exceeds the limit of %d bytes", hlen, maxSafetensorsHeader)
	}
	header := data[8 : 8+hlen]
	buf := data[8+hlen:]

	entries, metadata, err := parseSafetensorsHeader(header, len(buf), name)
	if err != nil {
		return nil, err
	}
	if err := checkCoverage(entries, len(buf), name); err != nil {
		return nil, err
	}
	f := &SafetensorsFile{Metadata: metadata, Tensors: make([]*Tensor, len(entries))}
	for i, e := range entries {
		// Float data always decodes: only integers and bools can be refused.
		data, _ := appendDecoded(nil, buf[e.begin:e.end], e.dtype, binary.LittleEndian)
		f.Tensors[i] = &Tensor{Name: e.name, Shape: e.shape, DType: e.dtype, Data: data}
	}
	return f, nil
}

// parseSafetensorsHeader decodes the JSON header key by key, rather than
// into a map, to keep the header's order and to detect duplicate names.
func parseSafetensorsHeader(header []byte, bufLen int, name string) ([]stTensor, map[string]string, error) {
	if !utf8.Valid(header) {
		return nil, nil, errorf(name, "header is not valid UTF-8")
	}
	syntaxErr := func(err error) error {
		return errorf(name, "header is not a valid JSON object: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(header))
	if tok, err := dec.Token(); err != nil {
		return nil, nil, syntaxErr(err)
	} else if tok != json.Delim('{') {
		return nil, nil, errorf(name, "header is not a JSON object")
	}
	var (
		entries  []stTensor
		metadata map[string]string
		seen     = map[string]bool{}
	)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, syntaxErr(err)
		}
		key, ok := tok.(string)
		if !ok {
			return nil, nil, errorf(name, "header is not a valid JSON object")
		}
		if seen[key] {
			if key == safetensorsMetadataKey {
				return nil, nil, errorf(name, "duplicate %s entry", safetensorsMetadataKey)
			}
			return nil, nil, errorf(name, "duplicate tensor name %q", key)
		}
		seen[key] = true
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, nil, syntaxErr(err)
		}
		if key == safetensorsMetadataKey {
			if err := json.Unmarshal(raw, &metadata); err != nil {
				return nil, nil, errorf(name, "%s must map strings to strings, not %s",
					safetensorsMetadataKey, excerpt(string(raw)))
			}
			continue
		}
		e, err := checkEntry(key, raw, bufLen, fmt.Sprintf("%s: tensor %q", name, key))
		if err != nil {
			return nil, nil, err
		}
		entries = append(entries, e)
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, nil, syntaxErr(err)
	}
	// The reference writer pads the header with spaces; anything else after
	// the object is corruption.
	if rest := bytes.TrimRight(header[dec.InputOffset():], " \t\r\n"); len(rest) > 0 {
		return nil, nil, errorf(name, "unexpected data after the header JSON object: %q", excerpt(string(rest)))
	}
	return entries, metadata, nil
}

// checkEntry decodes and validates one header entry on its own; how the
// entries fit together in the buffer is checkCoverage's job. Fields are
// decoded one by one so that errors can say which one is wrong; unknown
// fields are ignored.
func checkEntry(key string, raw json.RawMessage, bufLen int, where string) (stTensor, error) {
	e := stTensor{name: key}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return e, errorf(where, "header entry must be a JSON object, not %s", excerpt(string(raw)))
	}
	var (
		dtype          string
		shape, offsets []int64
	)
	// json.Unmarshal leaves a slice nil for JSON null, and [] (a 0-d
	// tensor's shape) as an empty non-nil slice.
	for _, f := range []struct {
		key, want string
		dst       any
		valid     func() bool
	}{
		{"dtype", "a string", &dtype, func() bool { return true }},
		{"shape", "a list of integers", &shape, func() bool { return shape != nil }},
		{"data_offsets", "a [begin, end] pair of integers", &offsets, func() bool { return len(offsets) == 2 }},
	} {
		v, ok := fields[f.key]
		if !ok {
			return e, errorf(where, "missing %s", f.key)
		}
		if json.Unmarshal(v, f.dst) != nil || !f.valid() {
			return e, errorf(where, "%s must be %s, not %s", f.key, f.want, excerpt(string(v)))
		}
	}
	switch dtype {
	case "F32":
		e.dtype = Float32
	case "F64":
		e.dtype = Float64
	default:
		return e, errorf(where, "unsupported dtype %q (only F32 and F64 are supported)", dtype)
	}
	e.shape = make([]int, len(shape))
	for i, d := range shape {
		if d < 0 || d > maxBytes {
			return e, errorf(where, "invalid dimension %d in shape %v", d, shape)
		}
		e.shape[i] = int(d)
	}
	size, ok := numBytes(e.shape, e.dtype)
	if !ok {
		return e, errorf(where, "shape %s of %s is too large", shapeString(e.shape), dtype)
	}
	begin, end := offsets[0], offsets[1]
	if begin < 0 || end < begin {
		return e, errorf(where, "invalid data_offsets %v", offsets)
	}
	if end-begin != int64(size) {
		return e, errorf(where, "data_offsets %v do not match shape %s of %s (%d bytes)",
			offsets, shapeString(e.shape), dtype, size)
	}
	if end > int64(bufLen) {
		return e, errorf(where, "data_offsets %v lie beyond the %d-byte data buffer", offsets, bufLen)
	}
	e.begin, e.end = int(begin), int(end)
	return e, nil
}

// checkCoverage checks that the tensors, each already known to lie within
// the data buffer, tile it exactly as the format requires: no overlaps and
// no unused bytes.
func checkCoverage(entries []stTensor, bufLen int, name string) error {
	sorted := slices.Clone(entries)
	slices.SortStableFunc(sorted, func(a, b stTensor) int {
		return cmp.Or(cmp.Compare(a.begin, b.begin), cmp.Compare(a.end, b.end))
	})
	pos, prev := 0, ""
	for _, e := range sorted {
		where := fmt.Sprintf("%s: tensor %q", name, e.name)
		switch {
		case e.begin < pos:
			return errorf(where, "data_offsets [%d %d] overlap tensor %q, which ends at %d", e.begin, e.end, prev, pos)
		case e.begin > pos:
			return errorf(where, "data_offsets [%d %d] leave bytes [%d %d] of the data buffer unused", e.begin, e.end, pos, e.begin)
		}
		pos, prev = e.end, e.name
	}
	if pos != bufLen {
		return errorf(name, "bytes [%d %d] of the data buffer are not used by any tensor", pos, bufLen)
	}
	return nil
}

// WriteSafetensors writes tensors as a safetensors file. The header lists the
// tensors sorted by name and their data follows in the same order, each in
// its own DType (Float32 data is rounded to nearest). The header is padded
// with spaces to a multiple of 8 bytes, as the reference implementation does,
// so that the data buffer is aligned. metadata may be nil.
func WriteSafetensors(w io.Writer, tensors []*Tensor, metadata map[string]string) error {
	const where = "safetensors"
	if err := checkTensors(where, tensors); err != nil {
		return err
	}
	sorted := slices.Clone(tensors)
	slices.SortFunc(sorted, func(a, b *Tensor) int { return strings.Compare(a.Name, b.Name) })

	var h bytes.Buffer
	h.WriteByte('{')
	if len(metadata) > 0 {
		h.WriteString(`"` + safetensorsMetadataKey + `":{`)
		for i, k := range slices.Sorted(maps.Keys(metadata)) {
			if i > 0 {
				h.WriteByte(',')
			}
			if err := writeJSONString(&h, k); err != nil {
				return fmt.Errorf("%s: metadata key: %w", where, err)
			}
			h.WriteByte(':')
			if err := writeJSONString(&h, metadata[k]); err != nil {
				return fmt.Errorf("%s: metadata %q: %w", where, k, err)
			}
		}
		h.WriteByte('}')
	}
	offset := 0
	for i, t := range sorted {
		if t.Name == safetensorsMetadataKey {
			return fmt.Errorf("%s: tensor name %q is reserved for metadata", where, t.Name)
		}
		if i > 0 || len(metadata) > 0 {
			h.WriteByte(',')
		}
		if err := writeJSONString(&h, t.Name); err != nil {
			return fmt.Errorf("%s: tensor name: %w", where, err)
		}
		size := len(t.Data) * t.DType.Size()
		fmt.Fprintf(&h, `:{"dtype":"%s","shape":[%s],"data_offsets":[%d,%d]}`,
			safetensorsDType(t.DType), joinInts(t.Shape, ","), offset, offset+size)
		offset += size
	}
	h.WriteByte('}')
	for h.Len()%8 != 0 {
		h.WriteByte(' ')
	}

	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(h.Len()))
	if _, err := w.Write(n[:]); err != nil {
		return err
	}
	if _, err := w.Write(h.Bytes()); err != nil {
		return err
	}
	for _, t := range sorted {
		if err := writeData(w, t.Data, t.DType); err != nil {
			return err
		}
	}
	return nil
}

// writeJSONString appends s as a JSON string. Invalid UTF-8 is an error
// because JSON encoders silently replace it, which would rename the tensor.
func writeJSONString(b *bytes.Buffer, s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("%q is not valid UTF-8", s)
	}
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return err
	}
	b.Truncate(b.Len() - 1) // Encode appends a newline
	return nil
}

func joinInts(xs []int, sep string) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.Itoa(x)
	}
	return strings.Join(parts, sep)
}

// safetensorsDType returns the header name of a valid DType.
func safetensorsDType(dt DType) string {
	if dt == Float32 {
		return "F32"
	}
	return "F64"
}
