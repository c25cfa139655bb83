package asm_test

import (
	. "github.com/snnc/snnc/asm"
)

// This file builds the kernels of the integration test. They are small but
// real: main loops, remainders, masked tails, reductions, argument loading
// of every size, and a semantics probe of the operand order of each
// vector instruction the backends rely on.

var (
	f32x3 = Sig(P("a", Float32), P("x", SliceFloat32), P("y", SliceFloat32))
	sum   = Sig(P("x", SliceFloat32)).Returns(P("", Float32))
	ops   = Sig(P("a", SliceFloat32), P("b", SliceFloat32), P("c", SliceFloat32), P("out", SliceFloat32))
	spike = Sig(P("v", SliceFloat32), P("thr", Float32), P("s", SliceUint8))
)

// buildKernels returns the test file with every kernel.
func buildKernels() *File {
	file := NewFile(AMD64, "kernels")
	file.Generator = "asm.TestGeneratedPackage"
	file.Constraint = "!purego"
	ones := make([]uint32, 16)
	for i := range 8 {
		ones[i] = 0xffffffff
	}
	// tailmask+32-4*rem holds rem lanes of all ones, then zeros: the
	// VMASKMOVPS mask of an rem-element tail (0 < rem < 8).
	tailmask := file.DataUint32("tailmask", ones...)

	axpyAVX2(file, tailmask)
	axpyAVX512(file)
	sumAVX2(file, tailmask)
	sumAVX512(file)
	bitIndices(file)
	popCount(file)
	spikesAVX2(file, tailmask)
	spikesAVX512(file)
	mix(file)
	opsAVX2(file)
	opsAVX512(file)
	everyForm(file)
	return file
}

func axpyAVX2(file *File, tailmask Sym) {
	f := file.AMD64("axpyAVX2", f32x3)
	f.Doc = "axpyAVX2 computes y[i] += a*x[i] for i < len(x), fused (one rounding).\nlen(y) must be at least len(x)."
	f.SetISA(AVX2, FMA3)
	loop, single, tail, done := f.NewLabel("loop"), f.NewLabel("single"), f.NewLabel("tail"), f.NewLabel("done")

	f.Load("x_base", SI)
	f.Load("y_base", DI)
	f.Load("x_len", CX)
	f.Load("a", Y0) // VBROADCASTSS a+0(FP), Y0
	f.CMPQ(CX, Imm(16))
	f.JL(single)

	f.Label(loop) // 16 per iteration
	f.VMOVUPS(Ptr(SI), Y1)
	f.VMOVUPS(Ptr(SI).Offset(32), Y2)
	f.VFMADD213PS(Ptr(DI), Y0, Y1).Comment("Y1 = a*x + y")
	f.VFMADD213PS(Ptr(DI).Offset(32), Y0, Y2)
	f.VMOVUPS(Y1, Ptr(DI))
	f.VMOVUPS(Y2, Ptr(DI).Offset(32))
	f.ADDQ(Imm(64), SI)
	f.ADDQ(Imm(64), DI)
	f.SUBQ(Imm(16), CX)
	f.CMPQ(CX, Imm(16))
	f.JGE(loop)

	f.Label(single)
	f.CMPQ(CX, Imm(8))
	f.JL(tail)
	f.VMOVUPS(Ptr(SI), Y1)
	f.VMOVUPS(Ptr(DI), Y2)
	f.VFMADD231PS(Y1, Y0, Y2).Comment("Y2 += a*x")
	f.VMOVUPS(Y2, Ptr(DI))
	f.ADDQ(Imm(32), SI)
	f.ADDQ(Imm(32), DI)
	f.SUBQ(Imm(8), CX)

	f.Label(tail)
	f.TESTQ(CX, CX)
	f.JZ(done)
	f.LEAQ(tailmask.Offset(32), R8)
	f.NEGQ(CX)
	f.VMOVUPS(Ptr(R8).Idx(CX, 4), Y5).Comment("rem lanes of ones")
	f.VMASKMOVPS(Ptr(SI), Y5, Y1)
	f.VMASKMOVPS(Ptr(DI), Y5, Y2)
	f.VFMADD231PS(Y1, Y0, Y2)
	f.VMASKMOVPS(Y2, Y5, Ptr(DI))

	f.Label(done)
	f.VZEROUPPER()
	f.RET()
}

