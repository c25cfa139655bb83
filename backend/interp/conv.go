package interp

import (
	"fmt"
	"strconv"
)

// This file holds the reference convolution and pooling kernels. They follow
// torch.nn.functional.conv1d/conv2d, torch.nn.AvgPool2d (count_include_pad
// = True, ceil_mode = False) and sum pooling (Norse's LPPool2d(1), NIR's
// SumPool2d) exactly, up to floating-point rounding.
//
// Layouts are torch's, flat and in C order:
//
//	input  x  [rows][InC][InH][InW]
//	weight w  [OutC][InC/Groups][KH][KW]
//	bias   b  [OutC]
//	output y  [rows][OutC][OutH][OutW]
//
// rows is the product of the leading dimensions (time and batch). A 1-d
// tensor [rows][C][L] is the 2-d one with InH = 1 and InW = L.
//
// Summation order. Every output value is a sum that starts with the bias
// (or 0) and adds the products w·x over the input channels of the group,
// then the kernel rows, then the kernel columns, each in increasing order
// (ic, kh, kw innermost in that order). Taps that fall on zero padding are
// skipped, which is the same as adding 0. In float64 each product is
// rounded before it is added (no fused multiply-add), so the results are the
// same on every platform; the float32 mode takes each tap as one fused
// multiply-add, as compiled kernels do. Pooling adds in the same order,
// rounding after every addition. The backward kernels visit (r, oc, oh, ow) in increasing order
// and, for each, (ic, kh, kw) in increasing order, adding each contribution
// into the gradient slices as it comes.

// ConvGeom describes a 1-d or 2-d convolution or pooling window. For 1-d,
// H = 1 and only the W fields (kernel KW, stride SW, padding PW, dilation
// DW) are used: set InH = 1 (or leave it 0) and leave KH, SH, PH and DH zero,
// which stands for InH = KH = SH = DH = 1, PH = 0.
type ConvGeom struct {
	InC, OutC, Groups int
	InH, InW          int
	KH, KW            int
	SH, SW            int // stride
	PH, PW            int // zero padding on each side
	DH, DW            int // dilation
}

// norm fills in the H fields of a 1-d geometry.
func (g ConvGeom) norm() ConvGeom {
	if g.InH <= 1 && g.InH >= 0 && g.KH == 0 && g.SH == 0 && g.PH == 0 && g.DH == 0 {
		g.InH, g.KH, g.SH, g.DH = 1, 1, 1, 1
	}
	return g
}

// is1D reports whether g (normalised) has a trivial H dimension, so that it
// is a 1-d convolution along W.
func (g ConvGeom) is1D() bool {
	return g.InH == 1 && g.KH == 1 && g.SH == 1 && g.PH == 0 && g.DH == 1
}

// convOutSize is floor((n + 2p - d(k-1) - 1)/s) + 1, or 0 when the window
// does not fit or the stride is not positive.
func convOutSize(n, k, s, p, d int) int {
	num := n + 2*p - d*(k-1) - 1
	if num < 0 || s <= 0 {
		return 0
	}
	return num/s + 1
}

// OutH is the output height, floor((InH + 2·PH − DH·(KH−1) − 1)/SH) + 1; it
// is 1 for a 1-d geometry and 0 when the window does not fit.
func (g ConvGeom) OutH() int {
	g = g.norm()
	return convOutSize(g.InH, g.KH, g.SH, g.PH, g.DH)
}

// OutW is the output width (the output length in 1-d),
// floor((InW + 2·PW − DW·(KW−1) − 1)/SW) + 1, or 0 when the window does not
// fit.
func (g ConvGeom) OutW() int {
	return convOutSize(g.InW, g.KW, g.SW, g.PW, g.DW)
}

// Validate reports whether g is a valid convolution: positive channel
// counts, groups, input sizes, kernel sizes, strides and dilations,
// non-negative padding, channel counts divisible by Groups and a non-empty
// output.
func (g ConvGeom) Validate() error {
	g = g.norm()
	kind := "conv2d"
	if g.is1D() {
		kind = "conv1d"
	}
	for _, f := range []struct {
		name string
		v    int
	}{
		{"InC", g.InC}, {"OutC", g.OutC}, {"Groups", g.Groups},
	} {
		if f.v <= 0 {
			return fmt.Errorf("%s: %s must be positive, got %d", kind, f.name, f.v)
		}
	}
	if g.InC%g.Groups != 0 {
		return fmt.Errorf("%s: InC %d is not divisible by Groups %d", kind, g.InC, g.Groups)
	}
	if g.OutC%g.Groups != 0 {
		return fmt.Errorf("%s: OutC %d is not divisible by Groups %d", kind, g.OutC, g.Groups)
	}
	return g.validateWindow(kind)
}

