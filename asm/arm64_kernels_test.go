package asm_test

import (
	. "github.com/snnc/snnc/asm"
)

// This file builds the arm64 kernels of TestARM64GeneratedPackage: a
// semantics probe of every vector instruction the builder offers (the
// WORD-encoded ones included), the condition codes after CMP, argument
// loads and stores of every size, locals in small and large frames, and a
// loop with post-increment loads and a lane-by-lane tail.

// arm64Op is one slot of the vops probe: it computes V3 from V0 = a,
// V1 = b, V2 = c (four lanes each); vopsGeneric in the test package
// computes the documented result of the same name.
type arm64Op struct {
	name string
	emit func(f *ARM64Func, tab Sym)
}

func arm64Ops() []arm64Op {
	a, b, d := V0.S4(), V1.S4(), V3.S4()
	copyTo := func(f *ARM64Func, src VReg) { f.VMOV(src.B16(), V3.B16()) }
	bits3 := func(op func(f *ARM64Func, b, a, dst VArr) *Inst) func(f *ARM64Func, _ Sym) {
		return func(f *ARM64Func, _ Sym) { op(f, V1.B16(), V0.B16(), V3.B16()) }
	}
	return []arm64Op{
		{"fadd", func(f *ARM64Func, _ Sym) { f.VFADD(b, a, d) }},
		{"fsub", func(f *ARM64Func, _ Sym) { f.VFSUB(b, a, d) }},
		{"fmul", func(f *ARM64Func, _ Sym) { f.VFMUL(b, a, d) }},
		{"fdiv", func(f *ARM64Func, _ Sym) { f.VFDIV(b, a, d) }},
		{"fmax", func(f *ARM64Func, _ Sym) { f.VFMAX(b, a, d) }},
		{"fmin", func(f *ARM64Func, _ Sym) { f.VFMIN(b, a, d) }},
		{"fcmeq", func(f *ARM64Func, _ Sym) { f.VFCMEQ(b, a, d) }},
		{"fcmge", func(f *ARM64Func, _ Sym) { f.VFCMGE(b, a, d) }},
		{"fcmgt", func(f *ARM64Func, _ Sym) { f.VFCMGT(b, a, d) }},
		{"fcmlt", func(f *ARM64Func, _ Sym) { f.VFCMGT(a, b, d) }},
		{"fmla", func(f *ARM64Func, _ Sym) { copyTo(f, V2); f.VFMLA(b, a, d) }},
		{"fmls", func(f *ARM64Func, _ Sym) { copyTo(f, V2); f.VFMLS(b, a, d) }},
		{"fmlaElem1", func(f *ARM64Func, _ Sym) { copyTo(f, V2); f.VFMLA(V1.S(1), a, d) }},
		{"fmlsElem3", func(f *ARM64Func, _ Sym) { copyTo(f, V2); f.VFMLS(V1.S(3), a, d) }},
		{"fmulElem2", func(f *ARM64Func, _ Sym) { f.VFMULE(V1.S(2), a, d) }},
		{"faddp", func(f *ARM64Func, _ Sym) { f.VFADDP(b, a, d) }},
		{"fsqrt", func(f *ARM64Func, _ Sym) { f.VFSQRT(a, d) }},
		{"fneg", func(f *ARM64Func, _ Sym) { f.VFNEG(a, d) }},
		{"fabs", func(f *ARM64Func, _ Sym) { f.VFABS(a, d) }},
		{"frintn", func(f *ARM64Func, _ Sym) { f.VFRINTN(a, d) }},
		{"frintm", func(f *ARM64Func, _ Sym) { f.VFRINTM(a, d) }},
		{"frintz", func(f *ARM64Func, _ Sym) { f.VFRINTZ(a, d) }},
		{"fcvtzs", func(f *ARM64Func, _ Sym) { f.VFCVTZS(a, d) }},
		{"fcvtns", func(f *ARM64Func, _ Sym) { f.VFCVTNS(a, d) }},
		{"scvtf", func(f *ARM64Func, _ Sym) { f.VSCVTF(a, d) }},
		{"sshr3", func(f *ARM64Func, _ Sym) { f.VSSHR(Imm(3), a, d) }},
		{"ushr3", func(f *ARM64Func, _ Sym) { f.VUSHR(Imm(3), a, d) }},
		{"shl5", func(f *ARM64Func, _ Sym) { f.VSHL(Imm(5), a, d) }},
		{"addInt", func(f *ARM64Func, _ Sym) { f.VADD(b, a, d) }},
		{"subInt", func(f *ARM64Func, _ Sym) { f.VSUB(b, a, d) }},
		{"and", bits3((*ARM64Func).VAND)},
		{"orr", bits3((*ARM64Func).VORR)},
		{"eor", bits3((*ARM64Func).VEOR)},
		{"bic", bits3((*ARM64Func).VBIC)},
		{"mvn", func(f *ARM64Func, _ Sym) { f.VMVN(V0.B16(), V3.B16()) }},
		{"bsl", func(f *ARM64Func, _ Sym) { copyTo(f, V2); f.VBSL(V1.B16(), V0.B16(), V3.B16()) }},
		{"bit", func(f *ARM64Func, _ Sym) { copyTo(f, V1); f.VBIT(V2.B16(), V0.B16(), V3.B16()) }},
		{"bif", func(f *ARM64Func, _ Sym) { copyTo(f, V1); f.VBIF(V2.B16(), V0.B16(), V3.B16()) }},
		{"dupLane2", func(f *ARM64Func, _ Sym) { f.VDUP(V0.S(2), d) }},
		{"movLane", func(f *ARM64Func, _ Sym) { copyTo(f, V0); f.VMOV(V1.S(0), V3.S(3)) }},
		{"gpLane", func(f *ARM64Func, _ Sym) { f.VMOV(V0.S(1), R7); copyTo(f, V1); f.VMOV(R7, V3.S(0)) }},
		{"dupGP", func(f *ARM64Func, _ Sym) { f.VMOV(V0.S(3), R7); f.VDUP(R7, d) }},
		{"const", func(f *ARM64Func, _ Sym) { f.VMOVF32(-1.5, V3) }},
		{"vmovq", func(f *ARM64Func, _ Sym) { f.VMOVQ(0x2222222211111111, 0x4444444433333333, V3) }},
		{"data", func(f *ARM64Func, tab Sym) { f.MOVD(tab.Addr(), R8); f.VLD1(At(R8), List(d)) }},
		{"ld1r", func(f *ARM64Func, tab Sym) { f.MOVD(tab.Offset(8).Addr(), R8); f.VLD1R(At(R8), List(d)) }},
		{"fadds", func(f *ARM64Func, _ Sym) { f.FADDS(F1, F0, F3) }},
		{"fsubs", func(f *ARM64Func, _ Sym) { f.FSUBS(F1, F0, F3) }},
		{"fmuls", func(f *ARM64Func, _ Sym) { f.FMULS(F1, F0, F3) }},
		{"fdivs", func(f *ARM64Func, _ Sym) { f.FDIVS(F1, F0, F3) }},
		{"fmaxs", func(f *ARM64Func, _ Sym) { f.FMAXS(F1, F0, F3) }},
		{"fmins", func(f *ARM64Func, _ Sym) { f.FMINS(F1, F0, F3) }},
		{"fmovsGP", func(f *ARM64Func, _ Sym) { f.FMOVS(F0, R7); f.FMOVS(R7, F3) }},
	}
}

