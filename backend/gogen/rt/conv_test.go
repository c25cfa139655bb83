package rt

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestConvProduct checks that convProduct, its taps gathered for the
// linear kernel, gives conv's outputs bit for bit, with and without bias,
// over 1-d and 2-d geometries with padding, strides and dilation.
func TestConvProduct(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	geoms := []convGeom{
		{InC: 1, OutC: 8, Groups: 1, InH: 28, InW: 28, KH: 5, KW: 5, SH: 2, SW: 2, DH: 1, DW: 1, OutH: 12, OutW: 12},
		{InC: 3, OutC: 5, Groups: 1, InH: 7, InW: 9, KH: 3, KW: 3, SH: 1, SW: 2, PH: 1, PW: 1, DH: 1, DW: 1, OutH: 7, OutW: 5},
		{InC: 2, OutC: 17, Groups: 1, InH: 6, InW: 6, KH: 2, KW: 3, SH: 1, SW: 1, PH: 2, PW: 0, DH: 2, DW: 1, OutH: 8, OutW: 4},
		{InC: 4, OutC: 3, Groups: 1, InH: 1, InW: 20, KH: 1, KW: 4, SH: 1, SW: 3, PW: 2, DH: 1, DW: 2, OutH: 1, OutW: 6}, // 1-d
	}
	for gi := range geoms {
		g := &geoms[gi]
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
