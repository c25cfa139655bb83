package dataset

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Dataset is a set of labelled samples: each sample is a float32 array of
// Shape, each label a class in [0, Classes).
//
// A Dataset is read-only once made. Shuffled, Split and Subset return views
// that share the samples of the dataset they come from and list which of
// them they hold, in which order; none of them copies sample data.
type Dataset struct {
	name     string
	shape    []int
	features int
	classes  int
	x        []float32 // every sample of the underlying data, row-major
	y        []int
	order    []int // the samples of this view; nil means all, in storage order
}

// New makes a dataset from x, the n samples of shape one after another, and
// y, their n labels. name identifies the data in errors, usually the file it
// came from. classes is the number of classes; 0 means one more than the
// largest label. Every value of x must be finite and every label within
// [0, classes); an error names the first sample that is not.
// The dataset keeps x and y: the caller must not change them afterwards.
func New(name string, shape []int, x []float32, y []int, classes int) (*Dataset, error) {
	features, err := numFeatures(name, shape)
	if err != nil {
		return nil, err
	}
	n := len(y)
	if int64(len(x)) != int64(n)*int64(features) {
		return nil, fmt.Errorf("%s: %d labels need %d×%d = %d values of x, got %d",
			name, n, n, features, int64(n)*int64(features), len(x))
	}
	if classes < 0 {
		return nil, fmt.Errorf("%s: negative number of classes %d", name, classes)
	}
	if classes == 0 {
		for _, c := range y {
			classes = max(classes, c+1)
		}
	}
	for i, c := range y {
		if c < 0 || c >= classes {
			return nil, fmt.Errorf("%s: y[%d]: label %d is out of range [0, %d)", name, i, c, classes)
		}
	}
	for i, v := range x {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, fmt.Errorf("%s: x%s: value %v is not finite", name, sampleIndex(i, shape), v)
		}
	}
	return &Dataset{name: name, shape: shape, features: features, classes: classes, x: x, y: y}, nil
}

// numFeatures returns the number of values in a sample of shape, checking
// that it is positive and fits an int.
func numFeatures(name string, shape []int) (int, error) {
	if len(shape) == 0 {
		return 0, fmt.Errorf("%s: a sample needs at least one dimension", name)
	}
	n := 1
	for _, d := range shape {
		if d <= 0 {
			return 0, fmt.Errorf("%s: sample shape %v has a dimension that is not positive", name, shape)
		}
		if n > math.MaxInt32/d {
			return 0, fmt.Errorf("%s: sample shape %v has more than %d values", name, shape, math.MaxInt32)
		}
		n *= d
	}
	return n, nil
}

// sampleIndex formats flat index i of x, whose samples have shape, as a
// full index such as "[3,0,27]".
func sampleIndex(i int, shape []int) string {
	idx := make([]string, len(shape)+1)
	for k := len(shape) - 1; k >= 0; k-- {
		idx[k+1] = strconv.Itoa(i % shape[k])
		i /= shape[k]
	}
	idx[0] = strconv.Itoa(i)
	return "[" + strings.Join(idx, ",") + "]"
}

// Name returns the name given to the data in errors, usually its file.
func (d *Dataset) Name() string { return d.name }

// Len returns the number of samples.
func (d *Dataset) Len() int {
	if d.order == nil {
		return len(d.y)
	}
	return len(d.order)
}

// Shape returns the shape of one sample, e.g. [28 28] for MNIST.
// The caller must not change it.
func (d *Dataset) Shape() []int { return d.shape }

// Features returns the number of values in one sample: the product of Shape,
// and the feature count per time step and batch entry the network takes.
func (d *Dataset) Features() int { return d.features }

// Classes returns the number of classes.
func (d *Dataset) Classes() int { return d.classes }

// Index returns the position in the original data (the file, or what was
// given to New) of the i-th sample of this view.
func (d *Dataset) Index(i int) int {
	if d.order == nil {
		if i < 0 || i >= len(d.y) {
			panic("dataset: sample index out of range")
		}
		return i
	}
	return d.order[i]
}

// Sample returns the values and the label of the i-th sample. The values
// are shared with the dataset: the caller must not change them.
func (d *Dataset) Sample(i int) (x []float32, label int) {
	j := d.Index(i)
	return d.x[j*d.features : (j+1)*d.features : (j+1)*d.features], d.y[j]
}

// Label returns the label of the i-th sample.
func (d *Dataset) Label(i int) int { return d.y[d.Index(i)] }

// Subset returns a view of the samples of d at the given positions, in that
// order. Positions may repeat.
func (d *Dataset) Subset(positions []int) *Dataset {
	order := make([]int, len(positions))
	for k, i := range positions {
		order[k] = d.Index(i)
	}
	v := *d
	v.order = order
	return &v
}

// Shuffled returns a view of d's samples in a random order that depends only
// on seed, epoch and d: the same arguments always give the same order.
// Shuffling with epoch 0, 1, 2, ... gives a new order for every pass over
// the data. The order is a Fisher-Yates shuffle drawn from a PCG-DXSM
// generator (math/rand/v2's PCG) seeded from seed and epoch.
func (d *Dataset) Shuffled(seed, epoch uint64) *Dataset {
	return d.Subset(permutation(d.Len(), seed, epoch))
}

// Split divides d at random into a training part and a validation part
// holding round(valFraction × Len) samples, 0 ≤ valFraction < 1. The split
// depends only on seed and d: the same seed always gives the same two parts.
// Each part lists its samples in the random order the split drew; shuffle
// the training part for each epoch with Shuffled.
func (d *Dataset) Split(valFraction float64, seed uint64) (train, val *Dataset, err error) {
	if !(valFraction >= 0 && valFraction < 1) {
		return nil, nil, fmt.Errorf("%s: validation fraction %v is not in [0, 1)", d.name, valFraction)
	}
	n := d.Len()
	nVal := int(math.Round(valFraction * float64(n)))
	// A key of its own keeps the split unrelated to the epoch shuffles
	// drawn from the same seed.
	const splitKey = 0x73706c6974 // "split"
	p := permutation(n, seed, splitKey)
	return d.Subset(p[:n-nVal]), d.Subset(p[n-nVal:]), nil
}
