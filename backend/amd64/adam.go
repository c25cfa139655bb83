package amd64

import (
	"fmt"

	"github.com/snnc/snnc/asm"
)

// AdamLanes is the values adamUpdate takes per iteration: the caller
// passes a multiple of it and updates the rest with the Go twin.
const AdamLanes = 8

// AdamUpdateSig is the Go signature of adamUpdate in backend/gogen/rt and
// of its assembly twins: c holds β1, 1−β1, β2, 1−β2, the step, the root
// and ε, in float64.
var AdamUpdateSig = asm.Sig(
	asm.P("p", asm.SliceFloat32), asm.P("g", asm.SliceFloat32),
	asm.P("first", asm.SliceFloat32), asm.P("second", asm.SliceFloat32),
	asm.P("c", asm.SliceFloat64))

// EmitAdam adds adamUpdate<Suffix> (Suffix "AVX2" or "AVX512") to file:
// Adam's update of len(p) values, a multiple of AdamLanes, with the
// results of the twin in backend/gogen/rt bit for bit. The twin computes
// in float64 without fused multiply-adds, one operation at a time; so do
// these, AdamLanes values at a time (widened float32, the square root and
// the division correctly rounded like Go's). Lengths are not checked: the
// caller guarantees len(g), len(first), len(second) ≥ len(p) and len(c) ≥ 7.
func EmitAdam(file *asm.File, isa ISA) error {
	if isa != AVX2 && isa != AVX512 {
		return fmt.Errorf("amd64: EmitAdam: unknown ISA %v", isa)
	}
	f := file.AMD64("adamUpdate"+isa.Suffix(), AdamUpdateSig)
	f.Doc = fmt.Sprintf(`%s is adamUpdate with %s, %d values at a time: len(p) is a
multiple of %d.`, f.Name(), isa.Suffix(), AdamLanes, AdamLanes)
	f.SetISA(productFeatures(isa)...)
	var (
		p, g, first, second, c, n = asm.DI, asm.SI, asm.R8, asm.R9, asm.R10, asm.CX
	)
	// The float64 vectors: one zmm holds the 8 values, two ymm on AVX2 (a
	// half of 4 values each, at byte offset 16·h of the float32 rows).
	// Go spells the 256 → 128-bit narrowing VCVTPD2PSY.
	wide, halves, narrow, narrowOp := asm.Z, 1, asm.Y, "VCVTPD2PS"
	if isa == AVX2 {
		wide, halves, narrow, narrowOp = asm.Y, 2, asm.X, "VCVTPD2PSY"
	}
	konst := make([]asm.Vec, 7) // β1, 1−β1, β2, 1−β2, step, root, ε
	for i := range konst {
		konst[i] = wide(i)
	}
	b1, c1, b2, c2, step, root, eps := konst[0], konst[1], konst[2], konst[3], konst[4], konst[5], konst[6]
	gv, a, b, t, u := wide(7), wide(8), wide(9), wide(10), wide(11)
	f.Load("p_base", p)
	f.Load("p_len", n)
	f.Load("g_base", g)
	f.Load("first_base", first)
	f.Load("second_base", second)
	f.Load("c_base", c)
	for i, k := range konst {
		f.V("VBROADCASTSD", asm.Ptr(c).Offset(8*i), k)
	}
	done, loop := f.NewLabel("done"), f.NewLabel("loop")
	f.SHRQ(asm.Imm(3), n)
	f.JZ(done)
	f.Label(loop)
	for h := range halves {
		at := func(base asm.GP) asm.Mem { return asm.Ptr(base).Offset(16 * h) }
		f.V("VCVTPS2PD", at(g), gv)
		// a = β1·first + (1−β1)·g
		f.V("VCVTPS2PD", at(first), a)
		f.V("VMULPD", b1, a, a)
		f.V("VMULPD", c1, gv, t)
		f.V("VADDPD", t, a, a)
		// b = β2·second + ((1−β2)·g)·g
		f.V("VCVTPS2PD", at(second), b)
		f.V("VMULPD", b2, b, b)
		f.V("VMULPD", c2, gv, t)
		f.V("VMULPD", gv, t, t)
		f.V("VADDPD", t, b, b)
		f.V(narrowOp, a, narrow(12))
		f.VMOVUPS(narrow(12), at(first))
		f.V(narrowOp, b, narrow(13))
		f.VMOVUPS(narrow(13), at(second))
		// p −= step·a / (√b·root + ε)
		f.V("VSQRTPD", b, t)
		f.V("VMULPD", root, t, t)
		f.V("VADDPD", eps, t, t)
		f.V("VMULPD", step, a, a)
		f.V("VDIVPD", t, a, a)
		f.V("VCVTPS2PD", at(p), u)
		f.V("VSUBPD", a, u, u)
		f.V(narrowOp, u, narrow(14))
		f.VMOVUPS(narrow(14), at(p))
	}
	for _, r := range []asm.GP{p, g, first, second} {
		f.ADDQ(asm.Imm(4*AdamLanes), r)
	}
	f.DECQ(n)
	f.JNZ(loop)
	f.Label(done)
	f.VZEROUPPER()
	f.RET()
	return f.Err()
}
