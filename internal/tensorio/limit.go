package tensorio

import (
	"errors"
	"fmt"

	"github.com/snnc/snnc/internal/budget"
)

// DefaultMaxMemory is the decode budget of a file read with a zero
// [Options.MaxMemory]: 1 GiB of decoded float64 values.
const DefaultMaxMemory = budget.Default

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

// budget returns the decode budget of one file read with o.
func (o Options) budget() *budget.Budget {
	b := budget.New(o.MaxMemory)
	return &b
}

// spend charges the float64 values of an array of shape to the budget
// before anything is allocated for it; where names the array.
func spend(b *budget.Budget, where string, shape []int) error {
	n, ok := numBytes(shape, Float64)
	if !ok || !b.Take(uint64(n)) {
		return &limitError{fmt.Sprintf("%s: shape %s decodes to more than the memory limit of %d bytes",
			where, shapeString(shape), b.Limit())}
	}
	return nil
}
