package hdf5

import (
	"fmt"
	"slices"
	"strings"
)

// Kind is the class of a datatype as far as this package distinguishes them.
type Kind uint8

const (
	Int    Kind = iota + 1 // signed two's-complement integer
	Uint                   // unsigned integer
	Float                  // IEEE 754 binary32 or binary64
	String                 // fixed-length or variable-length string
	Enum                   // enumeration over an integer type
)

var kindNames = [...]string{"invalid", "int", "uint", "float", "string", "enum"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", k)
}

// StrPad says how a fixed-length string fills unused bytes.
type StrPad uint8

const (
	NullTerm StrPad = 0 // terminated by NUL, garbage after it
	NullPad  StrPad = 1 // padded with NULs
	SpacePad StrPad = 2 // padded with spaces (Fortran style)
)

// maxStrPad is the largest padding type HDF5 defines.
const maxStrPad = SpacePad

// DType describes the type of each element of a dataset or attribute.
type DType struct {
	Kind Kind
	// Size is the number of bytes per element as stored. For variable-length
	// strings it is the size of the reference to the global heap.
	Size      int
	BigEndian bool

	// Strings only.
	VarLen bool   // variable-length: elements point into the global heap
	UTF8   bool   // character set UTF-8 (otherwise ASCII)
	Pad    StrPad // padding of fixed-length strings

	// Enums only. Size and BigEndian of an enum are those of its integer
	// base type, whose signedness Signed records.
	Signed  bool
	Members []EnumMember
}

// EnumMember is one name/value pair of an enumeration.
type EnumMember struct {
	Name  string
	Value int64
}

// IsBool reports whether t is the enum h5py uses for bool:
// 1-byte integer with members FALSE=0 and TRUE=1.
func (t DType) IsBool() bool {
	return t.Kind == Enum && t.Size == 1 && len(t.Members) == 2 &&
		t.Members[0] == EnumMember{"FALSE", 0} && t.Members[1] == EnumMember{"TRUE", 1}
}

// clone returns a copy that shares no memory with t.
func (t DType) clone() DType {
	t.Members = slices.Clone(t.Members)
	return t
}

// numeric reports whether values of t convert to numbers.
func (t DType) numeric() bool {
	return t.Kind == Int || t.Kind == Uint || t.Kind == Float || t.Kind == Enum
}

// String returns a short description such as "float32", "int64be",
// "string(vlen,utf8)" or "enum(int8){FALSE=0,TRUE=1}".
func (t DType) String() string {
	order := ""
	if t.BigEndian && t.Size > 1 {
		order = "be"
	}
	switch t.Kind {
	case Int, Uint, Float:
		return fmt.Sprintf("%s%d%s", t.Kind, 8*t.Size, order)
	case String:
		cset := "ascii"
		if t.UTF8 {
			cset = "utf8"
		}
		if t.VarLen {
			return "string(vlen," + cset + ")"
		}
		return fmt.Sprintf("string(%d,%s)", t.Size, cset)
	case Enum:
		base := "uint"
		if t.Signed {
			base = "int"
		}
		var b strings.Builder
		fmt.Fprintf(&b, "enum(%s%d%s){", base, 8*t.Size, order)
		for i, m := range t.Members {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "%s=%d", m.Name, m.Value)
		}
		b.WriteByte('}')
		return b.String()
	}
	return t.Kind.String()
}

// Datatype classes as stored in the file.
const (
	classFixed    = 0
	classFloat    = 1
	classTime     = 2
	classString   = 3
	classBitfield = 4
	classOpaque   = 5
	classCompound = 6
	classRef      = 7
	classEnum     = 8
	classVarLen   = 9
	classArray    = 10
)

var classNames = map[uint8]string{
	classTime: "time", classBitfield: "bitfield", classOpaque: "opaque",
	classCompound: "compound", classRef: "reference", classArray: "array",
}

// readDatatype decodes a datatype message.
func (f *File) readDatatype(b []byte, off int64) (DType, error) {
	return f.decodeDatatype(f.newDecoder(b, off, "datatype"), 0)
}

