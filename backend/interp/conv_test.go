package interp

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/diff/fd"
)

func convTestRand(rng *rand.Rand, n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = 2*rng.Float64() - 1
	}
	return s
}

func convTestNaNs(n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = math.NaN()
	}
	return s
}

func convTestDot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// convTestRun checks g, runs convForward into a NaN-filled y (so that every
// element must be written) and returns y.
func convTestRun(t *testing.T, g ConvGeom, rows int, x, w, b []float64) []float64 {
	t.Helper()
	require.NoError(t, g.Validate())
	y := convTestNaNs(rows * g.OutC * g.OutH() * g.OutW())
	convForward(g, rows, x, w, b, y)
	return y
}

// TestConvHandComputed checks small cases worked out by hand.
func TestConvHandComputed(t *testing.T) {
	// x = 1 2 3    w = 1 2
	//     4 5 6        3 4
	//     7 8 9
	x := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9}
	w := []float64{1, 2, 3, 4}

	t.Run("stride1", func(t *testing.T) {
		g := ConvGeom{InC: 1, OutC: 1, Groups: 1, InH: 3, InW: 3, KH: 2, KW: 2, SH: 1, SW: 1, DH: 1, DW: 1}
		assert.Equal(t, 2, g.OutH())
		assert.Equal(t, 2, g.OutW())
		// (0,0): 1·1 + 2·2 + 4·3 + 5·4 = 37
		// (0,1): 2·1 + 3·2 + 5·3 + 6·4 = 47
		// (1,0): 4·1 + 5·2 + 7·3 + 8·4 = 67
		// (1,1): 5·1 + 6·2 + 8·3 + 9·4 = 77
		assert.Equal(t, []float64{37, 47, 67, 77}, convTestRun(t, g, 1, x, w, nil))
		// A bias of 0.5 is added to every output.
		assert.Equal(t, []float64{37.5, 47.5, 67.5, 77.5}, convTestRun(t, g, 1, x, w, []float64{0.5}))
	})

	t.Run("stride2pad1", func(t *testing.T) {
		g := ConvGeom{InC: 1, OutC: 1, Groups: 1, InH: 3, InW: 3, KH: 2, KW: 2, SH: 2, SW: 2, PH: 1, PW: 1, DH: 1, DW: 1}
		// OutH = floor((3 + 2 − 1 − 1)/2) + 1 = 2.
		assert.Equal(t, 2, g.OutH())
		assert.Equal(t, 2, g.OutW())
		// The window of (oh, ow) starts at (2·oh − 1, 2·ow − 1).
		// (0,0): rows −1..0, cols −1..0: only x[0][0] = 1 under w[1][1] = 4 → 4
		// (0,1): rows −1..0, cols 1..2: 2·w[1][0] + 3·w[1][1] = 6 + 12 = 18
		// (1,0): rows 1..2, cols −1..0: 4·w[0][1] + 7·w[1][1] = 8 + 28 = 36
		// (1,1): rows 1..2, cols 1..2: 5·1 + 6·2 + 8·3 + 9·4 = 77
		assert.Equal(t, []float64{4, 18, 36, 77}, convTestRun(t, g, 1, x, w, nil))
	})

	t.Run("groups2", func(t *testing.T) {
		// 1-d, InC = 4, OutC = 2, Groups = 2, L = 3, K = 2: output channel 0
		// sees input channels 0, 1 and output channel 1 sees 2, 3.
		g := ConvGeom{InC: 4, OutC: 2, Groups: 2, InW: 3, KW: 2, SW: 1, DW: 1}
		assert.Equal(t, 1, g.OutH())
		assert.Equal(t, 2, g.OutW())
		x := []float64{
			1, 2, 3, // row 0, c0
			0, 1, 0, // c1
			2, 0, 1, // c2
			1, 1, 1, // c3
		}
		// Second row: −x.
		for i := range 12 {
			x = append(x, -x[i])
		}
		w := []float64{
			1, 1, 2, 0, // oc0: [c0: 1 1] [c1: 2 0]
			1, -1, 0, 3, // oc1: [c2: 1 −1] [c3: 0 3]
		}
		b := []float64{0, 10}
		// Row 0:
		// oc0 t0: (1·1 + 2·1) + (0·2 + 1·0) = 3
		// oc0 t1: (2·1 + 3·1) + (1·2 + 0·0) = 7
		// oc1 t0: 10 + (2·1 + 0·(−1)) + (1·0 + 1·3) = 15
		// oc1 t1: 10 + (0·1 + 1·(−1)) + (1·0 + 1·3) = 12
		// Row 1 negates the sums but not the bias: −3, −7, 10−5 = 5, 10−2 = 8.
		assert.Equal(t, []float64{3, 7, 15, 12, -3, -7, 5, 8}, convTestRun(t, g, 2, x, w, b))
	})

	t.Run("dilation2", func(t *testing.T) {
		// x[i][j] = 4i + j on 4×4, w = [1 2; 3 4], dilation 2: the effective
		// kernel is 3×3 and the output 2×2, with
		// y(oh,ow) = 1·x[oh][ow] + 2·x[oh][ow+2] + 3·x[oh+2][ow] + 4·x[oh+2][ow+2]
		//          = 10·(4·oh + ow) + 2·2 + 3·8 + 4·10 = 10·(4·oh + ow) + 68.
		g := ConvGeom{InC: 1, OutC: 1, Groups: 1, InH: 4, InW: 4, KH: 2, KW: 2, SH: 1, SW: 1, DH: 2, DW: 2}
		x := make([]float64, 16)
		for i := range x {
			x[i] = float64(i)
		}
		assert.Equal(t, []float64{68, 78, 108, 118}, convTestRun(t, g, 1, x, w, nil))
	})

	t.Run("1d", func(t *testing.T) {
		// x = 1 2 3 4 5, w = 1 0 −1, b = 1, stride 2, padding 1:
		// L_out = floor((5 + 2 − 2 − 1)/2) + 1 = 3, windows start at −1, 1, 3.
		// t0: 1 + 0·1 + 1·0 + 2·(−1) = −1
		// t1: 1 + 2·1 + 3·0 + 4·(−1) = −1
		// t2: 1 + 4·1 + 5·0 + 0·(−1) = 5
		g := ConvGeom{InC: 1, OutC: 1, Groups: 1, InW: 5, KW: 3, SW: 2, PW: 1, DW: 1}
		assert.Equal(t, 3, g.OutW())
		y := convTestRun(t, g, 1, []float64{1, 2, 3, 4, 5}, []float64{1, 0, -1}, []float64{1})
		assert.Equal(t, []float64{-1, -1, 5}, y)
		// The same with the H fields spelled out.
		g2 := g
		g2.InH, g2.KH, g2.SH, g2.DH = 1, 1, 1, 1
		assert.Equal(t, y, convTestRun(t, g2, 1, []float64{1, 2, 3, 4, 5}, []float64{1, 0, -1}, []float64{1}))
	})
}

