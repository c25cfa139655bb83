package hdf5

import "bytes"

// Symbol table entry cache types.
const (
	cacheNone     = 0 // nothing cached
	cacheGroup    = 1 // scratch pad holds the group's B-tree and heap addresses
	cacheSoftLink = 2 // the entry is a soft link; scratch pad holds its target
)

// symbolEntry is one link of a symbol-table group.
type symbolEntry struct {
	nameOff   uint64 // offset of the name in the group's local heap
	header    uint64 // object header address
	cacheType uint32
}

// readSymbolEntry decodes a symbol table entry: name offset, object header
// address, cache type, reserved word and a 16-byte scratch pad.
func (f *File) readSymbolEntry(d *decoder) symbolEntry {
	e := symbolEntry{nameOff: d.length(), header: d.addr(), cacheType: d.u32()}
	d.skip(4 + 16)
	return e
}

// symbolEntrySize is the encoded size of a symbol table entry.
func (f *File) symbolEntrySize() int { return f.lenSize + f.offSize + 4 + 4 + 16 }

// readSymbolNode parses a symbol table node ("SNOD", version 1).
func (p *parser) readSymbolNode(addr uint64) ([]symbolEntry, error) {
	f := p.f
	off := f.fileOffset(addr)
	hdr, err := f.at(addr, 8, "symbol table node")
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(hdr[:4], []byte("SNOD")) {
		return nil, errorf("missing symbol table node signature at offset %#x", off)
	}
	if hdr[4] != 1 {
		return nil, errorf("unknown symbol table node version %d at offset %#x", hdr[4], off)
	}
	n := int(hdr[6]) | int(hdr[7])<<8
	body, err := f.at(addr+8, uint64(n*f.symbolEntrySize()), "symbol table node entries")
	if err != nil {
		return nil, err
	}
	if err := p.spend(8+len(body), off); err != nil {
		return nil, err
	}
	d := f.newDecoder(body, off+8, "symbol table entry")
	entries := make([]symbolEntry, n)
	for i := range entries {
		entries[i] = f.readSymbolEntry(d)
	}
	return entries, d.err
}
