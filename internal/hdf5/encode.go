package hdf5

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Parameters of the files the writer produces. They are h5py's defaults:
// superblock v0 with 8-byte addresses and lengths, symbol nodes of 2*4
// entries and group B-tree nodes of 2*16 children.
const (
	wLeafK         = 4
	wGroupK        = 16
	wSuperblock    = 96
	wEntrySize     = 40                                 // symbol table entry
	wSymbolNode    = 8 + 2*wLeafK*wEntrySize            // "SNOD" node, allocated full
	wBTreeNode     = 24 + 2*wGroupK*8 + (2*wGroupK+1)*8 // "TREE" node, allocated full
	wHeapHeader    = 32                                 // "HEAP" header
	wGlobalHeapMin = 4096                               // HDF5 reads at least this much of a "GCOL"
	wMaxMessage    = math.MaxUint16 &^ 7                // object header message size limit
	wUndef         = math.MaxUint64                     // undefined address
	wVarLenRefSize = 16                                 // length, collection address, object index
)

// Little-endian helpers for fixed-size buffers.
func putU16(b []byte, v uint16) { binary.LittleEndian.PutUint16(b, v) }
func putU32(b []byte, v uint32) { binary.LittleEndian.PutUint32(b, v) }
func putU64(b []byte, v uint64) { binary.LittleEndian.PutUint64(b, v) }

// encoder lays a file out front to back. Children are written before their
// parents, so every address a structure refers to is known when it is
// encoded; only the superblock is patched at the end.
type encoder struct {
	buf  []byte
	refs map[*value][]byte // encoded heap references of string values
}

// place appends b at the next 8-byte boundary and returns its address.
func (e *encoder) place(b []byte) uint64 {
	for len(e.buf)%8 != 0 {
		e.buf = append(e.buf, 0)
	}
	addr := uint64(len(e.buf))
	e.buf = append(e.buf, b...)
	return addr
}

// next returns the address the next place call will use.
func (e *encoder) next() uint64 { return uint64(align8(len(e.buf))) }

// groupAddrs are the addresses a parent's symbol table entry caches.
type groupAddrs struct{ header, btree, heap uint64 }

func encodeFile(root *WriterGroup) ([]byte, error) {
	e := &encoder{buf: make([]byte, wSuperblock), refs: make(map[*value][]byte)}
	e.writeGlobalHeaps(root)
	r, err := e.writeGroup(root)
	if err != nil {
		return nil, err
	}
	e.place(nil) // pad the end to 8 bytes too
	e.writeSuperblock(r)
	return e.buf, nil
}

// writeSuperblock fills in the version-0 superblock at offset 0.
func (e *encoder) writeSuperblock(root groupAddrs) {
	b := append([]byte(nil), signature...)
	b = append(b, 0, 0, 0, 0) // superblock, free-space, root entry, reserved versions
	b = append(b, 0, 8, 8, 0) // shared header version, offset size, length size, reserved
	b = binary.LittleEndian.AppendUint16(b, wLeafK)
	b = binary.LittleEndian.AppendUint16(b, wGroupK)
	b = binary.LittleEndian.AppendUint32(b, 0) // consistency flags
	b = binary.LittleEndian.AppendUint64(b, 0) // base address
	b = binary.LittleEndian.AppendUint64(b, wUndef)
	b = binary.LittleEndian.AppendUint64(b, uint64(len(e.buf))) // end of file
	b = binary.LittleEndian.AppendUint64(b, wUndef)             // driver info
	b = appendSymbolEntry(b, 0, root.header, &root)
	copy(e.buf, b)
}

// appendSymbolEntry encodes a symbol table entry. Subgroups (group != nil)
// cache their B-tree and heap addresses, as HDF5 does.
func appendSymbolEntry(b []byte, nameOff, header uint64, group *groupAddrs) []byte {
	b = binary.LittleEndian.AppendUint64(b, nameOff)
	b = binary.LittleEndian.AppendUint64(b, header)
	if group == nil {
		b = binary.LittleEndian.AppendUint32(b, cacheNone)
		return append(b, make([]byte, 4+16)...)
	}
	b = binary.LittleEndian.AppendUint32(b, cacheGroup)
	b = binary.LittleEndian.AppendUint32(b, 0)
	b = binary.LittleEndian.AppendUint64(b, group.btree)
	return binary.LittleEndian.AppendUint64(b, group.heap)
}

