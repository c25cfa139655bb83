package arm64

import (
	"errors"
	"fmt"

	"github.com/snnc/snnc/asm"
)

// ProductSig is the Go signature of the product kernels, that of linear
// and linearSpikes in backend/gogen/rt:
//
//	func(y, x, wT, b []float32, rows, out, in int)
var ProductSig = asm.Sig(
	asm.P("y", asm.SliceFloat32), asm.P("x", asm.SliceFloat32),
	asm.P("wT", asm.SliceFloat32), asm.P("b", asm.SliceFloat32),
	asm.P("rows", asm.Int), asm.P("out", asm.Int), asm.P("in", asm.Int))

// Blocking of the product kernels.
const (
	// denseVecs and denseRows are linear's register tile: 4 rows × 16
	// outputs, 16 accumulators, with 4 weight vectors and 4 broadcast
	// inputs per input step.
	denseVecs = 4
	denseRows = 4
	// spikeVecs is the accumulators of one output row linearSpikes keeps
	// in registers: 64 outputs; wider layers take several passes over the
	// input row.
	spikeVecs = 16
)

// spikeOne is math.Float32bits(1): a spike input with these bits adds its
// weight row without a multiplication.
const spikeOne = 0x3f800000

// EmitProducts adds linearNEON and linearSpikesNEON to file, with
// ProductSig and the results of linear and linearSpikes in
// backend/gogen/rt, bit for bit:
//
//   - linear: y[r][o] = b[o] (0 if b is empty), then for i = 0..in-1 in
//     order y[r][o] = fma(x[r][i], wT[i][o], y[r][o]), one rounding per
//     input (FMLA). The kernel vectorizes over o and never reorders over i.
//   - linearSpikes: the same, skipping inputs equal to 0 (either sign) and
//     adding the weight row (FADD) when the input is exactly 1.
//
// Neither checks lengths: the caller guarantees len(y) ≥ rows·out,
// len(x) ≥ rows·in, len(wT) ≥ in·out and len(b) = 0 or ≥ out. They never
// read or write memory outside those elements: the last out%4 columns are
// loaded and stored lane by lane.
func EmitProducts(file *asm.File) error {
	dense := &product{f: file.ARM64("linear"+Suffix, ProductSig)}
	dense.f.Doc = fmt.Sprintf(`%s is linear with NEON: for each of rows rows, y[r][o] = b[o]
(0 if len(b) == 0), then y[r][o] = fma(x[r][i], wT[i][o], y[r][o]) for
i = 0..in-1 in order (FMLA), bit for bit. Register tiles of %d rows × %d
outputs share each broadcast input and weight load.
len(y) ≥ rows*out, len(x) ≥ rows*in, len(wT) ≥ in*out, len(b) is 0 or ≥ out
(not checked).`, dense.f.Name(), denseRows, denseVecs*Lanes)
	dense.emit(dense.denseTile)

	spikes := &product{f: file.ARM64("linearSpikes"+Suffix, ProductSig), spikes: true}
	spikes.f.Doc = fmt.Sprintf(`%s is linearSpikes with NEON: linear for mostly-zero
inputs. Per row and block of up to %d outputs kept in registers, it skips
inputs equal to 0, adds the weight row where the input is 1 and fuses
x·weights into the row otherwise (one rounding); the result equals
linearSpikes bit for bit. Lengths as for linear%s.`, spikes.f.Name(), spikeVecs*Lanes, Suffix)
	spikes.emit(spikes.spikeRow)

	return errors.Join(dense.f.Err(), spikes.f.Err())
}

// GP registers of the product kernels.
var (
	pY     = asm.R0    // y base
	pX     = asm.R1    // x base
	pW     = asm.R2    // wT base
	pBias  = asm.R3    // b base, or 0 when len(b) == 0
	pRows  = asm.R4    // rows
	pOut   = asm.R5    // out
	pIn    = asm.R6    // in
	pOut4  = asm.R7    // out·4: the row stride of y and wT in bytes
	pIn4   = asm.R(8)  // in·4: the row stride of x in bytes
	pCol   = asm.R(9)  // c0·4: the byte offset of the column block
	pLeft  = asm.R(10) // columns left
	pRow   = asm.R(11) // rows left in the column block
	pYRow  = asm.R(12) // &y[r][c0]
	pXRow  = asm.R(13) // &x[r][0]
	pWRow  = asm.R(14) // &wT[i][c0]
	pIter  = asm.R(15) // inputs left
	pTmp   = asm.R19   // a running address
	pTmp2  = asm.R20   // another
	pVal   = asm.R21   // an input's bits (linearSpikes)
	pOne   = asm.R22   // the bits of 1.0 (linearSpikes)
	pXRows = []asm.Reg{asm.R23, asm.R24, asm.R25, asm.R26}
)

