package dataset

import (
	"errors"
	"fmt"
	"math"
	"os"
	"slices"

	"github.com/snnc/snnc/internal/tensorio"
)

// NpzOptions tunes LoadNpz.
type NpzOptions struct {
	// Classes is the number of classes; 0 means one more than the largest
	// label.
	Classes int
	// MaxMemory bounds what x and y decode to, 8 bytes per value, checked
	// from their headers before their data is read. 0 means
	// tensorio.DefaultMaxMemory (1 GiB); a negative value means no limit.
	// x takes half as much again while it is converted to float32.
	MaxMemory int64
}

// LoadNpz reads a dataset from an .npz archive (as numpy's np.savez and
// np.savez_compressed write) holding x, the samples, of shape [N, ...] with
// at least one dimension after N, and y, the labels, of shape [N]. Each
// is a float32, float64, integer or bool array, in either byte order, read
// by tensorio.ReadNpzMembers; labels must be whole numbers in [0, Classes).
// Other members of the archive are not read, so they may hold anything.
// Every problem is reported naming the file and the array, and the index
// of the first offending element: a wrong shape, an unsupported dtype, an
// int64 or uint64 value beyond ±2^53 or a bool byte other than 0 or 1, a
// value of x that is NaN or infinite or too large for float32, a label
// that is negative, not whole or too large.
func LoadNpz(path string, opt NpzOptions) (*Dataset, error) {
	if opt.Classes < 0 {
		return nil, fmt.Errorf("%s: negative number of classes %d", path, opt.Classes)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	// Only x and y are read: other members may hold anything, even dtypes
	// tensorio cannot read.
	xy, err := tensorio.ReadNpzMembers(f, st.Size(), path, tensorio.Options{MaxMemory: opt.MaxMemory}, "x", "y")
	if errors.Is(err, tensorio.ErrMissingArray) {
		return nil, fmt.Errorf("%w; a dataset needs x, the samples, and y, the labels", err)
	}
	if err != nil {
		return nil, err
	}
	x, y := xy[0], xy[1]
	if len(x.Shape) < 2 {
		return nil, fmt.Errorf("%s: x has shape %v, want [N, features...] with at least two dimensions", path, x.Shape)
	}
	if len(y.Shape) != 1 {
		return nil, fmt.Errorf("%s: y has shape %v, want [N], one label per sample", path, y.Shape)
	}
	n := x.Shape[0]
	if y.Shape[0] != n {
		return nil, fmt.Errorf("%s: x holds %d samples but y holds %d labels", path, n, y.Shape[0])
	}
	if n == 0 {
		return nil, fmt.Errorf("%s: x holds no samples", path)
	}
	shape := slices.Clone(x.Shape[1:])
	if _, err := numFeatures(path, shape); err != nil {
		return nil, err
	}

	labels := make([]int, n)
	for i, v := range y.Data {
		switch {
		case math.IsNaN(v) || math.IsInf(v, 0):
			return nil, fmt.Errorf("%s: y[%d]: label %v is not finite", path, i, v)
		case v != math.Trunc(v):
			return nil, fmt.Errorf("%s: y[%d]: label %v is not a whole number", path, i, v)
		case v < 0:
			return nil, fmt.Errorf("%s: y[%d]: label %v is negative", path, i, v)
		case opt.Classes > 0 && v >= float64(opt.Classes):
			return nil, fmt.Errorf("%s: y[%d]: label %v is out of range for %d classes [0, %d)", path, i, v, opt.Classes, opt.Classes)
		case v > math.MaxInt32:
			return nil, fmt.Errorf("%s: y[%d]: label %v is too large", path, i, v)
		}
		labels[i] = int(v)
	}

	values := make([]float32, len(x.Data))
	for i, v := range x.Data {
		values[i] = float32(v)
		if math.IsNaN(v) || math.IsInf(float64(values[i]), 0) {
			what := "is not finite"
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				what = "is too large for float32"
			}
			return nil, fmt.Errorf("%s: x%s: value %v %s", path, sampleIndex(i, shape), v, what)
		}
	}
	x.Data = nil // let the float64 copy go before New keeps the float32 one
	return New(path, shape, values, labels, opt.Classes)
}