// writeGlobalHeaps stores every non-empty variable-length string in global
// heap collections right after the superblock and records the 16-byte
// reference of each string.
func (e *encoder) writeGlobalHeaps(root *WriterGroup) {
	type pending struct {
		v *value
		i int
	}
	var (
		objects [][]byte
		owners  []pending
		used    = 16 // collection header
	)
	flush := func() {
		if len(objects) == 0 {
			return
		}
		size := max(wGlobalHeapMin, used+16) // room for the closing free-space object
		b := make([]byte, 0, size)
		b = append(b, "GCOL\x01\x00\x00\x00"...)
		b = binary.LittleEndian.AppendUint64(b, uint64(size))
		for i, obj := range objects {
			b = binary.LittleEndian.AppendUint16(b, uint16(i+1))
			b = append(b, 0, 0, 0, 0, 0, 0) // reference count, reserved
			b = binary.LittleEndian.AppendUint64(b, uint64(len(obj)))
			b = append(b, obj...)
			b = append(b, make([]byte, align8(len(obj))-len(obj))...)
		}
		// The free-space object (index 0) covers the rest, header included.
		free := size - len(b)
		b = append(b, 0, 0, 0, 0, 0, 0, 0, 0) // index 0, reference count, reserved
		b = binary.LittleEndian.AppendUint64(b, uint64(free))
		b = b[:size]
		addr := e.place(b)
		for i, o := range owners {
			ref := e.refs[o.v][o.i*wVarLenRefSize:]
			putU32(ref, uint32(len(objects[i])))
			putU64(ref[4:], addr)
			putU32(ref[12:], uint32(i+1))
		}
		objects, owners, used = nil, nil, 16
	}
	add := func(v *value) {
		if !v.dtype.VarLen {
			return
		}
		e.refs[v] = make([]byte, wVarLenRefSize*len(v.strings))
		for i, s := range v.strings {
			// Even "" gets a (zero-length) object: a zero reference would
			// be a NULL string to HDF5.
			need := 16 + align8(len(s))
			if len(objects) > 0 && (used+need+16 > wGlobalHeapMin || len(objects) == math.MaxUint16) {
				flush()
			}
			objects = append(objects, []byte(s))
			owners = append(owners, pending{v, i})
			used += need
		}
	}
	var walk func(g *WriterGroup)
	walk = func(g *WriterGroup) {
		for _, a := range g.attrs {
			add(a.value)
		}
		for _, name := range g.names() {
			if c, ok := g.groups[name]; ok {
				walk(c)
				continue
			}
			d := g.datasets[name]
			add(d.value)
			for _, a := range d.attrs {
				add(a.value)
			}
		}
	}
	walk(root)
	flush()
}

// data returns the stored bytes of a value.
func (e *encoder) data(v *value) []byte {
	if v.dtype.VarLen {
		return e.refs[v]
	}
	return v.raw
}

// writeGroup writes a group's members, local heap, symbol nodes, B-tree and
// object header, in that order.
func (e *encoder) writeGroup(g *WriterGroup) (groupAddrs, error) {
	names := g.names()
	type entry struct {
		header uint64
		group  *groupAddrs
	}
	entries := make([]entry, len(names))
	for i, name := range names {
		if c, ok := g.groups[name]; ok {
			r, err := e.writeGroup(c)
			if err != nil {
				return r, err
			}
			entries[i] = entry{r.header, &r}
			continue
		}
		addr, err := e.writeDataset(g.datasets[name])
		if err != nil {
			return groupAddrs{}, err
		}
		entries[i] = entry{header: addr}
	}

	// Local heap: the empty string at offset 0, then each name
	// NUL-terminated and padded to 8 bytes. The heap is exactly full, so its
	// free list is empty, which HDF5 encodes as 1, not as undefined.
	heapData := make([]byte, 8)
	nameOff := make([]uint64, len(names))
	for i, name := range names {
		nameOff[i] = uint64(len(heapData))
		heapData = append(heapData, name...)
		heapData = append(heapData, make([]byte, align8(len(name)+1)-len(name))...)
	}
	var r groupAddrs
	r.heap = e.next()
	heap := []byte("HEAP\x00\x00\x00\x00")
	heap = binary.LittleEndian.AppendUint64(heap, uint64(len(heapData)))
	heap = binary.LittleEndian.AppendUint64(heap, 1)
	heap = binary.LittleEndian.AppendUint64(heap, r.heap+wHeapHeader)
	e.place(append(heap, heapData...))

	// Symbol nodes, each full except perhaps the last.
	var leaves []btreeChild
	for start := 0; start < len(names); start += 2 * wLeafK {
		end := min(start+2*wLeafK, len(names))
		b := make([]byte, 0, wSymbolNode)
		b = append(b, "SNOD\x01\x00"...)
		b = binary.LittleEndian.AppendUint16(b, uint16(end-start))
		for i := start; i < end; i++ {
			b = appendSymbolEntry(b, nameOff[i], entries[i].header, entries[i].group)
		}
		left := uint64(0) // offset of ""
		if len(leaves) > 0 {
			left = leaves[len(leaves)-1].right
		}
		leaves = append(leaves, btreeChild{addr: e.place(b[:wSymbolNode]), left: left, right: nameOff[end-1]})
	}
	r.btree = e.writeGroupBTree(leaves)

	msgs := []ohMessage{{typ: msgSymbolTable, data: binary.LittleEndian.AppendUint64(
		binary.LittleEndian.AppendUint64(nil, r.btree), r.heap)}}
	attrs, err := e.attributeMessages(g.attrs, g.path)
	if err != nil {
		return r, err
	}
	r.header = e.writeObjectHeader(append(msgs, attrs...))
	return r, nil
}

