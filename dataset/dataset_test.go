package dataset_test

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/snnc/snnc/dataset"
)

// ramp makes a dataset of n samples of shape [2 3] whose values encode
// their position (sample i holds i*6 + f) and whose labels are i mod 3.
func ramp(t *testing.T, n int) *dataset.Dataset {
	t.Helper()
	x := make([]float32, n*6)
	for i := range x {
		x[i] = float32(i)
	}
	y := make([]int, n)
	for i := range y {
		y[i] = i % 3
	}
	d, err := dataset.New("ramp", []int{2, 3}, x, y, 0)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestNew(t *testing.T) {
	d := ramp(t, 5)
	if d.Len() != 5 || d.Features() != 6 || d.Classes() != 3 || !slices.Equal(d.Shape(), []int{2, 3}) {
		t.Fatalf("got Len %d Features %d Classes %d Shape %v, want 5 6 3 [2 3]", d.Len(), d.Features(), d.Classes(), d.Shape())
	}
	x, label := d.Sample(4)
	if !slices.Equal(x, []float32{24, 25, 26, 27, 28, 29}) || label != 1 {
		t.Errorf("Sample(4) = %v, %d", x, label)
	}
}

func TestNewRejects(t *testing.T) {
	nan := float32(math.NaN())
	inf := float32(math.Inf(-1))
	for _, tc := range []struct {
		name    string
		shape   []int
		x       []float32
		y       []int
		classes int
		want    string
	}{
		{"NaN", []int{2}, []float32{0, 1, 2, nan}, []int{0, 1}, 2, "bad: x[1,1]: value NaN is not finite"},
		{"Inf", []int{2}, []float32{inf, 1, 2, 3}, []int{0, 1}, 2, "bad: x[0,0]: value -Inf is not finite"},
		{"label too large", []int{2}, []float32{0, 1, 2, 3}, []int{0, 2}, 2, "bad: y[1]: label 2 is out of range [0, 2)"},
		{"negative label", []int{2}, []float32{0, 1, 2, 3}, []int{-1, 0}, 0, "bad: y[0]: label -1 is out of range"},
		{"length", []int{2}, []float32{0, 1, 2}, []int{0, 1}, 2, "bad: 2 labels need 2×2 = 4 values of x, got 3"},
		{"empty shape", nil, []float32{0, 1}, []int{0, 1}, 2, "bad: a sample needs at least one dimension"},
		{"zero dimension", []int{2, 0}, nil, []int{0}, 2, "bad: sample shape [2 0] has a dimension that is not positive"},
		{"negative classes", []int{1}, []float32{0}, []int{0}, -1, "bad: negative number of classes -1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := dataset.New("bad", tc.shape, tc.x, tc.y, tc.classes)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// positions returns the original positions of d's samples, in d's order.
func positions(d *dataset.Dataset) []int {
	p := make([]int, d.Len())
	for i := range p {
		p[i] = d.Index(i)
	}
	return p
}

func isPermutation(p []int, n int) bool {
	s := slices.Sorted(slices.Values(p))
	for i, v := range s {
		if v != i {
			return false
		}
	}
	return len(s) == n
}

func TestShuffledIsDeterministic(t *testing.T) {
	d := ramp(t, 100)
	a, b := positions(d.Shuffled(7, 3)), positions(d.Shuffled(7, 3))
	if !slices.Equal(a, b) {
		t.Fatalf("the same seed and epoch gave two orders:\n%v\n%v", a, b)
	}
	if !isPermutation(a, 100) {
		t.Fatalf("not a permutation of 0..99: %v", a)
	}
	if slices.Equal(a, positions(d)) {
		t.Error("the shuffle left the order unchanged")
	}
	if slices.Equal(a, positions(d.Shuffled(7, 4))) {
		t.Error("epochs 3 and 4 gave the same order")
	}
	if slices.Equal(a, positions(d.Shuffled(8, 3))) {
		t.Error("seeds 7 and 8 gave the same order")
	}
	// Shuffling a view permutes that view's samples and keeps their data.
	v := d.Subset([]int{10, 20, 30, 40}).Shuffled(1, 0)
	if !slices.Equal(slices.Sorted(slices.Values(positions(v))), []int{10, 20, 30, 40}) {
		t.Errorf("shuffled view holds %v, want a permutation of [10 20 30 40]", positions(v))
	}
	for i := range v.Len() {
		x, label := v.Sample(i)
		j := v.Index(i)
		if x[0] != float32(j*6) || label != j%3 {
			t.Errorf("view sample %d (original %d) = %v, %d", i, j, x, label)
		}
	}
}

// TestShuffledOrderIsStable pins one order, so that a change of the
// generator or of the shuffle, which would change every training run's
// results, is noticed.
func TestShuffledOrderIsStable(t *testing.T) {
	got := positions(ramp(t, 10).Shuffled(1, 0))
	want := []int{5, 3, 1, 7, 0, 4, 2, 9, 8, 6}
	if !slices.Equal(got, want) {
		t.Errorf("Shuffled(1, 0) of 10 samples: order %v, want %v", got, want)
	}
}

func TestSplit(t *testing.T) {
	d := ramp(t, 103)
	for _, tc := range []struct {
		fraction   float64
		train, val int
	}{{0, 103, 0}, {0.1, 93, 10}, {0.25, 77, 26}, {0.5, 51, 52}, {0.999, 0, 103}} {
		train, val, err := d.Split(tc.fraction, 42)
		if err != nil {
			t.Fatal(err)
		}
		if train.Len() != tc.train || val.Len() != tc.val {
			t.Errorf("Split(%v): %d training and %d validation samples, want %d and %d",
				tc.fraction, train.Len(), val.Len(), tc.train, tc.val)
		}
		all := append(positions(train), positions(val)...)
		if !isPermutation(all, 103) {
			t.Errorf("Split(%v): the parts do not hold every sample once: %v", tc.fraction, all)
		}
		train2, val2, _ := d.Split(tc.fraction, 42)
		if !slices.Equal(positions(train), positions(train2)) || !slices.Equal(positions(val), positions(val2)) {
			t.Errorf("Split(%v) with the same seed gave different parts", tc.fraction)
		}
	}
	_, val1, _ := d.Split(0.1, 1)
	_, val2, _ := d.Split(0.1, 2)
	if slices.Equal(positions(val1), positions(val2)) {
		t.Error("seeds 1 and 2 gave the same validation set")
	}
	for _, f := range []float64{-0.1, 1, 1.5, math.NaN()} {
		if _, _, err := d.Split(f, 1); err == nil || !strings.Contains(err.Error(), "ramp: validation fraction") {
			t.Errorf("Split(%v): got error %v, want a validation fraction error", f, err)
		}
	}
}

func TestBatches(t *testing.T) {
	d := ramp(t, 10)
	for _, tc := range []struct {
		size  int
		keep  bool
		sizes []int
	}{
		{3, false, []int{3, 3, 3}},
		{3, true, []int{3, 3, 3, 1}},
		{5, false, []int{5, 5}},
		{5, true, []int{5, 5}},
		{11, false, nil},
		{11, true, []int{10}},
	} {
		batches, err := d.Batches(tc.size, tc.keep)
		if err != nil {
			t.Fatal(err)
		}
		var sizes []int
		next := 0
		for _, b := range batches {
			sizes = append(sizes, b.Len())
			x := b.Inputs(nil)
			labels := b.Labels(nil)
			for j := range b.Len() {
				want, label := d.Sample(next)
				if !slices.Equal(x[j*6:(j+1)*6], want) || labels[j] != label || b.Index(j) != next {
					t.Errorf("batch size %d: entry %d holds %v label %d, want sample %d: %v label %d",
						tc.size, j, x[j*6:(j+1)*6], labels[j], next, want, label)
				}
				next++
			}
		}
		if !slices.Equal(sizes, tc.sizes) {
			t.Errorf("Batches(%d, %v) sizes %v, want %v", tc.size, tc.keep, sizes, tc.sizes)
		}
	}
	if _, err := d.Batches(0, true); err == nil || !strings.Contains(err.Error(), "ramp: batch size 0 is not positive") {
		t.Errorf("Batches(0): got error %v", err)
	}
}

func TestConstantEncoding(t *testing.T) {
	d := ramp(t, 4)
	batches, _ := d.Batches(4, false)
	const T = 3
	x, err := batches[0].Encode(dataset.Constant{}, T, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(x) != T*4*6 {
		t.Fatalf("len %d, want %d", len(x), T*4*6)
	}
	for step := range T {
		for b := range 4 {
			want, _ := d.Sample(b)
			if got := x[(step*4+b)*6 : (step*4+b+1)*6]; !slices.Equal(got, want) {
				t.Errorf("x[%d][%d] = %v, want %v", step, b, got, want)
			}
		}
	}
	if _, err := batches[0].Encode(dataset.Constant{}, -1, 0, nil); err == nil {
		t.Error("T = -1 was accepted")
	}
	if _, err := batches[0].Encode(dataset.Constant{}, math.MaxInt32/8, 0, nil); err == nil ||
		!strings.Contains(err.Error(), "more than the limit") {
		t.Errorf("a huge T: got error %v", err)
	}
}

// constantData makes n samples of features values, all equal to v.
func constantData(t *testing.T, n, features int, v float32) *dataset.Dataset {
	t.Helper()
	x := make([]float32, n*features)
	for i := range x {
		x[i] = v
	}
	d, err := dataset.New("const", []int{features}, x, make([]int, n), 1)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestPoissonRate(t *testing.T) {
	const n, features, T = 4, 250, 200 // 200000 draws per case
	for _, tc := range []struct {
		v, maxProb, want float64
	}{
		{0, 0, 0}, {1, 0, 1}, {0.25, 0, 0.25}, {0.5, 0, 0.5}, {0.9, 0, 0.9},
		{0.5, 0.2, 0.1}, {3, 0, 1}, {-1, 0, 0},
	} {
		d := constantData(t, n, features, float32(tc.v))
		batches, _ := d.Batches(n, false)
		x, err := batches[0].Encode(dataset.Poisson{Seed: 1, MaxProb: tc.maxProb}, T, 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		spikes := 0
		for _, s := range x {
			switch s {
			case 1:
				spikes++
			case 0:
			default:
				t.Fatalf("value %v is neither a spike nor silence", s)
			}
		}
		rate := float64(spikes) / float64(len(x))
		// Five standard deviations of the mean of len(x) Bernoulli draws.
		tol := 5 * math.Sqrt(tc.want*(1-tc.want)/float64(len(x)))
		if math.Abs(rate-tc.want) > tol {
			t.Errorf("value %v, MaxProb %v: spike rate %.4f, want %v ± %.4f", tc.v, tc.maxProb, rate, tc.want, tol)
		}
	}
}

// spikeTrains encodes every sample of d over T steps in batches of size and
// returns each sample's [T][features] spikes by original position. With
// parallel set, each batch is encoded on a goroutine of its own.
func spikeTrains(t *testing.T, d *dataset.Dataset, enc dataset.Encoder, T, size int, epoch uint64, parallel bool) map[int][]float32 {
	t.Helper()
	batches, err := d.Batches(size, true)
	if err != nil {
		t.Fatal(err)
	}
	encoded := make([][]float32, len(batches))
	var wg sync.WaitGroup
	for k, b := range batches {
		run := func() {
			x, err := b.Encode(enc, T, epoch, nil)
			if err != nil {
				panic(err)
			}
			encoded[k] = x
		}
		if parallel {
			wg.Go(run)
		} else {
			run()
		}
	}
	wg.Wait()
	F := d.Features()
	trains := map[int][]float32{}
	for k, b := range batches {
		B := b.Len()
		for j := range B {
			var train []float32
			for step := range T {
				train = append(train, encoded[k][(step*B+j)*F:(step*B+j+1)*F]...)
			}
			trains[b.Index(j)] = train
		}
	}
	return trains
}

func TestPoissonIsReproducible(t *testing.T) {
	x := make([]float32, 23*6)
	for i := range x {
		x[i] = float32(i%7) / 7
	}
	d, err := dataset.New("rates", []int{6}, x, make([]int, 23), 1)
	if err != nil {
		t.Fatal(err)
	}
	enc := dataset.Poisson{Seed: 99}
	const T = 16
	ref := spikeTrains(t, d, enc, T, 4, 2, false)
	// Other batchings, another order of the samples, and goroutines give
	// every sample the same spikes.
	for name, got := range map[string]map[int][]float32{
		"same again":             spikeTrains(t, d, enc, T, 4, 2, false),
		"batches of 5":           spikeTrains(t, d, enc, T, 5, 2, false),
		"shuffled, batches of 3": spikeTrains(t, d.Shuffled(5, 0), enc, T, 3, 2, false),
		"goroutines":             spikeTrains(t, d.Shuffled(5, 1), enc, T, 2, 2, true),
	} {
		for i, want := range ref {
			if !slices.Equal(got[i], want) {
				t.Errorf("%s: sample %d has other spikes", name, i)
			}
		}
	}
	differs := func(other map[int][]float32) bool {
		for i := range ref {
			if !slices.Equal(other[i], ref[i]) {
				return true
			}
		}
		return false
	}
	if !differs(spikeTrains(t, d, enc, T, 4, 3, false)) {
		t.Error("epochs 2 and 3 gave the same spikes")
	}
	if !differs(spikeTrains(t, d, dataset.Poisson{Seed: 100}, T, 4, 2, false)) {
		t.Error("seeds 99 and 100 gave the same spikes")
	}
	// Samples with the same values get spikes of their own.
	if slices.Equal(ref[0], ref[7]) {
		t.Error("samples 0 and 7, which hold the same values, got the same spikes")
	}
}

func Example() {
	x := []float32{0, 0.5, 1, 1, 0.5, 0}
	d, _ := dataset.New("example", []int{3}, x, []int{0, 1}, 2)
	batches, _ := d.Batches(2, false)
	in, _ := batches[0].Encode(dataset.Constant{}, 2, 0, nil)
	fmt.Println(in, batches[0].Labels(nil))
	// Output: [0 0.5 1 1 0.5 0 0 0.5 1 1 0.5 0] [0 1]
}

// TestEncodeLargeBatch checks the encoding of a batch large enough to be
// split over goroutines against each sample encoded alone, with values
// that need no draw (≤ 0, ≥ 1) between those that do.
func TestEncodeLargeBatch(t *testing.T) {
	const n, features, T = 48, 700, 8 // 268800 values: several parts
	x := make([]float32, n*features)
	special := []float32{0, 1, 2, -1}
	for i := range x {
		if i%3 == 0 {
			x[i] = special[i%len(special)]
		} else {
			x[i] = float32(i%97) / 97
		}
	}
	d, err := dataset.New("large", []int{features}, x, make([]int, n), 1)
	if err != nil {
		t.Fatal(err)
	}
	enc := dataset.Poisson{Seed: 3}
	whole := spikeTrains(t, d, enc, T, n, 4, false)
	single := spikeTrains(t, d, enc, T, 1, 4, false)
	for i := range n {
		if !slices.Equal(whole[i], single[i]) {
			t.Fatalf("sample %d: other spikes in a batch of %d than alone", i, n)
		}
		for step := range T {
			for f := range features {
				v, want := x[i*features+f], float32(0)
				if v > 0 && v < 1 {
					continue // drawn
				}
				if v >= 1 {
					want = 1
				}
				if got := whole[i][step*features+f]; got != want {
					t.Fatalf("sample %d, step %d, value %v: %v, want %v", i, step, x[i*features+f], got, want)
				}
			}
		}
	}
}

// TestPoissonBits checks that EncodeBits gives the spikes Encode gives,
// bit-packed with the bits past the features clear, for a batch split over
// goroutines and a small one, into a buffer holding other bits before.
func TestPoissonBits(t *testing.T) {
	for _, c := range []struct{ n, features, T int }{{48, 700, 8}, {3, 64, 5}, {2, 129, 3}} {
		x := make([]float32, c.n*c.features)
		special := []float32{0, 1, 2, -1, 0.5}
		for i := range x {
			if i%3 == 0 {
				x[i] = special[i%len(special)]
			} else {
				x[i] = float32(i%97) / 97
			}
		}
		d, err := dataset.New("bits", []int{c.features}, x, make([]int, c.n), 1)
		if err != nil {
			t.Fatal(err)
		}
		batches, err := d.Batches(c.n, false)
		if err != nil {
			t.Fatal(err)
		}
		enc := dataset.Poisson{Seed: 5, MaxProb: 0.8}
		spikes, err := batches[0].Encode(enc, c.T, 2, nil)
		if err != nil {
			t.Fatal(err)
		}
		W := dataset.Words(c.features)
		dirty := make([]uint64, c.T*c.n*W)
		for i := range dirty {
			dirty[i] = ^uint64(0)
		}
		got, err := batches[0].EncodeBits(enc, c.T, 2, dirty)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != c.T*c.n*W {
			t.Fatalf("%+v: %d words, want %d", c, len(got), c.T*c.n*W)
		}
		for r := range c.T * c.n {
			for f := range W * 64 {
				bit := got[r*W+f/64] >> (f % 64) & 1
				want := uint64(0)
				if f < c.features && spikes[r*c.features+f] == 1 {
					want = 1
				}
				if bit != want {
					t.Fatalf("%+v: row %d, bit %d = %d, want %d", c, r, f, bit, want)
				}
			}
		}
	}
}

// BenchmarkPoisson encodes a batch of 128 samples of 784 values over 32
// steps: values spread over [0, 1], and MNIST-like ones (81 % zeros, as
// MNIST's pixels are).
func BenchmarkPoisson(b *testing.B) {
	const n, features, T = 128, 784, 32
	for _, zeros := range []int{0, 81} {
		x := make([]float32, n*features)
		for i := range x {
			if i*7919%100 >= zeros {
				x[i] = float32(i%256) / 255
			}
		}
		d, err := dataset.New("bench", []int{features}, x, make([]int, n), 1)
		if err != nil {
			b.Fatal(err)
		}
		batches, _ := d.Batches(n, false)
		b.Run(fmt.Sprintf("zeros=%d%%", zeros), func(b *testing.B) {
			var out []float32
			b.SetBytes(n * features * T * 4)
			for b.Loop() {
				out, _ = batches[0].Encode(dataset.Poisson{Seed: 1}, T, 0, out)
			}
		})
		b.Run(fmt.Sprintf("zeros=%d%%/bits", zeros), func(b *testing.B) {
			var out []uint64
			for b.Loop() {
				out, _ = batches[0].EncodeBits(dataset.Poisson{Seed: 1}, T, 0, out)
			}
		})
	}
}