var (
	vopsSig  = Sig(P("a", SliceFloat32), P("b", SliceFloat32), P("c", SliceFloat32), P("out", SliceFloat32))
	widenSig = Sig(P("a", Int32), P("b", Uint32), P("c", Int16), P("d", Uint8), P("e", Bool),
		P("x", Float32), P("y", Float64), P("p", PointerTo(Float32))).
		Returns(P("s", Int64), P("x2", Float32), P("y2", Float64))
)

// buildARM64Kernels returns the arm64 test file with every kernel.
func buildARM64Kernels() *File {
	file := NewFile(ARM64, "kernels")
	file.Generator = "asm.TestARM64GeneratedPackage"
	tab := file.DataFloat32("tab", 0.25, 0.5, 0.75, 1)
	vops(file, tab)
	branches(file)
	widen(file)
	spill(file)
	spillBig(file)
	copyTail(file)
	return file
}

// vops applies every arm64Op to each block of four lanes of a, b, c: slot
// k of block i goes to out[k*len(a) + 4i : …+4]. len(a) is a multiple of
// 4; b and c are as long, out k times as long.
func vops(file *File, tab Sym) {
	f := file.ARM64("vops", vopsSig)
	f.Doc = "vops probes instruction semantics on blocks of 4 lanes (see vopsGeneric)."
	loop, done := f.NewLabel("loop"), f.NewLabel("done")
	f.Load("a_base", R0)
	f.Load("b_base", R1)
	f.Load("c_base", R2)
	f.Load("out_base", R3)
	f.Load("a_len", R4)
	f.LSL(Imm(2), R4, R5).Comment("R5 = bytes per slot")
	f.LSR(Imm(2), R4, R4).Comment("blocks")
	f.CBZ(R4, done)
	f.Label(loop)
	f.VLD1P(At(R0).Offset(16), List(V0.S4()))
	f.VLD1P(At(R1).Offset(16), List(V1.S4()))
	f.VLD1P(At(R2).Offset(16), List(V2.S4()))
	f.MOVD(R3, R6)
	for _, op := range arm64Ops() {
		f.Comment(op.name)
		op.emit(f, tab)
		f.VST1(List(V3.S4()), At(R6))
		f.ADD(R5, R6, R6)
	}
	f.ADD(Imm(16), R3, R3)
	f.SUBS(Imm(1), R4, R4)
	f.BNE(loop)
	f.Label(done)
	f.RET()
}

