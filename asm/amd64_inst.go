package asm

import (
	"fmt"
	"math"
)

// This file holds the amd64 instructions. Each method checks its operands,
// records an error on misuse (see Func), works out the features the
// instruction needs, and appends it. Operands are in Go order: sources
// first, destination last. For the three-operand AVX forms that means
//
//	Go:    VSUBPS b, a, dst    // dst = a - b
//	Intel: vsubps dst, a, b
//
// and so on for every instruction with an Intel "src1, src2" pair.

// ---- operand checks ----

func isVec(o Operand) bool { _, ok := o.(Vec); return ok }

// checkOperands records an error for every invalid operand of in.
func (f *AMD64Func) checkOperands(in *Inst) bool {
	ok := true
	for i, a := range in.Args {
		var err error
		switch o := a.(type) {
		case nil:
			err = fmt.Errorf("missing")
		case GP:
			if o.id == 0 {
				err = fmt.Errorf("zero GP register")
			}
		case Vec:
			if !o.valid() {
				err = fmt.Errorf("zero vector register")
			}
		case K:
			if o.id == 0 {
				err = fmt.Errorf("zero K register")
			}
		case Mem:
			err = o.check()
		case Sym:
			if !f.file.hasData(o.name) {
				err = fmt.Errorf("no data %s in this file", o.name)
			}
		case Arg, Imm, Label, CmpPred, IntPred:
		default:
			err = fmt.Errorf("%T is not an amd64 operand", a)
		}
		if err != nil {
			f.errorf("%s: operand %d: %v", in.Op, i+1, err)
			ok = false
		}
	}
	return ok
}

func (f *File) hasData(name string) bool {
	for _, d := range f.data {
		if d.name == name {
			return true
		}
	}
	return false
}

// immRange records an error if o is an Imm outside lo..hi.
func (f *AMD64Func) immRange(in *Inst, o Operand, lo, hi int64) {
	if i, ok := o.(Imm); ok && (int64(i) < lo || int64(i) > hi) {
		f.errorf("%s: immediate %d out of range %d..%d", in, int64(i), lo, hi)
	}
}

// sameWidth records an error unless the vector registers among ops all
// have the same width.
func (f *AMD64Func) sameWidth(in *Inst, ops ...Operand) {
	w := 0
	for _, o := range ops {
		if v, ok := o.(Vec); ok && v.valid() {
			if w != 0 && int(v.width) != w {
				f.errorf("%s: vector registers of different widths", in)
				return
			}
			w = int(v.width)
		}
	}
}

// wantWidth records an error unless each vector register among ops has one
// of the widths (bytes).
func (f *AMD64Func) wantWidth(in *Inst, what string, o Operand, widths ...int) {
	v, ok := o.(Vec)
	if !ok || !v.valid() {
		return
	}
	for _, w := range widths {
		if int(v.width) == w {
			return
		}
	}
	f.errorf("%s: %s must be %s", in, what, widthNames(widths))
}

func widthNames(ws []int) string {
	s := ""
	for i, w := range ws {
		if i > 0 {
			s += " or "
		}
		s += map[int]string{16: "an X", 32: "a Y", 64: "a Z"}[w] + " register"
	}
	return s
}

// ---- general-purpose instructions ----

const (
	minInt32 = math.MinInt32
	maxInt32 = math.MaxInt32
)

// gp emits a general-purpose instruction; its last operand is the
// destination, at most one operand may be in memory.
func (f *AMD64Func) gp(op string, feat Features, args ...Operand) *Inst {
	in := &Inst{Op: op, Args: args, feat: feat}
	f.checkOperands(in)
	mems := 0
	for _, a := range args {
		if isMem(a) {
			mems++
		}
	}
	if mems > 1 {
		f.errorf("%s: at most one memory operand", in)
	}
	return f.add(in)
}

func (f *AMD64Func) gp2(op string, src, dst Operand, feat Features) *Inst {
	return f.gp(op, feat, src, dst)
}

// alu emits a two-operand ALU instruction whose immediate is a
// sign-extended 32-bit value.
func (f *AMD64Func) alu(op string, src GPMemImm, dst GPMem) *Inst {
	in := f.gp2(op, src, dst, 0)
	f.immRange(in, src, minInt32, maxInt32)
	return in
}

// alu32 emits a 32-bit ALU instruction (any 32-bit immediate).
func (f *AMD64Func) alu32(op string, src GPMemImm, dst GPMem) *Inst {
	in := f.gp2(op, src, dst, 0)
	f.immRange(in, src, minInt32, math.MaxUint32)
	return in
}

// MOVQ copies 8 bytes: dst = src. The immediate may be any 64-bit value
// when dst is a register, a sign-extended 32-bit one otherwise.
func (f *AMD64Func) MOVQ(src GPMemImm, dst GPMem) *Inst {
	in := f.gp2("MOVQ", src, dst, 0)
	if isMem(dst) {
		f.immRange(in, src, minInt32, maxInt32)
	}
	return in
}

// MOVL copies 4 bytes; into a register it zero-extends to 64 bits.
func (f *AMD64Func) MOVL(src GPMemImm, dst GPMem) *Inst { return f.alu32("MOVL", src, dst) }

// MOVB copies 1 byte (a register's low byte: MOVB DX, (DI) stores DL).
func (f *AMD64Func) MOVB(src GPMemImm, dst GPMem) *Inst {
	in := f.gp2("MOVB", src, dst, 0)
	f.immRange(in, src, math.MinInt8, math.MaxUint8)
	return in
}

// MOVBQZX zero-extends a byte into a 64-bit register.
func (f *AMD64Func) MOVBQZX(src GPMem, dst GP) *Inst { return f.gp2("MOVBQZX", src, dst, 0) }

