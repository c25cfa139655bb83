package rt

import "sync"

// convGeom describes a 2-d convolution or pooling window over
// [rows][InC][InH][InW]; a 1-d one has InH = KH = SH = DH = 1 and PH = 0.
type convGeom struct {
	InC, OutC, Groups int
	InH, InW          int
	KH, KW            int
	SH, SW            int // stride
	PH, PW            int // zero padding on each side
	DH, DW            int // dilation
	OutH, OutW        int

	// taps is, for convProduct, each output position's taps as offsets
	// into a row of x (−1 outside the input), made once by tapOffsets.
	tapsOnce sync.Once
	taps     []int
}

// tapOffsets returns g.taps, making it on first use: for output position
// pos and tap t = (c·KH + kh)·KW + kw, taps[pos·InC·KH·KW + t] is the
// offset in a row of x [InC][InH][InW] of the tap's input, or −1 when the
// tap falls outside the input.
func (g *convGeom) tapOffsets() []int {
	g.tapsOnce.Do(func() {
		inHW, kk := g.InH*g.InW, g.KH*g.KW
		taps := make([]int, 0, g.OutH*g.OutW*g.InC*kk)
		for oh := 0; oh < g.OutH; oh++ {
			for ow := 0; ow < g.OutW; ow++ {
				for c := 0; c < g.InC; c++ {
					for kh := 0; kh < g.KH; kh++ {
						ih := oh*g.SH - g.PH + kh*g.DH
						for kw := 0; kw < g.KW; kw++ {
							iw := ow*g.SW - g.PW + kw*g.DW
							if ih < 0 || ih >= g.InH || iw < 0 || iw >= g.InW {
								taps = append(taps, -1)
							} else {
								taps = append(taps, c*inHW+ih*g.InW+iw)
							}
						}
					}
				}
			}
		}
		g.taps = taps
	})
	return g.taps
}

// conv computes y[r][oc][oh][ow] = b[oc] + Σ w[oc][c][kh][kw] ·
// x[r][g·icg+c][oh·SH−PH+kh·DH][ow·SW−PW+kw·DW] over the taps inside the
// input, starting from the bias (b may be nil) and adding c, kh, kw in
// increasing order, one fused multiply-add per tap.
func conv(g *convGeom, rows int, y, x, w, b []float32) {
	icg, ocg := g.InC/g.Groups, g.OutC/g.Groups
	inHW, outHW, kk := g.InH*g.InW, g.OutH*g.OutW, g.KH*g.KW
	for r := 0; r < rows; r++ {
		for oc := 0; oc < g.OutC; oc++ {
			ic0 := oc / ocg * icg
			xg := x[(r*g.InC+ic0)*inHW : (r*g.InC+ic0+icg)*inHW]
			wo := w[oc*icg*kk : (oc+1)*icg*kk]
			yo := y[(r*g.OutC+oc)*outHW : (r*g.OutC+oc+1)*outHW]
			bias := float32(0)
			if b != nil {
				bias = b[oc]
			}
			for oh := 0; oh < g.OutH; oh++ {
				for ow := 0; ow < g.OutW; ow++ {
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
								s = fma32(wc[kh*g.KW+kw], xc[ih*g.InW+iw], s)
							}
						}
					}
					yo[oh*g.OutW+ow] = s
				}
			}
		}
	}
}

// gatherTaps sets p[i] to xr[offsets[i]], or to 0 where the offset is −1
// (a tap outside the input; see tapOffsets).
func gatherTaps(p, xr []float32, offsets []int) {
	for i, o := range offsets {
		if o < 0 {
			p[i] = 0
		} else {
			p[i] = xr[o]
		}
	}
}

// convProduct is conv without groups (Groups = 1) with the products run by
// lin (linear or a twin): per row, the taps of every output position are
// gathered into p [OutH·OutW][InC·KH·KW] (in conv's order of taps, 0 for
// the taps outside the input), lin computes q = p·wT + b [OutH·OutW][OutC]
// from the transposed weights wT [InC·KH·KW][OutC], and q is turned into
// the row's [OutC][OutH·OutW]. Each output takes its bias, then one fused
// multiply-add per tap in conv's order, so the results are conv's bit for
// bit but for the taps outside the input: conv skips them, lin adds w·0,
// which changes nothing for finite weights unless the sum so far is −0
// (it becomes +0).
func convProduct(lin func(y, x, wT, b []float32, rows, out, in int), g *convGeom, rows int, y, x, wT, b, p, q []float32) {
	inHW, outHW := g.InH*g.InW, g.OutH*g.OutW
	taps := g.InC * g.KH * g.KW
	offsets := g.tapOffsets()
	p = p[:len(offsets)]
	for r := 0; r < rows; r++ {
		xr := x[r*g.InC*inHW : (r+1)*g.InC*inHW]
		gatherTaps(p, xr, offsets)
		lin(q, p, wT, b, outHW, g.OutC, taps)
		yr := y[r*g.OutC*outHW : (r+1)*g.OutC*outHW]
		for pos := 0; pos < outHW; pos++ {
			qp := q[pos*g.OutC : (pos+1)*g.OutC]
			for oc, v := range qp {
				yr[oc*outHW+pos] = v
			}
		}
	}
}

