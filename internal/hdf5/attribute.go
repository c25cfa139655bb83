package hdf5

import (
	"fmt"
	"slices"
	"strings"
)

// Attribute is a small named value attached to a group or dataset.
type Attribute struct {
	name  string
	space dataspace
	dtype DType
	data  []byte // raw elements, aliasing the file
	f     *File
}

// Name returns the attribute's name.
func (a *Attribute) Name() string { return a.name }

// Shape returns the dimensions; it is empty for a scalar.
func (a *Attribute) Shape() []int { return slices.Clone(a.space.shape) }

// Len returns the number of elements (1 for a scalar).
func (a *Attribute) Len() int { return int(a.space.n) }

// Type returns the element type.
func (a *Attribute) Type() DType { return a.dtype.clone() }

// Raw returns the elements as stored; see [Dataset.Raw].
func (a *Attribute) Raw() []byte { return slices.Clone(a.data) }

// Float64s returns the elements converted to float64; see [Dataset.Float64s].
func (a *Attribute) Float64s() ([]float64, error) {
	return attrValues(a, func() ([]float64, error) { return a.f.float64s(a.dtype, a.data) })
}

// Int64s returns the elements converted to int64; see [Dataset.Int64s].
func (a *Attribute) Int64s() ([]int64, error) {
	return attrValues(a, func() ([]int64, error) { return a.f.int64s(a.dtype, a.data) })
}

// Strings returns the elements of a string attribute.
func (a *Attribute) Strings() ([]string, error) {
	return attrValues(a, func() ([]string, error) { return a.f.strings(a.dtype, a.data) })
}

func attrValues[T any](a *Attribute, conv func() ([]T, error)) (v []T, err error) {
	defer recoverInternal(&err)
	a.f.mu.Lock()
	defer a.f.mu.Unlock()
	if v, err = conv(); err != nil {
		return nil, fmt.Errorf("%w (attribute %q)", err, a.name)
	}
	return v, nil
}

// findAttr looks an attribute up by name in a sorted list.
func findAttr(attrs []*Attribute, owner, name string) (*Attribute, error) {
	i, ok := slices.BinarySearchFunc(attrs, name, func(a *Attribute, n string) int { return strings.Compare(a.name, n) })
	if !ok {
		return nil, fmt.Errorf("hdf5: %s: attribute %q %w", owner, name, ErrNotFound)
	}
	return attrs[i], nil
}

// readAttributes decodes the attribute messages of an object header, sorted
// by name.
func (p *parser) readAttributes(oh *objectHeader) ([]*Attribute, error) {
	if m, ok := oh.find(msgAttrInfo); ok {
		// Attribute info points to dense storage (a fractal heap) when an
		// object has many attributes.
		d := p.f.newDecoder(m.data, m.off, "attribute info message")
		d.skip(1)
		if flags := d.u8(); flags&0x01 != 0 {
			d.skip(2) // maximum creation index
		}
		if heap := d.addr(); d.err == nil && heap != undefAddr {
			return nil, unsupported("dense attribute storage (at offset %#x)", m.off)
		}
	}
	var attrs []*Attribute
	for _, m := range oh.msgs {
		if m.typ != msgAttribute {
			continue
		}
		a, err := p.f.readAttribute(m)
		if err != nil {
			return nil, err
		}
		attrs = append(attrs, a)
	}
	slices.SortFunc(attrs, func(a, b *Attribute) int { return strings.Compare(a.name, b.name) })
	for i := 1; i < len(attrs); i++ {
		if attrs[i].name == attrs[i-1].name {
			return nil, errorf("object header at offset %#x has two attributes named %q", p.f.fileOffset(oh.addr), attrs[i].name)
		}
	}
	return attrs, nil
}

// readAttribute decodes one attribute message (versions 1 to 3).
func (f *File) readAttribute(m message) (*Attribute, error) {
	d := f.newDecoder(m.data, m.off, "attribute message")
	version := d.u8()
	flags := d.u8()
	nameSize := int(d.u16())
	typeSize := int(d.u16())
	spaceSize := int(d.u16())
	if version == 3 {
		d.skip(1) // name character set
	}
	if d.err != nil {
		return nil, d.err
	}
	switch version {
	case 1:
		// Version 1 pads each part to a multiple of 8 bytes.
		nameSize, typeSize, spaceSize = align8(nameSize), align8(typeSize), align8(spaceSize)
	case 2, 3:
		if flags&0x03 != 0 {
			return nil, unsupported("attribute with a shared datatype or dataspace (at offset %#x)", m.off)
		}
	default:
		return nil, errorf("unknown attribute message version %d at offset %#x", version, m.off)
	}
	name := d.take(nameSize)
	typeOff := d.offset()
	typeBytes := d.take(typeSize)
	spaceOff := d.offset()
	spaceBytes := d.take(spaceSize)
	if d.err != nil {
		return nil, d.err
	}
	if n := indexNUL(name); n >= 0 {
		name = name[:n]
	}
	a := &Attribute{name: string(name), f: f}
	var err error
	if a.dtype, err = f.readDatatype(typeBytes, typeOff); err != nil {
		return nil, err
	}
	// The data follows in the message, which bounds the element count.
	if a.space, err = f.readDataspace(spaceBytes, spaceOff, uint64(d.remaining())); err != nil {
		return nil, err
	}
	nbytes, ok := mulLimit(a.space.n, uint64(a.dtype.Size), uint64(d.remaining()))
	if !ok {
		return nil, errorf("attribute %q at offset %#x has more data than its message holds", a.name, m.off)
	}
	a.data = d.take(int(nbytes))
	return a, d.err
}