func axpyAVX512(file *File) {
	f := file.AMD64("axpyAVX512", f32x3)
	f.Doc = "axpyAVX512 is axpyAVX2 with 16 lanes and a K-masked tail."
	f.SetISA(AVX512F)
	loop, tail, done := f.NewLabel("loop"), f.NewLabel("tail"), f.NewLabel("done")

	f.Load("x_base", SI)
	f.Load("y_base", DI)
	f.Load("x_len", CX)
	f.Load("a", Z0)
	f.CMPQ(CX, Imm(16))
	f.JL(tail)

	f.Label(loop)
	f.VMOVUPS(Ptr(SI), Z1)
	f.VFMADD213PS(Ptr(DI), Z0, Z1)
	f.VMOVUPS(Z1, Ptr(DI))
	f.ADDQ(Imm(64), SI)
	f.ADDQ(Imm(64), DI)
	f.SUBQ(Imm(16), CX)
	f.CMPQ(CX, Imm(16))
	f.JGE(loop)

	f.Label(tail)
	f.TESTQ(CX, CX)
	f.JZ(done)
	f.MOVQ(Imm(1), AX)
	f.SHLQ(CX, AX)
	f.DECQ(AX).Comment("AX = 1<<rem - 1")
	f.KMOVW(AX, K1)
	f.VMOVUPS(Ptr(SI), Z1).MaskZ(K1)
	f.VFMADD213PS(Ptr(DI), Z0, Z1).Mask(K1).Comment("masked-off lanes do not fault")
	f.VMOVUPS(Z1, Ptr(DI)).Mask(K1)

	f.Label(done)
	f.VZEROUPPER()
	f.RET()
}

// reduceY0 adds the 8 lanes of Y0 into X0 lane 0, halving: l[i] += l[i+4],
// then l[i] += l[i+2], then l[0] += l[1].
func reduceY0(f *AMD64Func) {
	f.VEXTRACTF128(Imm(1), Y0, X1)
	f.VADDPS(X1, X0, X0)
	f.VMOVHLPS(X0, X0, X1)
	f.VADDPS(X1, X0, X0)
	f.VMOVSHDUP(X0, X1)
	f.VADDSS(X1, X0, X0)
}

func sumAVX2(file *File, tailmask Sym) {
	f := file.AMD64("sumAVX2", sum)
	f.Doc = "sumAVX2 returns the sum of x, in the order of sumLanes(x, 8)."
	f.SetISA(AVX2)
	loop, single, tail, reduce := f.NewLabel("loop"), f.NewLabel("single"), f.NewLabel("tail"), f.NewLabel("reduce")
	spill := f.AllocLocal(32, 8)

	f.Load("x_base", SI)
	f.Load("x_len", CX)
	f.VXORPS(Y0, Y0, Y0)
	f.VXORPS(Y1, Y1, Y1)
	f.CMPQ(CX, Imm(16))
	f.JL(single)
	f.Label(loop)
	f.VADDPS(Ptr(SI), Y0, Y0)
	f.VADDPS(Ptr(SI).Offset(32), Y1, Y1)
	f.ADDQ(Imm(64), SI)
	f.SUBQ(Imm(16), CX)
	f.CMPQ(CX, Imm(16))
	f.JGE(loop)
	f.Label(single)
	f.CMPQ(CX, Imm(8))
	f.JL(tail)
	f.VADDPS(Ptr(SI), Y0, Y0)
	f.ADDQ(Imm(32), SI)
	f.SUBQ(Imm(8), CX)
	f.Label(tail)
	f.TESTQ(CX, CX)
	f.JZ(reduce)
	f.LEAQ(tailmask.Offset(32), R8)
	f.NEGQ(CX)
	f.VMOVUPS(Ptr(R8).Idx(CX, 4), Y5)
	f.VMASKMOVPS(Ptr(SI), Y5, Y2)
	f.VADDPS(Y2, Y1, Y1)
	f.Label(reduce)
	f.VMOVUPS(Y1, spill).Comment("through the stack, to test locals")
	f.VADDPS(spill, Y0, Y0)
	reduceY0(f)
	f.VZEROUPPER()
	f.Store(X0, "ret")
	f.RET()
}

func sumAVX512(file *File) {
	f := file.AMD64("sumAVX512", sum)
	f.Doc = "sumAVX512 returns the sum of x, in the order of sumLanes(x, 16)."
	f.SetISA(AVX512F)
	loop, single, tail, reduce := f.NewLabel("loop"), f.NewLabel("single"), f.NewLabel("tail"), f.NewLabel("reduce")

	f.Load("x_base", SI)
	f.Load("x_len", CX)
	f.VXORPS(Y0, Y0, Y0).Comment("zeroes all of Z0")
	f.VXORPS(Y1, Y1, Y1)
	f.CMPQ(CX, Imm(32))
	f.JL(single)
	f.Label(loop)
	f.VADDPS(Ptr(SI), Z0, Z0)
	f.VADDPS(Ptr(SI).Offset(64), Z1, Z1)
	f.ADDQ(Imm(128), SI)
	f.SUBQ(Imm(32), CX)
	f.CMPQ(CX, Imm(32))
	f.JGE(loop)
	f.Label(single)
	f.CMPQ(CX, Imm(16))
	f.JL(tail)
	f.VADDPS(Ptr(SI), Z0, Z0)
	f.ADDQ(Imm(64), SI)
	f.SUBQ(Imm(16), CX)
	f.Label(tail)
	f.TESTQ(CX, CX)
	f.JZ(reduce)
	f.MOVQ(Imm(1), AX)
	f.SHLQ(CX, AX)
	f.DECQ(AX)
	f.KMOVW(AX, K1)
	f.VADDPS(Ptr(SI), Z1, Z1).Mask(K1).Comment("merge: other lanes keep their sums")
	f.Label(reduce)
	f.VADDPS(Z1, Z0, Z0)
	f.VEXTRACTF64X4(Imm(1), Z0, Y1)
	f.VADDPS(Y1, Y0, Y0)
	reduceY0(f)
	f.VZEROUPPER()
	f.Store(X0, "ret")
	f.RET()
}

