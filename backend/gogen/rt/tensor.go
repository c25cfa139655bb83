package rt

import "math/bits"

// maxValues is the most float32 values one buffer may hold: 2^46 (256 TiB,
// the 2^48 bytes Go can allocate) on 64-bit systems, 2^28 (1 GiB, so that
// the byte count fits in an int) on 32-bit ones. Sizes beyond it are
// refused with an error instead of failing in make.
const maxValues = 1 << (28 + 18*(bits.UintSize/64))

// mulOK returns a·b and whether it is exact: both factors non-negative and
// the product within int. Every size the entry points compute from their
// arguments goes through it, so that no product wraps around into a small
// length that a short slice would match.
func mulOK(a, b int) (int, bool) {
	if a < 0 || b < 0 {
		return 0, false
	}
	if a == 0 || b == 0 {
		return 0, true
	}
	p := a * b
	return p, p/b == a
}

// grow returns buf resliced to n elements, reallocating only when its
// capacity is too small, so that repeated calls with the same sizes do not
// allocate.
func grow(buf []float32, n int) []float32 {
	if cap(buf) < n {
		return make([]float32, n)
	}
	return buf[:n]
}

// b2f is 1 for true and 0 for false. Going through an integer lets the
// compiler use a conditional move instead of a branch, which spike
// thresholds would mispredict.
func b2f(b bool) float32 {
	var i int32
	if b {
		i = 1
	}
	return float32(i)
}

// sel is the IR's select(c, a, b): a where c is nonzero, else b.
func sel(c, a, b float32) float32 {
	if c != 0 {
		return a
	}
	return b
}

// add sets y = a + b elementwise.
func add(y, a, b []float32) {
	for i := range y {
		y[i] = a[i] + b[i]
	}
}

// scale sets y[i] = x[i]·s[i mod len(s)]: s is one value per feature, or
// one value.
func scale(y, x, s []float32) {
	for i := range y {
		y[i] = float32(x[i] * s[i%len(s)])
	}
}

// scaleBackward adds dx += dy·s and ds += dy·x.
func scaleBackward(dx, ds, x, s, dy []float32) {
	for i, d := range dy {
		dx[i] += float32(d * s[i%len(s)])
		ds[i%len(s)] += float32(d * x[i])
	}
}

// addInto sets y += x elementwise.
func addInto(y, x []float32) {
	for i := range y {
		y[i] += x[i]
	}
}

// delay sets y[t] = x[t−d] for T time steps of row values each, taking the
// first d steps from hist (the last d steps before this call, zero at
// first), and then moves the last d steps into hist.
func delay(y, x, hist []float32, T, row, d int) {
	for t := 0; t < T; t++ {
		dst := y[t*row : (t+1)*row]
		if t < d {
			copy(dst, hist[t*row:])
		} else {
			copy(dst, x[(t-d)*row:])
		}
	}
	if T >= d {
		copy(hist, x[(T-d)*row:T*row])
	} else {
		copy(hist, hist[T*row:])
		copy(hist[(d-T)*row:], x[:T*row])
	}
}

// delayBackward adds dx[t−d] += dy[t] for t ≥ d.
func delayBackward(dx, dy []float32, T, row, d int) {
	for t := d; t < T; t++ {
		addInto(dx[(t-d)*row:(t-d+1)*row], dy[t*row:(t+1)*row])
	}
}

// sumTime sets y[b][i] = Σ_t x[t][b][i], adding t in increasing order, and
// divides by T for the mean.
func sumTime(y, x []float32, T int, mean bool) {
	clear(y)
	for t := 0; t < T; t++ {
		addInto(y, x[t*len(y):(t+1)*len(y)])
	}
	if mean && T > 0 {
		for i := range y {
			y[i] /= float32(T)
		}
	}
}

// sumTimeBackward adds dx[t] += dy (dy/T for the mean) for every t.
func sumTimeBackward(dx, dy []float32, T int, mean bool) {
	for t := 0; t < T; t++ {
		row := dx[t*len(dy) : (t+1)*len(dy)]
		for i, d := range dy {
			if mean {
				d /= float32(T)
			}
			row[i] += d
		}
	}
}
