package hdf5

import "bytes"

// signature starts every HDF5 superblock.
var signature = []byte("\x89HDF\r\n\x1a\n")

// superblock holds the fields of superblock versions 0 and 1 that the reader
// needs.
type superblock struct {
	version    int
	rootHeader uint64 // address of the root group's object header
}

// findSignature locates the superblock. A file may start with a user block,
// so the signature may also sit at 512, 1024, 2048, ... bytes.
func (f *File) findSignature() (int, bool) {
	for off := 0; off+len(signature) <= len(f.data); off = max(512, off*2) {
		if bytes.Equal(f.data[off:off+len(signature)], signature) {
			return off, true
		}
	}
	return 0, false
}

// readSuperblock parses the superblock and sets the file's address and
// length sizes.
func (f *File) readSuperblock() (*superblock, error) {
	start, ok := f.findSignature()
	if !ok {
		return nil, errorf("not an HDF5 file (no superblock signature)")
	}
	if len(f.data) < start+9 {
		return nil, errorf("superblock at offset %#x is truncated", start)
	}
	sb := &superblock{version: int(f.data[start+8])}
	switch sb.version {
	case 0, 1:
	case 2, 3:
		return nil, unsupported("superblock version %d", sb.version)
	default:
		return nil, errorf("unknown superblock version %d at offset %#x", sb.version, start)
	}

	// Addresses are relative to the superblock, which is where the HDF5
	// library itself puts the base address when the two disagree.
	f.base = uint64(start)
	d := f.newDecoder(f.data[start:], int64(start), "superblock")
	d.skip(9)
	d.skip(4) // free-space, root symbol table entry, reserved, shared header versions
	offSize, lenSize := int(d.u8()), int(d.u8())
	d.skip(1)
	d.skip(2 + 2 + 4) // group leaf K, group internal K, consistency flags
	if sb.version == 1 {
		d.skip(4) // indexed storage K, reserved
	}
	if d.err != nil {
		return nil, d.err
	}
	if !validFieldSize(offSize) || !validFieldSize(lenSize) {
		return nil, unsupported("superblock with %d-byte addresses and %d-byte lengths", offSize, lenSize)
	}
	f.offSize, f.lenSize = offSize, lenSize

	d.addr() // base address: see above
	d.addr() // free-space info: unused by readers
	eof := d.addr()
	d.addr() // driver info block
	entry := f.readSymbolEntry(d)
	if d.err != nil {
		return nil, d.err
	}
	if eof != undefAddr && eof > uint64(len(f.data))-f.base {
		return nil, errorf("file is truncated: the superblock says %d bytes, got %d",
			eof+f.base, len(f.data))
	}
	sb.rootHeader = entry.header
	return sb, nil
}

// validFieldSize reports whether n is an address or length size the reader
// handles. HDF5 also allows 16 and 32, which no real file uses.
func validFieldSize(n int) bool { return n == 2 || n == 4 || n == 8 }