func bitIndices(file *File) {
	f := file.AMD64("bitIndices", Sig(P("words", SliceUint64), P("idx", SliceInt32)).Returns(P("", Int)))
	f.Doc = "bitIndices writes the index of every set bit of words, in order, to idx\nand returns how many it wrote. idx must be long enough."
	wordLoop, bitLoop, next, done := f.NewLabel("words"), f.NewLabel("bits"), f.NewLabel("next"), f.NewLabel("done")
	f.Load("words_base", SI)
	f.Load("words_len", CX)
	f.Load("idx_base", DI)
	f.XORQ(AX, AX).Comment("count")
	f.XORQ(DX, DX).Comment("word index")
	f.TESTQ(CX, CX)
	f.JZ(done)
	f.Label(wordLoop)
	f.MOVQ(Ptr(SI).Idx(DX, 8), R8)
	f.IMUL3Q(Imm(64), DX, R9)
	f.TESTQ(R8, R8)
	f.JZ(next)
	f.Label(bitLoop)
	f.TZCNTQ(R8, R10)
	f.ADDQ(R9, R10)
	f.MOVL(R10, Ptr(DI).Idx(AX, 4))
	f.INCQ(AX)
	f.BLSRQ(R8, R8)
	f.JNZ(bitLoop)
	f.Label(next)
	f.INCQ(DX)
	f.CMPQ(DX, CX)
	f.JL(wordLoop)
	f.Label(done)
	f.Store(AX, "ret")
	f.RET()
}

func popCount(file *File) {
	f := file.AMD64("popCount", Sig(P("words", SliceUint64)).Returns(P("n", Int)))
	f.Doc = "popCount returns the number of set bits of words."
	loop, done := f.NewLabel("loop"), f.NewLabel("done")
	f.Load("words_base", SI)
	f.Load("words_len", CX)
	f.XORQ(AX, AX)
	f.TESTQ(CX, CX)
	f.JZ(done)
	f.Label(loop)
	f.POPCNTQ(Ptr(SI), R8)
	f.ADDQ(R8, AX)
	f.ADDQ(Imm(8), SI)
	f.DECQ(CX)
	f.JNZ(loop)
	f.Label(done)
	f.Store(AX, "n")
	f.RET()
}

func spikesAVX2(file *File, tailmask Sym) {
	f := file.AMD64("spikesAVX2", spike)
	f.Doc = "spikesAVX2 sets s[i] = 1 if v[i] > thr, else 0, for i < len(v)."
	f.SetISA(AVX2, BMI2)
	loop, tail, bytes, done := f.NewLabel("loop"), f.NewLabel("tail"), f.NewLabel("bytes"), f.NewLabel("done")
	f.Load("v_base", SI)
	f.Load("v_len", CX)
	f.Load("s_base", DI)
	f.Load("thr", Y0)
	f.MOVQ(Imm(0x0101010101010101), R9)
	f.CMPQ(CX, Imm(8))
	f.JL(tail)
	f.Label(loop)
	f.VMOVUPS(Ptr(SI), Y1)
	f.VCMPPS(CmpGT_OQ, Y0, Y1, Y2).Comment("Y2 = v > thr")
	f.VMOVMSKPS(Y2, AX)
	f.PDEPQ(R9, AX, AX).Comment("bit i to byte i")
	f.MOVQ(AX, Ptr(DI))
	f.ADDQ(Imm(32), SI)
	f.ADDQ(Imm(8), DI)
	f.SUBQ(Imm(8), CX)
	f.CMPQ(CX, Imm(8))
	f.JGE(loop)
	f.Label(tail)
	f.TESTQ(CX, CX)
	f.JZ(done)
	f.LEAQ(tailmask.Offset(32), R8)
	f.MOVQ(CX, DX)
	f.NEGQ(DX)
	f.VMOVUPS(Ptr(R8).Idx(DX, 4), Y5)
	f.VMASKMOVPS(Ptr(SI), Y5, Y1)
	f.VCMPPS(CmpGT_OQ, Y0, Y1, Y2)
	f.VMOVMSKPS(Y2, AX)
	f.PDEPQ(R9, AX, AX)
	f.Label(bytes)
	f.MOVB(AX, Ptr(DI))
	f.SHRQ(Imm(8), AX)
	f.INCQ(DI)
	f.DECQ(CX)
	f.JNZ(bytes)
	f.Label(done)
	f.VZEROUPPER()
	f.RET()
}

