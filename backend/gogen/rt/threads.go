package rt

import "sync"

// moveRows copies the rows of batch entries b0 … b0+n−1 between a buffer
// of the whole batch, [steps][B][width], and one of just those entries,
// [steps][n][width]: into the part when in, back into the whole otherwise.
// A batch entry's rows are strided in the whole buffer (one per step), so
// the goroutines that split a batch work on gathered, contiguous copies.
func moveRows(whole, part []float32, steps, B, b0, n, width int, in bool) {
	for t := 0; t < steps; t++ {
		w := whole[(t*B+b0)*width : (t*B+b0+n)*width]
		p := part[t*n*width : (t+1)*n*width]
		if in {
			copy(p, w)
		} else {
			copy(w, p)
		}
	}
}

// transposeInto writes the [cols][rows] transpose of the [rows][cols]
// matrix w into t, which has w's length. It goes in 16×16 tiles, so that
// the lines of t a tile writes stay in L1 while it runs: row by row, every
// store would touch another line (0.19 against 0.46 ms for 256×784).
func transposeInto(t, w []float32, rows, cols int) {
	const tile = 16
	for r0 := 0; r0 < rows; r0 += tile {
		r1 := min(r0+tile, rows)
		for c0 := 0; c0 < cols; c0 += tile {
			c1 := min(c0+tile, cols)
			for r := r0; r < r1; r++ {
				row := w[r*cols+c0 : r*cols+c1]
				for j, v := range row {
					t[(c0+j)*rows+r] = v
				}
			}
		}
	}
}

// inputRows runs the product f (linear, linearSpikes or an assembly twin)
// of the network input for a State of B batch entries whose rows of x are
// entries xb0 … xb0+B−1 of each time step of x [T][xB][in]: one call over
// all T·B rows when x is the State's own (xB = B), else one call per time
// step on the rows in place. y is [T][B][out]; each row's result is the
// same either way.
func inputRows(f func(y, x, wT, b []float32, rows, out, in int), y, x, wT, b []float32, T, B, xB, xb0, out, in int) {
	if xB == B {
		f(y, x, wT, b, T*B, out, in)
		return
	}
	for t := range T {
		r := t*xB + xb0
		f(y[t*B*out:(t+1)*B*out], x[r*in:(r+B)*in], wT, b, B, out, in)
	}
}

// spikeGradWRows is spikeGradW for the rows of x inputRows reads: dWᵀ +=
// xᵀ·dy over the State's rows in the same order (time step after time
// step, batch entries in order), so the sums are those of spikeGradW on
// the gathered rows, bit for bit.
func spikeGradWRows(outer func(y, x, wT, b []float32, rows, out, in int), dwT, x, dy []float32, T, B, xB, xb0, out, in int) {
	if xB == B {
		spikeGradW(outer, dwT, x, dy, T*B, out, in)
		return
	}
	for t := range T {
		r := t*xB + xb0
		spikeGradW(outer, dwT, x[r*in:(r+B)*in], dy[t*B*out:(t+1)*B*out], B, out, in)
	}
}

// firstNonSpikeRows is check (firstNonSpike or a twin) over the rows of x
// [T][xB][in] of batch entries xb0 … xb0+B−1: the index in x of the first
// value that is not a spike among them, or -1. The rows come in order of
// their index in x.
func firstNonSpikeRows(check func(x []float32) int, x []float32, T, xB, xb0, B, in int) int {
	for t := range T {
		r := t*xB + xb0
		if i := check(x[r*in : (r+B)*in]); i >= 0 {
			return r*in + i
		}
	}
	return -1
}

// parallelMin is the fewest values per goroutine onRanges gives the Adam
// update: below it, starting a goroutine costs more than it saves.
const parallelMin = 1 << 14

// onRanges calls f(lo, hi) on contiguous ranges covering 0 … size−1, on up
// to n goroutines (the caller's among them), each range at least minPer
// long (but for a size below minPer), and returns when all have returned.
// The ranges depend only on n, size and minPer.
func onRanges(n, size, minPer int, f func(lo, hi int)) {
	n = max(min(n, size/max(minPer, 1)), 1)
	if n == 1 {
		f(0, size)
		return
	}
	var wg sync.WaitGroup
	for i := 1; i < n; i++ {
		wg.Go(func() { f(i*size/n, (i+1)*size/n) })
	}
	f(0, size/n)
	wg.Wait()
}
