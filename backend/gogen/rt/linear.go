package rt

import "math"

// linear computes y[r][o] = b[o] + Σ_i x[r][i]·w[o][i] for rows rows, from
// the transposed weights wT [in][out] (b may be nil). Each output starts
// with its bias and takes one fused multiply-add per input in order of i,
// as the interpreter does; running i in the outer loop keeps the out
// accumulators independent, so they pipeline instead of waiting on each
// other.
func linear(y, x, wT, b []float32, rows, out, in int) {
	for r := 0; r < rows; r++ {
		yr := y[r*out : r*out+out]
		if b != nil {
			copy(yr, b)
		} else {
			clear(yr)
		}
		for i, xi := range x[r*in : r*in+in] {
			maddRow(yr, wT[i*out:i*out+out], xi)
		}
	}
}

// maddRow sets acc[o] = fma(x, w[o], acc[o]) for every o: fma32 with its
// fast path written out, so that the loop makes no call per element.
func maddRow(acc, w []float32, x float32) {
	w = w[:len(acc)]
	xd := float64(x)
	for o, a := range acc {
		s := xd*float64(w[o]) + float64(a)
		if b := math.Float64bits(s); b&(1<<29-1) == 1<<28 || b<<1 < 897<<53 {
			acc[o] = fma32Slow(x, w[o], a)
			continue
		}
		acc[o] = float32(s)
	}
}

// linearSpikes is linear for an input of spikes: only the active inputs'
// weight rows are added, and a spike of exactly 1 adds its weights without
// a multiplication. That is what linear computes whenever the weights are
// finite and no bias is −0: fma(0, w, acc) = acc and fma(1, w, acc) =
// acc + w.
func linearSpikes(y, x, wT, b []float32, rows, out, in int) {
	for r := 0; r < rows; r++ {
		yr := y[r*out : r*out+out]
		if b != nil {
			copy(yr, b)
		} else {
			clear(yr)
		}
		for i, xi := range x[r*in : r*in+in] {
			if xi == 0 {
				continue
			}
			wi := wT[i*out : i*out+out]
			if xi == 1 {
				for o := range yr {
					yr[o] += wi[o]
				}
				continue
			}
			maddRow(yr, wi, xi)
		}
	}
}

// linearBackward accumulates the gradients of y = linear(x, w, b) given dy:
// dx[r][i] += Σ_o dy[r][o]·w[o][i] (dx may be nil), dw[o][i] += Σ_r
// dy[r][o]·x[r][i] in torch layout [out][in], and db[o] += Σ_r dy[r][o]
// (db may be nil). w comes transposed, as wT [in][out].
func linearBackward(dx, dw, db, x, wT, dy []float32, rows, out, in int) {
	for r := 0; r < rows; r++ {
		xr := x[r*in : r*in+in]
		dyr := dy[r*out : r*out+out]
		if dx != nil {
			dxr := dx[r*in : r*in+in]
			for i := range dxr {
				wi := wT[i*out : i*out+out]
				s := float32(0)
				for o, d := range dyr {
					s += float32(d * wi[o])
				}
				dxr[i] += s
			}
		}
		for o, d := range dyr {
			if d == 0 {
				continue // spikes and sparse gradients: nothing to add
			}
			if db != nil {
				db[o] += d
			}
			dwo := dw[o*in : o*in+in]
			for i, xi := range xr {
				dwo[i] += float32(d * xi)
			}
		}
	}
}

// transpose returns the [cols][rows] transpose of the [rows][cols] matrix
// w.
func transpose(w []float32, rows, cols int) []float32 {
	t := make([]float32, len(w))
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			t[c*rows+r] = w[r*cols+c]
		}
	}
	return t
}