func spikesAVX512(file *File) {
	f := file.AMD64("spikesAVX512", spike)
	f.Doc = "spikesAVX512 is spikesAVX2 with 16 lanes and K masks."
	f.SetISA(AVX512F)
	loop, tail, done := f.NewLabel("loop"), f.NewLabel("tail"), f.NewLabel("done")
	f.Load("v_base", SI)
	f.Load("v_len", CX)
	f.Load("s_base", DI)
	f.Load("thr", Z0)
	f.MOVL(Imm(1), R8)
	f.VPBROADCASTD(R8, Z5).Comment("int32 ones")
	f.CMPQ(CX, Imm(16))
	f.JL(tail)
	f.Label(loop)
	f.VMOVUPS(Ptr(SI), Z1)
	f.VCMPPS(CmpGT_OQ, Z0, Z1, K1)
	f.VMOVDQU32(Z5, Z2).MaskZ(K1)
	f.VPMOVDB(Z2, Ptr(DI))
	f.ADDQ(Imm(64), SI)
	f.ADDQ(Imm(16), DI)
	f.SUBQ(Imm(16), CX)
	f.CMPQ(CX, Imm(16))
	f.JGE(loop)
	f.Label(tail)
	f.TESTQ(CX, CX)
	f.JZ(done)
	f.MOVQ(Imm(1), AX)
	f.SHLQ(CX, AX)
	f.DECQ(AX)
	f.KMOVW(AX, K2)
	f.VMOVUPS(Ptr(SI), Z1).MaskZ(K2)
	f.VCMPPS(CmpGT_OQ, Z0, Z1, K1).Mask(K2).Comment("K1 = K2 & (v > thr)")
	f.VPBROADCASTD(R8, Z2).MaskZ(K1)
	f.VPMOVDB(Z2, Ptr(DI)).Mask(K2)
	f.Label(done)
	f.VZEROUPPER()
	f.RET()
}

func mix(file *File) {
	f := file.AMD64("mix", Sig(
		P("b", Byte), P("h", Int16), P("u", Uint32), P("f", Float32), P("p", PointerTo(Float32)),
		P("x", SliceFloat32), P("d", Float64), P("s", Int8), P("ok", Bool), P("n", Int),
		P("i", Int32), P("w", Uint16),
	).Returns(P("r", Float64), P("sum", Int)))
	f.Doc = "mix returns d and the sum of its integer arguments, len(x), cap(x) and\nb2i(ok), and stores f to *p."
	f.Load("b", AX)
	for _, name := range []string{"h", "u", "s", "ok", "n", "x_len", "x_cap", "i", "w"} {
		f.Load(name, BX)
		f.ADDQ(BX, AX)
	}
	f.Store(AX, "sum")
	f.Load("p", DI)
	f.Load("f", X0)
	f.VMOVSS(X0, Ptr(DI))
	f.Load("d", X1)
	f.Store(X1, "r")
	f.RET()
}

