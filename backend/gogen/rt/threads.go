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