// MOVLQSX sign-extends 4 bytes into a 64-bit register.
func (f *AMD64Func) MOVLQSX(src GPMem, dst GP) *Inst { return f.gp2("MOVLQSX", src, dst, 0) }

// LEAQ loads the address of src: dst = &src. src may be a Sym, to address
// static data (LEAQ table<>(SB), R8), or an Arg.
func (f *AMD64Func) LEAQ(src Operand, dst GP) *Inst {
	in := f.gp2("LEAQ", src, dst, 0)
	if !isMem(src) {
		f.errorf("%s: source must be a memory operand", in)
	}
	return in
}

// ADDQ computes dst += src.
func (f *AMD64Func) ADDQ(src GPMemImm, dst GPMem) *Inst { return f.alu("ADDQ", src, dst) }

// SUBQ computes dst -= src.
func (f *AMD64Func) SUBQ(src GPMemImm, dst GPMem) *Inst { return f.alu("SUBQ", src, dst) }

// ANDQ computes dst &= src.
func (f *AMD64Func) ANDQ(src GPMemImm, dst GPMem) *Inst { return f.alu("ANDQ", src, dst) }

// ORQ computes dst |= src.
func (f *AMD64Func) ORQ(src GPMemImm, dst GPMem) *Inst { return f.alu("ORQ", src, dst) }

// XORQ computes dst ^= src. XORQ AX, AX zeroes AX.
func (f *AMD64Func) XORQ(src GPMemImm, dst GPMem) *Inst { return f.alu("XORQ", src, dst) }

// ADDL computes dst += src on 32 bits (a register destination is
// zero-extended).
func (f *AMD64Func) ADDL(src GPMemImm, dst GPMem) *Inst { return f.alu32("ADDL", src, dst) }

// SUBL computes dst -= src on 32 bits.
func (f *AMD64Func) SUBL(src GPMemImm, dst GPMem) *Inst { return f.alu32("SUBL", src, dst) }

// ANDL computes dst &= src on 32 bits.
func (f *AMD64Func) ANDL(src GPMemImm, dst GPMem) *Inst { return f.alu32("ANDL", src, dst) }

// XORL computes dst ^= src on 32 bits. XORL AX, AX zeroes all of AX.
func (f *AMD64Func) XORL(src GPMemImm, dst GPMem) *Inst { return f.alu32("XORL", src, dst) }

// CMPQ compares a with b and sets the flags for a - b. Unlike the other
// two-operand instructions, Go keeps the natural order: CMPQ a, b; JL l
// jumps when a < b (signed), JB when a < b unsigned. b may be an
// immediate (CMPQ CX, $8), a may not.
func (f *AMD64Func) CMPQ(a GPMem, b GPMemImm) *Inst {
	in := f.gp("CMPQ", 0, a, b)
	f.immRange(in, b, minInt32, maxInt32)
	return in
}

// CMPL is CMPQ on 32 bits.
func (f *AMD64Func) CMPL(a GPMem, b GPMemImm) *Inst {
	in := f.gp("CMPL", 0, a, b)
	f.immRange(in, b, minInt32, math.MaxUint32)
	return in
}

// TESTQ sets the flags for a & b (ZF when it is zero): TESTQ CX, CX; JZ l
// jumps when CX == 0. The immediate, if any, comes first: TESTQ $7, AX.
func (f *AMD64Func) TESTQ(a GPMemImm, b GPMem) *Inst { return f.alu("TESTQ", a, b) }

// IMULQ computes dst *= src (signed, low 64 bits).
func (f *AMD64Func) IMULQ(src GPMem, dst GP) *Inst { return f.gp2("IMULQ", src, dst, 0) }

// IMUL3Q computes dst = src * imm, Go's spelling of the three-operand
// imul.
func (f *AMD64Func) IMUL3Q(imm Imm, src GPMem, dst GP) *Inst {
	in := f.gp("IMUL3Q", 0, imm, src, dst)
	f.immRange(in, imm, minInt32, maxInt32)
	return in
}

// shift emits a shift by an immediate or by CX (the CL register; Go
// accepts CX and CL alike).
func (f *AMD64Func) shift(op string, bitsMax int64, count Operand, dst GPMem) *Inst {
	in := f.gp2(op, count, dst, 0)
	switch c := count.(type) {
	case Imm:
		f.immRange(in, c, 0, bitsMax)
	case GP:
		if c != CX {
			f.errorf("%s: a shift count register must be CX", in)
		}
	default:
		f.errorf("%s: the shift count must be an Imm or CX", in)
	}
	return in
}

// SHLQ computes dst <<= count (Imm 0..63 or CX).
func (f *AMD64Func) SHLQ(count Operand, dst GPMem) *Inst { return f.shift("SHLQ", 63, count, dst) }

// SHRQ computes dst >>= count, unsigned (Imm 0..63 or CX).
func (f *AMD64Func) SHRQ(count Operand, dst GPMem) *Inst { return f.shift("SHRQ", 63, count, dst) }

// SARQ computes dst >>= count, signed (Imm 0..63 or CX).
func (f *AMD64Func) SARQ(count Operand, dst GPMem) *Inst { return f.shift("SARQ", 63, count, dst) }

// SHLL computes dst <<= count on 32 bits (Imm 0..31 or CX).
func (f *AMD64Func) SHLL(count Operand, dst GPMem) *Inst { return f.shift("SHLL", 31, count, dst) }

// SHRL computes dst >>= count on 32 bits, unsigned (Imm 0..31 or CX).
func (f *AMD64Func) SHRL(count Operand, dst GPMem) *Inst { return f.shift("SHRL", 31, count, dst) }

