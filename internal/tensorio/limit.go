package tensorio

import (
	"errors"
	"fmt"
)

// DefaultMaxMemory is the decode budget of a file read with a zero
// [Options.MaxMemory]: 1 GiB of decoded float64 values.
const DefaultMaxMemory = 1 << 30

// Options tunes how files are read.
type Options struct {
	// MaxMemory bounds the decoded size (8 bytes per element) of all the
	// tensors of one file together. Zero means DefaultMaxMemory; a negative
	// value means no limit.
	MaxMemory int64
}

// ErrMemoryLimit is wrapped by the error a reader returns when a file
// decodes to more than Options.MaxMemory, so that a caller can say how to
// raise the limit.
var ErrMemoryLimit = errors.New("memory limit exceeded")

type limitError struct{ msg string }

func (e *limitError) Error() string { return e.msg }
func (e *limitError) Is(target error) bool {
	return target == ErrMemoryLimit || target == ErrFormat
}

// budget is what is left of one file's decode allowance, in bytes.
type budget struct {
	left, limit int64
	unlimited   bool
}

func (o Options) budget() *budget {
	switch {
	case o.MaxMemory < 0:
		return &budget{unlimited: true}
	case o.MaxMemory == 0:
		return &budget{left: DefaultMaxMemory, limit: DefaultMaxMemory}
	}
	return &budget{left: o.MaxMemory, limit: o.MaxMemory}
}

// spend charges the float64 values of an array of shape to the budget
// before anything is allocated for it; where names the array.
func (b *budget) spend(where string, shape []int) error {
	if b.unlimited {
		return nil
	}
	n, ok := numBytes(shape, Float64)
	if !ok || int64(n) > b.left {
		return &limitError{fmt.Sprintf("%s: shape %s decodes to more than the memory limit of %d bytes",
			where, shapeString(shape), b.limit)}
	}
	b.left -= int64(n)
	return nil
}
