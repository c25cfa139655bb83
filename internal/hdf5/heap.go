package hdf5

import "bytes"

// localHeap is the data segment of a local heap, which stores the link names
// of one symbol-table group.
type localHeap struct {
	data []byte
	off  int64 // file offset of data
}

// readLocalHeap parses the local heap header ("HEAP", version 0) at addr.
func (p *parser) readLocalHeap(addr uint64) (*localHeap, error) {
	f := p.f
	hdrSize := 8 + 2*f.lenSize + f.offSize
	hdr, err := f.at(addr, uint64(hdrSize), "local heap")
	if err != nil {
		return nil, err
	}
	off := f.fileOffset(addr)
	d := f.newDecoder(hdr, off, "local heap")
	if !bytes.Equal(d.take(4), []byte("HEAP")) {
		return nil, errorf("missing local heap signature at offset %#x", off)
	}
	if v := d.u8(); v != 0 {
		return nil, errorf("unknown local heap version %d at offset %#x", v, off)
	}
	d.skip(3)
	size := d.length()
	d.length() // free list head: only writers care
	dataAddr := d.addr()
	if d.err != nil {
		return nil, d.err
	}
	data, err := f.at(dataAddr, size, "local heap data")
	if err != nil {
		return nil, err
	}
	return &localHeap{data: data, off: f.fileOffset(dataAddr)}, nil
}

// heapName returns the NUL-terminated string at offset off in the heap. The scan
// is charged to the parser's budget.
func (p *parser) heapName(h *localHeap, off uint64) (string, error) {
	if off >= uint64(len(h.data)) {
		return "", errorf("name offset %d is outside the local heap at offset %#x (%d bytes)", off, h.off, len(h.data))
	}
	rest := h.data[off:]
	n := bytes.IndexByte(rest, 0)
	if n < 0 {
		return "", errorf("unterminated name at offset %#x in the local heap", h.off+int64(off))
	}
	if err := p.spend(n, h.off); err != nil {
		return "", err
	}
	return string(rest[:n]), nil
}

// globalHeap is one global heap collection ("GCOL"): objects by index. The
// objects alias the file's bytes.
type globalHeap struct {
	objects map[uint16][]byte
}

// globalHeapObject returns object number index of the collection at addr, parsing
// and caching the collection on first use. The caller holds f.mu.
func (f *File) globalHeapObject(addr uint64, index uint32) ([]byte, error) {
	h, ok := f.heaps[addr]
	if !ok {
		var err error
		if h, err = f.readGlobalHeap(addr); err != nil {
			return nil, err
		}
		f.heaps[addr] = h
	}
	// Heap IDs store a 32-bit index, but collections number objects with 16.
	obj, ok := h.objects[uint16(index)]
	if index > 0xFFFF || !ok {
		return nil, errorf("global heap collection at offset %#x has no object %d", f.fileOffset(addr), index)
	}
	return obj, nil
}

// readGlobalHeap parses the global heap collection at addr. The caller holds
// f.mu.
func (f *File) readGlobalHeap(addr uint64) (*globalHeap, error) {
	// The collection header and each object header are padded to 8 bytes.
	hdrSize := align8(8 + f.lenSize)
	hdr, err := f.at(addr, uint64(hdrSize), "global heap collection")
	if err != nil {
		return nil, err
	}
	off := f.fileOffset(addr)
	d := f.newDecoder(hdr, off, "global heap collection")
	if !bytes.Equal(d.take(4), []byte("GCOL")) {
		return nil, errorf("missing global heap signature at offset %#x", off)
	}
	if v := d.u8(); v != 1 {
		return nil, errorf("unknown global heap version %d at offset %#x", v, off)
	}
	d.skip(3)
	size := d.length()
	if d.err != nil {
		return nil, d.err
	}
	if size < uint64(hdrSize) {
		return nil, errorf("global heap collection at offset %#x is too small (%d bytes)", off, size)
	}
	coll, err := f.at(addr, size, "global heap collection")
	if err != nil {
		return nil, err
	}
	// Collections never overlap in a valid file, so parsing more bytes than
	// the file holds means a hostile file is making us rescan the same bytes.
	if f.heapBytes += size; f.heapBytes > uint64(len(f.data)) {
		return nil, errorf("global heap collection at offset %#x overlaps other collections", off)
	}

	h := &globalHeap{objects: make(map[uint16][]byte)}
	d = f.newDecoder(coll, off, "global heap object")
	d.skip(hdrSize)
	objHdr := align8(8 + f.lenSize)
	// Each object advances by at least its header, so the loop ends.
	for d.remaining() >= objHdr {
		index := d.u16()
		d.skip(2 + 4) // reference count, reserved
		n := d.length()
		d.skip(objHdr - 8 - f.lenSize)
		if index == 0 {
			break // the free space object closes the collection
		}
		if n > uint64(d.remaining()) {
			return nil, errorf("global heap object %d at offset %#x overruns its collection", index, d.offset())
		}
		obj := d.take(int(n))
		d.skip(min(align8(int(n))-int(n), d.remaining()))
		if _, dup := h.objects[index]; dup {
			return nil, errorf("global heap collection at offset %#x has object %d twice", off, index)
		}
		h.objects[index] = obj
	}
	return h, d.err
}