// INCQ computes dst++.
func (f *AMD64Func) INCQ(dst GPMem) *Inst { return f.gp("INCQ", 0, dst) }

// DECQ computes dst--; DECQ CX; JNE l loops while CX != 0.
func (f *AMD64Func) DECQ(dst GPMem) *Inst { return f.gp("DECQ", 0, dst) }

// NEGQ computes dst = -dst.
func (f *AMD64Func) NEGQ(dst GPMem) *Inst { return f.gp("NEGQ", 0, dst) }

// NOTQ computes dst = ^dst.
func (f *AMD64Func) NOTQ(dst GPMem) *Inst { return f.gp("NOTQ", 0, dst) }

// TZCNTQ computes dst = number of trailing zero bits of src (64 for 0).
func (f *AMD64Func) TZCNTQ(src GPMem, dst GP) *Inst {
	return f.gp2("TZCNTQ", src, dst, FeatureSet(BMI1))
}

// LZCNTQ computes dst = number of leading zero bits of src (64 for 0).
func (f *AMD64Func) LZCNTQ(src GPMem, dst GP) *Inst {
	return f.gp2("LZCNTQ", src, dst, FeatureSet(LZCNT))
}

// POPCNTQ computes dst = number of one bits of src.
func (f *AMD64Func) POPCNTQ(src GPMem, dst GP) *Inst {
	return f.gp2("POPCNTQ", src, dst, FeatureSet(POPCNT))
}

// BLSRQ computes dst = src & (src-1), clearing the lowest set bit.
func (f *AMD64Func) BLSRQ(src GPMem, dst GP) *Inst {
	return f.gp2("BLSRQ", src, dst, FeatureSet(BMI1))
}

// ANDNQ computes dst = ^a & b.
func (f *AMD64Func) ANDNQ(b GPMem, a, dst GP) *Inst {
	return f.gp("ANDNQ", FeatureSet(BMI1), b, a, dst)
}

// BZHIQ computes dst = src with the bits from index (low byte) up
// cleared: src & (1<<index - 1).
func (f *AMD64Func) BZHIQ(index GP, src GPMem, dst GP) *Inst {
	return f.gp("BZHIQ", FeatureSet(BMI2), index, src, dst)
}

// PDEPQ deposits the low bits of src at the positions of the one bits of
// mask: PDEPQ mask, src, dst.
func (f *AMD64Func) PDEPQ(mask GPMem, src, dst GP) *Inst {
	return f.gp("PDEPQ", FeatureSet(BMI2), mask, src, dst)
}

// PEXTQ gathers the bits of src at the one bits of mask into the low bits
// of dst: PEXTQ mask, src, dst.
func (f *AMD64Func) PEXTQ(mask GPMem, src, dst GP) *Inst {
	return f.gp("PEXTQ", FeatureSet(BMI2), mask, src, dst)
}

// SHLXQ computes dst = src << count (count mod 64), flags untouched.
func (f *AMD64Func) SHLXQ(count GP, src GPMem, dst GP) *Inst {
	return f.gp("SHLXQ", FeatureSet(BMI2), count, src, dst)
}

// SHRXQ computes dst = src >> count (unsigned, count mod 64).
func (f *AMD64Func) SHRXQ(count GP, src GPMem, dst GP) *Inst {
	return f.gp("SHRXQ", FeatureSet(BMI2), count, src, dst)
}

// PREFETCHT0 hints that the line at m will be read soon.
func (f *AMD64Func) PREFETCHT0(m Operand) *Inst { return f.gp("PREFETCHT0", 0, m) }

// PREFETCHNTA hints that the line at m will be read once.
func (f *AMD64Func) PREFETCHNTA(m Operand) *Inst { return f.gp("PREFETCHNTA", 0, m) }

// SFENCE orders the non-temporal stores before it (VMOVNTPS) before any
// later store; end a streaming loop with it.
func (f *AMD64Func) SFENCE() *Inst { return f.gp("SFENCE", 0) }

// RET returns. A function must end with RET or JMP; results must have
// been written (Store) before.
func (f *AMD64Func) RET() *Inst { return f.gp("RET", 0) }

// ---- jumps ----

func (f *AMD64Func) jump(op string, l Label) *Inst {
	return f.add(&Inst{Op: op, Args: []Operand{l}})
}

// JMP jumps to l.
func (f *AMD64Func) JMP(l Label) *Inst { return f.jump("JMP", l) }

// JE jumps to l if equal (ZF=1); printed JEQ.
func (f *AMD64Func) JE(l Label) *Inst { return f.jump("JEQ", l) }

// JZ jumps to l if zero (ZF=1); printed JEQ.
func (f *AMD64Func) JZ(l Label) *Inst { return f.jump("JEQ", l) }

// JNE jumps to l if not equal (ZF=0).
func (f *AMD64Func) JNE(l Label) *Inst { return f.jump("JNE", l) }

// JNZ jumps to l if not zero (ZF=0); printed JNE.
func (f *AMD64Func) JNZ(l Label) *Inst { return f.jump("JNE", l) }

// JL jumps to l if less, signed (after CMPQ a, b: a < b); printed JLT.
func (f *AMD64Func) JL(l Label) *Inst { return f.jump("JLT", l) }

// JLE jumps to l if less or equal, signed.
func (f *AMD64Func) JLE(l Label) *Inst { return f.jump("JLE", l) }

// JG jumps to l if greater, signed; printed JGT.
func (f *AMD64Func) JG(l Label) *Inst { return f.jump("JGT", l) }

// JGE jumps to l if greater or equal, signed.
func (f *AMD64Func) JGE(l Label) *Inst { return f.jump("JGE", l) }