// btreeChild is a child of a group B-tree node. HDF5 finds a name in the
// child whose keys satisfy left < name <= right.
type btreeChild struct {
	addr        uint64
	left, right uint64 // heap offsets of the bounding names
}

// writeGroupBTree writes the B-tree over a group's symbol nodes, level by
// level from the leaves up, and returns the root's address.
func (e *encoder) writeGroupBTree(children []btreeChild) uint64 {
	for level := 0; ; level++ {
		n := max(1, (len(children)+2*wGroupK-1)/(2*wGroupK))
		base := e.next() // nodes of a level are consecutive: siblings are computable
		parents := make([]btreeChild, n)
		for i := range n {
			part := children[i*len(children)/n : (i+1)*len(children)/n]
			left, right := uint64(wUndef), uint64(wUndef)
			if i > 0 {
				left = base + uint64(i-1)*wBTreeNode
			}
			if i < n-1 {
				right = base + uint64(i+1)*wBTreeNode
			}
			b := make([]byte, 0, wBTreeNode)
			b = append(b, "TREE"...)
			b = append(b, btreeGroup, byte(level))
			b = binary.LittleEndian.AppendUint16(b, uint16(len(part)))
			b = binary.LittleEndian.AppendUint64(b, left)
			b = binary.LittleEndian.AppendUint64(b, right)
			var key0 uint64
			if len(part) > 0 {
				key0 = part[0].left
			}
			b = binary.LittleEndian.AppendUint64(b, key0)
			for _, c := range part {
				b = binary.LittleEndian.AppendUint64(b, c.addr)
				b = binary.LittleEndian.AppendUint64(b, c.right)
			}
			parents[i] = btreeChild{addr: e.place(b[:wBTreeNode]), left: key0}
			if len(part) > 0 {
				parents[i].right = part[len(part)-1].right
			}
		}
		if n == 1 {
			return parents[0].addr
		}
		children = parents
	}
}

// writeDataset writes a dataset's data and object header and returns the
// header's address.
func (e *encoder) writeDataset(d *WriterDataset) (uint64, error) {
	v := d.value
	data := e.data(v)
	dataAddr := uint64(wUndef) // never allocated: empty datasets
	if len(data) > 0 {
		dataAddr = e.place(data)
	}
	// h5py fills numbers only "if set" and variable-length data always.
	fillTime := byte(2)
	if v.dtype.VarLen {
		fillTime = 0
	}
	layout := []byte{3, layoutContiguous}
	layout = binary.LittleEndian.AppendUint64(layout, dataAddr)
	layout = binary.LittleEndian.AppendUint64(layout, uint64(len(data)))
	msgs := []ohMessage{
		{typ: msgDataspace, data: encodeDataspace(v.shape)},
		{typ: msgDatatype, flags: 1, data: encodeDatatype(v.dtype)},
		// Version 2, late allocation, fill value defined but default.
		{typ: msgFill, flags: 1, data: []byte{2, 2, fillTime, 1, 0, 0, 0, 0}},
		{typ: msgLayout, data: layout},
	}
	attrs, err := e.attributeMessages(d.attrs, d.path)
	if err != nil {
		return 0, err
	}
	return e.writeObjectHeader(append(msgs, attrs...)), nil
}

// ohMessage is an object header message to be written.
type ohMessage struct {
	typ   uint16
	flags byte
	data  []byte
}

// writeObjectHeader writes a version-1 object header holding msgs.
func (e *encoder) writeObjectHeader(msgs []ohMessage) uint64 {
	var body []byte
	for _, m := range msgs {
		size := align8(len(m.data))
		body = binary.LittleEndian.AppendUint16(body, m.typ)
		body = binary.LittleEndian.AppendUint16(body, uint16(size))
		body = append(body, m.flags, 0, 0, 0)
		body = append(body, m.data...)
		body = append(body, make([]byte, size-len(m.data))...)
	}
	b := []byte{1, 0}
	b = binary.LittleEndian.AppendUint16(b, uint16(len(msgs)))
	b = binary.LittleEndian.AppendUint32(b, 1) // reference count
	b = binary.LittleEndian.AppendUint32(b, uint32(len(body)))
	b = append(b, 0, 0, 0, 0) // pad the prefix to 16 bytes
	return e.place(append(b, body...))
}