// TestConvPoolHandComputed checks pooling on small cases worked out by hand.
func TestConvPoolHandComputed(t *testing.T) {
	t.Run("sum", func(t *testing.T) {
		// x[i][j] = 4i + j on 4×4, kernel 2×2, stride 2:
		// (0,0): 0+1+4+5 = 10, (0,1): 2+3+6+7 = 18,
		// (1,0): 8+9+12+13 = 42, (1,1): 10+11+14+15 = 50.
		g := ConvGeom{InC: 1, OutC: 1, InH: 4, InW: 4, KH: 2, KW: 2, SH: 2, SW: 2, DH: 1, DW: 1}
		require.NoError(t, g.ValidatePool())
		x := make([]float64, 16)
		for i := range x {
			x[i] = float64(i)
		}
		y := convTestNaNs(4)
		sumPoolForward(g, 1, x, y)
		assert.Equal(t, []float64{10, 18, 42, 50}, y)
		// Every input is in exactly one window: dx = dy spread out.
		dx := make([]float64, 16)
		sumPoolBackward(g, 1, []float64{1, 2, 3, 4}, dx)
		assert.Equal(t, []float64{1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}, dx)
	})

	t.Run("avgPad", func(t *testing.T) {
		// x = [1 2; 3 4], kernel 2×2, stride 1, padding 1: output 3×3, each
		// window sum divided by 4 (padding counts in the divisor):
		// 1/4    (1+2)/4    2/4
		// (1+3)/4 10/4    (2+4)/4
		// 3/4    (3+4)/4    4/4
		g := ConvGeom{InC: 1, OutC: 1, InH: 2, InW: 2, KH: 2, KW: 2, SH: 1, SW: 1, PH: 1, PW: 1, DH: 1, DW: 1}
		require.NoError(t, g.ValidatePool())
		y := convTestNaNs(9)
		avgPoolForward(g, 1, []float64{1, 2, 3, 4}, y)
		assert.Equal(t, []float64{0.25, 0.75, 0.5, 1, 2.5, 1.5, 0.75, 1.75, 1}, y)
		// With dy = 1 everywhere, each input is in 4 windows: dx = 4·(1/4).
		dx := []float64{10, 20, 30, 40}
		avgPoolBackward(g, 1, []float64{1, 1, 1, 1, 1, 1, 1, 1, 1}, dx)
		assert.Equal(t, []float64{11, 21, 31, 41}, dx)
	})

	t.Run("1d", func(t *testing.T) {
		// Two rows, two channels, L = 5, kernel 3, stride 2, padding 1:
		// windows start at −1, 1, 3.
		g := ConvGeom{InC: 2, OutC: 2, InW: 5, KW: 3, SW: 2, PW: 1, DW: 1}
		require.NoError(t, g.ValidatePool())
		x := []float64{
			1, 2, 3, 4, 5,
			0, 0, 6, 0, 0,
			-1, -1, -1, -1, -1,
			1, 0, 0, 0, 1,
		}
		y := convTestNaNs(12)
		sumPoolForward(g, 2, x, y)
		// 1+2 = 3, 2+3+4 = 9, 4+5 = 9; 0, 6, 0; −2, −3, −2; 1, 0, 1.
		assert.Equal(t, []float64{3, 9, 9, 0, 6, 0, -2, -3, -2, 1, 0, 1}, y)
		avgPoolForward(g, 2, x, y)
		assert.Equal(t, []float64{1, 3, 3, 0, 2, 0, -2.0 / 3, -1, -2.0 / 3, 1.0 / 3, 0, 1.0 / 3}, y)
	})
}

