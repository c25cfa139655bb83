package hdf5

import "bytes"

// Version-1 B-tree node types.
const (
	btreeGroup = 0 // children are symbol nodes (SNOD); keys are heap offsets
	btreeChunk = 1 // children are raw data chunks; keys describe the chunk
)

// maxBTreeLevel bounds the height of a B-tree. A v1 B-tree with 2K >= 2
// children per node and 64 levels would index more than 2^64 entries.
const maxBTreeLevel = 64

// btreeWalk walks a version-1 B-tree and reports every leaf entry.
type btreeWalk struct {
	f       *File
	typ     uint8
	keySize int
	// spend is charged with the bytes of every node read; it fails when a
	// hostile file makes the walk rescan too much.
	spend func(n int, off int64) error
	// visit receives each leaf entry's left key and child address, in key
	// order.
	visit func(key []byte, child uint64) error
	seen  map[uint64]bool
}

func (w *btreeWalk) run(root uint64) error {
	w.seen = make(map[uint64]bool)
	return w.node(root, -1)
}

// node walks the subtree at addr. parentLevel is -1 for the root; a child
// must sit exactly one level below its parent, which with the visited set
// rules out cycles.
func (w *btreeWalk) node(addr uint64, parentLevel int) error {
	f := w.f
	off := f.fileOffset(addr)
	if w.seen[addr] {
		return errorf("B-tree node at offset %#x is referenced twice", off)
	}
	w.seen[addr] = true

	hdrSize := 8 + 2*f.offSize
	hdr, err := f.at(addr, uint64(hdrSize), "B-tree node")
	if err != nil {
		return err
	}
	d := f.newDecoder(hdr, off, "B-tree node")
	if !bytes.Equal(d.take(4), []byte("TREE")) {
		return errorf("missing B-tree node signature at offset %#x", off)
	}
	typ := d.u8()
	level := int(d.u8())
	used := uint64(d.u16())
	if typ != w.typ {
		return errorf("B-tree node at offset %#x has type %d, want %d", off, typ, w.typ)
	}
	if parentLevel < 0 && level > maxBTreeLevel {
		return errorf("B-tree at offset %#x is %d levels deep", off, level)
	}
	if parentLevel >= 0 && level != parentLevel-1 {
		return errorf("B-tree node at offset %#x has level %d below a node of level %d", off, level, parentLevel)
	}
	// Entries: key, child, key, child, ..., key.
	entry := uint64(w.keySize + f.offSize)
	body, err := f.at(addr+uint64(hdrSize), used*entry+uint64(w.keySize), "B-tree node entries")
	if err != nil {
		return err
	}
	if err := w.spend(hdrSize+len(body), off); err != nil {
		return err
	}
	d = f.newDecoder(body, off+int64(hdrSize), "B-tree node")
	for range used {
		key := d.take(w.keySize)
		child := d.addr()
		if d.err != nil {
			return d.err
		}
		if level == 0 {
			err = w.visit(key, child)
		} else {
			err = w.node(child, level)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