// opsAVX2 applies each instruction to 8 lanes of a, b, c and writes the
// result k to out[8k : 8k+8]; opsGeneric8 in the test package computes the
// documented semantics. Slots that write only part leave the rest alone.
func opsAVX2(file *File) {
	f := file.AMD64("opsAVX2", ops)
	f.Doc = "opsAVX2 probes instruction semantics on 8 lanes (see opsGeneric8)."
	f.SetISA(AVX2, FMA3)
	one := file.DataFloat32("one", 1)
	f.Load("a_base", SI)
	f.Load("b_base", BX)
	f.Load("c_base", DX)
	f.Load("out_base", DI)
	f.VMOVUPS(Ptr(SI), Y0)
	f.VMOVUPS(Ptr(BX), Y1)
	f.VMOVUPS(Ptr(DX), Y2)
	f.VBROADCASTSS(one, Y15)
	f.VCMPPS(CmpGT_OQ, Y1, Y0, Y4).Comment("Y4 = a > b")
	slot := 0
	out := func() Mem { return Ptr(DI).Offset(32 * slot) }
	store := func(v Vec) {
		f.VMOVUPS(v, out())
		slot++
	}
	copyTo := func(src Vec) Vec { f.VMOVUPS(src, Y3); return Y3 }

	f.VSUBPS(Y1, Y0, Y3) // 0
	store(Y3)
	f.VDIVPS(Y1, Y0, Y3) // 1
	store(Y3)
	f.VFMADD231PS(Y1, Y0, copyTo(Y2)) // 2: fma(a, b, c)
	store(Y3)
	f.VFMADD213PS(Y1, Y0, copyTo(Y2)) // 3: fma(a, c, b)
	store(Y3)
	f.VFMADD132PS(Y1, Y0, copyTo(Y2)) // 4: fma(c, b, a)
	store(Y3)
	f.VFNMADD231PS(Y1, Y0, copyTo(Y2)) // 5: fma(-a, b, c)
	store(Y3)
	f.VMAXPS(Y1, Y0, Y3) // 6
	store(Y3)
	f.VMINPS(Y1, Y0, Y3) // 7
	store(Y3)
	f.VANDPS(Y15, Y4, Y3) // 8: a > b ? 1 : 0
	store(Y3)
	f.VCMPPS(CmpLE_OQ, Y1, Y0, Y3) // 9: a <= b ? 1 : 0
	f.VANDPS(Y15, Y3, Y3)
	store(Y3)
	f.VANDNPS(Y15, Y4, Y3) // 10: !(a > b) ? 1 : 0
	store(Y3)
	f.VBLENDVPS(Y4, Y1, Y0, Y3) // 11: a > b ? b : a
	store(Y3)
	f.VCVTTPS2DQ(Y0, Y3) // 12: float32(int32(a))
	f.VCVTDQ2PS(Y3, Y3)
	store(Y3)
	f.VMULPS(Y0, Y0, Y3) // 13: sqrt(a*a)
	f.VSQRTPS(Y3, Y3)
	store(Y3)
	f.VPSRLD(Imm(1), Y0, Y3) // 14
	store(Y3)
	f.VPSLLD(Imm(3), Y0, Y3) // 15
	store(Y3)
	f.VPSRAD(Imm(4), Y0, Y3) // 16
	store(Y3)
	f.VPADDD(Y1, Y0, Y3) // 17
	store(Y3)
	f.VPSUBD(Y1, Y0, Y3) // 18
	store(Y3)
	f.VPCMPGTD(Y1, Y0, Y3) // 19
	store(Y3)
	f.VMASKMOVPS(Ptr(DX), Y4, Y3) // 20: a > b ? c : 0
	store(Y3)
	f.VMASKMOVPS(Y2, Y4, out()) // 21: a > b ? c : old
	slot++
	f.VMOVMSKPS(Y4, AX) // 22: lane 0 = bits of a > b
	f.MOVL(AX, out())
	slot++
	f.VBROADCASTSS(X0, Y3) // 23: a[0]
	store(Y3)
	f.VPBROADCASTD(Ptr(BX), Y3) // 24: b[0]
	store(Y3)
	f.VSHUFPS(Imm(0x1b), Y1, Y0, Y3) // 25: [a3 a2 b1 b0] per 128 bits
	store(Y3)
	f.VMOVHLPS(X1, X0, X3) // 26: [b2 b3 a2 a3 0 0 0 0]
	store(Y3)
	f.VEXTRACTF128(Imm(1), Y0, X3) // 27: [a4..a7 b0..b3]
	f.VINSERTF128(Imm(1), X1, Y3, Y3)
	store(Y3)
	f.VMOVSHDUP(Y0, Y3) // 28
	store(Y3)
	f.VMOVSS(Ptr(SI), X3) // 29: [fma(b0, c0, a0+b0) 0 0 0 0 0 0 0]
	f.VADDSS(X1, X3, X3)
	f.VFMADD231SS(X2, X1, X3)
	store(Y3)
	f.VORPS(Y1, Y0, Y3) // 30
	store(Y3)
	f.VPAND(Y1, Y0, Y3) // 31
	store(Y3)
	f.VADDPS(Y1, Y0, Y3) // 32
	store(Y3)
	f.VMULPS(Y1, Y0, Y3) // 33
	store(Y3)
	f.VZEROUPPER()
	f.RET()
}

