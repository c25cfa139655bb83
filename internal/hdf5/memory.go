package hdf5

import (
	"errors"
	"fmt"
)

// DefaultMaxMemory is the decode budget of a file opened with a zero
// [Options.MaxMemory]: 1 GiB.
const DefaultMaxMemory = 1 << 30

// Options tunes how a file is read.
type Options struct {
	// MaxMemory bounds the memory that decoding the file's values may
	// allocate in all: assembled chunks, converted numbers and strings.
	// Zero means DefaultMaxMemory; a negative value means no limit (the
	// file's size times deflate's ratio still bounds each dataset).
	MaxMemory int64
}

// ErrMemoryLimit is wrapped by the error returned when reading a value
// would take the file's decoding past Options.MaxMemory.
var ErrMemoryLimit = errors.New("memory limit exceeded")

// memBudget is what is left of a file's decode allowance. The caller
// holds File.mu.
type memBudget struct {
	left, limit int64
	unlimited   bool
}

func newMemBudget(o Options) memBudget {
	switch {
	case o.MaxMemory < 0:
		return memBudget{unlimited: true}
	case o.MaxMemory == 0:
		return memBudget{left: DefaultMaxMemory, limit: DefaultMaxMemory}
	}
	return memBudget{left: o.MaxMemory, limit: o.MaxMemory}
}

// charge takes n bytes for what from the file's budget. The caller holds
// f.mu.
func (f *File) charge(n uint64, what string) error {
	b := &f.mem
	if b.unlimited {
		return nil
	}
	if n > uint64(b.left) {
		return fmt.Errorf("hdf5: decoding %s takes more than the memory limit of %d bytes: %w", what, b.limit, ErrMemoryLimit)
	}
	b.left -= int64(n)
	return nil
}
