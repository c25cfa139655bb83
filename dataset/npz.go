package dataset

import (
	"fmt"
	"math"
	"os"
	"slices"
	"strings"

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
// is a float32, float64, integer or bool array; labels must be whole numbers
// in [0, Classes). Other arrays in the archive are ignored. Every problem is
// reported naming the file and the array, and the index of the first
// offending element: a wrong shape, a value of x that is NaN or infinite or
// too large for float32, a label that is negative, not whole or too large.
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
	tensors, err := tensorio.ReadNpzWith(f, st.Size(), path, tensorio.Options{MaxMemory: opt.MaxMemory})
	if err != nil {
		// tensorio reads float arrays only; an archive holding integer
		// arrays is read by readXY.
		xy, ok, xyErr := readXY(f, st.Size(), path, opt.MaxMemory)
		if !ok {
			return nil, err
		}
		if xyErr != nil {
			return nil, xyErr
		}
		tensors = xy
	}
	x, err := member(path, tensors, "x")
	if err != nil {
		return nil, err
	}
	y, err := member(path, tensors, "y")
	if err != nil {
		return nil, err
	}
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

// member returns the array called name, or an error listing those there are.
func member(path string, tensors []*tensorio.Tensor, name string) (*tensorio.Tensor, error) {
	var names []string
	for _, t := range tensors {
		if t.Name == name {
			return t, nil
		}
		names = append(names, t.Name)
	}
	return nil, missingArray(path, name, names)
}

// missingArray reports that array name is not among those of the archive.
func missingArray(path, name string, names []string) error {
	held := "none"
	if len(names) > 0 {
		held = strings.Join(names, ", ")
	}
	return fmt.Errorf("%s: no array %q (the archive holds %s); a dataset needs x, the samples, and y, the labels",
		path, name, held)
}