// decodeDatatype decodes a datatype; depth > 0 for one embedded in another,
// such as an enum's base type.
func (f *File) decodeDatatype(d *decoder, depth int) (DType, error) {
	var t DType
	start := d.offset()
	head := d.u8()
	bits := d.take(3)
	size := d.u32()
	if d.err != nil {
		return t, d.err
	}
	class, version := head&0x0F, head>>4
	if version < 1 || version > 3 {
		return t, errorf("unknown datatype version %d at offset %#x", version, start)
	}
	if size == 0 || size > 1<<24 {
		return t, errorf("datatype at offset %#x has invalid size %d", start, size)
	}
	t.Size = int(size)

	switch class {
	case classFixed:
		t.Kind = Uint
		if bits[0]&0x08 != 0 {
			t.Kind = Int
		}
		t.BigEndian = bits[0]&0x01 != 0
		bitOffset, precision := d.u16(), d.u16()
		if d.err != nil {
			return t, d.err
		}
		if t.Size != 1 && t.Size != 2 && t.Size != 4 && t.Size != 8 {
			return t, unsupported("%d-byte integer (at offset %#x)", t.Size, start)
		}
		if bitOffset != 0 || int(precision) != 8*t.Size {
			return t, unsupported("integer with bit offset %d and precision %d (at offset %#x)", bitOffset, precision, start)
		}

	case classFloat:
		t.Kind = Float
		if bits[0]&0x40 != 0 {
			return t, unsupported("VAX-order floating point (at offset %#x)", start)
		}
		t.BigEndian = bits[0]&0x01 != 0
		var p struct {
			bitOffset, precision uint16
			expLoc, expSize      uint8
			mantLoc, mantSize    uint8
			expBias              uint32
		}
		p.bitOffset, p.precision = d.u16(), d.u16()
		p.expLoc, p.expSize, p.mantLoc, p.mantSize = d.u8(), d.u8(), d.u8(), d.u8()
		p.expBias = d.u32()
		if d.err != nil {
			return t, d.err
		}
		ieee32 := t.Size == 4 && p.precision == 32 && p.expLoc == 23 && p.expSize == 8 &&
			p.mantLoc == 0 && p.mantSize == 23 && p.expBias == 127
		ieee64 := t.Size == 8 && p.precision == 64 && p.expLoc == 52 && p.expSize == 11 &&
			p.mantLoc == 0 && p.mantSize == 52 && p.expBias == 1023
		if p.bitOffset != 0 || !(ieee32 || ieee64) {
			return t, unsupported("%d-byte floating point other than IEEE binary32/binary64 (at offset %#x)", t.Size, start)
		}

	case classString:
		t.Kind = String
		t.Pad = StrPad(bits[0] & 0x0F)
		cset := bits[0] >> 4
		if t.Pad > maxStrPad || cset > 1 {
			return t, errorf("string datatype at offset %#x has unknown padding %d or character set %d", start, t.Pad, cset)
		}
		t.UTF8 = cset == 1

	case classEnum:
		if depth > 0 {
			return t, unsupported("nested enum datatype (at offset %#x)", start)
		}
		n := int(bits[0]) | int(bits[1])<<8
		base, err := f.decodeDatatype(d, depth+1)
		if err != nil {
			return t, err
		}
		if base.Kind != Int && base.Kind != Uint {
			return t, unsupported("enum over %s (at offset %#x)", base, start)
		}
		if base.Size != t.Size {
			return t, errorf("enum at offset %#x has size %d but its base type has %d", start, t.Size, base.Size)
		}
		t.Kind, t.BigEndian, t.Signed = Enum, base.BigEndian, base.Kind == Int
		// Each member needs at least a name byte and its value, which bounds
		// n by the bytes left before anything is allocated.
		if n*(1+t.Size) > d.remaining() {
			return t, errorf("enum at offset %#x declares %d members, more than fit", start, n)
		}
		t.Members = make([]EnumMember, n)
		for i := range t.Members {
			rest := d.b[d.pos:]
			end := indexNUL(rest)
			if end < 0 {
				return t, errorf("enum member name at offset %#x is not terminated", d.offset())
			}
			t.Members[i].Name = string(rest[:end])
			if version < 3 {
				d.skip(align8(end + 1))
			} else {
				d.skip(end + 1)
			}
		}
		for i := range t.Members {
			v := d.take(t.Size)
			if v == nil {
				return t, d.err
			}
			t.Members[i].Value = decodeInt(v, t.BigEndian, t.Signed)
		}

	case classVarLen:
		if bits[0]&0x0F != 1 {
			return t, unsupported("variable-length sequence datatype (at offset %#x)", start)
		}
		t.Kind, t.VarLen = String, true
		t.Pad = StrPad(bits[0] >> 4)
		cset := bits[1] & 0x0F
		if t.Pad > maxStrPad || cset > 1 {
			return t, errorf("string datatype at offset %#x has unknown padding %d or character set %d", start, t.Pad, cset)
		}
		t.UTF8 = cset == 1
		if depth > 0 {
			return t, unsupported("nested variable-length datatype (at offset %#x)", start)
		}
		// The base type is always a 1-byte character; it carries nothing new.
		if _, err := f.decodeDatatype(d, depth+1); err != nil {
			return t, err
		}
		if t.Size != 4+f.offSize+4 {
			return t, errorf("variable-length string datatype at offset %#x has size %d, want %d", start, t.Size, 8+f.offSize)
		}

	default:
		if name, ok := classNames[class]; ok {
			return t, unsupported("%s datatype (class %d, at offset %#x)", name, class, start)
		}
		return t, errorf("unknown datatype class %d at offset %#x", class, start)
	}
	return t, d.err
}

// indexNUL returns the index of the first NUL byte in b, or -1.
func indexNUL(b []byte) int {
	for i, c := range b {
		if c == 0 {
			return i
		}
	}
	return -1
}