// JB jumps to l if below, unsigned (CF=1); printed JCS.
func (f *AMD64Func) JB(l Label) *Inst { return f.jump("JCS", l) }

// JBE jumps to l if below or equal, unsigned; printed JLS.
func (f *AMD64Func) JBE(l Label) *Inst { return f.jump("JLS", l) }

// JA jumps to l if above, unsigned; printed JHI.
func (f *AMD64Func) JA(l Label) *Inst { return f.jump("JHI", l) }

// JAE jumps to l if above or equal, unsigned (CF=0); printed JCC.
func (f *AMD64Func) JAE(l Label) *Inst { return f.jump("JCC", l) }

// JS jumps to l if the sign flag is set; printed JMI.
func (f *AMD64Func) JS(l Label) *Inst { return f.jump("JMI", l) }

// JNS jumps to l if the sign flag is clear; printed JPL.
func (f *AMD64Func) JNS(l Label) *Inst { return f.jump("JPL", l) }

// ---- vector instructions: the generic entry ----

// V emits any vector or opmask instruction of the package's table (VPTERNLOGD,
// VPERMPS, KANDW, …) with operands in Go order. It checks that the operands
// are valid and that an AVX-512 form exists when one is needed, and works
// out the features; it does not check the operand count or kinds, which the
// Go assembler does. Prefer the typed methods where there is one.
func (f *AMD64Func) V(op string, args ...Operand) *Inst {
	return f.vec(op, false, args...)
}

func (f *AMD64Func) vec(op string, forceEVEX bool, args ...Operand) *Inst {
	in := &Inst{Op: op, Args: args, forceEVEX: forceEVEX}
	info := vecOps[op]
	if info == nil {
		f.errorf("%s is not a known vector or opmask instruction (use Raw and Require)", op)
		return f.add(in)
	}
	in.vinfo = info
	if f.checkOperands(in) {
		f.encode(in, forceEVEX)
	}
	return f.add(in)
}

// v3 emits "op b, a, dst" with all registers of one width.
func (f *AMD64Func) v3(op string, b VecMem, a, dst Vec) *Inst {
	in := f.vec(op, false, b, a, dst)
	f.sameWidth(in, b, a, dst)
	return in
}

// v2 emits "op src, dst" with both registers of one width.
func (f *AMD64Func) v2(op string, src VecMem, dst Vec) *Inst {
	in := f.vec(op, false, src, dst)
	f.sameWidth(in, src, dst)
	return in
}

// s3 emits a scalar "op b, a, dst" on X registers.
func (f *AMD64Func) s3(op string, b VecMem, a, dst Vec) *Inst {
	in := f.vec(op, false, b, a, dst)
	for _, o := range []Operand{b, a, dst} {
		f.wantWidth(in, "a scalar operand", o, 16)
	}
	return in
}

// ---- AVX-512 modifiers ----

// Mask applies AVX-512 merge-masking with k (K1–K7), printed just before
// the destination: VADDPS Z1, Z0, K1, Z2. Lanes whose bit in k is 0 keep
// the destination's old value; a masked store leaves memory there alone;
// memory faults on masked-off lanes are suppressed, so a masked load or
// store may touch the bytes past the end of a slice. Into a K destination
// (VCMPPS, VPCMPD) it ANDs the result with k.
func (in *Inst) Mask(k K) *Inst {
	f := in.fn
	switch {
	case in.vinfo == nil || in.vinfo.kop:
		f.errorf("%s cannot take a K mask", in)
		return in
	case k.id == 0:
		f.errorf("%s: zero K register as mask", in)
		return in
	case k == K0:
		f.errorf("%s: K0 cannot be a write mask (it means no masking)", in)
		return in
	}
	in.Opmask = k
	f.reencode(in)
	return in
}

// MaskZ applies AVX-512 zeroing-masking with k: like Mask, but lanes whose
// bit is 0 become zero. Printed with the ".Z" suffix:
// VMOVUPS.Z (SI), K1, Z0. Not allowed with a memory or K destination.
func (in *Inst) MaskZ(k K) *Inst {
	errs := len(in.fn.errs)
	in.Mask(k)
	if len(in.fn.errs) > errs {
		return in // Mask said why
	}
	d := in.dst()
	if _, isK := d.(K); isK || isMem(d) {
		in.fn.errorf("%s: zeroing-masking needs a vector register destination (stores and compares can only merge)", in)
	}
	in.zeroing = true
	in.setSuffix()
	in.fn.reencode(in)
	return in
}

// Bcst makes the memory source (the first operand) an AVX-512 embedded
// broadcast of one float32/int32 to every lane: VADDPS.BCST (SI), Z0, Z1
// adds the float32 at (SI) to each lane of Z0.
func (in *Inst) Bcst() *Inst {
	if in.vinfo == nil || in.vinfo.kop || len(in.Args) == 0 || !isMem(in.Args[0]) {
		in.fn.errorf("%s: .BCST needs a vector instruction with a memory first operand", in)
		return in
	}
	in.bcst = true
	in.setSuffix()
	in.fn.reencode(in)
	return in
}

func (in *Inst) setSuffix() {
	in.Suffix = ""
	if in.bcst {
		in.Suffix += ".BCST"
	}
	if in.zeroing {
		in.Suffix += ".Z"
	}
}

// reencode recomputes in's encoding and features after a modifier.
func (f *Func) reencode(in *Inst) {
	if in.vinfo == nil {
		return
	}
	f.encode(in, in.forceEVEX)
	f.checkISA(in)
}

// ---- vector moves ----

