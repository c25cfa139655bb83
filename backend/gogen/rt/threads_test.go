package rt

import (
	"math/rand/v2"
	"sync"
	"testing"
)

// TestMoveRows gathers batch entries 1 and 2 of a [3][4][2] buffer and
// scatters them back into a cleared one.
func TestMoveRows(t *testing.T) {
	const steps, B, width = 3, 4, 2
	whole := make([]float32, steps*B*width)
	for i := range whole {
		whole[i] = float32(i)
	}
	part := make([]float32, steps*2*width)
	moveRows(whole, part, steps, B, 1, 2, width, true)
	for s := 0; s < steps; s++ {
		for b := 0; b < 2; b++ {
			for f := 0; f < width; f++ {
				if got, want := part[(s*2+b)*width+f], whole[(s*B+1+b)*width+f]; got != want {
					t.Fatalf("part[%d][%d][%d] = %g, want %g", s, b, f, got, want)
				}
			}
		}
	}
	back := make([]float32, len(whole))
	moveRows(back, part, steps, B, 1, 2, width, false)
	for s := 0; s < steps; s++ {
		for b := 0; b < B; b++ {
			for f := 0; f < width; f++ {
				i := (s*B+b)*width + f
				want := float32(0)
				if b == 1 || b == 2 {
					want = whole[i]
				}
				if back[i] != want {
					t.Fatalf("back[%d][%d][%d] = %g, want %g", s, b, f, back[i], want)
				}
			}
		}
	}
}

func TestTransposeInto(t *testing.T) {
	w := []float32{1, 2, 3, 4, 5, 6} // [2][3]
	got := make([]float32, 6)
	transposeInto(got, w, 2, 3)
	want := transpose(w, 2, 3)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("transposeInto = %v, want %v", got, want)
		}
	}
	if want[1] != 4 {
		t.Fatalf("transpose = %v, want [1 4 2 5 3 6]", want)
	}
	// Rows around and not multiples of the four taken at a time.
	for _, shape := range [][2]int{{1, 1}, {1, 17}, {17, 1}, {3, 5}, {4, 4}, {5, 3}, {16, 16}, {15, 33}, {33, 47}, {256, 10}, {10, 256}} {
		rows, cols := shape[0], shape[1]
		w := make([]float32, rows*cols)
		for i := range w {
			w[i] = float32(i + 1)
		}
		got := make([]float32, len(w))
		transposeInto(got, w, rows, cols)
		for r := 0; r < rows; r++ {
			for c := 0; c < cols; c++ {
				if got[c*rows+r] != w[r*cols+c] {
					t.Fatalf("%d×%d: t[%d][%d] = %g, want %g", rows, cols, c, r, got[c*rows+r], w[r*cols+c])
				}
			}
		}
	}
}

// TestAddTransposed checks dw[o][i] += t[i][o] on shapes around the four
// rows taken at a time.
func TestAddTransposed(t *testing.T) {
	for _, shape := range [][2]int{{1, 1}, {1, 7}, {7, 1}, {3, 5}, {4, 4}, {5, 3}, {64, 785}, {10, 256}} {
		out, in := shape[0], shape[1]
		tr, dw := make([]float32, in*out), make([]float32, out*in)
		for k := range tr {
			tr[k], dw[k] = float32(k+1), float32(-3*k)
		}
		got := append([]float32(nil), dw...)
		addTransposed(got, tr, out, in)
		for o := range out {
			for i := range in {
				if want := dw[o*in+i] + tr[i*out+o]; got[o*in+i] != want {
					t.Fatalf("%d×%d: dw[%d][%d] = %g, want %g", out, in, o, i, got[o*in+i], want)
				}
			}
		}
	}
}

func BenchmarkTransposeInto(b *testing.B) {
	const rows, cols = 256, 784
	w, t := make([]float32, rows*cols), make([]float32, rows*cols)
	for b.Loop() {
		transposeInto(t, w, rows, cols)
	}
}

// TestInputRowsInPlace checks that the in-place products of a part (rows
// xb0 … of each time step of the caller's x) equal the products of the
// gathered rows bit for bit, and that firstNonSpikeRows finds the first
// value that is not a spike among the part's rows, as an index of x.
func TestInputRowsInPlace(t *testing.T) {
	const T, xB, xb0, B, in, out = 3, 5, 1, 3, 70, 9
	r := rand.New(rand.NewPCG(9, 10))
	x := make([]float32, T*xB*in)
	for i := range x {
		if r.IntN(4) == 0 {
			x[i] = 1
		}
	}
	wT, b, dy := normals(r, in*out), normals(r, out), normals(r, T*B*out)
	gathered := make([]float32, T*B*in)
	moveRows(x, gathered, T, xB, xb0, B, in, true)

	want, got := make([]float32, T*B*out), make([]float32, T*B*out)
	inputRows(linearSpikes, want, gathered, wT, b, T, B, B, 0, out, in)
	inputRows(linearSpikes, got, x, wT, b, T, B, xB, xb0, out, in)
	sameFloats(t, "inputRows", got, want)

	wantW, gotW := make([]float32, in*out), make([]float32, in*out)
	spikeGradWRows(outerSpikes, wantW, gathered, dy, T, B, B, 0, out, in)
	spikeGradWRows(outerSpikes, gotW, x, dy, T, B, xB, xb0, out, in)
	sameFloats(t, "spikeGradWRows", gotW, wantW)

	if i := firstNonSpikeRows(firstNonSpike, x, T, xB, xb0, B, in); i != -1 {
		t.Fatalf("firstNonSpikeRows on spikes = %d", i)
	}
	x[(0*xB+4)*in] = 0.5 // batch entry 4: not the part's
	x[(2*xB+2)*in+5] = 2
	x[(1*xB+3)*in+7] = -1
	if i, want := firstNonSpikeRows(firstNonSpike, x, T, xB, xb0, B, in), (1*xB+3)*in+7; i != want {
		t.Fatalf("firstNonSpikeRows = %d, want %d", i, want)
	}
}

// TestOnRanges checks that the ranges cover 0 … size−1 once, at most n of
// them, each at least minPer long when there are several.
func TestOnRanges(t *testing.T) {
	for n := 1; n <= 5; n++ {
		for _, minPer := range []int{1, 7, 64} {
			for size := 0; size <= 200; size++ {
				var mu sync.Mutex
				seen := make([]int, size)
				var lens []int
				onRanges(n, size, minPer, func(lo, hi int) {
					mu.Lock()
					defer mu.Unlock()
					lens = append(lens, hi-lo)
					for i := lo; i < hi; i++ {
						seen[i]++
					}
				})
				for i, c := range seen {
					if c != 1 {
						t.Fatalf("n=%d minPer=%d size=%d: value %d covered %d times", n, minPer, size, i, c)
					}
				}
				if len(lens) > n {
					t.Fatalf("n=%d minPer=%d size=%d: %d ranges", n, minPer, size, len(lens))
				}
				for _, l := range lens {
					if len(lens) > 1 && l < minPer {
						t.Fatalf("n=%d minPer=%d size=%d: a range of %d", n, minPer, size, l)
					}
				}
			}
		}
	}
}