// convTestRef is an independent, naive convolution: the output size is
// found by counting the window positions that fit, every input channel is
// visited and those outside the output channel's group skipped, and
// padding is read as an explicit zero.
func convTestRef(g ConvGeom, rows int, x, w, b []float64) (y []float64, outH, outW int) {
	inH, kH, sH, pH, dH := g.InH, g.KH, g.SH, g.PH, g.DH
	if kH == 0 { // 1-d
		inH, kH, sH, pH, dH = 1, 1, 1, 0, 1
	}
	for outH*sH+dH*(kH-1) < inH+2*pH {
		outH++
	}
	for outW*g.SW+g.DW*(g.KW-1) < g.InW+2*g.PW {
		outW++
	}
	icPerG, ocPerG := g.InC/g.Groups, g.OutC/g.Groups
	at := func(r, c, i, j int) float64 {
		if i < 0 || i >= inH || j < 0 || j >= g.InW {
			return 0
		}
		return x[((r*g.InC+c)*inH+i)*g.InW+j]
	}
	y = make([]float64, rows*g.OutC*outH*outW)
	for r := 0; r < rows; r++ {
		for oc := 0; oc < g.OutC; oc++ {
			for oh := 0; oh < outH; oh++ {
				for ow := 0; ow < outW; ow++ {
					s := 0.0
					if b != nil {
						s = b[oc]
					}
					for ic := 0; ic < g.InC; ic++ {
						if ic/icPerG != oc/ocPerG {
							continue
						}
						for kh := 0; kh < kH; kh++ {
							for kw := 0; kw < g.KW; kw++ {
								wv := w[((oc*icPerG+ic%icPerG)*kH+kh)*g.KW+kw]
								s += float64(wv * at(r, ic, oh*sH-pH+kh*dH, ow*g.SW-g.PW+kw*g.DW))
							}
						}
					}
					y[((r*g.OutC+oc)*outH+oh)*outW+ow] = s
				}
			}
		}
	}
	return y, outH, outW
}