// vmov emits a move between a register and memory or two registers.
func (f *AMD64Func) vmov(op string, src, dst VecMem) *Inst {
	in := f.vec(op, false, src, dst)
	if isMem(src) && isMem(dst) {
		f.errorf("%s: memory to memory", in)
	}
	f.sameWidth(in, src, dst)
	return in
}

// VMOVUPS moves a vector between registers or to/from memory (no
// alignment needed).
func (f *AMD64Func) VMOVUPS(src, dst VecMem) *Inst { return f.vmov("VMOVUPS", src, dst) }

// VMOVAPS is VMOVUPS for memory aligned to the vector width (it faults
// otherwise). Go slices are only guaranteed element-aligned.
func (f *AMD64Func) VMOVAPS(src, dst VecMem) *Inst { return f.vmov("VMOVAPS", src, dst) }

// VMOVDQU32 moves 32-bit integer lanes (AVX-512; maskable per dword).
func (f *AMD64Func) VMOVDQU32(src, dst VecMem) *Inst { return f.vmov("VMOVDQU32", src, dst) }

// VMOVNTPS stores src to aligned memory, bypassing the caches (streaming
// writes; follow the loop with SFENCE).
func (f *AMD64Func) VMOVNTPS(src Vec, dst VecMem) *Inst {
	in := f.vec("VMOVNTPS", false, src, dst)
	if !isMem(dst) {
		f.errorf("%s: destination must be memory", in)
	}
	return in
}

// scalarMove emits VMOVSS/VMOVSD/VMOVD/VMOVQ-like moves between an X
// register and memory (or a GP for VMOVD/VMOVQ).
func (f *AMD64Func) scalarMove(op string, gpOK bool, src, dst Operand) *Inst {
	in := f.vec(op, false, src, dst)
	xs := 0
	for _, o := range []Operand{src, dst} {
		switch v := o.(type) {
		case Vec:
			xs++
			f.wantWidth(in, "the vector operand", v, 16)
		case GP:
			if !gpOK {
				f.errorf("%s: a GP operand needs VMOVD/VMOVQ", in)
			}
		default:
			if !isMem(o) {
				f.errorf("%s: operand %s is neither an X register nor memory", in, o)
			}
		}
	}
	if xs != 1 {
		f.errorf("%s: exactly one operand must be an X register", in)
	}
	return in
}

// VMOVSS loads a float32 into lane 0 of an X register (zeroing the other
// lanes) or stores lane 0. One operand must be memory.
func (f *AMD64Func) VMOVSS(src, dst Operand) *Inst { return f.scalarMove("VMOVSS", false, src, dst) }

// VMOVSD is VMOVSS for a float64.
func (f *AMD64Func) VMOVSD(src, dst Operand) *Inst { return f.scalarMove("VMOVSD", false, src, dst) }

// VMOVD moves 32 bits between lane 0 of an X register and a GP register
// or memory.
func (f *AMD64Func) VMOVD(src, dst Operand) *Inst { return f.scalarMove("VMOVD", true, src, dst) }

// VMOVQ moves 64 bits between the low half of an X register and a GP
// register or memory.
func (f *AMD64Func) VMOVQ(src, dst Operand) *Inst { return f.scalarMove("VMOVQ", true, src, dst) }

// VBROADCASTSS copies one float32 — from memory, or lane 0 of an X
// register (AVX2) — to every lane of dst.
func (f *AMD64Func) VBROADCASTSS(src VecMem, dst Vec) *Inst {
	in := f.vec("VBROADCASTSS", false, src, dst)
	f.wantWidth(in, "a register source", src, 16)
	return in
}

// VPBROADCASTD copies one 32-bit integer — from memory, lane 0 of an X
// register, or (AVX-512 only) the low half of a GP register — to every
// lane of dst.
func (f *AMD64Func) VPBROADCASTD(src Operand, dst Vec) *Inst {
	_, fromGP := src.(GP)
	in := f.vec("VPBROADCASTD", fromGP, src, dst)
	if !fromGP && !isVec(src) && !isMem(src) {
		f.errorf("%s: source must be memory, an X register or a GP", in)
	}
	f.wantWidth(in, "a register source", src, 16)
	return in
}

// VMASKMOVPS is the AVX masked move, the AVX2 way to handle a tail: lanes
// whose mask lane has its sign bit set are loaded (others read as 0) or
// stored (others leave memory alone), and masked-off lanes never fault.
// Exactly one of src and dst is memory:
//
//	VMASKMOVPS (SI), Y5, Y1   // load
//	VMASKMOVPS Y1, Y5, (DI)   // store
func (f *AMD64Func) VMASKMOVPS(src VecMem, mask Vec, dst VecMem) *Inst {
	in := f.vec("VMASKMOVPS", false, src, mask, dst)
	if isMem(src) == isMem(dst) {
		f.errorf("%s: exactly one of source and destination must be memory", in)
	}
	f.sameWidth(in, src, mask, dst)
	return in
}

// VMOVMSKPS gathers the sign bits of src's lanes into the low bits of a GP
// register (bit i = lane i).
func (f *AMD64Func) VMOVMSKPS(src Vec, dst GP) *Inst { return f.vec("VMOVMSKPS", false, src, dst) }

// VZEROUPPER clears the upper halves of the vector registers. Call it
// before returning from a function that used Y or Z registers, or SSE code
// that runs next pays for the state transition.
func (f *AMD64Func) VZEROUPPER() *Inst { return f.vec("VZEROUPPER", false) }

// ---- float arithmetic: dst = a op b ----

// VADDPS computes dst = a + b.
func (f *AMD64Func) VADDPS(b VecMem, a, dst Vec) *Inst { return f.v3("VADDPS", b, a, dst) }