// attributeMessages encodes attributes as version-1 attribute messages.
func (e *encoder) attributeMessages(attrs attrList, owner string) ([]ohMessage, error) {
	// The message count of a version-1 object header is 16 bits.
	if len(attrs) > math.MaxUint16-8 {
		return nil, fmt.Errorf("hdf5: %s has %d attributes; the limit is %d", owner, len(attrs), math.MaxUint16-8)
	}
	var msgs []ohMessage
	for _, a := range attrs {
		dt := encodeDatatype(a.value.dtype)
		ds := encodeDataspace(a.value.shape)
		b := []byte{1, 0}
		b = binary.LittleEndian.AppendUint16(b, uint16(len(a.name)+1))
		b = binary.LittleEndian.AppendUint16(b, uint16(len(dt)))
		b = binary.LittleEndian.AppendUint16(b, uint16(len(ds)))
		b = appendPadded(b, append([]byte(a.name), 0))
		b = appendPadded(b, dt)
		b = appendPadded(b, ds)
		b = append(b, e.data(a.value)...)
		if len(b) > wMaxMessage {
			return nil, fmt.Errorf("hdf5: %s: attribute %q is %d bytes; attributes are limited to %d", owner, a.name, len(b), wMaxMessage)
		}
		msgs = append(msgs, ohMessage{typ: msgAttribute, data: b})
	}
	return msgs, nil
}

// appendPadded appends p padded with zeros to a multiple of 8 bytes.
func appendPadded(b, p []byte) []byte {
	b = append(b, p...)
	return append(b, make([]byte, align8(len(p))-len(p))...)
}

// encodeDataspace encodes a version-1 dataspace whose maximum dimensions
// equal its dimensions, as h5py writes them.
func encodeDataspace(shape []int) []byte {
	flags := byte(0)
	if len(shape) > 0 {
		flags = 1
	}
	b := []byte{1, byte(len(shape)), flags, 0, 0, 0, 0, 0}
	for range 2 {
		for _, d := range shape {
			b = binary.LittleEndian.AppendUint64(b, uint64(d))
		}
	}
	return b
}

// encodeDatatype encodes a version-1 datatype message.
func encodeDatatype(t DType) []byte {
	head := func(class byte, bits [3]byte, size int) []byte {
		b := []byte{0x10 | class, bits[0], bits[1], bits[2]}
		return binary.LittleEndian.AppendUint32(b, uint32(size))
	}
	integer := func(size int, signed bool) []byte {
		var bits [3]byte
		if signed {
			bits[0] = 0x08
		}
		b := head(classFixed, bits, size)
		b = binary.LittleEndian.AppendUint16(b, 0) // bit offset
		return binary.LittleEndian.AppendUint16(b, uint16(8*size))
	}
	switch t.Kind {
	case Float:
		// Mantissa normalization "implied" (0x20) and the sign bit position.
		b := head(classFloat, [3]byte{0x20, byte(8*t.Size - 1), 0}, t.Size)
		b = binary.LittleEndian.AppendUint16(b, 0)
		b = binary.LittleEndian.AppendUint16(b, uint16(8*t.Size))
		if t.Size == 4 {
			b = append(b, 23, 8, 0, 23)
			return binary.LittleEndian.AppendUint32(b, 127)
		}
		b = append(b, 52, 11, 0, 52)
		return binary.LittleEndian.AppendUint32(b, 1023)
	case Int, Uint:
		return integer(t.Size, t.Kind == Int)
	case Enum:
		b := head(classEnum, [3]byte{byte(len(t.Members)), byte(len(t.Members) >> 8), 0}, t.Size)
		b = append(b, integer(t.Size, t.Signed)...)
		for _, m := range t.Members {
			b = appendPadded(b, append([]byte(m.Name), 0))
		}
		for _, m := range t.Members {
			b = append(b, byte(m.Value)) // the writer's only enum is 1-byte bool
		}
		return b
	case String:
		cset := byte(0)
		if t.UTF8 {
			cset = 1
		}
		if t.VarLen {
			b := head(classVarLen, [3]byte{0x01 | byte(t.Pad)<<4, cset, 0}, wVarLenRefSize)
			return append(b, integer(1, false)...) // base type: 1-byte characters
		}
		return head(classString, [3]byte{byte(t.Pad) | cset<<4, 0, 0}, t.Size)
	}
	panic("hdf5: encodeDatatype: unexpected kind " + t.Kind.String())
}