// ValidatePool reports whether g is a valid pooling window over
// [rows][C][H][W]: InC = OutC = C positive, positive input sizes, kernel
// sizes and strides, non-negative padding and dilation 1 (DH may be left 0
// in 1-d); Groups is ignored. torch.nn.AvgPool2d additionally requires
// PH ≤ KH/2 and PW ≤ KW/2; the pooling kernels here work for any padding.
func (g ConvGeom) ValidatePool() error {
	g = g.norm()
	kind := "pool2d"
	if g.is1D() {
		kind = "pool1d"
	}
	if g.InC <= 0 {
		return fmt.Errorf("%s: InC must be positive, got %d", kind, g.InC)
	}
	if g.OutC != g.InC {
		return fmt.Errorf("%s: OutC %d must equal InC %d", kind, g.OutC, g.InC)
	}
	if g.DH != 1 || g.DW != 1 {
		return fmt.Errorf("%s: pooling has no dilation, DH and DW must be 1, got %d and %d", kind, g.DH, g.DW)
	}
	return g.validateWindow(kind)
}

// validateWindow checks the spatial fields of a normalised geometry.
func (g ConvGeom) validateWindow(kind string) error {
	for _, f := range []struct {
		name string
		v    int
	}{
		{"InH", g.InH}, {"InW", g.InW}, {"KH", g.KH}, {"KW", g.KW},
		{"SH", g.SH}, {"SW", g.SW}, {"DH", g.DH}, {"DW", g.DW},
	} {
		if f.v <= 0 {
			return fmt.Errorf("%s: %s must be positive, got %d", kind, f.name, f.v)
		}
	}
	if g.PH < 0 {
		return fmt.Errorf("%s: PH must be non-negative, got %d", kind, g.PH)
	}
	if g.PW < 0 {
		return fmt.Errorf("%s: PW must be non-negative, got %d", kind, g.PW)
	}
	if g.OutH() == 0 || g.OutW() == 0 {
		if g.is1D() {
			return fmt.Errorf("%s: kernel %d with dilation %d does not fit input %d with padding %d",
				kind, g.KW, g.DW, g.InW, g.PW)
		}
		return fmt.Errorf("%s: kernel %d×%d with dilation %s does not fit input %d×%d with padding %s",
			kind, g.KH, g.KW, convPair(g.DH, g.DW), g.InH, g.InW, convPair(g.PH, g.PW))
	}
	return nil
}

// convPair formats an (H, W) pair as "a" when both are equal and "a×b"
// otherwise.
func convPair(h, w int) string {
	if h == w {
		return strconv.Itoa(h)
	}
	return strconv.Itoa(h) + "×" + strconv.Itoa(w)
}

// convCheckLen panics when a slice does not have the length the geometry
// gives it.
func convCheckLen(fn, name string, s []float64, n int) {
	if len(s) != n {
		panic(fmt.Sprintf("interp: %s: len(%s) = %d, want %d", fn, name, len(s), n))
	}
}

// convForward computes y[r][oc][oh][ow] = b[oc] + Σ w[oc][ic'][kh][kw] ·
// x[r][g·icPerG+ic'][oh·SH−PH+kh·DH][ow·SW−PW+kw·DW] (zero outside), where
// g = oc / (OutC/Groups) is the group of oc and icPerG = InC/Groups. b may
// be nil. y has rows·OutC·OutH·OutW elements and is overwritten. The sum
// starts with the bias and adds over ic', kh, kw in that order, innermost
// last. g must be valid (Validate); wrong slice lengths panic.
func convForward(g ConvGeom, rows int, x, w, b, y []float64) {
	convForwardWith(g, rows, x, w, b, y, madd64)
}

