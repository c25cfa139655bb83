package rt

// linear computes y[r][o] = b[o] + Σ_i x[r][i]·w[o][i] for rows rows, with
// w in torch layout [out][in] and b optional (nil). The sum starts with the
// bias and takes one fused multiply-add per term in order of i.
func linear(y, x, w, b []float32, rows, out, in int) {
	for r := 0; r < rows; r++ {
		xr := x[r*in : r*in+in]
		yr := y[r*out : r*out+out]
		for o := range yr {
			acc := float32(0)
			if b != nil {
				acc = b[o]
			}
			wo := w[o*in : o*in+in]
			for i, xi := range xr {
				acc = fma32(xi, wo[i], acc)
			}
			yr[o] = acc
		}
	}
}

// linearBackward accumulates the gradients of y = linear(x, w, b) given dy:
// dx[r][i] += Σ_o dy[r][o]·w[o][i] (dx may be nil), dw[o][i] += Σ_r
// dy[r][o]·x[r][i] and db[o] += Σ_r dy[r][o] (db may be nil).
func linearBackward(dx, dw, db, x, w, dy []float32, rows, out, in int) {
	for r := 0; r < rows; r++ {
		xr := x[r*in : r*in+in]
		dyr := dy[r*out : r*out+out]
		var dxr []float32
		if dx != nil {
			dxr = dx[r*in : r*in+in]
		}
		for o, d := range dyr {
			if d == 0 {
				continue // spikes and sparse gradients: nothing to add
			}
			if db != nil {
				db[o] += d
			}
			wo := w[o*in : o*in+in]
			dwo := dw[o*in : o*in+in]
			for i, xi := range xr {
				dwo[i] += float32(d * xi)
			}
			if dxr != nil {
				for i, wi := range wo {
					dxr[i] += float32(d * wi)
				}
			}
		}
	}
}