// convTestGeom draws a random valid geometry: groups 1–3 dividing the
// channels, kernels 1–4, strides 1–3, paddings 0–2, dilations 1–2 and input
// sizes, odd ones included, from the smallest that gives an output up to 6
// more. With oneD the H fields are left zero.
func convTestGeom(rng *rand.Rand, oneD bool) ConvGeom {
	groups := 1 + rng.IntN(3)
	g := ConvGeom{
		Groups: groups,
		InC:    groups * (1 + rng.IntN(3)),
		OutC:   groups * (1 + rng.IntN(3)),
	}
	dim := func() (in, k, s, p, d int) {
		k, s, p, d = 1+rng.IntN(4), 1+rng.IntN(3), rng.IntN(3), 1+rng.IntN(2)
		in = max(1, d*(k-1)+1-2*p) + rng.IntN(7)
		return
	}
	g.InW, g.KW, g.SW, g.PW, g.DW = dim()
	if !oneD {
		g.InH, g.KH, g.SH, g.PH, g.DH = dim()
	}
	return g
}

// TestConvForwardRandom compares convForward with the naive reference on
// random geometries.
func TestConvForwardRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := range 1000 {
		oneD := n%4 == 0
		g := convTestGeom(rng, oneD)
		rows := 1 + rng.IntN(3)
		require.NoError(t, g.Validate(), "%+v", g)
		inH := max(g.InH, 1)
		x := convTestRand(rng, rows*g.InC*inH*g.InW)
		w := convTestRand(rng, g.OutC*g.InC/g.Groups*max(g.KH, 1)*g.KW)
		var b []float64
		if n%3 != 0 {
			b = convTestRand(rng, g.OutC)
		}
		want, outH, outW := convTestRef(g, rows, x, w, b)
		require.Equal(t, outH, g.OutH(), "%+v", g)
		require.Equal(t, outW, g.OutW(), "%+v", g)
		require.GreaterOrEqual(t, outH*outW, 1)
		got := convTestRun(t, g, rows, x, w, b)
		// Both sum in the same order, so the results are equal exactly.
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("geometry %+v rows %d: y[%d] = %v, want %v", g, rows, i, got[i], want[i])
			}
		}
	}
}

// TestConvDeterministic checks that repeated runs give the same bits.
func TestConvDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	g := ConvGeom{InC: 4, OutC: 6, Groups: 2, InH: 7, InW: 9, KH: 3, KW: 2, SH: 2, SW: 1, PH: 1, PW: 2, DH: 1, DW: 2}
	const rows = 3
	x := convTestRand(rng, rows*4*7*9)
	w := convTestRand(rng, 6*2*3*2)
	b := convTestRand(rng, 6)
	dy := convTestRand(rng, rows*6*g.OutH()*g.OutW())
	y1 := convTestRun(t, g, rows, x, w, b)
	y2 := convTestRun(t, g, rows, x, w, b)
	dx1, dw1, db1 := make([]float64, len(x)), make([]float64, len(w)), make([]float64, len(b))
	dx2, dw2, db2 := make([]float64, len(x)), make([]float64, len(w)), make([]float64, len(b))
	convBackward(g, rows, x, w, dy, dx1, dw1, db1)
	convBackward(g, rows, x, w, dy, dx2, dw2, db2)
	for _, p := range [][2][]float64{{y1, y2}, {dx1, dx2}, {dw1, dw2}, {db1, db2}} {
		for i := range p[0] {
			require.Equal(t, math.Float64bits(p[0][i]), math.Float64bits(p[1][i]))
		}
	}
}