// convForwardWith is convForward with each tap added by madd (acc, w, x).
func convForwardWith(g ConvGeom, rows int, x, w, b, y []float64, madd func(acc, a, b float64) float64) {
	g = g.norm()
	oH, oW := g.OutH(), g.OutW()
	icg, ocg := g.InC/g.Groups, g.OutC/g.Groups
	inHW, outHW, kk := g.InH*g.InW, oH*oW, g.KH*g.KW
	convCheckLen("convForward", "x", x, rows*g.InC*inHW)
	convCheckLen("convForward", "w", w, g.OutC*icg*kk)
	if b != nil {
		convCheckLen("convForward", "b", b, g.OutC)
	}
	convCheckLen("convForward", "y", y, rows*g.OutC*outHW)
	for r := 0; r < rows; r++ {
		for oc := 0; oc < g.OutC; oc++ {
			ic0 := oc / ocg * icg
			xg := x[(r*g.InC+ic0)*inHW : (r*g.InC+ic0+icg)*inHW]
			wo := w[oc*icg*kk : (oc+1)*icg*kk]
			yo := y[(r*g.OutC+oc)*outHW : (r*g.OutC+oc+1)*outHW]
			bias := 0.0
			if b != nil {
				bias = b[oc]
			}
			for oh := 0; oh < oH; oh++ {
				for ow := 0; ow < oW; ow++ {
					s := bias
					for c := 0; c < icg; c++ {
						xc := xg[c*inHW : (c+1)*inHW]
						wc := wo[c*kk : (c+1)*kk]
						for kh := 0; kh < g.KH; kh++ {
							ih := oh*g.SH - g.PH + kh*g.DH
							if ih < 0 || ih >= g.InH {
								continue
							}
							for kw := 0; kw < g.KW; kw++ {
								iw := ow*g.SW - g.PW + kw*g.DW
								if iw < 0 || iw >= g.InW {
									continue
								}
								s = madd(s, wc[kh*g.KW+kw], xc[ih*g.InW+iw])
							}
						}
					}
					yo[oh*oW+ow] = s
				}
			}
		}
	}
}

// convBackward accumulates (+=) the gradients of a loss L given dy =
// dL/dy for y = convForward(g, rows, x, w, b): dx += dL/dx (dx may be nil),
// dw += dL/dw and db += dL/db (db may be nil). It visits (r, oc, oh, ow) in
// increasing order and, for each, (ic', kh, kw) in increasing order.
func convBackward(g ConvGeom, rows int, x, w, dy, dx, dw, db []float64) {
	g = g.norm()
	oH, oW := g.OutH(), g.OutW()
	icg, ocg := g.InC/g.Groups, g.OutC/g.Groups
	inHW, outHW, kk := g.InH*g.InW, oH*oW, g.KH*g.KW
	convCheckLen("convBackward", "x", x, rows*g.InC*inHW)
	convCheckLen("convBackward", "w", w, g.OutC*icg*kk)
	convCheckLen("convBackward", "dy", dy, rows*g.OutC*outHW)
	if dx != nil {
		convCheckLen("convBackward", "dx", dx, rows*g.InC*inHW)
	}
	convCheckLen("convBackward", "dw", dw, g.OutC*icg*kk)
	if db != nil {
		convCheckLen("convBackward", "db", db, g.OutC)
	}
	for r := 0; r < rows; r++ {
		for oc := 0; oc < g.OutC; oc++ {
			ic0 := oc / ocg * icg
			lo, hi := (r*g.InC+ic0)*inHW, (r*g.InC+ic0+icg)*inHW
			xg := x[lo:hi]
			var dxg []float64
			if dx != nil {
				dxg = dx[lo:hi]
			}
			wo := w[oc*icg*kk : (oc+1)*icg*kk]
			dwo := dw[oc*icg*kk : (oc+1)*icg*kk]
			dyo := dy[(r*g.OutC+oc)*outHW : (r*g.OutC+oc+1)*outHW]
			for oh := 0; oh < oH; oh++ {
				for ow := 0; ow < oW; ow++ {
					d := dyo[oh*oW+ow]
					if db != nil {
						db[oc] += d
					}
					for c := 0; c < icg; c++ {
						for kh := 0; kh < g.KH; kh++ {
							ih := oh*g.SH - g.PH + kh*g.DH
							if ih < 0 || ih >= g.InH {
								continue
							}
							for kw := 0; kw < g.KW; kw++ {
								iw := ow*g.SW - g.PW + kw*g.DW
								if iw < 0 || iw >= g.InW {
									continue
								}
								xi := c*inHW + ih*g.InW + iw
								wi := c*kk + kh*g.KW + kw
								dwo[wi] += float64(d * xg[xi])
								if dxg != nil {
									dxg[xi] += float64(d * wo[wi])
								}
							}
						}
					}
				}
			}
		}
	}
}

// poolWindowSum is the sum over one pooling window of channel plane xc,
// adding kh, kw in increasing order and skipping the padding.
func poolWindowSum(g ConvGeom, xc []float64, oh, ow int, r func(float64) float64) float64 {
	s := 0.0
	for kh := 0; kh < g.KH; kh++ {
		ih := oh*g.SH - g.PH + kh
		if ih < 0 || ih >= g.InH {
			continue
		}
		for kw := 0; kw < g.KW; kw++ {
			iw := ow*g.SW - g.PW + kw
			if iw < 0 || iw >= g.InW {
				continue
			}
			s = r(s + xc[ih*g.InW+iw])
		}
	}
	return s
}

