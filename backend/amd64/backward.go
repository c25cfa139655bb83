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
mostly-zero x [rows][in], wT [rows][out], bit for bit. Per row r it keeps
wT[r] (up to %d outputs) in registers, finds the non-zero x[r][i] %d at a
time (compare, bit mask, TZCNT) and adds wT[r] to y[i] (x == 1) or fuses
x·wT[r] into y[i]: the weight gradient dWᵀ of a layer whose input is
spikes costs one row update per spike.`, outer.f.Name(), isa.Suffix(), outer.spikeVecs()*isa.Lanes(), 4*isa.Lanes())
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
