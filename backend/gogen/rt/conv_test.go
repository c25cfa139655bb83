package rt

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// convGeoms are 1-d and 2-d convolutions with padding, strides and
// dilation.
var convGeoms = []convGeom{
	{InC: 1, OutC: 8, Groups: 1, InH: 28, InW: 28, KH: 5, KW: 5, SH: 2, SW: 2, DH: 1, DW: 1, OutH: 12, OutW: 12},
	{InC: 3, OutC: 5, Groups: 1, InH: 7, InW: 9, KH: 3, KW: 3, SH: 1, SW: 2, PH: 1, PW: 1, DH: 1, DW: 1, OutH: 7, OutW: 5},
	{InC: 2, OutC: 17, Groups: 1, InH: 6, InW: 6, KH: 2, KW: 3, SH: 1, SW: 1, PH: 2, PW: 0, DH: 2, DW: 1, OutH: 8, OutW: 4},
	{InC: 4, OutC: 3, Groups: 1, InH: 1, InW: 20, KH: 1, KW: 4, SH: 1, SW: 3, PW: 2, DH: 1, DW: 2, OutH: 1, OutW: 6}, // 1-d
}

// TestConvProduct checks that convProduct, its taps gathered for the
// linear kernel, gives conv's outputs bit for bit, with and without bias,
// over 1-d and 2-d geometries with padding, strides and dilation.
func TestConvProduct(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	for gi := range convGeoms {
		g := &convGeoms[gi]
		const rows = 3
		taps := g.InC * g.KH * g.KW
		x := randomValues(r, rows*g.InC*g.InH*g.InW)
		w := randomValues(r, g.OutC*taps)
		wT := make([]float32, len(w))
		transposeInto(wT, w, g.OutC, taps)
		p := make([]float32, g.OutH*g.OutW*taps)
		q := make([]float32, g.OutH*g.OutW*g.OutC)
		for _, b := range [][]float32{nil, randomValues(r, g.OutC)} {
			want := make([]float32, rows*g.OutC*g.OutH*g.OutW)
			conv(g, rows, want, x, w, b)
			got := randomValues(r, len(want)) // whatever y held before
			convProduct(linear, g, rows, got, x, wT, b, p, q)
			sameBits(t, fmt.Sprintf("geometry %d, bias %v", gi, b != nil), listShape{}, 0, got, want)
		}
	}
}

// TestConvProductBackward checks convProductBackward against convBackward:
// the same gradients within float32 rounding (the products are fused
// multiply-adds there, rounded products then sums in convBackward), dx
// only when asked for, over the geometries of TestConvProduct.
func TestConvProductBackward(t *testing.T) {
	r := rand.New(rand.NewPCG(33, 34))
	for gi := range convGeoms {
		g := &convGeoms[gi]
		const rows = 3
		taps := g.InC * g.KH * g.KW
		x := randomValues(r, rows*g.InC*g.InH*g.InW)
		w := randomValues(r, g.OutC*taps)
		dy := randomValues(r, rows*g.OutC*g.OutH*g.OutW)
		p := make([]float32, g.OutH*g.OutW*taps)
		q := make([]float32, g.OutH*g.OutW*g.OutC)
		dp := make([]float32, len(p))
		for _, withDX := range []bool{true, false} {
			start := randomValues(r, len(x)+len(w)+g.OutC) // the gradients add to what they hold
			grads := func() (dx, dw, db []float32) {
				dx = append([]float32(nil), start[:len(x)]...)
				dw = append([]float32(nil), start[len(x):len(x)+len(w)]...)
				db = append([]float32(nil), start[len(x)+len(w):]...)
				return dx, dw, db
			}
			wantDX, wantDW, wantDB := grads()
			gotDX, gotDW, gotDB := grads()
			if !withDX {
				wantDX, gotDX = nil, nil
			}
			convBackward(g, rows, wantDX, wantDW, wantDB, x, w, dy)
			convProductBackward(linear, linearAddXT, g, rows, gotDX, gotDW, gotDB, x, w, dy, p, q, dp)
			what := fmt.Sprintf("geometry %d, dx %v", gi, withDX)
			closeTo(t, what+": dw", gotDW, wantDW)
			closeTo(t, what+": db", gotDB, wantDB)
			if withDX {
				closeTo(t, what+": dx", gotDX, wantDX)
			}
		}
	}
}

// closeTo fails t unless every got[i] is within 1e-5 of the largest |want|
// of want[i].
func closeTo(t *testing.T, what string, got, want []float32) {
	t.Helper()
	var scale float64
	for _, v := range want {
		scale = max(scale, math.Abs(float64(v)))
	}
	for i := range want {
		if d := math.Abs(float64(got[i]) - float64(want[i])); d > 1e-5*scale {
			t.Fatalf("%s: [%d] = %v, want %v", what, i, got[i], want[i])
		}
	}
}