// product emits one product function.
type product struct {
	f      *asm.ARM64Func
	spikes bool
	// Variants (see backward.go): accumulate starts linear's accumulators
	// from y instead of the bias, xT reads x transposed, outer turns
	// linearSpikes into outerSpikes.
	accumulate, xT, outer bool
	// The block being emitted: vecs full vectors of outputs, or one
	// partial vector of rem lanes (vecs = 1, rem > 0).
	vecs, rem int
}

// emit writes the function: arguments, then the column blocks (full
// blocks of the widest kind, then single vectors, then the last out%4
// columns, one code path per count), each running rows through tile.
func (p *product) emit(tile func(rows int)) {
	f := p.f
	done := f.NewLabel("done")
	f.Load("y_base", pY)
	f.Load("x_base", pX)
	f.Load("wT_base", pW)
	f.Load("b_base", pBias)
	f.Load("b_len", pTmp)
	noBias := f.NewLabel("nobias")
	f.CBNZ(pTmp, noBias)
	f.MOVD(asm.ZR, pBias)
	f.Label(noBias)
	f.Load("rows", pRows)
	f.Load("out", pOut)
	f.Load("in", pIn)
	f.CMP(asm.Imm(1), pRows)
	f.BLT(done)
	f.LSL(asm.Imm(2), pOut, pOut4)
	if p.xT {
		// x is [in][rows]: pIn4 is the stride from one input to the next.
		f.LSL(asm.Imm(2), pRows, pIn4)
	} else {
		f.LSL(asm.Imm(2), pIn, pIn4)
	}
	if p.spikes {
		f.MOVD(asm.Imm(spikeOne), pOne)
	}
	f.MOVD(asm.ZR, pCol)
	f.MOVD(pOut, pLeft)

	wide := denseVecs
	if p.spikes {
		wide = spikeVecs
	}
	block := func(vecs, rem int) {
		p.vecs, p.rem = vecs, rem
		p.columnBlock(tile)
	}
	// Full blocks, then single vectors.
	for _, vecs := range []int{wide, 1} {
		top, next := f.NewLabel("cols"), f.NewLabel("colsdone")
		f.Label(top)
		f.CMP(asm.Imm(vecs*Lanes), pLeft)
		f.BLT(next)
		block(vecs, 0)
		f.ADD(asm.Imm(vecs*Lanes*4), pCol, pCol)
		f.SUB(asm.Imm(vecs*Lanes), pLeft, pLeft)
		f.B(top)
		f.Label(next)
	}
	// The last 1–3 columns.
	labels := []asm.Label{f.NewLabel("rem1"), f.NewLabel("rem2"), f.NewLabel("rem3")}
	f.CBZ(pLeft, done)
	f.CMP(asm.Imm(2), pLeft)
	f.BLT(labels[0])
	f.BEQ(labels[1])
	f.B(labels[2])
	for i, l := range labels {
		f.Label(l)
		block(1, i+1)
		f.B(done)
	}
	f.Label(done)
	f.RET()
}

// columnBlock runs every row of the current column block.
func (p *product) columnBlock(tile func(rows int)) {
	f := p.f
	if p.outer {
		f.ADD(pCol, pW, pYRow) // outerSpikes walks the rows of wT
	} else {
		f.ADD(pCol, pY, pYRow)
	}
	f.MOVD(pX, pXRow)
	f.MOVD(pRows, pRow)
	tiles := []int{1}
	if !p.spikes {
		tiles = []int{denseRows, 1}
	}
	for _, rows := range tiles {
		top, next := f.NewLabel("rows"), f.NewLabel("rowsnext")
		f.Label(top)
		f.CMP(asm.Imm(rows), pRow)
		f.BLT(next)
		tile(rows)
		for range rows {
			f.ADD(pOut4, pYRow, pYRow)
			if p.xT {
				f.ADD(asm.Imm(4), pXRow, pXRow)
			} else {
				f.ADD(pIn4, pXRow, pXRow)
			}
		}
		f.SUB(asm.Imm(rows), pRow, pRow)
		f.B(top)
		f.Label(next)
	}
}

