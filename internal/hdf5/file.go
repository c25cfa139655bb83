package hdf5

import (
	"fmt"
	"os"
	"sync"

	"github.com/snnc/snnc/internal/budget"
)

// maxInflateRatio bounds how much larger than its stored bytes a deflated
// chunk can be: deflate cannot expand data by more than about 1032:1.
// Datasets whose decoded size exceeds this times the file size are rejected
// before anything is allocated.
const maxInflateRatio = 1032

// File is an opened HDF5 file. All metadata is parsed by Open; dataset
// values are decoded when they are read. A File is safe for concurrent use.
type File struct {
	data    []byte
	base    uint64 // file offset of address 0 (the superblock's position)
	offSize int    // bytes per file address: 2, 4 or 8
	lenSize int    // bytes per length field: 2, 4 or 8
	root    *Group

	// mu guards the caches of decoded values and the decode budget.
	mu        sync.Mutex
	heaps     map[uint64]*globalHeap // global heap collections, by address
	heapBytes uint64                 // bytes of all collections parsed so far
	strs      map[heapRef]string     // variable-length strings, by heap object
	mem       budget.Budget
}

// heapRef names one variable-length string: its global heap object, its
// length and how it is padded.
type heapRef struct {
	addr  uint64
	index uint32
	n     uint32
	pad   StrPad
}

// Open parses an HDF5 file held in memory with the default Options. The
// File keeps referring to data, so the caller must not modify it
// afterwards.
func Open(data []byte) (*File, error) { return OpenWith(data, Options{}) }

// OpenWith is Open with options.
//
// Values are decoded once per object: the links of one dataset share its
// decoded values, and references to one variable-length string share the
// string. Everything decoded is charged to one budget per file,
// opt.MaxMemory.
func OpenWith(data []byte, opt Options) (f *File, err error) {
	// Every structure is bounds-checked; recovering here only turns a bug
	// into an error instead of crashing the caller.
	defer recoverInternal(&err)
	f = &File{data: data, heaps: make(map[uint64]*globalHeap), strs: make(map[heapRef]string), mem: budget.New(opt.MaxMemory)}
	sb, err := f.readSuperblock()
	if err != nil {
		return nil, err
	}
	p := newParser(f)
	root, err := p.root(sb.rootHeader)
	if err != nil {
		return nil, err
	}
	f.root = root
	return f, nil
}

// OpenFile reads and opens the HDF5 file at path with the default Options.
func OpenFile(path string) (*File, error) { return OpenFileWith(path, Options{}) }

// OpenFileWith reads and opens the HDF5 file at path.
func OpenFileWith(path string, opt Options) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("hdf5: %w", err)
	}
	f, err := OpenWith(data, opt)
	if err != nil {
		return nil, fmt.Errorf("%w (file %s)", err, path)
	}
	return f, nil
}

// Root returns the root group "/".
func (f *File) Root() *Group { return f.root }

// Group returns the group at a path such as "/node/nodes".
func (f *File) Group(path string) (*Group, error) { return f.root.Group(path) }

// Dataset returns the dataset at a path such as "/node/nodes/lif/tau".
func (f *File) Dataset(path string) (*Dataset, error) { return f.root.Dataset(path) }

// at returns the n bytes at file address addr, or an error naming what was
// expected there if they are not all inside the file.
func (f *File) at(addr, n uint64, what string) ([]byte, error) {
	if addr == undefAddr {
		return nil, errorf("%s has an undefined address", what)
	}
	size := uint64(len(f.data))
	start := f.base + addr
	if addr > size || start > size || n > size-start {
		return nil, errorf("%s at offset %#x (%d bytes) extends past the end of the file (%d bytes)",
			what, start, n, size)
	}
	return f.data[start : start+n], nil
}

// fileOffset converts an address to a file offset for error messages.
func (f *File) fileOffset(addr uint64) int64 { return int64(f.base + addr) }

// maxDataBytes is the largest decoded dataset this file could legitimately
// describe; see maxInflateRatio.
func (f *File) maxDataBytes() uint64 {
	return uint64(len(f.data))*maxInflateRatio + 4096
}

// recoverInternal converts a panic into an error. It is a last line of
// defence: all input is bounds-checked before use.
func recoverInternal(err *error) {
	if r := recover(); r != nil {
		*err = errorf("internal error: %v", r)
	}
}