// poolWindowAdd adds d to every in-bounds element of one pooling window of
// channel plane dxc, in the order poolWindowSum reads them.
func poolWindowAdd(g ConvGeom, dxc []float64, oh, ow int, d float64) {
	for kh := 0; kh < g.KH; kh++ {
		ih := oh*g.SH - g.PH + kh
		if ih < 0 || ih >= g.InH {
			continue
		}
		for kw := 0; kw < g.KW; kw++ {
			iw := ow*g.SW - g.PW + kw
			if iw < 0 || iw >= g.InW {
				continue
			}
			dxc[ih*g.InW+iw] += d
		}
	}
}

// poolApply runs the shared loop of the pooling kernels: it calls f with
// the input plane, the output plane and the output size of every (r, c).
func poolApply(fn string, g ConvGeom, rows int, in, out []float64, f func(in, out []float64, oH, oW int)) {
	oH, oW := g.OutH(), g.OutW()
	inHW, outHW := g.InH*g.InW, oH*oW
	convCheckLen(fn, "input", in, rows*g.InC*inHW)
	convCheckLen(fn, "output", out, rows*g.InC*outHW)
	for rc := 0; rc < rows*g.InC; rc++ {
		f(in[rc*inHW:(rc+1)*inHW], out[rc*outHW:(rc+1)*outHW], oH, oW)
	}
}

// sumPoolForward computes sum pooling over [rows][C][H][W] (Norse's
// LPPool2d with norm 1, NIR's SumPool2d): y[r][c][oh][ow] = Σ
// x[r][c][oh·SH−PH+kh][ow·SW−PW+kw] over the kernel, zero padding counting
// as 0, summed over kh then kw. y is overwritten. g must be valid
// (ValidatePool); the pooling kernels take dilation as 1.
func sumPoolForward(g ConvGeom, rows int, x, y []float64) {
	poolForwardWith(g, rows, x, y, false, identity)
}

func identity(x float64) float64 { return x }

// poolForwardWith is sum pooling, or average pooling when avg is set, with
// every addition and the division rounded by r.
func poolForwardWith(g ConvGeom, rows int, x, y []float64, avg bool, r func(float64) float64) {
	g = g.norm()
	fn, n := "sumPoolForward", float64(g.KH*g.KW)
	if avg {
		fn = "avgPoolForward"
	}
	poolApply(fn, g, rows, x, y, func(xc, yc []float64, oH, oW int) {
		for oh := 0; oh < oH; oh++ {
			for ow := 0; ow < oW; ow++ {
				s := poolWindowSum(g, xc, oh, ow, r)
				if avg {
					s = r(s / n)
				}
				yc[oh*oW+ow] = s
			}
		}
	})
}

// sumPoolBackward accumulates dx += dL/dx given dy = dL/dy for y =
// sumPoolForward(g, rows, x): every input in a window gets its output's dy.
func sumPoolBackward(g ConvGeom, rows int, dy, dx []float64) {
	g = g.norm()
	poolApply("sumPoolBackward", g, rows, dx, dy, func(dxc, dyc []float64, oH, oW int) {
		for oh := 0; oh < oH; oh++ {
			for ow := 0; ow < oW; ow++ {
				poolWindowAdd(g, dxc, oh, ow, dyc[oh*oW+ow])
			}
		}
	})
}

// avgPoolForward computes average pooling over [rows][C][H][W] as
// torch.nn.AvgPool2d with count_include_pad=True and ceil_mode=False: the
// window sum (as in sumPoolForward) divided by KH·KW. y is overwritten. g
// must be valid (ValidatePool).
func avgPoolForward(g ConvGeom, rows int, x, y []float64) {
	poolForwardWith(g, rows, x, y, true, identity)
}

// avgPoolBackward accumulates dx += dL/dx given dy = dL/dy for y =
// avgPoolForward(g, rows, x): every input in a window gets its output's
// dy/(KH·KW).
func avgPoolBackward(g ConvGeom, rows int, dy, dx []float64) {
	g = g.norm()
	n := float64(g.KH * g.KW)
	poolApply("avgPoolBackward", g, rows, dx, dy, func(dxc, dyc []float64, oH, oW int) {
		for oh := 0; oh < oH; oh++ {
			for ow := 0; ow < oW; ow++ {
				poolWindowAdd(g, dxc, oh, ow, dyc[oh*oW+ow]/n)
			}
		}
	})
}