// branchConds are the conditional branches of the probe, bit i of the
// result of branches for branchConds[i].
var branchConds = []string{"BEQ", "BNE", "BLT", "BLE", "BGT", "BGE", "BLO", "BLS", "BHI", "BHS", "BMI", "BPL"}

// branches returns which branches are taken after CMP b, a (bits 0–11
// in branchConds order), CBZ a (12), CBNZ a (13), SUBS b, a then BMI (14)
// and CMP $8, a then BLT (15).
func branches(file *File) {
	f := file.ARM64("branches", Sig(P("a", Int), P("b", Int)).Returns(P("", Uint64)))
	f.Doc = "branches reports which conditional branches are taken (see branchesGeneric)."
	f.Load("a", R0)
	f.Load("b", R1)
	f.MOVD(ZR, R2)
	bit := 0
	taken := func(test func(l Label)) {
		set, next := f.NewLabel("set"), f.NewLabel("next")
		test(set)
		f.B(next)
		f.Label(set)
		f.ORR(Imm(1<<bit), R2, R2)
		f.Label(next)
		bit++
	}
	jumps := map[string]func(Label) *Inst{
		"BEQ": f.BEQ, "BNE": f.BNE, "BLT": f.BLT, "BLE": f.BLE, "BGT": f.BGT, "BGE": f.BGE,
		"BLO": f.BLO, "BLS": f.BLS, "BHI": f.BHI, "BHS": f.BHS, "BMI": f.BMI, "BPL": f.BPL,
	}
	for _, c := range branchConds {
		taken(func(l Label) { f.CMP(R1, R0); jumps[c](l) })
	}
	taken(func(l Label) { f.CBZ(R0, l) })
	taken(func(l Label) { f.CBNZ(R0, l) })
	taken(func(l Label) { f.SUBS(R1, R0, R3); f.BMI(l) })
	taken(func(l Label) { f.CMP(Imm(8), R0); f.BLT(l) })
	f.Store(R2, "ret")
	f.RET()
}

// widen loads arguments of every size and kind.
func widen(file *File) {
	f := file.ARM64("widen", widenSig)
	f.Doc = "widen returns a+b+c+d+b2i(e), x+x and y, and stores x to *p."
	f.Load("a", R0)
	for _, name := range []string{"b", "c", "d", "e"} {
		f.Load(name, R1)
		f.ADD(R1, R0, R0)
	}
	f.Store(R0, "s")
	f.Load("x", F0)
	f.Load("p", R2)
	f.FMOVS(F0, At(R2))
	f.FADDS(F0, F0, F0)
	f.Store(F0, "x2")
	f.Load("y", F1)
	f.Store(F1, "y2")
	f.RET()
}

