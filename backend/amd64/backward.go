package amd64

import (
	"errors"
	"fmt"

	"github.com/snnc/snnc/asm"
)

// The backward products of a linear layer y = x·Wᵀ + b, given dy:
//
//	dx  += dy·W     linearAdd(dx, dy, W, nil, rows, in, out)
//	dW  += dyᵀ·x    linearAddXT(dW, dy, x, nil, out, in, rows)
//	dWᵀ += xᵀ·dy    outerSpikes(dWT, x, dy, nil, rows, out, in), for spikes
//
// They are variants of linear and linearSpikes (products.go), with
// ProductSig, whose twins are linearAdd, linearAddXT and outerSpikes in
// backend/gogen/rt.

// outerDY is &wT[r][c0], the row of wT outerSpikes adds (colReg.bias,
// which it does not use).
var outerDY = colReg.bias

// EmitBackwardProducts adds linearAdd<Suffix>, linearAddXT<Suffix> and
// outerSpikes<Suffix> to file, with ProductSig and the results of their
// twins in backend/gogen/rt, bit for bit:
//
//   - linearAdd: for i = 0..in-1 in order, y[r][o] = fma(x[r][i],
//     wT[i][o], y[r][o]): linear starting from y instead of the bias.
//   - linearAddXT: the same with x transposed, x[r][i] read at xT[i][r]
//     (the argument x holds [in][rows]).
//   - outerSpikes: for r = 0..rows-1 in order and each i with x[r][i] ≠ 0
//     in order, y[i][o] = fma(x[r][i], wT[r][o], y[i][o]) (y[i][o] +
//     wT[r][o] when x[r][i] is 1): y [in][out] += xᵀ·wT [rows][out] for
//     mostly-zero x.
//
// b is ignored. Lengths are not checked: len(y) ≥ rows·out (outerSpikes:
// in·out), len(x) ≥ rows·in, len(wT) ≥ in·out (outerSpikes: rows·out).
// The kernels never touch memory outside those elements. The AVX2 kernels
// declare a mask table named backwardMask in file.
func EmitBackwardProducts(file *asm.File, isa ISA) error {
	if isa != AVX2 && isa != AVX512 {
		return fmt.Errorf("amd64: EmitBackwardProducts: unknown ISA %v", isa)
	}
	var mask asm.Sym
	if isa == AVX2 {
		mask = file.DataUint32("backwardMask", maskTable()...)
	}

	add := newProductKernel(file, isa, "linearAdd"+isa.Suffix(), mask)
	add.accumulate = true
	add.f.Doc = fmt.Sprintf(`%s is linearAdd with %s: y[r][o] = fma(x[r][i], wT[i][o],
y[r][o]) for i = 0..in-1 in order, bit for bit; b is ignored. It is linear%s
with the accumulators loaded from y: dx += dy·W of a linear layer.`, add.f.Name(), isa.Suffix(), isa.Suffix())
	add.emitLinear()

	xt := newProductKernel(file, isa, "linearAddXT"+isa.Suffix(), mask)
	xt.accumulate, xt.xT = true, true
	xt.f.Doc = fmt.Sprintf(`%s is linearAddXT with %s: linearAdd%s with x given
transposed ([in][rows]), bit for bit: dW += dyᵀ·x of a linear layer, as
linearAddXT(dW, dy, x, nil, out, in, rows), register tiles of dW rows
sharing each load of x.`, xt.f.Name(), isa.Suffix(), isa.Suffix())
	xt.emitLinear()

	outer := newProductKernel(file, isa, "outerSpikes"+isa.Suffix(), mask)
	outer.outer = true
	outer.f.Doc = fmt.Sprintf(`%s is outerSpikes with %s: y [in][out] += xᵀ·wT for
mostly-zero x [rows][in], wT [rows][out], bit for bit. It takes the
inputs %d at a time, so that their rows of y (up to %d outputs each) stay
in L1 while every row r runs: it finds the non-zero x[r][i] of the chunk
(compare, bit mask, TZCNT), loads wT[r] into registers once and adds it
to y[i] (x == 1) or fuses x·wT[r] into y[i]. The weight gradient dWᵀ of a
layer whose input is spikes costs one row update in L1 per spike.`, outer.f.Name(), isa.Suffix(), outer.outerChunk(), outer.spikeVecs()*isa.Lanes())
	outer.emitLinearSpikes()

	return errors.Join(add.f.Err(), xt.f.Err(), outer.f.Err())
}

// loadRows loads the accumulators of a tile from y, row after row
// (linearAdd's start; the bias register is free there).
func (k *productKernel) loadRows(acc [][]asm.Vec, masked bool) {
	f := k.f
	p := colReg.bias
	f.MOVQ(colReg.y, p)
	for j, row := range acc {
		for v, a := range row {
			k.load(asm.Ptr(p).Offset(v*k.vbytes()), a, masked && v == len(row)-1)
		}
		if j+1 < len(acc) {
			f.ADDQ(colReg.out4, p)
		}
	}
}

