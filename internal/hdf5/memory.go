package hdf5

import (
	"errors"
	"fmt"

	"github.com/snnc/snnc/internal/budget"
)

// DefaultMaxMemory is the decode budget of a file opened with a zero
// [Options.MaxMemory]: 1 GiB.
const DefaultMaxMemory = budget.Default

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

// charge takes n bytes for what from the file's budget. The caller holds
// f.mu.
func (f *File) charge(n uint64, what string) error {
	if !f.mem.Take(n) {
		return fmt.Errorf("hdf5: decoding %s takes more than the memory limit of %d bytes: %w", what, f.mem.Limit(), ErrMemoryLimit)
	}
	return nil
}