// VSUBPS computes dst = a - b.
func (f *AMD64Func) VSUBPS(b VecMem, a, dst Vec) *Inst { return f.v3("VSUBPS", b, a, dst) }

// VMULPS computes dst = a * b.
func (f *AMD64Func) VMULPS(b VecMem, a, dst Vec) *Inst { return f.v3("VMULPS", b, a, dst) }

// VDIVPS computes dst = a / b.
func (f *AMD64Func) VDIVPS(b VecMem, a, dst Vec) *Inst { return f.v3("VDIVPS", b, a, dst) }

// VMAXPS computes dst = a > b ? a : b per lane: b when they are equal
// (+0 and -0) or either is NaN.
func (f *AMD64Func) VMAXPS(b VecMem, a, dst Vec) *Inst { return f.v3("VMAXPS", b, a, dst) }

// VMINPS computes dst = a < b ? a : b per lane: b when they are equal or
// either is NaN.
func (f *AMD64Func) VMINPS(b VecMem, a, dst Vec) *Inst { return f.v3("VMINPS", b, a, dst) }

// VANDPS computes dst = a & b bitwise (AVX-512: needs AVX512DQ).
func (f *AMD64Func) VANDPS(b VecMem, a, dst Vec) *Inst { return f.v3("VANDPS", b, a, dst) }

// VANDNPS computes dst = ^a & b bitwise: the first source named in Go
// (b) is the one kept, the second (a) the one inverted.
func (f *AMD64Func) VANDNPS(b VecMem, a, dst Vec) *Inst { return f.v3("VANDNPS", b, a, dst) }

// VORPS computes dst = a | b bitwise.
func (f *AMD64Func) VORPS(b VecMem, a, dst Vec) *Inst { return f.v3("VORPS", b, a, dst) }

// VXORPS computes dst = a ^ b bitwise; VXORPS Y0, Y0, Y0 zeroes Y0.
func (f *AMD64Func) VXORPS(b VecMem, a, dst Vec) *Inst { return f.v3("VXORPS", b, a, dst) }

// VFMADD231PS computes dst = a*b + dst with one rounding (the accumulate
// form: VFMADD231PS x, a, acc).
func (f *AMD64Func) VFMADD231PS(b VecMem, a, dst Vec) *Inst { return f.v3("VFMADD231PS", b, a, dst) }

// VFMADD213PS computes dst = a*dst + b with one rounding.
func (f *AMD64Func) VFMADD213PS(b VecMem, a, dst Vec) *Inst { return f.v3("VFMADD213PS", b, a, dst) }

// VFMADD132PS computes dst = dst*b + a with one rounding.
func (f *AMD64Func) VFMADD132PS(b VecMem, a, dst Vec) *Inst { return f.v3("VFMADD132PS", b, a, dst) }

// VFNMADD231PS computes dst = -(a*b) + dst with one rounding.
func (f *AMD64Func) VFNMADD231PS(b VecMem, a, dst Vec) *Inst {
	return f.v3("VFNMADD231PS", b, a, dst)
}

// VFMSUB231PS computes dst = a*b - dst with one rounding.
func (f *AMD64Func) VFMSUB231PS(b VecMem, a, dst Vec) *Inst { return f.v3("VFMSUB231PS", b, a, dst) }

// VSQRTPS computes dst = sqrt(src).
func (f *AMD64Func) VSQRTPS(src VecMem, dst Vec) *Inst { return f.v2("VSQRTPS", src, dst) }

// VCVTDQ2PS converts int32 lanes to float32 (rounding to nearest even).
func (f *AMD64Func) VCVTDQ2PS(src VecMem, dst Vec) *Inst { return f.v2("VCVTDQ2PS", src, dst) }

// VCVTTPS2DQ converts float32 lanes to int32, truncating toward zero as Go's
// int32(x) does (out of range and NaN give 0x80000000).
func (f *AMD64Func) VCVTTPS2DQ(src VecMem, dst Vec) *Inst { return f.v2("VCVTTPS2DQ", src, dst) }

// VMOVSHDUP copies the odd lanes down: dst = [s1 s1 s3 s3 …].
func (f *AMD64Func) VMOVSHDUP(src VecMem, dst Vec) *Inst { return f.v2("VMOVSHDUP", src, dst) }

// VCMPPS compares a with b per lane under pred: "VCMPPS $pred, b, a, dst"
// sets dst lane i when a[i] pred b[i]. With a Vec destination (AVX) the
// lane becomes all ones or zero; with a K destination (AVX-512) bit i of
// the K register is set.
func (f *AMD64Func) VCMPPS(pred CmpPred, b VecMem, a Vec, dst Operand) *Inst {
	in := f.vec("VCMPPS", false, pred, b, a, dst)
	f.sameWidth(in, b, a, dst)
	f.predRange(in, pred, 0x1f)
	f.vecOrK(in, dst)
	return in
}

func (f *AMD64Func) predRange(in *Inst, pred Operand, hi int) {
	var v int
	switch p := pred.(type) {
	case CmpPred:
		v = int(p)
	case IntPred:
		v = int(p)
	}
	if v > hi {
		f.errorf("%s: predicate %d out of range 0..%d", in, v, hi)
	}
}

func (f *AMD64Func) vecOrK(in *Inst, dst Operand) {
	switch dst.(type) {
	case Vec, K:
	default:
		f.errorf("%s: destination must be a vector or K register", in)
	}
}

// VBLENDVPS selects per lane by the sign bit of mask: dst = mask ? b : a.
// Go order: VBLENDVPS mask, b, a, dst (Intel: vblendvps dst, a, b, mask).
func (f *AMD64Func) VBLENDVPS(mask Vec, b VecMem, a, dst Vec) *Inst {
	in := f.vec("VBLENDVPS", false, mask, b, a, dst)
	f.sameWidth(in, mask, b, a, dst)
	return in
}

