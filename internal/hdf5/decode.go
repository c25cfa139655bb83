package hdf5

import (
	"encoding/binary"
	"math"
)

// undefAddr is HDF5's "undefined address" (all bits set), normalized to 64
// bits whatever the file's offset size.
const undefAddr = math.MaxUint64

// decoder reads little-endian fields from a byte slice that was cut out of
// the file. The first read past the end records an error and every later read
// returns zero, so callers decode a whole structure and check err once,
// before using any value to index or allocate.
type decoder struct {
	f    *File
	b    []byte
	pos  int
	off  int64  // file offset of b[0], for error messages
	what string // structure being decoded, for error messages
	err  error
}

func (f *File) newDecoder(b []byte, off int64, what string) *decoder {
	return &decoder{f: f, b: b, off: off, what: what}
}

// take returns the next n bytes, or nil after recording a truncation error.
func (d *decoder) take(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || n > len(d.b)-d.pos {
		d.err = errorf("%s at offset %#x is truncated", d.what, d.off)
		return nil
	}
	p := d.b[d.pos : d.pos+n]
	d.pos += n
	return p
}

func (d *decoder) skip(n int) { d.take(n) }

// remaining is the number of unread bytes.
func (d *decoder) remaining() int { return len(d.b) - d.pos }

// offset is the file offset of the next unread byte.
func (d *decoder) offset() int64 { return d.off + int64(d.pos) }

func (d *decoder) u8() uint8 {
	if p := d.take(1); p != nil {
		return p[0]
	}
	return 0
}

func (d *decoder) u16() uint16 {
	if p := d.take(2); p != nil {
		return binary.LittleEndian.Uint16(p)
	}
	return 0
}

func (d *decoder) u32() uint32 {
	if p := d.take(4); p != nil {
		return binary.LittleEndian.Uint32(p)
	}
	return 0
}

func (d *decoder) u64() uint64 {
	if p := d.take(8); p != nil {
		return binary.LittleEndian.Uint64(p)
	}
	return 0
}

// addr reads a file address of the file's offset size. The undefined address
// is returned as undefAddr.
func (d *decoder) addr() uint64 {
	p := d.take(d.f.offSize)
	if p == nil {
		return 0
	}
	v := uintLE(p)
	if v == maxUint(d.f.offSize) {
		return undefAddr
	}
	return v
}

// length reads a length field of the file's length size.
func (d *decoder) length() uint64 {
	if p := d.take(d.f.lenSize); p != nil {
		return uintLE(p)
	}
	return 0
}

// uintLE decodes an unsigned little-endian integer of 1 to 8 bytes.
func uintLE(p []byte) uint64 {
	var v uint64
	for i := len(p) - 1; i >= 0; i-- {
		v = v<<8 | uint64(p[i])
	}
	return v
}

// maxUint is the largest value an n-byte unsigned integer holds.
func maxUint(n int) uint64 {
	if n >= 8 {
		return math.MaxUint64
	}
	return 1<<(8*uint(n)) - 1
}

// align8 rounds n up to a multiple of 8, the alignment of version-1 object
// header messages and of many heap records.
func align8(n int) int { return (n + 7) &^ 7 }

// mulLimit returns a*b, or ok=false if the product exceeds limit (or
// overflows). Sizes read from the file go through it before any allocation.
func mulLimit(a, b, limit uint64) (uint64, bool) {
	if a == 0 || b == 0 {
		return 0, true
	}
	if a > limit/b {
		return 0, false
	}
	return a * b, true
}