// convTestFD is the central finite-difference gradient of f at p.
func convTestFD(f func([]float64) float64, p []float64) []float64 {
	return fd.Gradient(nil, f, p, &fd.Settings{Formula: fd.Central})
}

// TestConvGradFiniteDifferences checks convBackward against central finite
// differences of L = Σ dy·y with respect to x, w and b, and that it
// accumulates into the gradient slices.
func TestConvGradFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for n := range 150 {
		g := convTestGeom(rng, n%4 == 0)
		// Keep the problems small: at most 6 wide and 5 high.
		g.InW = min(g.InW, max(6, g.DW*(g.KW-1)+1))
		if g.InH > 0 {
			g.InH = min(g.InH, max(5, g.DH*(g.KH-1)+1))
		}
		require.NoError(t, g.Validate(), "%+v", g)
		rows := 1 + rng.IntN(2)
		inH, kH := max(g.InH, 1), max(g.KH, 1)
		x := convTestRand(rng, rows*g.InC*inH*g.InW)
		w := convTestRand(rng, g.OutC*g.InC/g.Groups*kH*g.KW)
		b := convTestRand(rng, g.OutC)
		ny := rows * g.OutC * g.OutH() * g.OutW()
		dy := convTestRand(rng, ny)
		y := make([]float64, ny)
		loss := func(x, w, b []float64) float64 {
			convForward(g, rows, x, w, b, y)
			return convTestDot(dy, y)
		}
		wantDx := convTestFD(func(p []float64) float64 { return loss(p, w, b) }, x)
		wantDw := convTestFD(func(p []float64) float64 { return loss(x, p, b) }, w)
		wantDb := convTestFD(func(p []float64) float64 { return loss(x, w, p) }, b)

		dx, dw, db := make([]float64, len(x)), make([]float64, len(w)), make([]float64, len(b))
		convBackward(g, rows, x, w, dy, dx, dw, db)
		name := fmt.Sprintf("%+v rows %d", g, rows)
		for i := range dx {
			require.InDelta(t, wantDx[i], dx[i], 1e-6, "dx[%d] %s", i, name)
		}
		for i := range dw {
			require.InDelta(t, wantDw[i], dw[i], 1e-6, "dw[%d] %s", i, name)
		}
		for i := range db {
			require.InDelta(t, wantDb[i], db[i], 1e-6, "db[%d] %s", i, name)
		}

		// dx and db may be nil; dw is the same.
		dw2 := make([]float64, len(w))
		convBackward(g, rows, x, w, dy, nil, dw2, nil)
		require.Equal(t, dw, dw2, name)

		// The gradients are added to what the slices hold.
		acc := [][]float64{make([]float64, len(x)), make([]float64, len(w)), make([]float64, len(b))}
		for _, s := range acc {
			for i := range s {
				s[i] = 1
			}
		}
		convBackward(g, rows, x, w, dy, acc[0], acc[1], acc[2])
		for k, want := range [][]float64{dx, dw, db} {
			for i := range want {
				require.InDelta(t, want[i]+1, acc[k][i], 1e-12, "gradient %d [%d] %s", k, i, name)
			}
		}
	}
}