// outerUpdate adds the row of wT held in acc to y[i] at spikeReg.wi:
// y[i] += acc, or with bx, y[i] = fma(bx, acc, y[i]).
func (k *productKernel) outerUpdate(acc []asm.Vec, masked bool, bx *asm.Vec) {
	f := k.f
	_, tmp, _ := k.spikeRegs()
	for v, a := range acc {
		m := asm.Ptr(spikeReg.wi).Offset(v * k.vbytes())
		last := masked && v == len(acc)-1
		k.load(m, tmp, last)
		if bx != nil {
			f.VFMADD231PS(a, *bx, tmp)
		} else {
			f.VADDPS(a, tmp, tmp)
		}
		k.store(tmp, m, last)
	}
}

// outerChunk is the inputs outerSpikes takes at a time, so that their
// rows of y stay in L1 while all rows run through: 32 rows of a 256-wide
// AVX-512 column block (32 KiB), 64 of a 96-wide AVX2 one (24 KiB). Each
// row updates the rows of y of the chunk's active inputs in row order as
// before, so the result is unchanged: only the loops swapped. Callers run
// it over blocks of rows whose dy stays in L2 between the passes (see
// spikeGradW in backend/gogen/rt). See docs/performance.md for the
// measurements.
func (k *productKernel) outerChunk() int {
	if k.isa == AVX512 {
		return 32
	}
	return 64
}

// outerBlock emits all of outerSpikes' work on one column block of nv
// vectors: chunks of outerChunk inputs (then single vectors, then the last
// 1..lanes−1 inputs), each a pass over all rows.
func (k *productKernel) outerBlock(nv int, masked bool, next asm.Label) {
	f := k.f
	_, _, bx := k.spikeRegs()
	acc := make([]asm.Vec, nv)
	for v := range acc {
		acc[v] = k.isa.vec(v)
	}
	last := func(v int) bool { return masked && v == nv-1 }

	k.blockStart(spikeReg.x)
	f.MOVQ(colReg.y, spikeReg.wi0) // &y[i0][c0] of the chunk's first input
	f.Load("in", spikeReg.left)

	chunk, vector, tail, advance, blockDone := f.NewLabel("outerChunk"), f.NewLabel("outerVector"), f.NewLabel("outerTail"), f.NewLabel("outerAdvance"), f.NewLabel("outerBlockDone")
	// pass emits one pass of the rows over the current chunk, whose mask
	// mask computes from spikeReg.x.
	pass := func(name string, mask func()) {
		rowLoop, bitLoop, fma, rowNext := f.NewLabel(name+"Row"), f.NewLabel(name+"Active"), f.NewLabel(name+"FMA"), f.NewLabel(name+"RowNext")
		// x = &x[0][in-left], the chunk's column of x
		f.Load("in", spikeReg.x)
		f.SUBQ(spikeReg.left, spikeReg.x)
		f.SHLQ(asm.Imm(2), spikeReg.x)
		f.ADDQ(f.Arg("x_base"), spikeReg.x)
		f.MOVQ(colReg.wc, outerDY) // &wT[0][c0]: row r of wT is added
		f.Load("rows", colReg.rows)

		f.Label(rowLoop)
		mask()
		f.TESTQ(spikeReg.bits, spikeReg.bits)
		f.JZ(rowNext)
		for v, a := range acc {
			k.load(asm.Ptr(outerDY).Offset(v*k.vbytes()), a, last(v))
		}
		// Active inputs in increasing order: the lowest set bit first.
		f.Label(bitLoop)
		k.nextActive(fma)
		k.outerUpdate(acc, masked, nil)
		f.TESTQ(spikeReg.bits, spikeReg.bits)
		f.JNZ(bitLoop)
		f.JMP(rowNext)
		f.Label(fma)
		f.VBROADCASTSS(asm.Ptr(spikeReg.x).Idx(spikeReg.lane, 4), bx)
		k.outerUpdate(acc, masked, &bx)
		f.TESTQ(spikeReg.bits, spikeReg.bits)
		f.JNZ(bitLoop)

		f.Label(rowNext)
		f.Load("in", spikeReg.tmp)
		f.LEAQ(asm.Ptr(spikeReg.x).Idx(spikeReg.tmp, 4), spikeReg.x)
		f.ADDQ(colReg.out4, outerDY)
		f.DECQ(colReg.rows)
		f.JNZ(rowLoop)
		f.JMP(advance)
	}

	f.Label(chunk)
	f.CMPQ(spikeReg.left, asm.Imm(k.outerChunk()))
	f.JL(vector)
	f.MOVQ(asm.Imm(k.outerChunk()), spikeReg.count)
	pass("outerChunk", func() { k.chunkMask(k.outerChunk() / k.lanes) })
	f.Label(vector)
	f.TESTQ(spikeReg.left, spikeReg.left)
	f.JZ(blockDone)
	f.CMPQ(spikeReg.left, asm.Imm(k.lanes))
	f.JL(tail)
	f.MOVQ(asm.Imm(k.lanes), spikeReg.count)
	pass("outerVector", func() { k.chunkMask(1) })
	f.Label(tail)
	f.MOVQ(spikeReg.left, spikeReg.count)
	pass("outerTail", k.tailMask)

	f.Label(advance)
	f.SUBQ(spikeReg.count, spikeReg.left)
	f.IMULQ(colReg.out4, spikeReg.count)
	f.ADDQ(spikeReg.count, spikeReg.wi0)
	f.JMP(chunk)
	f.Label(blockDone)
	f.JMP(next)
}
