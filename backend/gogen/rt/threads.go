package rt

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
// matrix w into t, which has w's length.
func transposeInto(t, w []float32, rows, cols int) {
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			t[c*rows+r] = w[r*cols+c]
		}
	}
}