// VBLENDMPS selects per lane by the bits of k (AVX-512): dst = k ? b : a.
// It prints as VBLENDMPS b, a, k, dst.
func (f *AMD64Func) VBLENDMPS(k K, b VecMem, a, dst Vec) *Inst {
	return f.v3("VBLENDMPS", b, a, dst).Mask(k)
}

// VMOVHLPS moves the high half of b into the low half of dst, and the high
// half of a into the high half of dst (X registers).
func (f *AMD64Func) VMOVHLPS(b, a, dst Vec) *Inst {
	in := f.vec("VMOVHLPS", false, b, a, dst)
	for _, o := range []Operand{b, a, dst} {
		f.wantWidth(in, "every operand", o, 16)
	}
	return in
}

// VSHUFPS picks dst lanes 0,1 from a and 2,3 from b, in each 128-bit
// block, by the 2-bit fields of imm.
func (f *AMD64Func) VSHUFPS(imm Imm, b VecMem, a, dst Vec) *Inst {
	in := f.vec("VSHUFPS", false, imm, b, a, dst)
	f.sameWidth(in, b, a, dst)
	f.immRange(in, imm, 0, 255)
	return in
}

// VEXTRACTF128 copies the 128-bit half imm (0 low, 1 high) of a Y register
// to an X register or memory.
func (f *AMD64Func) VEXTRACTF128(imm Imm, src Vec, dst VecMem) *Inst {
	in := f.vec("VEXTRACTF128", false, imm, src, dst)
	f.wantWidth(in, "the source", src, 32)
	f.wantWidth(in, "the destination", dst, 16)
	f.immRange(in, imm, 0, 1)
	return in
}

// VINSERTF128 computes dst = a with its 128-bit half imm replaced by b.
func (f *AMD64Func) VINSERTF128(imm Imm, b VecMem, a, dst Vec) *Inst {
	in := f.vec("VINSERTF128", false, imm, b, a, dst)
	f.wantWidth(in, "the inserted value", b, 16)
	f.wantWidth(in, "a", a, 32)
	f.wantWidth(in, "the destination", dst, 32)
	f.immRange(in, imm, 0, 1)
	return in
}

// VEXTRACTF64X4 copies the 256-bit half imm (0 low, 1 high) of a Z
// register to a Y register or memory (AVX-512).
func (f *AMD64Func) VEXTRACTF64X4(imm Imm, src Vec, dst VecMem) *Inst {
	in := f.vec("VEXTRACTF64X4", false, imm, src, dst)
	f.wantWidth(in, "the source", src, 64)
	f.wantWidth(in, "the destination", dst, 32)
	f.immRange(in, imm, 0, 1)
	return in
}

// ---- scalar float ----

// VADDSS computes dst[0] = a[0] + b[0], dst[1:4] = a[1:4].
func (f *AMD64Func) VADDSS(b VecMem, a, dst Vec) *Inst { return f.s3("VADDSS", b, a, dst) }

// VSUBSS computes dst[0] = a[0] - b[0], dst[1:4] = a[1:4].
func (f *AMD64Func) VSUBSS(b VecMem, a, dst Vec) *Inst { return f.s3("VSUBSS", b, a, dst) }

// VMULSS computes dst[0] = a[0] * b[0], dst[1:4] = a[1:4].
func (f *AMD64Func) VMULSS(b VecMem, a, dst Vec) *Inst { return f.s3("VMULSS", b, a, dst) }

// VDIVSS computes dst[0] = a[0] / b[0], dst[1:4] = a[1:4].
func (f *AMD64Func) VDIVSS(b VecMem, a, dst Vec) *Inst { return f.s3("VDIVSS", b, a, dst) }

// VMAXSS is VMAXPS on lane 0.
func (f *AMD64Func) VMAXSS(b VecMem, a, dst Vec) *Inst { return f.s3("VMAXSS", b, a, dst) }

// VMINSS is VMINPS on lane 0.
func (f *AMD64Func) VMINSS(b VecMem, a, dst Vec) *Inst { return f.s3("VMINSS", b, a, dst) }

// VFMADD231SS is VFMADD231PS on lane 0.
func (f *AMD64Func) VFMADD231SS(b VecMem, a, dst Vec) *Inst { return f.s3("VFMADD231SS", b, a, dst) }

// ---- integer lanes ----

// VPADDD computes dst = a + b on int32 lanes.
func (f *AMD64Func) VPADDD(b VecMem, a, dst Vec) *Inst { return f.v3("VPADDD", b, a, dst) }

// VPSUBD computes dst = a - b on int32 lanes.
func (f *AMD64Func) VPSUBD(b VecMem, a, dst Vec) *Inst { return f.v3("VPSUBD", b, a, dst) }

// VPMULLD computes dst = a * b on int32 lanes (low 32 bits).
func (f *AMD64Func) VPMULLD(b VecMem, a, dst Vec) *Inst { return f.v3("VPMULLD", b, a, dst) }

// VPAND computes dst = a & b (AVX/AVX2 only; AVX-512 has VPANDD).
func (f *AMD64Func) VPAND(b VecMem, a, dst Vec) *Inst { return f.v3("VPAND", b, a, dst) }

// VPANDD computes dst = a & b on dword lanes (AVX-512, maskable).
func (f *AMD64Func) VPANDD(b VecMem, a, dst Vec) *Inst { return f.v3("VPANDD", b, a, dst) }

