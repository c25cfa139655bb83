package interp

import (
	"fmt"

	"github.com/snnc/snnc/ir"
)

// poissonForward is Norse's poisson_encode at every time step of x
// ([T][B][n]): out is 1 where the draw of (seed, t, b, i) is below
// dt·f_max·x, the rate rounded by r as the working precision computes it.
// Time steps count from start, GraphRun.Start.
func poissonForward(p ir.Poisson, x, out []float64, B, n int, start int64, r func(float64) float64) {
	if B == 0 || n == 0 {
		return
	}
	rate := r(p.Rate())
	rows := len(x) / n
	for row := 0; row < rows; row++ {
		t, b := start+int64(row/B), row%B
		key := ir.PoissonRowKey(p.Seed, t, b)
		for i := 0; i < n; i++ {
			if ir.PoissonDraw(key, i) < r(rate*x[row*n+i]) {
				out[row*n+i] = 1
			}
		}
	}
}

// CheckSpikes returns an error naming the first value of x ([T][B][n], its
// first time step being step start of a longer sequence) that is not 0 or
// 1, by time step, batch entry, feature and flat index in that sequence.
func CheckSpikes(x []float64, n, B int, start int64) error {
	n, B = max(n, 1), max(B, 1)
	for k, v := range x {
		if v != 0 && v != 1 {
			row := k / n
			t := start + int64(row/B)
			flat := (t*int64(B)+int64(row%B))*int64(n) + int64(k%n)
			return fmt.Errorf("declared spikes, but the value at t=%d, b=%d, i=%d (flat index %d) is %v, not 0 or 1", t, row%B, k%n, flat, v)
		}
	}
	return nil
}
