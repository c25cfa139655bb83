package arm64

import (
	"errors"
	"fmt"

	"github.com/snnc/snnc/asm"
)

// EmitBackwardProducts adds linearAddNEON, linearAddXTNEON and
// outerSpikesNEON to file: the backward products of a linear layer y =
// x·Wᵀ + b, with ProductSig and the results of their twins in
// backend/gogen/rt, bit for bit:
//
//   - linearAdd (dx += dy·W): for i = 0..in-1 in order, y[r][o] =
//     fma(x[r][i], wT[i][o], y[r][o]): linear starting from y.
//   - linearAddXT (dW += dyᵀ·x): the same with x transposed, x[r][i] read
//     at x[i][r] ([in][rows]).
//   - outerSpikes (dWᵀ += xᵀ·dy for spikes x): for r = 0..rows-1 in order
//     and each i with x[r][i] ≠ 0, y[i][o] = fma(x[r][i], wT[r][o],
//     y[i][o]) (y[i][o] + wT[r][o] when x[r][i] is 1); y is [in][out], wT
//     [rows][out].
//
// b is ignored; lengths are not checked and no memory outside the
// elements above is touched (the last out%4 columns go lane by lane).
func EmitBackwardProducts(file *asm.File) error {
	add := &product{f: file.ARM64("linearAdd"+Suffix, ProductSig), accumulate: true}
	add.f.Doc = fmt.Sprintf(`%s is linearAdd with NEON: y[r][o] = fma(x[r][i], wT[i][o],
y[r][o]) for i = 0..in-1 in order (FMLA), bit for bit; b is ignored. It is
linear%s with the accumulators loaded from y: dx += dy·W of a linear layer.`, add.f.Name(), Suffix)
	add.emit(add.denseTile)

	xt := &product{f: file.ARM64("linearAddXT"+Suffix, ProductSig), accumulate: true, xT: true}
	xt.f.Doc = fmt.Sprintf(`%s is linearAddXT with NEON: linearAdd%s with x given
transposed ([in][rows]), bit for bit: dW += dyᵀ·x of a linear layer, as
linearAddXT(dW, dy, x, nil, out, in, rows), register tiles of %d dW rows ×
%d inputs sharing each load.`, xt.f.Name(), Suffix, denseRows, denseVecs*Lanes)
	xt.emit(xt.denseTile)

	outer := &product{f: file.ARM64("outerSpikes"+Suffix, ProductSig), spikes: true, outer: true}
	outer.f.Doc = fmt.Sprintf(`%s is outerSpikes with NEON: y [in][out] += xᵀ·wT for
mostly-zero x [rows][in], wT [rows][out], bit for bit. Per row r it keeps
wT[r] (up to %d outputs) in registers and, for each non-zero x[r][i], adds
it to y[i] (x == 1) or fuses x·wT[r] into y[i]: the weight gradient dWᵀ of
a layer whose input is spikes costs one row update per spike.`, outer.f.Name(), spikeVecs*Lanes)
	outer.emit(outer.spikeRow)

	return errors.Join(add.f.Err(), xt.f.Err(), outer.f.Err())
}

// update loads y[i] of the current block (at pWRow), up to four vectors
// at a time, applies op to each (register, vector index) and stores it
// back: outerSpikes' row update.
func (p *product) update(op func(yi asm.VReg, v int)) {
	f := p.f
	f.MOVD(pWRow, pTmp)
	f.MOVD(pWRow, pTmp2)
	if p.rem > 0 {
		r := asm.V(spikeW)
		p.load(pTmp, func(int) asm.VReg { return r })
		op(r, 0)
		for i := 0; i < p.rem; i++ {
			f.VST1P(r.S(i), asm.At(pTmp2).Offset(4))
		}
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
			op(asm.V(spikeW+j), v0+j)
		}
		f.VST1P(asm.List(regs...), asm.At(pTmp2).Offset(16*n))
	}
}
