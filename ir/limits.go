package ir

import (
	"errors"
	"fmt"
	"math/bits"
)

// The limits every graph value obeys, checked once, by type inference, so
// that nothing downstream (interpreter, generated packages, NIR export)
// computes a size that overflows or allocates without bound. They are far
// above any network a CPU runs, and low enough that a size in elements
// times 8 bytes fits an int on 32-bit platforms.
const (
	// MaxRank is the most feature dimensions a value may have (beyond
	// the time and batch dimensions of sequences).
	MaxRank = 8
	// MaxElements is the most elements a value may hold per time step and
	// batch entry (or in all, for parameters): 2^27, 512 MiB of float32.
	MaxElements = 1 << 27
	// MaxDelay is the longest delay in time steps; a delay also keeps
	// Delay × elements values per batch entry, which MaxElements bounds.
	MaxDelay = 1 << 20
)

// ErrLimit is wrapped by every error that reports a value over one of the
// limits above.
var ErrLimit = errors.New("over snnc's size limit")

// checkShape reports a shape with a dimension ≤ 0, too many dimensions or
// more than MaxElements elements, without overflowing on the way.
func checkShape(shape []int) error {
	if len(shape) > MaxRank {
		return fmt.Errorf("shape has %d dimensions, more than %d: %w", len(shape), MaxRank, ErrLimit)
	}
	if _, err := ShapeElements(shape); err != nil {
		return err
	}
	return nil
}

// ShapeElements returns the number of elements of shape, or an error if a
// dimension is ≤ 0 or the count exceeds MaxElements.
func ShapeElements(shape []int) (int, error) {
	n := uint64(1)
	for _, d := range shape {
		if d <= 0 {
			return 0, fmt.Errorf("shape %v has a dimension ≤ 0", shape)
		}
		hi, lo := bits.Mul64(n, uint64(d))
		if hi != 0 || lo > MaxElements {
			return 0, fmt.Errorf("shape %v has more than %d elements: %w", shape, MaxElements, ErrLimit)
		}
		n = lo
	}
	return int(n), nil
}

// checkWindow bounds the geometry of a convolution or pooling window so
// that its output length cannot overflow.
func checkWindow(k, stride, pad, dil int) error {
	for _, v := range []struct {
		name string
		v    int
	}{{"kernel", k}, {"stride", stride}, {"padding", pad}, {"dilation", dil}} {
		if v.v > MaxElements {
			return fmt.Errorf("%s %d is larger than %d: %w", v.name, v.v, MaxElements, ErrLimit)
		}
	}
	return nil
}

// checkDelay bounds a delay of the given value size (elements per step).
func checkDelay(delay, size int) error {
	if delay < 0 {
		return fmt.Errorf("negative delay %d", delay)
	}
	if delay > MaxDelay {
		return fmt.Errorf("delay %d is longer than %d steps: %w", delay, MaxDelay, ErrLimit)
	}
	if hi, lo := bits.Mul64(uint64(delay), uint64(size)); hi != 0 || lo > MaxElements {
		return fmt.Errorf("delay %d of %d elements keeps more than %d values per batch entry: %w", delay, size, MaxElements, ErrLimit)
	}
	return nil
}
