// Package budget bounds the memory that decoding one file may allocate,
// so that a reader never takes more than its caller allowed, whatever
// sizes the file claims. The readers (internal/hdf5, internal/tensorio)
// charge every allocation to the file's budget before making it.
package budget

// Default is the budget of a zero limit: 1 GiB.
const Default = 1 << 30

// A Budget is what is left of one file's decode allowance. It is not safe
// for concurrent use: its reader serializes the charges.
type Budget struct {
	left, limit int64
	unlimited   bool
}

// New returns the budget of a limit in bytes: zero means Default, a
// negative limit means no limit.
func New(limit int64) Budget {
	switch {
	case limit < 0:
		return Budget{unlimited: true}
	case limit == 0:
		limit = Default
	}
	return Budget{left: limit, limit: limit}
}

// Take reports whether n more bytes fit and, if they do, takes them.
func (b *Budget) Take(n uint64) bool {
	if b.unlimited {
		return true
	}
	if n > uint64(b.left) {
		return false
	}
	b.left -= int64(n)
	return true
}

// Limit is the budget's limit in bytes (0 for no limit).
func (b *Budget) Limit() int64 { return b.limit }
