package rt

import "sync"

// forwardChunkRows is about the rows (time steps × batch entries) Forward
// takes through the whole network at a time: each layer's output for
// those steps is still in L2 when the next layer reads it, and the
// buffers hold those steps only. Measured with the 784-256-10 spike
// classifier (Zen 5, T = 100): 256 to 2048 rows all gain over whole
// calls, 1024 the most over B = 32 and 256 (docs/performance.md, "Forward
// in chunks of time steps"). A variable for the tests.
var forwardChunkRows = 1024

// chunkSteps is the time steps of Forward's chunks for a batch of B
// entries: at least 1, and T (one chunk) for an empty batch.
func chunkSteps(T, B int) int {
	if B <= 0 {
		return max(T, 1)
	}
	return max(1, forwardChunkRows/B)
}

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
// matrix w into t, which has w's length. It reads four rows of w at a time
// side by side and writes each column's four values together: 0.08–0.16
// ms for 256×784, against 0.37 ms for 16×16 tiles written one value at a
// time (Zen 5), the bounds checks and index arithmetic per value being
// what those waited on.
func transposeInto(t, w []float32, rows, cols int) {
	r := 0
	for ; r+4 <= rows; r += 4 {
		a := w[r*cols : (r+1)*cols]
		b := w[(r+1)*cols : (r+2)*cols]
		c := w[(r+2)*cols : (r+3)*cols]
		d := w[(r+3)*cols : (r+4)*cols]
		for j := range a {
			o := t[j*rows+r : j*rows+r+4]
			o[0], o[1], o[2], o[3] = a[j], b[j], c[j], d[j]
		}
	}
	for ; r < rows; r++ {
		for j, v := range w[r*cols : (r+1)*cols] {
			t[j*rows+r] = v
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