// TestConvPoolGradFiniteDifferences checks the pooling backward kernels
// against central finite differences of L = Σ dy·y, and the forward kernels
// against a convolution with a constant kernel.
func TestConvPoolGradFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for n := range 150 {
		oneD := n%4 == 0
		c := 1 + rng.IntN(3)
		g := ConvGeom{InC: c, OutC: c, DW: 1}
		dim := func() (in, k, s, p int) {
			k, s = 1+rng.IntN(4), 1+rng.IntN(3)
			p = rng.IntN(k/2 + 1) // torch's limit, p ≤ k/2
			in = max(1, k-2*p) + rng.IntN(4)
			return
		}
		g.InW, g.KW, g.SW, g.PW = dim()
		if !oneD {
			g.InH, g.KH, g.SH, g.PH = dim()
			g.DH = 1
		}
		require.NoError(t, g.ValidatePool(), "%+v", g)
		rows := 1 + rng.IntN(2)
		inH, kH := max(g.InH, 1), max(g.KH, 1)
		x := convTestRand(rng, rows*c*inH*g.InW)
		ny := rows * c * g.OutH() * g.OutW()
		dy := convTestRand(rng, ny)
		name := fmt.Sprintf("%+v rows %d", g, rows)

		// Pooling is a depthwise convolution with a constant kernel.
		cg := g
		cg.Groups = c
		ones := make([]float64, c*kH*g.KW)
		for i := range ones {
			ones[i] = 1
		}
		sum := convTestRun(t, cg, rows, x, ones, nil)

		for _, k := range []struct {
			name    string
			fwd     func(ConvGeom, int, []float64, []float64)
			bwd     func(ConvGeom, int, []float64, []float64)
			divisor float64
		}{
			{"sum", sumPoolForward, sumPoolBackward, 1},
			{"avg", avgPoolForward, avgPoolBackward, float64(kH * g.KW)},
		} {
			y := convTestNaNs(ny)
			k.fwd(g, rows, x, y)
			for i := range y {
				require.Equal(t, sum[i]/k.divisor, y[i], "%s y[%d] %s", k.name, i, name)
			}
			want := convTestFD(func(p []float64) float64 {
				k.fwd(g, rows, p, y)
				return convTestDot(dy, y)
			}, x)
			dx := make([]float64, len(x))
			for i := range dx {
				dx[i] = -2
			}
			k.bwd(g, rows, dy, dx)
			for i := range dx {
				require.InDelta(t, want[i]-2, dx[i], 1e-6, "%s dx[%d] %s", k.name, i, name)
			}
		}
	}
}

