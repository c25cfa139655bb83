package amd64

import (
	"fmt"

	"github.com/snnc/snnc/asm"
)

// SpikeCheckSig is the Go signature of firstNonSpike in backend/gogen/rt
// and of its assembly twins:
//
//	func(x []float32) int
var SpikeCheckSig = asm.Sig(asm.P("x", asm.SliceFloat32)).Returns(asm.P("", asm.Int))

// spikeCheckVecs is the vectors firstNonSpike tests per loop iteration.
const spikeCheckVecs = 4

// EmitSpikeCheck adds firstNonSpike<Suffix> (Suffix "AVX2" or "AVX512") to
// file, with SpikeCheckSig and the result of firstNonSpike in
// backend/gogen/rt: the index of the first value of x that is neither 0
// (either sign) nor 1 (NaN included), or -1. A package whose input is
// declared spikes runs it over every input before its first kernel, so it
// must cost little beside the event-driven product that reads the same
// values: it compares whole vectors with 0 and with 1 and looks for the
// lane only in the vector that fails; the last len(x) mod lanes values are
// tested one at a time, on their bits, and nothing outside x is read.
func EmitSpikeCheck(file *asm.File, isa ISA) error {
	if isa != AVX2 && isa != AVX512 {
		return fmt.Errorf("amd64: EmitSpikeCheck: unknown ISA %v", isa)
	}
	f := file.AMD64("firstNonSpike"+isa.Suffix(), SpikeCheckSig)
	f.Doc = fmt.Sprintf(`%s is firstNonSpike with %s: the index of the first
value of x that is neither 0 (either sign) nor 1, NaN included, or -1.
Whole vectors are compared with 0 and 1, %d per iteration; the last
len(x) mod %d values are tested one at a time.`, f.Name(), isa.Suffix(), spikeCheckVecs, isa.Lanes())
	f.SetISA(productFeatures(isa)...)
	lanes := isa.Lanes()
	vbytes := 4 * lanes
	var (
		x, n, i, bits = asm.SI, asm.CX, asm.AX, asm.DX // &x[0], len(x), index, a failing vector's lanes
		zero, one     = isa.vec(0), isa.vec(1)
	)
	f.Load("x_base", x)
	f.Load("x_len", n)
	f.XORQ(i, i)
	if isa == AVX512 {
		f.V("VPXORD", zero, zero, zero) // VXORPS on Z registers needs AVX512DQ
	} else {
		f.VXORPS(zero, zero, zero)
	}
	f.MOVL(asm.Imm(spikeOne), bits)
	f.VMOVD(bits, asm.X1)
	f.VBROADCASTSS(asm.X1, one)

	block, vector, scalar, found, none, ret := f.NewLabel("block"), f.NewLabel("vector"), f.NewLabel("scalar"), f.NewLabel("found"), f.NewLabel("none"), f.NewLabel("ret")
	// bad tests the vector at x[i+j·lanes] and jumps to found, with the
	// failing lanes in bits and i advanced to the vector, when one fails.
	bad := func(j int) {
		src := asm.Ptr(x).Idx(i, 4).Offset(j * vbytes)
		pass := f.NewLabel(fmt.Sprintf("pass%d", j))
		if isa == AVX512 {
			f.VCMPPS(asm.CmpNEQ_UQ, src, zero, asm.K2)
			f.VCMPPS(asm.CmpNEQ_UQ, src, one, asm.K3)
			f.KANDW(asm.K2, asm.K3, asm.K2)
			f.KORTESTW(asm.K2, asm.K2)
			f.JZ(pass)
			f.KMOVW(asm.K2, bits)
		} else {
			v0, v1 := isa.vec(2), isa.vec(3)
			f.VCMPPS(asm.CmpNEQ_UQ, src, zero, v0)
			f.VCMPPS(asm.CmpNEQ_UQ, src, one, v1)
			f.VANDPS(v1, v0, v0)
			f.VMOVMSKPS(v0, bits)
			f.TESTQ(bits, bits)
			f.JZ(pass)
		}
		if j > 0 {
			f.ADDQ(asm.Imm(j*lanes), i)
		}
		f.JMP(found)
		f.Label(pass)
	}

	f.Label(block)
	f.LEAQ(asm.Ptr(i).Offset(spikeCheckVecs*lanes), bits)
	f.CMPQ(bits, n)
	f.JA(vector)
	for j := range spikeCheckVecs {
		bad(j)
	}
	f.ADDQ(asm.Imm(spikeCheckVecs*lanes), i)
	f.JMP(block)

	f.Label(vector)
	f.LEAQ(asm.Ptr(i).Offset(lanes), bits)
	f.CMPQ(bits, n)
	f.JA(scalar)
	bad(0)
	f.ADDQ(asm.Imm(lanes), i)
	f.JMP(vector)

	// One value at a time: its bits b are ±0 when b<<1 is 0, and 1 when b
	// is spikeOne.
	next := f.NewLabel("next")
	f.Label(scalar)
	f.CMPQ(i, n)
	f.JAE(none)
	f.MOVL(asm.Ptr(x).Idx(i, 4), bits)
	f.CMPL(bits, asm.Imm(spikeOne))
	f.JE(next)
	f.SHLL(asm.Imm(1), bits)
	f.JNZ(ret)
	f.Label(next)
	f.INCQ(i)
	f.JMP(scalar)

	f.Label(found)
	f.TZCNTQ(bits, bits)
	f.ADDQ(bits, i)
	f.JMP(ret)
	f.Label(none)
	f.MOVQ(asm.Imm(-1), i)
	f.Label(ret)
	f.Store(i, "ret")
	f.VZEROUPPER()
	f.RET()
	return f.Err()
}