// convProductBackward is convBackward for a convolution that convProduct
// runs (Groups = 1), with the products run by the linear kernels: per row,
// the taps gathered again into p [OutH·OutW][InC·KH·KW] and dy turned
// position-major into q [OutH·OutW][OutC]; dw [OutC][InC·KH·KW] += qᵀ·p
// (addXT: linearAddXT or a twin, a chain of fused multiply-adds over the
// rows and positions in order), db += the sums of dy, and, when dx is not
// nil, dp = q·w (lin, reading w [OutC][InC·KH·KW] as [in][out]) added tap
// by tap into dx.
func convProductBackward(lin, addXT func(y, x, wT, b []float32, rows, out, in int), g *convGeom, rows int, dx, dw, db, x, w, dy, p, q, dp []float32) {
	inHW, outHW := g.InH*g.InW, g.OutH*g.OutW
	taps := g.InC * g.KH * g.KW
	offsets := g.tapOffsets()
	p, dp = p[:len(offsets)], dp[:len(offsets)]
	for r := 0; r < rows; r++ {
		xr := x[r*g.InC*inHW : (r+1)*g.InC*inHW]
		gatherTaps(p, xr, offsets)
		dyr := dy[r*g.OutC*outHW : (r+1)*g.OutC*outHW]
		for oc := 0; oc < g.OutC; oc++ {
			for pos, d := range dyr[oc*outHW : (oc+1)*outHW] {
				q[pos*g.OutC+oc] = d
				if db != nil {
					db[oc] += d
				}
			}
		}
		addXT(dw, q, p, nil, g.OutC, taps, outHW)
		if dx == nil {
			continue
		}
		lin(dp, q, w, nil, outHW, taps, g.OutC)
		dxr := dx[r*g.InC*inHW : (r+1)*g.InC*inHW]
		for i, o := range offsets {
			if o >= 0 {
				dxr[o] += dp[i]
			}
		}
	}
}

// convBackward accumulates the gradients of y = conv(x, w, b) given dy:
// dx += dL/dx (dx may be nil), dw += dL/dw, db += dL/db (db may be nil).
func convBackward(g *convGeom, rows int, dx, dw, db, x, w, dy []float32) {
	icg, ocg := g.InC/g.Groups, g.OutC/g.Groups
	inHW, outHW, kk := g.InH*g.InW, g.OutH*g.OutW, g.KH*g.KW
	for r := 0; r < rows; r++ {
		for oc := 0; oc < g.OutC; oc++ {
			ic0 := oc / ocg * icg
			lo, hi := (r*g.InC+ic0)*inHW, (r*g.InC+ic0+icg)*inHW
			xg := x[lo:hi]
			var dxg []float32
			if dx != nil {
				dxg = dx[lo:hi]
			}
			wo := w[oc*icg*kk : (oc+1)*icg*kk]
			dwo := dw[oc*icg*kk : (oc+1)*icg*kk]
			dyo := dy[(r*g.OutC+oc)*outHW : (r*g.OutC+oc+1)*outHW]
			for oh := 0; oh < g.OutH; oh++ {
				for ow := 0; ow < g.OutW; ow++ {
					d := dyo[oh*g.OutW+ow]
					if d == 0 {
						continue
					}
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
								dwo[wi] += float32(d * xg[xi])
								if dxg != nil {
									dxg[xi] += float32(d * wo[wi])
								}
							}
						}
					}
				}
			}
		}
	}
}

// pool computes sum pooling, or average pooling (count_include_pad) when
// avg is set, over [rows][InC][InH][InW]: the window's in-bounds values are
// added kh then kw in increasing order, and the average divides the sum by
// KH·KW.
func pool(g *convGeom, rows int, y, x []float32, avg bool) {
	inHW, outHW := g.InH*g.InW, g.OutH*g.OutW
	n := float32(g.KH * g.KW)
	for rc := 0; rc < rows*g.InC; rc++ {
		xc := x[rc*inHW : (rc+1)*inHW]
		yc := y[rc*outHW : (rc+1)*outHW]
		for oh := 0; oh < g.OutH; oh++ {
			for ow := 0; ow < g.OutW; ow++ {
				s := float32(0)
				for kh := 0; kh < g.KH; kh++ {
					ih := oh*g.SH - g.PH + kh
					if ih < 0 || ih >= g.InH {
						continue
					}
					for kw := 0; kw < g.KW; kw++ {
						iw := ow*g.SW - g.PW + kw
						if iw >= 0 && iw < g.InW {
							s += xc[ih*g.InW+iw]
						}
					}
				}
				if avg {
					s /= n
				}
				yc[oh*g.OutW+ow] = s
			}
		}
	}
}

// poolBackward accumulates dx += dL/dx for y = pool(x) given dy: every
// in-bounds input of a window gets its output's dy (divided by KH·KW for
// the average).
func poolBackward(g *convGeom, rows int, dx, dy []float32, avg bool) {
	inHW, outHW := g.InH*g.InW, g.OutH*g.OutW
	n := float32(g.KH * g.KW)
	for rc := 0; rc < rows*g.InC; rc++ {
		dxc := dx[rc*inHW : (rc+1)*inHW]
		dyc := dy[rc*outHW : (rc+1)*outHW]
		for oh := 0; oh < g.OutH; oh++ {
			for ow := 0; ow < g.OutW; ow++ {
				d := dyc[oh*g.OutW+ow]
				if avg {
					d /= n
				}
				for kh := 0; kh < g.KH; kh++ {
					ih := oh*g.SH - g.PH + kh
					if ih < 0 || ih >= g.InH {
						continue
					}
					for kw := 0; kw < g.KW; kw++ {
						iw := ow*g.SW - g.PW + kw
						if iw >= 0 && iw < g.InW {
							dxc[ih*g.InW+iw] += d
						}
					}
				}
			}
		}
	}
}
