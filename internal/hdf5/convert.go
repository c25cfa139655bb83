package hdf5

import (
	"encoding/binary"
	"fmt"
	"math"
)

// decodeInt decodes a 1-, 2-, 4- or 8-byte integer.
func decodeInt(b []byte, bigEndian, signed bool) int64 {
	var u uint64
	if bigEndian {
		for _, c := range b {
			u = u<<8 | uint64(c)
		}
	} else {
		u = uintLE(b)
	}
	if signed && len(b) < 8 {
		shift := 64 - 8*uint(len(b))
		return int64(u<<shift) >> shift // sign-extend
	}
	return int64(u)
}

// decodeFloat decodes an IEEE binary32 or binary64 value.
func decodeFloat(b []byte, bigEndian bool) float64 {
	var order binary.ByteOrder = binary.LittleEndian
	if bigEndian {
		order = binary.BigEndian
	}
	if len(b) == 4 {
		return float64(math.Float32frombits(order.Uint32(b)))
	}
	return math.Float64frombits(order.Uint64(b))
}

// element returns the i-th element of raw.
func element(t DType, raw []byte, i int) []byte { return raw[i*t.Size : (i+1)*t.Size] }

// float64s converts numeric elements to float64. The caller holds f.mu.
func (f *File) float64s(t DType, raw []byte) ([]float64, error) {
	if !t.numeric() {
		return nil, errorf("cannot read %s values as numbers", t)
	}
	if err := f.charge(uint64(len(raw)/t.Size)*8, fmt.Sprintf("%d numbers", len(raw)/t.Size)); err != nil {
		return nil, err
	}
	out := make([]float64, len(raw)/t.Size)
	for i := range out {
		e := element(t, raw, i)
		switch {
		case t.Kind == Float:
			out[i] = decodeFloat(e, t.BigEndian)
		case t.Kind == Uint || t.Kind == Enum && !t.Signed:
			out[i] = float64(uint64(decodeInt(e, t.BigEndian, false)))
		default:
			out[i] = float64(decodeInt(e, t.BigEndian, true))
		}
	}
	return out, nil
}

// int64s converts numeric elements to int64 where that is exact. The
// caller holds f.mu.
func (f *File) int64s(t DType, raw []byte) ([]int64, error) {
	if !t.numeric() {
		return nil, errorf("cannot read %s values as integers", t)
	}
	if err := f.charge(uint64(len(raw)/t.Size)*8, fmt.Sprintf("%d integers", len(raw)/t.Size)); err != nil {
		return nil, err
	}
	out := make([]int64, len(raw)/t.Size)
	for i := range out {
		e := element(t, raw, i)
		switch {
		case t.Kind == Float:
			v := decodeFloat(e, t.BigEndian)
			// 2^63 is exactly representable; anything from it up overflows.
			if v != math.Trunc(v) || v < math.MinInt64 || v >= math.MaxInt64 {
				return nil, errorf("element %d (%v) is not an int64", i, v)
			}
			out[i] = int64(v)
		case t.Kind == Uint || t.Kind == Enum && !t.Signed:
			v := decodeInt(e, t.BigEndian, false)
			if v < 0 {
				return nil, errorf("element %d (%d) does not fit in an int64", i, uint64(v))
			}
			out[i] = v
		default:
			out[i] = decodeInt(e, t.BigEndian, true)
		}
	}
	return out, nil
}

// strings decodes string elements. Fixed-length strings lose their padding;
// variable-length strings are fetched from the global heap, each heap
// object once: references to one object share its string. The caller
// holds f.mu.
func (f *File) strings(t DType, raw []byte) ([]string, error) {
	if t.Kind != String {
		return nil, errorf("cannot read %s values as strings", t)
	}
	n := len(raw) / t.Size
	// A string header is 16 bytes; fixed-length strings copy their bytes.
	cost := uint64(n) * 16
	if !t.VarLen {
		cost += uint64(len(raw))
	}
	if err := f.charge(cost, fmt.Sprintf("%d strings", n)); err != nil {
		return nil, err
	}
	out := make([]string, n)
	// Heap objects of many lengths may cut strings from the same bytes;
	// cap the copies at what the file could hold.
	budget := f.maxDataBytes()
	for i := range out {
		e := element(t, raw, i)
		if !t.VarLen {
			out[i] = string(trimPad(e, t.Pad))
			continue
		}
		d := f.newDecoder(e, 0, "variable-length string")
		n := d.u32()
		addr := d.addr()
		index := d.u32()
		if n == 0 {
			continue // HDF5 stores "" without a heap object
		}
		ref := heapRef{addr, index, n, t.Pad}
		if s, ok := f.strs[ref]; ok {
			out[i] = s
			continue
		}
		obj, err := f.globalHeapObject(addr, index)
		if err != nil {
			return nil, err
		}
		if uint64(n) > uint64(len(obj)) {
			return nil, errorf("string %d is %d bytes but its heap object holds %d", i, n, len(obj))
		}
		if uint64(n) > budget {
			return nil, errorf("strings total more than the file could hold")
		}
		budget -= uint64(n)
		if err := f.charge(uint64(n), fmt.Sprintf("string %d (%d bytes)", i, n)); err != nil {
			return nil, err
		}
		s := obj[:n]
		if t.Pad == NullTerm {
			if j := indexNUL(s); j >= 0 {
				s = s[:j]
			}
		}
		out[i] = string(s)
		f.strs[ref] = out[i]
	}
	return out, nil
}

// trimPad removes the padding of a fixed-length string.
func trimPad(b []byte, pad StrPad) []byte {
	switch pad {
	case NullTerm:
		if j := indexNUL(b); j >= 0 {
			return b[:j]
		}
	case NullPad:
		for len(b) > 0 && b[len(b)-1] == 0 {
			b = b[:len(b)-1]
		}
	case SpacePad:
		for len(b) > 0 && b[len(b)-1] == ' ' {
			b = b[:len(b)-1]
		}
	}
	return b
}