// acc returns the accumulator of row k, vector v.
func (p *product) acc(k, v int) asm.VReg { return asm.V(k*p.vecs + v) }

// initRows sets rows rows of accumulators to the bias (or zero).
func (p *product) initRows(rows int) {
	f := p.f
	if p.accumulate {
		f.MOVD(pYRow, pTmp2)
		for k := 0; k < rows; k++ {
			f.MOVD(pTmp2, pTmp)
			p.load(pTmp, func(v int) asm.VReg { return p.acc(k, v) })
			if k+1 < rows {
				f.ADD(pOut4, pTmp2, pTmp2)
			}
		}
		return
	}
	zero, have := f.NewLabel("zero"), f.NewLabel("init")
	f.CBZ(pBias, zero)
	f.ADD(pCol, pBias, pTmp)
	p.load(pTmp, func(v int) asm.VReg { return p.acc(0, v) })
	for k := 1; k < rows; k++ {
		for v := 0; v < p.vecs; v++ {
			f.VMOV(p.acc(0, v).B16(), p.acc(k, v).B16())
		}
	}
	f.B(have)
	f.Label(zero)
	for k := 0; k < rows; k++ {
		for v := 0; v < p.vecs; v++ {
			r := p.acc(k, v)
			f.VEOR(r.B16(), r.B16(), r.B16())
		}
	}
	f.Label(have)
}

// load loads the block's vectors from addr (advancing it) into reg(v),
// which must be consecutive registers; a partial vector lane by lane into
// a zeroed register.
func (p *product) load(addr asm.IntReg, reg func(v int) asm.VReg) {
	f := p.f
	if p.rem > 0 {
		r := reg(0)
		f.VEOR(r.B16(), r.B16(), r.B16())
		for i := 0; i < p.rem; i++ {
			f.VLD1P(asm.At(addr).Offset(4), r.S(i))
		}
		return
	}
	for v := 0; v < p.vecs; v += 4 {
		var regs []asm.VArr
		for j := v; j < min(v+4, p.vecs); j++ {
			regs = append(regs, reg(j).S4())
		}
		f.VLD1P(asm.At(addr).Offset(16*len(regs)), asm.List(regs...))
	}
}

// store stores the block's vectors of row k to addr (advancing it); a
// partial vector lane by lane.
func (p *product) store(k int, addr asm.IntReg) {
	f := p.f
	if p.rem > 0 {
		for i := 0; i < p.rem; i++ {
			f.VST1P(p.acc(k, 0).S(i), asm.At(addr).Offset(4))
		}
		return
	}
	for v := 0; v < p.vecs; v += 4 {
		var regs []asm.VArr
		for j := v; j < min(v+4, p.vecs); j++ {
			regs = append(regs, p.acc(k, j).S4())
		}
		f.VST1P(asm.List(regs...), asm.At(addr).Offset(16*len(regs)))
	}
}

// storeRows stores rows rows of accumulators to y.
func (p *product) storeRows(rows int) {
	f := p.f
	f.MOVD(pYRow, pTmp2)
	for k := 0; k < rows; k++ {
		f.MOVD(pTmp2, pTmp)
		p.store(k, pTmp)
		if k+1 < rows {
			f.ADD(pOut4, pTmp2, pTmp2)
		}
	}
}

// Vector registers of linear's tile: accumulators V0–V15, weights
// V16–V19, broadcast inputs V20–V23.
const (
	denseW = 16
	denseX = 20
)