// opsAVX512 is opsAVX2 for the AVX-512 forms: 16 lanes, K masks.
func opsAVX512(file *File) {
	f := file.AMD64("opsAVX512", ops)
	f.Doc = "opsAVX512 probes instruction semantics on 16 lanes (see opsGeneric16)."
	f.SetISA(AVX512F, AVX512VL, AVX512DQ)
	f.Load("a_base", SI)
	f.Load("b_base", BX)
	f.Load("c_base", DX)
	f.Load("out_base", DI)
	f.VMOVUPS(Ptr(SI), Z0)
	f.VMOVUPS(Ptr(BX), Z1)
	f.VMOVUPS(Ptr(DX), Z2)
	f.VCMPPS(CmpGT_OQ, Z1, Z0, K1).Comment("K1 = a > b")
	slot := 0
	out := func() Mem { return Ptr(DI).Offset(64 * slot) }
	store := func(v Vec) {
		f.VMOVUPS(v, out())
		slot++
	}
	storeAX := func() {
		f.MOVL(AX, out())
		slot++
	}

	f.KMOVW(K1, AX) // 0
	storeAX()
	f.VMOVUPS(Z2, Z3) // 1: a > b ? a+b : c
	f.VADDPS(Z1, Z0, Z3).Mask(K1)
	store(Z3)
	f.VADDPS(Z1, Z0, Z3).MaskZ(K1) // 2: a > b ? a+b : 0
	store(Z3)
	f.VMOVUPS(Ptr(DX), Z3).MaskZ(K1) // 3: a > b ? c : 0
	store(Z3)
	f.VMOVUPS(Z0, out()).Mask(K1) // 4: a > b ? a : old
	slot++
	f.VPCMPD(IntLT, Z1, Z0, K2) // 5: int32 bits a < b
	f.KMOVW(K2, AX)
	storeAX()
	empty, nonEmpty := f.NewLabel("empty"), f.NewLabel("nonempty")
	f.VCMPPS(CmpFALSE_OQ, Z1, Z0, K3) // 6: lane 0 = K1 != 0, lane 1 = K3 != 0
	f.MOVL(Imm(0), AX)
	f.KORTESTW(K1, K1)
	f.JZ(empty)
	f.MOVL(Imm(1), AX)
	f.Label(empty)
	f.MOVL(AX, out())
	f.MOVL(Imm(0), AX)
	f.KORTESTW(K3, K3)
	f.JZ(nonEmpty)
	f.MOVL(Imm(1), AX)
	f.Label(nonEmpty)
	f.MOVL(AX, out().Offset(4))
	slot++
	f.VBLENDMPS(K1, Z1, Z0, Z3) // 7: a > b ? b : a
	store(Z3)
	f.VADDPS(Ptr(DX), Z0, Z3).Bcst() // 8: a + c[0]
	store(Z3)
	f.VMOVUPS(Z2, Z3) // 9: a > b ? fma(a, b, c) : c
	f.VFMADD231PS(Z1, Z0, Z3).Mask(K1)
	store(Z3)
	f.MOVL(Imm(7), AX) // 10: int32 7
	f.VPBROADCASTD(AX, Z3)
	store(Z3)
	f.KSHIFTRW(Imm(8), K1, K4) // 11
	f.KMOVW(K4, AX)
	storeAX()
	f.VEXTRACTF64X4(Imm(1), Z0, Y3) // 12: [a8..a15 0…]
	store(Z3)
	f.VCVTTPS2DQ(Z0, Z3) // 13: bytes of int32(a) in 16 bytes
	f.VPMOVDB(Z3, X4)
	f.VMOVUPS(X4, out())
	slot++
	f.VPMOVDB(Z3, out()).Mask(K1) // 14: the same bytes where a > b
	slot++
	f.VPANDD(Z1, Z0, Z3) // 15
	store(Z3)
	f.VANDPS(Z1, Z0, Z3) // 16
	store(Z3)
	f.VMOVUPS(Z0, Z3) // 17: a ^ b ^ c
	f.V("VPTERNLOGD", Imm(0x96), Z2, Z1, Z3)
	store(Z3)
	f.VCMPPS(CmpGT_OQ, Y1, Y0, K5) // 18: AVX512VL compare of 8 lanes
	f.KMOVW(K5, AX)
	storeAX()
	f.VMAXPS(Z1, Z0, Z3) // 19
	store(Z3)
	f.VMOVUPS(Z0, Z16) // 20: a - b in high registers
	f.VMOVUPS(Z1, Z31)
	f.VSUBPS(Z31, Z16, Z17)
	store(Z17)
	f.VZEROUPPER()
	f.RET()
}

