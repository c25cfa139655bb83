package rt

import "testing"

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
	// Shapes around the tile size and not multiples of it.
	for _, shape := range [][2]int{{1, 1}, {1, 17}, {17, 1}, {16, 16}, {15, 33}, {33, 47}, {256, 10}} {
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

func BenchmarkTransposeInto(b *testing.B) {
	const rows, cols = 256, 784
	w, t := make([]float32, rows*cols), make([]float32, rows*cols)
	for b.Loop() {
		transposeInto(t, w, rows, cols)
	}
}