// TestConvValidate checks the errors for bad geometries.
func TestConvValidate(t *testing.T) {
	ok := ConvGeom{InC: 4, OutC: 6, Groups: 2, InH: 5, InW: 7, KH: 3, KW: 3, SH: 1, SW: 2, PH: 1, PW: 0, DH: 1, DW: 2}
	require.NoError(t, ok.Validate())
	ok1 := ConvGeom{InC: 2, OutC: 3, Groups: 1, InW: 4, KW: 4, SW: 1, DW: 1}
	require.NoError(t, ok1.Validate())
	assert.Equal(t, 1, ok1.OutW())
	assert.Equal(t, 1, ok1.OutH())

	for _, c := range []struct {
		name string
		g    ConvGeom
		err  string
	}{
		{"no fit", ConvGeom{InC: 1, OutC: 1, Groups: 1, InH: 3, InW: 3, KH: 5, KW: 5, SH: 1, SW: 1, DH: 1, DW: 1},
			"conv2d: kernel 5×5 with dilation 1 does not fit input 3×3 with padding 0"},
		{"no fit dilated", ConvGeom{InC: 1, OutC: 1, Groups: 1, InH: 6, InW: 3, KH: 3, KW: 2, SH: 1, SW: 1, PH: 0, PW: 1, DH: 3, DW: 1},
			"conv2d: kernel 3×2 with dilation 3×1 does not fit input 6×3 with padding 0×1"},
		{"no fit 1d", ConvGeom{InC: 1, OutC: 1, Groups: 1, InW: 4, KW: 3, SW: 1, DW: 2},
			"conv1d: kernel 3 with dilation 2 does not fit input 4 with padding 0"},
		{"zero InC", func() ConvGeom { g := ok; g.InC = 0; return g }(), "conv2d: InC must be positive, got 0"},
		{"zero OutC", func() ConvGeom { g := ok; g.OutC = 0; return g }(), "conv2d: OutC must be positive, got 0"},
		{"zero Groups", func() ConvGeom { g := ok; g.Groups = 0; return g }(), "conv2d: Groups must be positive, got 0"},
		{"InC groups", func() ConvGeom { g := ok; g.InC = 5; return g }(), "conv2d: InC 5 is not divisible by Groups 2"},
		{"OutC groups", func() ConvGeom { g := ok; g.OutC = 3; return g }(), "conv2d: OutC 3 is not divisible by Groups 2"},
		{"zero InW", func() ConvGeom { g := ok; g.InW = 0; return g }(), "conv2d: InW must be positive, got 0"},
		{"negative InH", func() ConvGeom { g := ok; g.InH = -1; return g }(), "conv2d: InH must be positive, got -1"},
		{"zero KW", func() ConvGeom { g := ok; g.KW = 0; return g }(), "conv2d: KW must be positive, got 0"},
		{"zero KH", func() ConvGeom { g := ok; g.KH = 0; return g }(), "conv2d: KH must be positive, got 0"},
		{"zero SH", func() ConvGeom { g := ok; g.SH = 0; return g }(), "conv2d: SH must be positive, got 0"},
		{"zero SW", func() ConvGeom { g := ok1; g.SW = 0; return g }(), "conv1d: SW must be positive, got 0"},
		{"zero DW", func() ConvGeom { g := ok; g.DW = 0; return g }(), "conv2d: DW must be positive, got 0"},
		{"negative PH", func() ConvGeom { g := ok; g.PH = -1; return g }(), "conv2d: PH must be non-negative, got -1"},
		{"negative PW", func() ConvGeom { g := ok1; g.PW = -2; return g }(), "conv1d: PW must be non-negative, got -2"},
	} {
		err := c.g.Validate()
		if assert.Error(t, err, c.name) {
			assert.Equal(t, c.err, err.Error(), c.name)
		}
	}

	// An empty output has size 0 rather than a negative or truncated one.
	bad := ConvGeom{InC: 1, OutC: 1, Groups: 1, InH: 3, InW: 3, KH: 5, KW: 5, SH: 2, SW: 2, DH: 1, DW: 1}
	assert.Equal(t, 0, bad.OutH())
	assert.Equal(t, 0, bad.OutW())

	pool := ConvGeom{InC: 3, OutC: 3, InH: 4, InW: 4, KH: 2, KW: 2, SH: 2, SW: 2, DH: 1, DW: 1}
	require.NoError(t, pool.ValidatePool())
	for _, c := range []struct {
		name string
		g    ConvGeom
		err  string
	}{
		{"channels", func() ConvGeom { g := pool; g.OutC = 2; return g }(), "pool2d: OutC 2 must equal InC 3"},
		{"zero C", func() ConvGeom { g := pool; g.InC, g.OutC = 0, 0; return g }(), "pool2d: InC must be positive, got 0"},
		{"dilation", func() ConvGeom { g := pool; g.DW = 2; return g }(), "pool2d: pooling has no dilation, DH and DW must be 1, got 1 and 2"},
		{"no fit", func() ConvGeom { g := pool; g.KH, g.KW = 5, 5; return g }(),
			"pool2d: kernel 5×5 with dilation 1 does not fit input 4×4 with padding 0"},
		{"1d stride", ConvGeom{InC: 1, OutC: 1, InW: 4, KW: 2, DW: 1}, "pool1d: SW must be positive, got 0"},
	} {
		err := c.g.ValidatePool()
		if assert.Error(t, err, c.name) {
			assert.Equal(t, c.err, err.Error(), c.name)
		}
	}
}

// TestConvLengthPanics checks that slices of the wrong length are caught.
func TestConvLengthPanics(t *testing.T) {
	g := ConvGeom{InC: 1, OutC: 1, Groups: 1, InW: 4, KW: 2, SW: 1, DW: 1}
	x, w, y := make([]float64, 4), make([]float64, 2), make([]float64, 3)
	assert.NotPanics(t, func() { convForward(g, 1, x, w, nil, y) })
	assert.PanicsWithValue(t, "interp: convForward: len(y) = 3, want 6", func() { convForward(g, 2, make([]float64, 8), w, nil, y) })
	assert.Panics(t, func() { convBackward(g, 1, x, w, y, nil, make([]float64, 3), nil) })
	assert.Panics(t, func() { sumPoolForward(g, 1, x, make([]float64, 2)) })
}