// VPCMPGTD compares int32 lanes, a > b (signed): "VPCMPGTD b, a, dst". A
// Vec destination gets all-ones lanes (AVX2); a K destination bits
// (AVX-512).
func (f *AMD64Func) VPCMPGTD(b VecMem, a Vec, dst Operand) *Inst {
	in := f.vec("VPCMPGTD", false, b, a, dst)
	f.sameWidth(in, b, a, dst)
	f.vecOrK(in, dst)
	return in
}

// VPCMPD compares int32 lanes under pred into a K register (AVX-512):
// "VPCMPD $pred, b, a, k" sets bit i when a[i] pred b[i].
func (f *AMD64Func) VPCMPD(pred IntPred, b VecMem, a Vec, dst K) *Inst {
	in := f.vec("VPCMPD", false, pred, b, a, dst)
	f.sameWidth(in, b, a)
	f.predRange(in, pred, 7)
	return in
}

func (f *AMD64Func) vshift(op string, count Operand, src VecMem, dst Vec) *Inst {
	in := f.vec(op, false, count, src, dst)
	switch c := count.(type) {
	case Imm:
		f.immRange(in, c, 0, 255)
	case Vec:
		f.wantWidth(in, "a register count", c, 16)
	default:
		if !isMem(c) {
			f.errorf("%s: count must be an Imm, an X register or memory", in)
		}
	}
	f.sameWidth(in, src, dst)
	return in
}

// VPSLLD shifts int32 lanes left: dst = src << count (Imm, or the low
// 64 bits of an X register; 32 or more gives 0).
func (f *AMD64Func) VPSLLD(count Operand, src VecMem, dst Vec) *Inst {
	return f.vshift("VPSLLD", count, src, dst)
}

// VPSRLD shifts int32 lanes right, unsigned: dst = src >> count.
func (f *AMD64Func) VPSRLD(count Operand, src VecMem, dst Vec) *Inst {
	return f.vshift("VPSRLD", count, src, dst)
}

// VPSRAD shifts int32 lanes right, signed: dst = src >> count.
func (f *AMD64Func) VPSRAD(count Operand, src VecMem, dst Vec) *Inst {
	return f.vshift("VPSRAD", count, src, dst)
}

// VPMOVDB narrows int32 lanes to bytes, truncating (AVX-512): from a Z
// register to an X register or 16 bytes of memory (maskable per byte).
func (f *AMD64Func) VPMOVDB(src Vec, dst VecMem) *Inst {
	in := f.vec("VPMOVDB", false, src, dst)
	f.wantWidth(in, "the destination", dst, 16)
	return in
}

// VPMOVZXBD widens bytes to int32 lanes, zero-extending: 4, 8 or 16 bytes
// of memory (or an X register) to an X, Y or Z register.
func (f *AMD64Func) VPMOVZXBD(src VecMem, dst Vec) *Inst {
	in := f.vec("VPMOVZXBD", false, src, dst)
	f.wantWidth(in, "a register source", src, 16)
	return in
}

// ---- opmask registers (AVX-512) ----

// kmov emits a KMOV between K registers, GP registers and memory.
func (f *AMD64Func) kmov(op string, src, dst Operand) *Inst {
	in := f.vec(op, false, src, dst)
	_, srcK := src.(K)
	_, dstK := dst.(K)
	if !srcK && !dstK {
		f.errorf("%s: one operand must be a K register", in)
	}
	for _, o := range []Operand{src, dst} {
		switch o.(type) {
		case K, GP:
		default:
			if !isMem(o) {
				f.errorf("%s: operand %s is not a K, GP or memory operand", in, o)
			}
		}
	}
	if isMem(src) && isMem(dst) {
		f.errorf("%s: memory to memory", in)
	}
	return in
}

// KMOVW moves 16 mask bits between K registers, GP registers (low 16
// bits) and memory: KMOVW AX, K1; KMOVW K1, AX (zero-extends).
func (f *AMD64Func) KMOVW(src, dst Operand) *Inst { return f.kmov("KMOVW", src, dst) }

// KMOVB moves 8 mask bits (AVX512DQ).
func (f *AMD64Func) KMOVB(src, dst Operand) *Inst { return f.kmov("KMOVB", src, dst) }

// KMOVD moves 32 mask bits (AVX512BW).
func (f *AMD64Func) KMOVD(src, dst Operand) *Inst { return f.kmov("KMOVD", src, dst) }

// KMOVQ moves 64 mask bits (AVX512BW).
func (f *AMD64Func) KMOVQ(src, dst Operand) *Inst { return f.kmov("KMOVQ", src, dst) }

// KORTESTW sets ZF if a|b is all zeros and CF if it is all ones (16
// bits): KORTESTW K1, K1; JZ none jumps when K1 is empty.
func (f *AMD64Func) KORTESTW(a, b K) *Inst { return f.vec("KORTESTW", false, a, b) }

// KSHIFTRW computes dst = src >> imm on 16 mask bits.
func (f *AMD64Func) KSHIFTRW(imm Imm, src, dst K) *Inst {
	in := f.vec("KSHIFTRW", false, imm, src, dst)
	f.immRange(in, imm, 0, 255)
	return in
}

// KANDW computes dst = a & b on 16 mask bits.
func (f *AMD64Func) KANDW(b, a, dst K) *Inst { return f.vec("KANDW", false, b, a, dst) }

// KORW computes dst = a | b on 16 mask bits.
func (f *AMD64Func) KORW(b, a, dst K) *Inst { return f.vec("KORW", false, b, a, dst) }

// KNOTW computes dst = ^src on 16 mask bits.
func (f *AMD64Func) KNOTW(src, dst K) *Inst { return f.vec("KNOTW", false, src, dst) }
