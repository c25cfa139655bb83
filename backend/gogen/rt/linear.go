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
	}
	// Four rows at a time share each weight row (maddRows4); every
	// output's chain over i is the same as one row at a time.
	r := 0
	for ; r+4 <= rows; r += 4 {
		y0, y1, y2, y3 := y[r*out:(r+1)*out], y[(r+1)*out:(r+2)*out], y[(r+2)*out:(r+3)*out], y[(r+3)*out:(r+4)*out]
		x0, x1, x2, x3 := x[r*in:(r+1)*in], x[(r+1)*in:(r+2)*in], x[(r+2)*in:(r+3)*in], x[(r+3)*in:(r+4)*in]
		for i := 0; i < in; i++ {
			maddRows4(y0, y1, y2, y3, wT[i*out:i*out+out], x0[i], x1[i], x2[i], x3[i])
		}
	}
	for ; r < rows; r++ {
		yr := y[r*out : r*out+out]
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

// maddRows4 is maddRow on four rows sharing w: acc_k[o] = fma(x_k, w[o],
// acc_k[o]) for k = 0..3, one load of each weight.
func maddRows4(a0, a1, a2, a3, w []float32, x0, x1, x2, x3 float32) {
	n := len(w)
	a0, a1, a2, a3 = a0[:n], a1[:n], a2[:n], a3[:n]
	d0, d1, d2, d3 := float64(x0), float64(x1), float64(x2), float64(x3)
	for o, wf := range w {
		wd := float64(wf)
		s0, s1, s2, s3 := d0*wd+float64(a0[o]), d1*wd+float64(a1[o]), d2*wd+float64(a2[o]), d3*wd+float64(a3[o])
		if slowFMA(s0) || slowFMA(s1) || slowFMA(s2) || slowFMA(s3) {
			a0[o], a1[o], a2[o], a3[o] = fma32Slow(x0, wf, a0[o]), fma32Slow(x1, wf, a1[o]), fma32Slow(x2, wf, a2[o]), fma32Slow(x3, wf, a3[o])
			continue
		}
		a0[o], a1[o], a2[o], a3[o] = float32(s0), float32(s1), float32(s2), float32(s3)
	}
}

// slowFMA reports whether fma32 must take fma32Slow for the float64 sum s
// (see fma32).
func slowFMA(s float64) bool {
	b := math.Float64bits(s)
	return b&(1<<29-1) == 1<<28 || b<<1 < 897<<53
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

// The backward products of a linear layer y = x·Wᵀ + b given dy (rows
// rows, W [out][in] in torch layout, wT its transpose [in][out]):
//
//	dx  += dy·W    linearAdd(dx, dy, W, nil, rows, in, out)
//	dW  += dyᵀ·x   linearAddXT(dW, dy, x, nil, out, in, rows)
//	dWᵀ += xᵀ·dy   outerSpikes(dWT, x, dy, nil, rows, out, in), x spikes
//	               (spikeGradW calls it in blocks of rows)
//	db  += Σ dy    biasGrad(db, dy, rows, out)
//
// The first three have the signature of linear, so that the assembly
// backends emit them as variants of their product kernels; every
// implementation gives the same bits. Each gradient element is one chain
// of fused multiply-adds in a fixed order, so results do not depend on the
// implementation or the blocking.

// linearAdd is linear starting from y instead of the bias: y[r][o] =
// fma(x[r][i], wT[i][o], y[r][o]) for i = 0..in-1 in order. b is ignored.
func linearAdd(y, x, wT, b []float32, rows, out, in int) {
	for r := 0; r < rows; r++ {
		yr := y[r*out : r*out+out]
		for i, xi := range x[r*in : r*in+in] {
			maddRow(yr, wT[i*out:i*out+out], xi)
		}
	}
}

// linearAddXT is linearAdd with x given transposed: xT holds [in][rows],
// and x[r][i] is xT[i][r]. The weight gradient dW [out][in] += dyᵀ·x is
// linearAddXT(dW, dy, x, nil, out, in, rows). Four rows of y at a time
// share each row of wT while it is in L1.
func linearAddXT(y, xT, wT, b []float32, rows, out, in int) {
	r := 0
	for ; r+4 <= rows; r += 4 {
		y0 := y[r*out : r*out+out]
		y1 := y[(r+1)*out : (r+1)*out+out]
		y2 := y[(r+2)*out : (r+2)*out+out]
		y3 := y[(r+3)*out : (r+3)*out+out]
		for i := 0; i < in; i++ {
			x := xT[i*rows+r : i*rows+r+4]
			maddRows4(y0, y1, y2, y3, wT[i*out:i*out+out], x[0], x[1], x[2], x[3])
		}
	}
	for ; r < rows; r++ {
		yr := y[r*out : r*out+out]
		for i := 0; i < in; i++ {
			maddRow(yr, wT[i*out:i*out+out], xT[i*rows+r])
		}
	}
}

// gradRowBlock is the rows of one call of linearGradW's kernel: the
// strips of x and dy a register tile sweeps (64 inputs and a few outputs
// wide) stay in L1 while the tiles of the other outputs reuse them.
const gradRowBlock = 64

// linearGradW accumulates the weight gradient dW [out][in] += dyᵀ·x of a
// linear layer over rows rows with addXT, linearAddXT or one of its
// assembly twins, in blocks of gradRowBlock rows: each dW element is still
// one chain of fused multiply-adds over the rows in order.
func linearGradW(addXT func(y, x, wT, b []float32, rows, out, in int), dw, dy, x []float32, rows, out, in int) {
	for r := 0; r < rows; r += gradRowBlock {
		n := min(gradRowBlock, rows-r)
		addXT(dw, dy[r*out:(r+n)*out], x[r*in:(r+n)*in], nil, out, in, n)
	}
}

// spikeRowBlock is the rows of one call of spikeGradW's kernel: the
// assembly kernels take the inputs a chunk at a time, each chunk a pass
// over the rows, and this many rows of dy (at most 1 KiB each per column
// block) stay in L2 between passes.
const spikeRowBlock = 256

// spikeGradW accumulates dWᵀ [in][out] += xᵀ·dy of a linear layer whose
// input x is spikes, with outerSpikes or one of its assembly twins, in
// blocks of spikeRowBlock rows: each element is still one chain over the
// rows in order.
func spikeGradW(outer func(y, x, wT, b []float32, rows, out, in int), dwT, x, dy []float32, rows, out, in int) {
	for r := 0; r < rows; r += spikeRowBlock {
		n := min(spikeRowBlock, rows-r)
		outer(dwT, x[r*in:(r+n)*in], dy[r*out:(r+n)*out], nil, n, out, in)
	}
}

// outerSpikes accumulates y [in][out] += xᵀ·wT for x [rows][in] of mostly
// zeros and wT [rows][out]: for r = 0..rows-1 in order and each i with
// x[r][i] ≠ 0, y[i][o] = fma(x[r][i], wT[r][o], y[i][o]), or y[i][o] +
// wT[r][o] when x[r][i] is 1. That is linearAddXT's transposed result
// whenever the skipped terms x·wT = ±0 change nothing (finite wT, no −0 to
// keep), at one row update per spike: the weight gradient of a layer whose
// input is spikes, as outerSpikes(dWT, x, dy, nil, rows, out, in). b is
// ignored.
func outerSpikes(y, x, wT, b []float32, rows, out, in int) {
	for r := 0; r < rows; r++ {
		wr := wT[r*out : r*out+out]
		for i, xi := range x[r*in : r*in+in] {
			if xi == 0 {
				continue
			}
			yi := y[i*out : i*out+out]
			if xi == 1 {
				for o, w := range wr {
					yi[o] += w
				}
				continue
			}
			maddRow(yi, wr, xi)
		}
	}
}

// addTransposed adds t [in][out] to dw [out][in]: dw[o][i] += t[i][o].
// As transposeInto, it reads four rows of t side by side and updates each
// row of dw four values at a time.
func addTransposed(dw, t []float32, out, in int) {
	i := 0
	for ; i+4 <= in; i += 4 {
		a := t[i*out : (i+1)*out]
		b := t[(i+1)*out : (i+2)*out]
		c := t[(i+2)*out : (i+3)*out]
		d := t[(i+3)*out : (i+4)*out]
		for o := range a {
			w := dw[o*in+i : o*in+i+4]
			w[0] += a[o]
			w[1] += b[o]
			w[2] += c[o]
			w[3] += d[o]
		}
	}
	for ; i < in; i++ {
		for o, v := range t[i*out : (i+1)*out] {
			dw[o*in+i] += v
		}
	}
}

// biasGrad accumulates db[o] += dy[r][o] for r = 0..rows-1 in order.
// Four rows at a time keep each sum in a register: the same additions in
// the same order.
func biasGrad(db, dy []float32, rows, out int) {
	db = db[:out]
	r := 0
	for ; r+4 <= rows; r += 4 {
		d0, d1, d2, d3 := dy[r*out:(r+1)*out], dy[(r+1)*out:(r+2)*out], dy[(r+2)*out:(r+3)*out], dy[(r+3)*out:(r+4)*out]
		for o := range db {
			db[o] = db[o] + d0[o] + d1[o] + d2[o] + d3[o]
		}
	}
	for ; r < rows; r++ {
		for o, d := range dy[r*out : r*out+out] {
			db[o] += d
		}
	}
}

// linearBackward accumulates the gradients of y = linear(x, w, b) given
// dy, from the transposed weights wT [in][out] alone (a recurrent layer's
// step): dx[r][i] += Σ_o dy[r][o]·w[o][i] (dx may be nil), dw[o][i] +=
// Σ_r dy[r][o]·x[r][i] in torch layout [out][in], and db[o] += Σ_r dy[r][o]
// (db may be nil).
func linearBackward(dx, dw, db, x, wT, dy []float32, rows, out, in int) {
	if dx != nil {
		for r := 0; r < rows; r++ {
			dyr := dy[r*out : r*out+out]
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
	}
	linearAddXT(dw, dy, x, nil, out, in, rows)
	if db != nil {
		biasGrad(db, dy, rows, out)
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