// denseTile emits rows rows (denseRows or 1) of linear's current column
// block: the accumulators from the bias, one FMLA per input, row and
// vector in input order, and the stores.
func (p *product) denseTile(rows int) {
	f := p.f
	p.initRows(rows)
	store := f.NewLabel("store")
	loop := f.NewLabel("input")
	for k := 0; k < rows; k++ {
		switch {
		case k == 0:
			f.MOVD(pXRow, pXRows[0])
		case p.xT:
			f.ADD(asm.Imm(4), pXRows[k-1], pXRows[k])
		default:
			f.ADD(pIn4, pXRows[k-1], pXRows[k])
		}
	}
	f.ADD(pCol, pW, pWRow)
	f.MOVD(pIn, pIter)
	f.CBZ(pIter, store)
	f.Label(loop)
	f.MOVD(pWRow, pTmp)
	p.load(pTmp, func(v int) asm.VReg { return asm.V(denseW + v) })
	for k := 0; k < rows; k++ {
		x := asm.V(denseX + k)
		if p.xT {
			f.VLD1RP(asm.At(pXRows[k]).Idx(pIn4, 0), asm.List(x.S4()))
		} else {
			f.VLD1RP(asm.At(pXRows[k]).Offset(4), asm.List(x.S4()))
		}
		for v := 0; v < p.vecs; v++ {
			f.VFMLA(asm.V(denseW+v).S4(), x.S4(), p.acc(k, v).S4())
		}
	}
	f.ADD(pOut4, pWRow, pWRow)
	f.SUBS(asm.Imm(1), pIter, pIter)
	f.BNE(loop)
	f.Label(store)
	p.storeRows(rows)
}

// Vector registers of linearSpikes: accumulators V0–V15, weights
// V16–V19, the broadcast input V20.
const (
	spikeW = 16
	spikeX = 20
)

// spikeRow emits one row of linearSpikes' current column block: the
// accumulators from the bias, then per input: nothing for ±0, FADD of the
// weights for 1, FMLA otherwise; then the stores.
func (p *product) spikeRow(int) {
	f := p.f
	if p.outer {
		f.MOVD(pYRow, pTmp)
		p.load(pTmp, func(v int) asm.VReg { return p.acc(0, v) })
	} else {
		p.initRows(1)
	}
	store, loop := f.NewLabel("store"), f.NewLabel("input")
	next, add := f.NewLabel("next"), f.NewLabel("add")
	if p.outer {
		f.ADD(pCol, pY, pWRow) // y[i] for input i
	} else {
		f.ADD(pCol, pW, pWRow)
	}
	f.MOVD(pXRow, pXRows[0])
	f.MOVD(pIn, pIter)
	f.CBZ(pIter, store)
	f.Label(loop)
	f.MOVWU(asm.At(pXRows[0]), pVal)
	f.ADD(asm.Imm(4), pXRows[0], pXRows[0])
	f.TST(asm.Imm(0x7fffffff), pVal).Comment("±0: skip the input")
	f.BEQ(next)
	f.CMP(pOne, pVal)
	f.BEQ(add)
	// Any other value: fused multiply-add.
	x := asm.V(spikeX)
	f.VDUP(pVal, x.S4())
	if p.outer {
		p.update(func(yi asm.VReg, v int) { f.VFMLA(p.acc(0, v).S4(), x.S4(), yi.S4()) })
	} else {
		p.weights(func(w asm.VReg, v int) { f.VFMLA(w.S4(), x.S4(), p.acc(0, v).S4()) })
	}
	f.B(next)
	f.Label(add)
	if p.outer {
		p.update(func(yi asm.VReg, v int) { f.VFADD(p.acc(0, v).S4(), yi.S4(), yi.S4()) })
	} else {
		p.weights(func(w asm.VReg, v int) { f.VFADD(w.S4(), p.acc(0, v).S4(), p.acc(0, v).S4()) })
	}
	f.Label(next)
	f.ADD(pOut4, pWRow, pWRow)
	f.SUBS(asm.Imm(1), pIter, pIter)
	f.BNE(loop)
	f.Label(store)
	if !p.outer {
		p.storeRows(1)
	}
}

// weights loads the current input's weights of the block, up to four
// vectors at a time, and calls use for each (register, vector index).
func (p *product) weights(use func(w asm.VReg, v int)) {
	f := p.f
	f.MOVD(pWRow, pTmp)
	if p.rem > 0 {
		p.load(pTmp, func(int) asm.VReg { return asm.V(spikeW) })
		use(asm.V(spikeW), 0)
		return
	}
	for v0 := 0; v0 < p.vecs; v0 += 4 {
		n := min(4, p.vecs-v0)
		var regs []asm.VArr
		for j := range n {
			regs = append(regs, asm.V(spikeW+j).S4())
		}
		f.VLD1P(asm.At(pTmp).Offset(16*n), asm.List(regs...))
		for j := range n {
			use(asm.V(spikeW+j), v0+j)
		}
	}
}