// spill reverses the order of the four 4-lane blocks of x[0:16] through
// four local slots.
func spill(file *File) {
	f := file.ARM64("spill", Sig(P("x", SliceFloat32)))
	f.Doc = "spill reverses the four blocks of four of x[0:16] through the stack."
	var slots []Addr
	for range 4 {
		slots = append(slots, f.AllocLocal(16, 8))
	}
	f.Load("x_base", R0)
	f.VLD1(At(R0), List(V0.S4(), V1.S4(), V2.S4(), V3.S4()))
	for i, s := range slots {
		f.FMOVQ(F(i), s)
	}
	for i, s := range slots {
		f.FMOVQ(s, F(7-i))
	}
	f.VST1(List(V4.S4(), V5.S4(), V6.S4(), V7.S4()), At(R0))
	f.RET()
}

// spillBig has a 512-byte frame (the assembler's other prologue) and a
// stack check; it copies x[0:4] to x[4:8] through its first local and to
// x[8:12] through its last.
func spillBig(file *File) {
	f := file.ARM64("spillBig", Sig(P("x", SliceFloat32)))
	f.Doc = "spillBig copies x[0:4] to x[4:8] and x[8:12] through a large frame."
	f.Flags = "0"
	first := f.AllocLocal(496, 8)
	last := f.AllocLocal(16, 8)
	f.Load("x_base", R0)
	f.VLD1(At(R0), List(V0.S4()))
	f.FMOVQ(F0, first)
	f.FMOVQ(F0, last)
	f.VEOR(V0.B16(), V0.B16(), V0.B16())
	f.FMOVQ(first, F1)
	f.FMOVQ(last, F2)
	f.ADD(Imm(16), R0, R0)
	f.VST1(List(V1.S4(), V2.S4()), At(R0))
	f.RET()
}

// copyTail sets y[i] = x[i] + 1 for i < len(x): blocks of four with
// post-increment loads and stores, then the last len(x)%4 lanes one by one
// (never touching y past len(x)).
func copyTail(file *File) {
	f := file.ARM64("copyTail", Sig(P("x", SliceFloat32), P("y", SliceFloat32)))
	f.Doc = "copyTail sets y[i] = x[i] + 1 for i < len(x); len(y) >= len(x)."
	loop, tail, store, two, three, done := f.NewLabel("loop"), f.NewLabel("tail"), f.NewLabel("store"),
		f.NewLabel("two"), f.NewLabel("three"), f.NewLabel("done")
	f.Load("x_base", R0)
	f.Load("y_base", R1)
	f.Load("x_len", R2)
	f.VMOVF32(1, V31)
	f.CMP(Imm(4), R2)
	f.BLT(tail)
	f.Label(loop)
	f.VLD1P(At(R0).Offset(16), List(V0.S4()))
	f.VFADD(V31.S4(), V0.S4(), V0.S4())
	f.VST1P(List(V0.S4()), At(R1).Offset(16))
	f.SUB(Imm(4), R2, R2)
	f.CMP(Imm(4), R2)
	f.BGE(loop)
	f.Label(tail)
	f.CBZ(R2, done)
	f.VEOR(V0.B16(), V0.B16(), V0.B16())
	f.VLD1P(At(R0).Offset(4), V0.S(0))
	f.CMP(Imm(2), R2)
	f.BLT(store)
	f.VLD1P(At(R0).Offset(4), V0.S(1))
	f.CMP(Imm(3), R2)
	f.BLT(store)
	f.VLD1P(At(R0).Offset(4), V0.S(2))
	f.Label(store)
	f.VFADD(V31.S4(), V0.S4(), V0.S4())
	f.VST1P(V0.S(0), At(R1).Offset(4))
	f.CMP(Imm(2), R2)
	f.BGE(two)
	f.B(done)
	f.Label(two)
	f.VST1P(V0.S(1), At(R1).Offset(4))
	f.CMP(Imm(3), R2)
	f.BGE(three)
	f.B(done)
	f.Label(three)
	f.VST1P(V0.S(2), At(R1).Offset(4))
	f.Label(done)
	f.RET()
}