// everyForm is never called: it makes the Go assembler (and go vet) check
// the syntax of every builder method and of every mnemonic of the V table,
// in their VEX, EVEX, masked and memory forms.
func everyForm(file *File) {
	f := file.AMD64("everyForm", Sig(P("x", SliceFloat32)))
	f.Doc = "everyForm must not be called: it only exercises the assembler."
	m := Ptr(SI).Idx(CX, 4).Offset(8)
	l := f.NewLabel("l")
	f.Label(l)

	// General purpose.
	f.MOVQ(Imm(-1), AX)
	f.MOVQ(m, AX)
	f.MOVQ(AX, m)
	f.MOVL(Imm(0xffffffff), AX)
	f.MOVB(Imm(1), m)
	f.MOVBQZX(m, AX)
	f.MOVLQSX(AX, BX)
	f.LEAQ(m, AX)
	f.ADDQ(m, AX)
	f.SUBQ(Imm(1), m)
	f.ANDQ(Imm(7), AX)
	f.ORQ(BX, AX)
	f.XORQ(AX, AX)
	f.ADDL(Imm(1), AX)
	f.SUBL(BX, AX)
	f.ANDL(Imm(0xff), AX)
	f.XORL(AX, AX)
	f.CMPQ(m, AX)
	f.CMPL(AX, Imm(0xffffffff))
	f.TESTQ(AX, m)
	f.IMULQ(m, AX)
	f.IMUL3Q(Imm(-3), m, AX)
	f.SHLQ(Imm(63), AX)
	f.SHRQ(CX, m)
	f.SARQ(Imm(1), AX)
	f.SHLL(Imm(31), AX)
	f.SHRL(CX, AX)
	f.INCQ(m)
	f.DECQ(AX)
	f.NEGQ(AX)
	f.NOTQ(AX)
	f.TZCNTQ(m, AX)
	f.LZCNTQ(AX, BX)
	f.POPCNTQ(AX, BX)
	f.BLSRQ(m, AX)
	f.ANDNQ(m, BX, AX)
	f.BZHIQ(CX, m, AX)
	f.PDEPQ(m, BX, AX)
	f.PEXTQ(BX, AX, AX)
	f.SHLXQ(CX, m, AX)
	f.SHRXQ(CX, AX, BX)
	f.PREFETCHT0(m)
	f.PREFETCHNTA(m)
	f.SFENCE()
	for _, j := range []func(Label) *Inst{f.JE, f.JZ, f.JNE, f.JNZ, f.JL, f.JLE, f.JG, f.JGE, f.JB, f.JBE, f.JA, f.JAE, f.JS, f.JNS} {
		j(l)
	}

	// Vector moves.
	for _, v := range []Vec{X1, Y1, Z1, Y17} {
		f.VMOVUPS(m, v)
		f.VMOVAPS(v, m)
		f.VMOVNTPS(v, m)
		f.VMOVDQU32(m, v)
		f.VBROADCASTSS(m, v)
		f.VBROADCASTSS(X2, v)
		f.VPBROADCASTD(m, v)
		f.VPBROADCASTD(X2, v)
		f.VPBROADCASTD(AX, v)
	}
	f.VMOVSS(m, X1)
	f.VMOVSS(X1, m)
	f.VMOVSD(m, X1)
	f.VMOVD(X1, AX)
	f.VMOVD(m, X1)
	f.VMOVQ(AX, X1)
	f.VMOVQ(X1, m)
	f.VMASKMOVPS(m, Y5, Y1)
	f.VMASKMOVPS(X1, X5, m)
	f.VMOVMSKPS(Y1, AX)
	f.VMOVMSKPS(X1, AX)

	// Three-operand forms, VEX and EVEX, merge- and zero-masked.
	v3 := []func(VecMem, Vec, Vec) *Inst{
		f.VADDPS, f.VSUBPS, f.VMULPS, f.VDIVPS, f.VMAXPS, f.VMINPS,
		f.VANDPS, f.VANDNPS, f.VORPS, f.VXORPS,
		f.VFMADD231PS, f.VFMADD213PS, f.VFMADD132PS, f.VFNMADD231PS, f.VFMSUB231PS,
		f.VPADDD, f.VPSUBD, f.VPMULLD,
	}
	for _, op := range v3 {
		op(Y1, Y0, Y2)
		op(m, X0, X2)
		op(m, Z0, Z2).MaskZ(K1)
		op(Z1, Z0, Z2).Mask(K1)
		op(Y17, Y0, Y2)
	}
	for _, op := range []func(VecMem, Vec, Vec) *Inst{f.VADDPS, f.VMULPS, f.VFMADD231PS, f.VPADDD} {
		op(m, Z0, Z2).Bcst()
		op(m, Y0, Y2).Bcst().MaskZ(K2)
	}
	f.VPAND(Y1, Y0, Y2)
	f.VPANDD(Z1, Z0, Z2)
	for _, op := range []func(VecMem, Vec) *Inst{f.VSQRTPS, f.VCVTDQ2PS, f.VCVTTPS2DQ, f.VMOVSHDUP} {
		op(Y1, Y2)
		op(m, Z2).MaskZ(K3)
	}
	f.VCMPPS(CmpGT_OQ, Y1, Y0, Y2)
	f.VCMPPS(CmpNEQ_UQ, m, X0, X2)
	f.VCMPPS(CmpGE_OQ, Z1, Z0, K1).Mask(K2)
	f.VCMPPS(CmpLE_OQ, m, Y0, K1)
	f.VBLENDVPS(Y4, m, Y0, Y2)
	f.VBLENDMPS(K1, m, Z0, Z2)
	f.VBLENDMPS(K1, Z1, Z0, Z2).MaskZ(K1)
	f.VMOVHLPS(X1, X0, X2)
	f.VSHUFPS(Imm(0x4e), Y1, Y0, Y2)
	f.VSHUFPS(Imm(0x4e), Z1, Z0, Z2)
	f.VEXTRACTF128(Imm(1), Y0, X1)
	f.VEXTRACTF128(Imm(0), Y0, m)
	f.VINSERTF128(Imm(1), m, Y0, Y1)
	f.VEXTRACTF64X4(Imm(1), Z0, m)
	for _, op := range []func(VecMem, Vec, Vec) *Inst{f.VADDSS, f.VSUBSS, f.VMULSS, f.VDIVSS, f.VMAXSS, f.VMINSS, f.VFMADD231SS} {
		op(X1, X0, X2)
		op(m, X0, X2)
		op(X1, X0, X2).MaskZ(K1)
	}
	f.VPCMPGTD(Y1, Y0, Y2)
	f.VPCMPGTD(Z1, Z0, K1)
	f.VPCMPD(IntGE, m, Z0, K1).Mask(K2)
	for _, op := range []func(Operand, VecMem, Vec) *Inst{f.VPSLLD, f.VPSRLD, f.VPSRAD} {
		op(Imm(3), Y0, Y1)
		op(X2, Y0, Y1)
		op(Imm(3), m, Z1).Mask(K1)
	}
	f.VPMOVDB(Z0, X1)
	f.VPMOVDB(Z0, m).Mask(K1)
	f.VPMOVZXBD(m, Y1)
	f.VPMOVZXBD(X0, Z1)
	f.KMOVW(AX, K1)
	f.KMOVW(K1, m)
	f.KMOVB(K1, AX)
	f.KMOVD(m, K1)
	f.KMOVQ(K1, K2)
	f.KORTESTW(K1, K2)
	f.KSHIFTRW(Imm(4), K1, K2)
	f.KANDW(K1, K2, K3)
	f.KORW(K1, K2, K3)
	f.KNOTW(K1, K2)

	// The rest of the table, through V.
	v := func(op string, args ...Operand) { f.V(op, args...) }
	for _, op := range []string{"VUNPCKLPS", "VUNPCKHPS", "VPERMPS", "VPMAXSD", "VPMINSD", "VPMAXUD",
		"VPMINUD", "VPADDQ", "VPSUBQ", "VPCMPEQD", "VPACKSSDW", "VPACKUSDW", "VPACKUSWB", "VPACKSSWB",
		"VPSHUFB", "VPADDB", "VPERMD", "VPANDN", "VPOR", "VPXOR", "VHADDPS",
		"VFMSUB132PS", "VFMSUB213PS", "VFNMADD132PS", "VFNMADD213PS", "VFNMSUB132PS", "VFNMSUB213PS", "VFNMSUB231PS"} {
		v(op, Y1, Y0, Y2)
	}
	for _, op := range []string{"VPANDND", "VPORD", "VPXORD", "VPANDQ", "VPORQ", "VPXORQ", "VSCALEFPS", "VPERMT2PS", "VPERMI2PS"} {
		v(op, Z1, Z0, Z2)
	}
	for _, op := range []string{"VMOVSLDUP", "VCVTPS2DQ", "VPABSD"} {
		v(op, Y0, Y1)
	}
	for _, op := range []string{"VRCP14PS", "VRSQRT14PS", "VGETEXPPS", "VCVTUDQ2PS", "VMOVDQU64"} {
		v(op, Z0, Z1)
	}
	for _, op := range []string{"VSQRTSS", "VFMADD213SS", "VFNMADD231SS"} {
		v(op, X1, X0, X2)
	}
	for _, op := range []string{"VPERMILPS", "VROUNDPS", "VPSLLQ", "VPSRLQ", "VPERMQ"} {
		v(op, Imm(1), Y0, Y1)
	}
	for _, op := range []string{"VGETMANTPS", "VRNDSCALEPS", "VREDUCEPS"} {
		v(op, Imm(1), Z0, Z1)
	}
	v("VMOVLHPS", X1, X0, X2)
	v("VCMPSS", Imm(1), X1, X0, X2)
	v("VBROADCASTSD", X0, Y1)
	v("VBROADCASTSD", m, Z1)
	v("VPBROADCASTQ", X0, Y1)
	v("VPMOVSXBD", X0, Y1)
	v("VPMOVMSKB", Y0, AX)
	v("VMOVDQU", m, Y0)
	v("VPBLENDD", Imm(0xf0), Y1, Y0, Y2)
	v("VPERM2F128", Imm(0x21), Y1, Y0, Y2)
	v("VPTEST", Y1, Y0)
	v("VTESTPS", Y1, Y0)
	v("VPTERNLOGD", Imm(0x96), Z2, Z1, Z0)
	f.V("VPBLENDMD", Z1, Z0, Z2).Mask(K1)
	v("VPCMPUD", IntLT, Z1, Z0, K1)
	v("VPTESTMD", Z1, Z0, K1)
	v("VPTESTNMD", Z1, Z0, K1)
	f.V("VCOMPRESSPS", Z0, m).Mask(K1)
	f.V("VEXPANDPS", m, Z0).MaskZ(K1)
	f.V("VPCOMPRESSD", Z0, Z1).Mask(K1)
	v("VPMOVDW", Z0, Y1)
	v("VPMOVUSDB", Z0, X1)
	v("VEXTRACTF32X4", Imm(3), Z0, X1)
	v("VINSERTF32X4", Imm(1), X1, Z0, Z2)
	v("VINSERTF64X4", Imm(1), Y1, Z0, Z2)
	v("VEXTRACTF32X8", Imm(1), Z0, Y1)
	v("VINSERTF32X8", Imm(1), Y1, Z0, Z2)
	v("VPMOVM2D", K1, Z0)
	v("VPMOVD2M", Z0, K1)
	v("VFPCLASSPSZ", Imm(0x22), Z0, K1)
	for _, op := range []string{"KANDNW", "KXORW", "KXNORW", "KUNPCKBW", "KADDW", "KANDD", "KANDQ", "KORD", "KORQ", "KUNPCKWD", "KUNPCKDQ"} {
		v(op, K1, K2, K3)
	}
	for _, op := range []string{"KTESTW", "KTESTB", "KORTESTB", "KORTESTD", "KORTESTQ", "KTESTD", "KTESTQ", "KNOTD", "KNOTQ"} {
		v(op, K1, K2)
	}
	for _, op := range []string{"KSHIFTLW", "KSHIFTRB", "KSHIFTLB", "KSHIFTRD", "KSHIFTRQ", "KSHIFTLD", "KSHIFTLQ"} {
		v(op, Imm(1), K1, K2)
	}
	f.VZEROUPPER()
	f.RET()
}
