package asm

import (
	"fmt"
	"math"
)

// This file holds the arm64 instructions. Each method checks its operands,
// records an error on misuse (see Func) and appends the instruction, in Go
// order: sources first, destination last. For the three-register forms
// that is the reverse of the GNU syntax:
//
//	Go:  VFSUB V1.S4, V0.S4, V2.S4    // V2 = V0 - V1
//	GNU: fsub v2.4s, v0.4s, v1.4s
//
// The exceptions are Go's own: CMP b, a sets the flags of a - b (so CMP
// $8, R1; BLT l jumps when R1 < 8), and stores (MOVD R1, 8(R2); VST1
// [V0.S4], (R2)) put the memory operand last as the destination.

// ---- operand checks ----

// checkOperands records an error for every invalid operand of in and
// reports whether all were valid.
func (f *ARM64Func) checkOperands(in *Inst) bool {
	ok := true
	for i, a := range in.Args {
		var err error
		switch o := a.(type) {
		case nil:
			err = fmt.Errorf("missing")
		case Reg:
			if _, good := o.arm64Reg(); !good {
				err = fmt.Errorf("zero register")
			}
		case GP:
			if _, good := o.arm64Reg(); !good {
				err = fmt.Errorf("%s is not an arm64 register (the shared GP values are R8-R15)", o)
			}
		case VReg:
			if o.id == 0 {
				err = fmt.Errorf("zero vector register")
			}
		case FReg:
			if o.id == 0 {
				err = fmt.Errorf("zero FP register")
			}
		case VArr:
			if !o.valid() {
				err = fmt.Errorf("invalid vector operand %s", o)
			}
		case VElem:
			err = o.check()
		case VList:
			err = o.check()
		case Addr:
			err = o.check()
		case Sym:
			if !f.file.hasData(o.name) {
				err = fmt.Errorf("no data %s in this file", o.name)
			}
		case SymAddr:
			if !f.file.hasData(o.Sym.name) {
				err = fmt.Errorf("no data %s in this file", o.Sym.name)
			}
		case Arg, Imm, Label, wordArg:
		default:
			err = fmt.Errorf("%T is not an arm64 operand", a)
		}
		if err != nil {
			f.errorf("%s: operand %d: %v", in.Op, i+1, err)
			ok = false
		}
	}
	return ok
}

// inst appends op with args after checking them.
func (f *ARM64Func) inst(op string, args ...Operand) *Inst {
	in := &Inst{Op: op, Args: args}
	f.checkOperands(in)
	return f.add(in)
}

func isIntReg(o Operand) bool {
	r, ok := o.(IntReg)
	if !ok {
		return false
	}
	_, ok = r.arm64Reg()
	return ok
}

func isRSP(o Operand) bool {
	r, ok := o.(IntReg)
	if !ok {
		return false
	}
	x, _ := r.arm64Reg()
	return x.id == regRSPID
}

func isArmMem(o Operand) bool {
	switch o.(type) {
	case Addr, Arg, Sym:
		return true
	}
	return false
}

// ---- general-purpose instructions ----

// gpMove emits one of the MOV loads, stores and register moves.
func (f *ARM64Func) gpMove(op string, src, dst Operand) *Inst {
	in := f.inst(op, src, dst)
	switch {
	case isArmMem(src) && isArmMem(dst):
		f.errorf("%s: memory to memory", in)
	case isArmMem(dst):
		if !isIntReg(src) {
			f.errorf("%s: a store takes a register source", in)
		}
		if op == "MOVWU" || op == "MOVHU" || op == "MOVBU" {
			f.errorf("%s: a store is %s", in, op[:len(op)-1])
		}
	case !isIntReg(dst):
		f.errorf("%s: destination must be a register or memory", in)
	default:
		switch src.(type) {
		case SymAddr:
			if op != "MOVD" {
				f.errorf("%s: load addresses with MOVD", in)
			}
		case Imm:
			if op != "MOVD" && op != "MOVW" {
				f.errorf("%s: move constants with MOVD or MOVW", in)
			}
		}
	}
	return in
}

// MOVD moves 8 bytes: register to register, a constant (any 64-bit value;
// the assembler picks MOVZ/MOVK or a literal) or an address ($sym<>(SB))
// into a register, memory to register (ldr), register to memory (str).
func (f *ARM64Func) MOVD(src, dst Operand) *Inst { return f.gpMove("MOVD", src, dst) }

// MOVW loads 4 bytes sign-extended to 64 bits (ldrsw), stores the low 4
// bytes (str w), or moves a 32-bit constant.
func (f *ARM64Func) MOVW(src, dst Operand) *Inst { return f.gpMove("MOVW", src, dst) }

// MOVWU loads 4 bytes zero-extended (ldr w).
func (f *ARM64Func) MOVWU(src, dst Operand) *Inst { return f.gpMove("MOVWU", src, dst) }

// MOVH loads 2 bytes sign-extended or stores the low 2 bytes.
func (f *ARM64Func) MOVH(src, dst Operand) *Inst { return f.gpMove("MOVH", src, dst) }

// MOVHU loads 2 bytes zero-extended.
func (f *ARM64Func) MOVHU(src, dst Operand) *Inst { return f.gpMove("MOVHU", src, dst) }

// MOVB loads a byte sign-extended or stores the low byte.
func (f *ARM64Func) MOVB(src, dst Operand) *Inst { return f.gpMove("MOVB", src, dst) }

// MOVBU loads a byte zero-extended.
func (f *ARM64Func) MOVBU(src, dst Operand) *Inst { return f.gpMove("MOVBU", src, dst) }

// alu emits a three-operand ALU instruction dst = a op b, b a register or
// a constant (the assembler materializes constants that do not fit the
// instruction in REGTMP).
func (f *ARM64Func) alu(op string, immOK bool, b Operand, a, dst IntReg) *Inst {
	in := f.inst(op, b, a, dst)
	switch b.(type) {
	case Imm:
		if !immOK {
			f.errorf("%s: the first operand must be a register", in)
		}
	default:
		if !isIntReg(b) {
			f.errorf("%s: the first operand must be a register or an Imm", in)
		}
	}
	return in
}

// ADD computes dst = a + b (b a register or Imm). RSP may be a or dst.
func (f *ARM64Func) ADD(b Operand, a, dst IntReg) *Inst { return f.alu("ADD", true, b, a, dst) }

// ADDS is ADD setting the flags.
func (f *ARM64Func) ADDS(b Operand, a, dst IntReg) *Inst { return f.alu("ADDS", true, b, a, dst) }

// SUB computes dst = a - b.
func (f *ARM64Func) SUB(b Operand, a, dst IntReg) *Inst { return f.alu("SUB", true, b, a, dst) }

// SUBS is SUB setting the flags: SUBS $1, R4, R4; BNE loop counts down.
func (f *ARM64Func) SUBS(b Operand, a, dst IntReg) *Inst { return f.alu("SUBS", true, b, a, dst) }

// MUL computes dst = a * b (registers only).
func (f *ARM64Func) MUL(b, a, dst IntReg) *Inst { return f.alu("MUL", false, b, a, dst) }

// AND computes dst = a & b.
func (f *ARM64Func) AND(b Operand, a, dst IntReg) *Inst { return f.alu("AND", true, b, a, dst) }

// ORR computes dst = a | b.
func (f *ARM64Func) ORR(b Operand, a, dst IntReg) *Inst { return f.alu("ORR", true, b, a, dst) }

// EOR computes dst = a ^ b.
func (f *ARM64Func) EOR(b Operand, a, dst IntReg) *Inst { return f.alu("EOR", true, b, a, dst) }

// LSL computes dst = a << b.
func (f *ARM64Func) LSL(b Operand, a, dst IntReg) *Inst { return f.shift("LSL", b, a, dst) }

// LSR computes dst = a >> b, unsigned.
func (f *ARM64Func) LSR(b Operand, a, dst IntReg) *Inst { return f.shift("LSR", b, a, dst) }

// ASR computes dst = a >> b, signed.
func (f *ARM64Func) ASR(b Operand, a, dst IntReg) *Inst { return f.shift("ASR", b, a, dst) }

func (f *ARM64Func) shift(op string, b Operand, a, dst IntReg) *Inst {
	in := f.alu(op, true, b, a, dst)
	f.immRange(in, b, 0, 63)
	return in
}

// immRange records an error if o is an Imm outside lo..hi.
func (f *ARM64Func) immRange(in *Inst, o Operand, lo, hi int64) {
	if i, ok := o.(Imm); ok && (int64(i) < lo || int64(i) > hi) {
		f.errorf("%s: immediate %d out of range %d..%d", in, int64(i), lo, hi)
	}
}

// CMP sets the flags of a - b: "CMP b, a". CMP $8, R1; BLT l jumps when
// R1 < 8 (signed).
func (f *ARM64Func) CMP(b Operand, a IntReg) *Inst {
	in := f.inst("CMP", b, a)
	if _, imm := b.(Imm); !imm && !isIntReg(b) {
		f.errorf("%s: the first operand must be a register or an Imm", in)
	}
	return in
}

// TST sets the flags of a & b.
func (f *ARM64Func) TST(b Operand, a IntReg) *Inst {
	in := f.inst("TST", b, a)
	if _, imm := b.(Imm); !imm && !isIntReg(b) {
		f.errorf("%s: the first operand must be a register or an Imm", in)
	}
	return in
}

// B jumps to l.
func (f *ARM64Func) B(l Label) *Inst { return f.inst("B", l) }

// The conditional branches test the flags of CMP b, a (a - b) or of an
// S-suffixed instruction.

// BEQ jumps to l if a == b (Z set).
func (f *ARM64Func) BEQ(l Label) *Inst { return f.inst("BEQ", l) }

// BNE jumps to l if a != b.
func (f *ARM64Func) BNE(l Label) *Inst { return f.inst("BNE", l) }

// BLT jumps to l if a < b, signed.
func (f *ARM64Func) BLT(l Label) *Inst { return f.inst("BLT", l) }

// BLE jumps to l if a <= b, signed.
func (f *ARM64Func) BLE(l Label) *Inst { return f.inst("BLE", l) }

// BGT jumps to l if a > b, signed.
func (f *ARM64Func) BGT(l Label) *Inst { return f.inst("BGT", l) }

// BGE jumps to l if a >= b, signed.
func (f *ARM64Func) BGE(l Label) *Inst { return f.inst("BGE", l) }

// BLO jumps to l if a < b, unsigned.
func (f *ARM64Func) BLO(l Label) *Inst { return f.inst("BLO", l) }

// BLS jumps to l if a <= b, unsigned.
func (f *ARM64Func) BLS(l Label) *Inst { return f.inst("BLS", l) }

// BHI jumps to l if a > b, unsigned.
func (f *ARM64Func) BHI(l Label) *Inst { return f.inst("BHI", l) }

// BHS jumps to l if a >= b, unsigned.
func (f *ARM64Func) BHS(l Label) *Inst { return f.inst("BHS", l) }

// BMI jumps to l if the result was negative.
func (f *ARM64Func) BMI(l Label) *Inst { return f.inst("BMI", l) }

// BPL jumps to l if the result was positive or zero.
func (f *ARM64Func) BPL(l Label) *Inst { return f.inst("BPL", l) }

// CBZ jumps to l if r is zero (flags untouched).
func (f *ARM64Func) CBZ(r IntReg, l Label) *Inst { return f.inst("CBZ", r, l) }

// CBNZ jumps to l if r is not zero.
func (f *ARM64Func) CBNZ(r IntReg, l Label) *Inst { return f.inst("CBNZ", r, l) }

// RET returns (through the link register R30).
func (f *ARM64Func) RET() *Inst { return f.inst("RET") }

// ---- scalar floating point ----

// fmov emits FMOVS/FMOVD/FMOVQ: between FP registers, between an FP and a
// general-purpose register (not FMOVQ), or a load or store.
func (f *ARM64Func) fmov(op string, src, dst Operand) *Inst {
	in := f.inst(op, src, dst)
	_, srcF := src.(FReg)
	_, dstF := dst.(FReg)
	switch {
	case isArmMem(src) && isArmMem(dst):
		f.errorf("%s: memory to memory", in)
	case !srcF && !dstF:
		f.errorf("%s: one operand must be an FP register", in)
	case op == "FMOVQ" && (isIntReg(src) || isIntReg(dst) || srcF && dstF):
		f.errorf("%s: FMOVQ only loads and stores (use VMOV between registers)", in)
	}
	for _, o := range []Operand{src, dst} {
		if _, ok := o.(FReg); !ok && !isArmMem(o) && !isIntReg(o) {
			f.errorf("%s: operand %s is not an FP register, a register or memory", in, opString(o))
		}
	}
	return in
}

// FMOVS moves 32 bits: F↔F, R↔F (the bits, no conversion), a float32
// load (zeroing the other lanes) or store.
func (f *ARM64Func) FMOVS(src, dst Operand) *Inst { return f.fmov("FMOVS", src, dst) }

// FMOVD is FMOVS for 64 bits.
func (f *ARM64Func) FMOVD(src, dst Operand) *Inst { return f.fmov("FMOVD", src, dst) }

// FMOVQ loads or stores all 128 bits of a register (ldr q, str q), at any
// alignment; offsets may be any constant. The way to spill a vector to an
// AllocLocal slot.
func (f *ARM64Func) FMOVQ(src, dst Operand) *Inst { return f.fmov("FMOVQ", src, dst) }

func (f *ARM64Func) fp3(op string, b, a, dst FReg) *Inst { return f.inst(op, b, a, dst) }

// FADDS computes dst = a + b in float32.
func (f *ARM64Func) FADDS(b, a, dst FReg) *Inst { return f.fp3("FADDS", b, a, dst) }

// FSUBS computes dst = a - b in float32.
func (f *ARM64Func) FSUBS(b, a, dst FReg) *Inst { return f.fp3("FSUBS", b, a, dst) }

// FMULS computes dst = a * b in float32.
func (f *ARM64Func) FMULS(b, a, dst FReg) *Inst { return f.fp3("FMULS", b, a, dst) }

// FDIVS computes dst = a / b in float32.
func (f *ARM64Func) FDIVS(b, a, dst FReg) *Inst { return f.fp3("FDIVS", b, a, dst) }

// FMAXS is Go's max on float32 (NaN if either is, +0 above -0).
func (f *ARM64Func) FMAXS(b, a, dst FReg) *Inst { return f.fp3("FMAXS", b, a, dst) }

// FMINS is Go's min on float32.
func (f *ARM64Func) FMINS(b, a, dst FReg) *Inst { return f.fp3("FMINS", b, a, dst) }

// ---- vector loads and stores ----

// ld1 checks and emits LD1/ST1/LD1R, plain or post-increment.
func (f *ARM64Func) ld1(op string, post, store bool, src, dst Operand) *Inst {
	in := &Inst{Op: op, Args: []Operand{src, dst}}
	if post {
		in.Suffix = ".P"
	}
	f.checkOperands(in)
	f.add(in)
	mem, regs := src, dst
	if store {
		mem, regs = dst, src
	}
	a, ok := mem.(Addr)
	if !ok {
		f.errorf("%s: the memory operand must be an Addr", in)
		return in
	}
	size := 0
	switch r := regs.(type) {
	case VList:
		size = r.Bytes()
		if op == "VLD1R" {
			if len(r.regs) != 1 {
				f.errorf("%s: VLD1R takes one register", in)
			}
			if len(r.regs) > 0 {
				size = r.regs[0].Arr.ElemBytes()
			}
		}
	case VElem:
		if op == "VLD1R" {
			f.errorf("%s: VLD1R takes a register list", in)
		}
		size = r.bytes()
	default:
		f.errorf("%s: the registers must be a VList or a VElem", in)
	}
	switch {
	case !post && (a.Disp != 0 || a.Index != nil):
		f.errorf("%s: LD1/ST1 take no offset; use the post-increment form or add it to the base", in)
	case post && a.Index == nil && a.Disp != size:
		f.errorf("%s: the post-increment must be the %d bytes transferred (or a register)", in, size)
	case post && a.Index != nil && a.Shift != 0:
		f.errorf("%s: a register increment takes no shift", in)
	}
	return in
}

// VLD1 loads a register list from consecutive memory ("VLD1 (R0),
// [V0.S4, V1.S4]") or one lane ("VLD1 (R0), V0.S[1]"), leaving the other
// lanes alone. The address is the base register alone.
func (f *ARM64Func) VLD1(src Addr, dst Operand) *Inst { return f.ld1("VLD1", false, false, src, dst) }

// VLD1P is VLD1 with post-increment, "VLD1.P 16(R0), [V0.S4]": it loads
// from (R0), then adds the increment to R0. The increment (src.Disp) must
// equal the bytes loaded, or be a register (src.Idx(r, 0)).
func (f *ARM64Func) VLD1P(src Addr, dst Operand) *Inst { return f.ld1("VLD1", true, false, src, dst) }

// VST1 stores a register list or one lane: "VST1 [V0.S4], (R0)",
// "VST1 V0.S[3], (R0)".
func (f *ARM64Func) VST1(src Operand, dst Addr) *Inst { return f.ld1("VST1", false, true, src, dst) }

// VST1P is VST1 with post-increment: "VST1.P [V0.S4], 16(R0)".
func (f *ARM64Func) VST1P(src Operand, dst Addr) *Inst { return f.ld1("VST1", true, true, src, dst) }

// VLD1R loads one element and replicates it to every lane: "VLD1R (R0),
// [V0.S4]" broadcasts a float32.
func (f *ARM64Func) VLD1R(src Addr, dst VList) *Inst { return f.ld1("VLD1R", false, false, src, dst) }

// VLD1RP is VLD1R with post-increment by the element size: "VLD1R.P
// 4(R0), [V0.S4]".
func (f *ARM64Func) VLD1RP(src Addr, dst VList) *Inst { return f.ld1("VLD1R", true, false, src, dst) }

// ---- vector moves ----

// VDUP copies a general-purpose register (its low bits) or one lane to
// every lane of dst: "VDUP R3, V2.S4", "VDUP V1.S[0], V2.S4".
func (f *ARM64Func) VDUP(src Operand, dst VArr) *Inst {
	in := f.inst("VDUP", src, dst)
	switch s := src.(type) {
	case VElem:
		if s.bytes() != dst.Arr.ElemBytes() {
			f.errorf("%s: element and lanes of different sizes", in)
		}
	default:
		if !isIntReg(src) || isRSP(src) {
			f.errorf("%s: source must be a general-purpose register or a VElem", in)
		}
	}
	return in
}

// VMOV moves a general-purpose register into a lane ("VMOV R3, V2.S[1]",
// INS), a lane into a general-purpose register ("VMOV V2.S[1], R3", UMOV;
// S or D lanes), a lane into a lane of the same size, or a whole register
// ("VMOV V0.B16, V2.B16", the ORR alias; B8 or B16).
func (f *ARM64Func) VMOV(src, dst Operand) *Inst {
	in := f.inst("VMOV", src, dst)
	switch s := src.(type) {
	case VArr:
		d, ok := dst.(VArr)
		if !ok || (s.Arr != ArrB16 && s.Arr != ArrB8) || d.Arr != s.Arr {
			f.errorf("%s: a register copy is VMOV Va.B16, Vb.B16 (or B8)", in)
		}
	case VElem:
		switch d := dst.(type) {
		case VElem:
			if d.Size != s.Size {
				f.errorf("%s: elements of different sizes", in)
			}
		default:
			if !isIntReg(dst) || (s.Size != 'S' && s.Size != 'D') {
				f.errorf("%s: a lane moves into a register from an S or D element", in)
			}
		}
	default:
		if _, ok := dst.(VElem); !ok || !isIntReg(src) {
			f.errorf("%s: unsupported operands", in)
		}
	}
	return in
}

// VMOVQ loads the 128-bit constant hi:lo into dst (the assembler places it
// in a literal pool): VMOVQ $lo, $hi, V2. Lane 0 of an S4 view is the low
// 32 bits of lo.
func (f *ARM64Func) VMOVQ(lo, hi uint64, dst VReg) *Inst {
	return f.inst("VMOVQ", Imm(int64(lo)), Imm(int64(hi)), dst)
}

// ---- vector arithmetic: native mnemonics ----

// wantArr records an error unless every VArr among ops has one of the
// arrangements, and all the same.
func (f *ARM64Func) wantArr(in *Inst, allowed []Arrangement, ops ...Operand) {
	var first Arrangement
	for _, o := range ops {
		v, ok := o.(VArr)
		if !ok {
			f.errorf("%s: operand %s must be a vector with an arrangement", in, opString(o))
			continue
		}
		if first == 0 {
			first = v.Arr
		} else if v.Arr != first {
			f.errorf("%s: arrangements differ", in)
			return
		}
	}
	for _, a := range allowed {
		if a == first {
			return
		}
	}
	if first != 0 {
		f.errorf("%s: arrangement %s not allowed (want %v)", in, first, allowed)
	}
}

var (
	arrBytes = []Arrangement{ArrB8, ArrB16}
	arrInt   = []Arrangement{ArrB8, ArrB16, ArrH4, ArrH8, ArrS2, ArrS4, ArrD2}
	arrFloat = []Arrangement{ArrS2, ArrS4, ArrD2}
)

func (f *ARM64Func) v3(op string, allowed []Arrangement, b, a, dst VArr) *Inst {
	in := f.inst(op, b, a, dst)
	f.wantArr(in, allowed, b, a, dst)
	return in
}

// VAND computes dst = a & b (B8 or B16).
func (f *ARM64Func) VAND(b, a, dst VArr) *Inst { return f.v3("VAND", arrBytes, b, a, dst) }

// VORR computes dst = a | b (B8 or B16).
func (f *ARM64Func) VORR(b, a, dst VArr) *Inst { return f.v3("VORR", arrBytes, b, a, dst) }

// VEOR computes dst = a ^ b (B8 or B16); VEOR V0.B16, V0.B16, V0.B16
// zeroes V0.
func (f *ARM64Func) VEOR(b, a, dst VArr) *Inst { return f.v3("VEOR", arrBytes, b, a, dst) }

// VBSL selects bitwise by dst: dst = dst&a | ^dst&b, that is "dst ? a :
// b" with a mask in dst. Note the Go order: VBSL b, a, dst (GNU: bsl dst,
// a, b).
func (f *ARM64Func) VBSL(b, a, dst VArr) *Inst { return f.v3("VBSL", arrBytes, b, a, dst) }

// VBIT inserts a where mask is set: dst = mask ? a : dst. Go order: VBIT
// mask, a, dst (GNU: bit dst, a, mask).
func (f *ARM64Func) VBIT(mask, a, dst VArr) *Inst { return f.v3("VBIT", arrBytes, mask, a, dst) }

// VBIF inserts a where mask is clear: dst = mask ? dst : a. Go order:
// VBIF mask, a, dst.
func (f *ARM64Func) VBIF(mask, a, dst VArr) *Inst { return f.v3("VBIF", arrBytes, mask, a, dst) }

// VADD computes dst = a + b on integer lanes.
func (f *ARM64Func) VADD(b, a, dst VArr) *Inst { return f.v3("VADD", arrInt, b, a, dst) }

// VSUB computes dst = a - b on integer lanes.
func (f *ARM64Func) VSUB(b, a, dst VArr) *Inst { return f.v3("VSUB", arrInt, b, a, dst) }

func (f *ARM64Func) vshift(op string, lo, hiOff int, imm Imm, src, dst VArr) *Inst {
	in := f.inst(op, imm, src, dst)
	f.wantArr(in, arrInt, src, dst)
	bits := int64(src.Arr.ElemBytes() * 8)
	f.immRange(in, imm, int64(lo), bits+int64(hiOff))
	return in
}

// VSHL shifts integer lanes left by imm (0 … lane bits-1): dst = src <<
// imm.
func (f *ARM64Func) VSHL(imm Imm, src, dst VArr) *Inst { return f.vshift("VSHL", 0, -1, imm, src, dst) }

// VUSHR shifts integer lanes right, unsigned, by imm (1 … lane bits).
func (f *ARM64Func) VUSHR(imm Imm, src, dst VArr) *Inst {
	return f.vshift("VUSHR", 1, 0, imm, src, dst)
}

// VFMLA computes dst = dst + a*b per lane with one rounding (fused). b may
// be a VArr, or one lane broadcast to all (a VElem: "VFMLA V1.S[3], V0.S4,
// V2.S4"; Go's assembler lacks that form, so it is emitted as WORD).
func (f *ARM64Func) VFMLA(b Operand, a, dst VArr) *Inst { return f.fmla("VFMLA", b, a, dst) }

// VFMLS computes dst = dst - a*b per lane with one rounding (b a VArr or a
// VElem, like VFMLA).
func (f *ARM64Func) VFMLS(b Operand, a, dst VArr) *Inst { return f.fmla("VFMLS", b, a, dst) }

func (f *ARM64Func) fmla(op string, b Operand, a, dst VArr) *Inst {
	if e, ok := b.(VElem); ok {
		base := uint32(0x0f801000) // FMLA (by element)
		if op == "VFMLS" {
			base = 0x0f805000
		}
		return f.byElement(op, base, e, a, dst)
	}
	bv, _ := b.(VArr)
	if _, ok := b.(VArr); !ok {
		in := f.inst(op, b, a, dst)
		f.errorf("%s: the first operand must be a VArr or a VElem", in)
		return in
	}
	return f.v3(op, arrFloat, bv, a, dst)
}

// ---- vector instructions the Go assembler lacks: WORD encodings ----

// wordArg is the operand of a WORD emitted for an instruction the Go
// assembler has no mnemonic for: the encoding, and the instruction in Go
// syntax, printed as a comment after it.
type wordArg struct {
	bits uint32
	text string
}

// String returns "$0x4e21d402 // VFADD V1.S4, V0.S4, V2.S4".
func (w wordArg) String() string { return fmt.Sprintf("$0x%08x // %s", w.bits, w.text) }

// word appends the WORD for instruction text with encoding bits, after
// checking the operands of the instruction it stands for.
func (f *ARM64Func) word(op string, bits uint32, args ...Operand) *Inst {
	probe := &Inst{Op: op, Args: args}
	if !f.checkOperands(probe) {
		return f.add(&Inst{Op: "WORD", Args: []Operand{wordArg{0, probe.String() + " (invalid)"}}})
	}
	return f.add(&Inst{Op: "WORD", Args: []Operand{wordArg{bits, probe.String()}}})
}

// qsz returns the Q (bit 30) and sz (bit 22) bits of a float arrangement.
func qsz(a Arrangement) uint32 {
	var b uint32
	if a.Q() {
		b |= 1 << 30
	}
	if a == ArrD2 || a == ArrD1 {
		b |= 1 << 22
	}
	return b
}

func qbit(a Arrangement) uint32 {
	if a.Q() {
		return 1 << 30
	}
	return 0
}

// fpv3 emits a three-register "SIMD three same" floating-point instruction:
// base | Q | sz | Rm<<16 | Rn<<5 | Rd.
func (f *ARM64Func) fpv3(op string, base uint32, b, a, dst VArr) *Inst {
	probe := &Inst{Op: op, Args: []Operand{b, a, dst}}
	f.wantArr(probe, arrFloat, b, a, dst)
	bits := base | qsz(dst.Arr) | uint32(b.Reg.Num())<<16 | uint32(a.Reg.Num())<<5 | uint32(dst.Reg.Num())
	return f.word(op, bits, b, a, dst)
}

// fpv2 emits a "SIMD two-register miscellaneous" floating-point
// instruction: base | Q | sz | Rn<<5 | Rd.
func (f *ARM64Func) fpv2(op string, base uint32, src, dst VArr) *Inst {
	probe := &Inst{Op: op, Args: []Operand{src, dst}}
	f.wantArr(probe, arrFloat, src, dst)
	bits := base | qsz(dst.Arr) | uint32(src.Reg.Num())<<5 | uint32(dst.Reg.Num())
	return f.word(op, bits, src, dst)
}

// The float32 (S2, S4) and float64 (D2) lane arithmetic, all correctly
// rounded IEEE operations under the default FPCR (round to nearest even,
// no flush to zero, NaNs propagated), so lane i of the result has the bits
// of Go's float32 operation on lane i.

// VFADD computes dst = a + b (fadd).
func (f *ARM64Func) VFADD(b, a, dst VArr) *Inst { return f.fpv3("VFADD", 0x0e20d400, b, a, dst) }

// VFSUB computes dst = a - b (fsub).
func (f *ARM64Func) VFSUB(b, a, dst VArr) *Inst { return f.fpv3("VFSUB", 0x0ea0d400, b, a, dst) }

// VFMUL computes dst = a * b (fmul).
func (f *ARM64Func) VFMUL(b, a, dst VArr) *Inst { return f.fpv3("VFMUL", 0x2e20dc00, b, a, dst) }

// VFDIV computes dst = a / b (fdiv).
func (f *ARM64Func) VFDIV(b, a, dst VArr) *Inst { return f.fpv3("VFDIV", 0x2e20fc00, b, a, dst) }

// VFMAX computes Go's max(a, b) per lane (fmax): NaN if either is NaN,
// and +0 is above -0.
func (f *ARM64Func) VFMAX(b, a, dst VArr) *Inst { return f.fpv3("VFMAX", 0x0e20f400, b, a, dst) }

// VFMIN computes Go's min(a, b) per lane (fmin): NaN if either is NaN,
// and -0 is below +0.
func (f *ARM64Func) VFMIN(b, a, dst VArr) *Inst { return f.fpv3("VFMIN", 0x0ea0f400, b, a, dst) }

// VFCMEQ sets dst lanes to all ones where a == b, else zero (false on
// NaN).
func (f *ARM64Func) VFCMEQ(b, a, dst VArr) *Inst { return f.fpv3("VFCMEQ", 0x0e20e400, b, a, dst) }

// VFCMGE sets dst lanes to all ones where a >= b (false on NaN).
func (f *ARM64Func) VFCMGE(b, a, dst VArr) *Inst { return f.fpv3("VFCMGE", 0x2e20e400, b, a, dst) }

// VFCMGT sets dst lanes to all ones where a > b (false on NaN). a < b is
// VFCMGT a, b, dst.
func (f *ARM64Func) VFCMGT(b, a, dst VArr) *Inst { return f.fpv3("VFCMGT", 0x2ea0e400, b, a, dst) }

// VFADDP adds adjacent pairs: dst = [a0+a1, a2+a3, b0+b1, b2+b3] (S4).
func (f *ARM64Func) VFADDP(b, a, dst VArr) *Inst { return f.fpv3("VFADDP", 0x2e20d400, b, a, dst) }

// VFSQRT computes dst = sqrt(src) (fsqrt).
func (f *ARM64Func) VFSQRT(src, dst VArr) *Inst { return f.fpv2("VFSQRT", 0x2ea1f800, src, dst) }

// VFNEG flips the sign bit of every lane (fneg; NaNs too).
func (f *ARM64Func) VFNEG(src, dst VArr) *Inst { return f.fpv2("VFNEG", 0x2ea0f800, src, dst) }

// VFABS clears the sign bit of every lane (fabs).
func (f *ARM64Func) VFABS(src, dst VArr) *Inst { return f.fpv2("VFABS", 0x0ea0f800, src, dst) }

// VFRINTN rounds to an integral value, ties to even (frintn): Go's
// math.RoundToEven.
func (f *ARM64Func) VFRINTN(src, dst VArr) *Inst { return f.fpv2("VFRINTN", 0x0e218800, src, dst) }

// VFRINTM rounds toward minus infinity (frintm): math.Floor.
func (f *ARM64Func) VFRINTM(src, dst VArr) *Inst { return f.fpv2("VFRINTM", 0x0e219800, src, dst) }

// VFRINTZ rounds toward zero (frintz): math.Trunc.
func (f *ARM64Func) VFRINTZ(src, dst VArr) *Inst { return f.fpv2("VFRINTZ", 0x0ea19800, src, dst) }

// VFCVTZS converts float lanes to signed integers, rounding toward zero
// (fcvtzs): Go's int32(x) for x in range; out-of-range values saturate
// and NaN gives 0. Exact for integral values.
func (f *ARM64Func) VFCVTZS(src, dst VArr) *Inst { return f.fpv2("VFCVTZS", 0x0ea1b800, src, dst) }

// VFCVTNS converts float lanes to signed integers, rounding to nearest
// even (fcvtns).
func (f *ARM64Func) VFCVTNS(src, dst VArr) *Inst { return f.fpv2("VFCVTNS", 0x0e21a800, src, dst) }

// VSCVTF converts signed integer lanes to float, rounding to nearest even
// (scvtf).
func (f *ARM64Func) VSCVTF(src, dst VArr) *Inst { return f.fpv2("VSCVTF", 0x0e21d800, src, dst) }

// VSSHR shifts integer lanes right, signed, by imm (1 … lane bits): dst =
// src >> imm (sshr).
func (f *ARM64Func) VSSHR(imm Imm, src, dst VArr) *Inst {
	probe := &Inst{Op: "VSSHR", Args: []Operand{imm, src, dst}}
	f.wantArr(probe, arrInt, src, dst)
	esize := int64(src.Arr.ElemBytes() * 8)
	if int64(imm) < 1 || int64(imm) > esize {
		f.errorf("%s: shift %d out of range 1..%d", probe, int64(imm), esize)
		imm = 1
	}
	// immh:immb = 2*esize - shift.
	immhb := uint32(2*esize - int64(imm))
	bits := 0x0f000400 | qbit(dst.Arr) | immhb<<16 | uint32(src.Reg.Num())<<5 | uint32(dst.Reg.Num())
	return f.word("VSSHR", bits, imm, src, dst)
}

// VBIC computes dst = a &^ b (bic; B8 or B16).
func (f *ARM64Func) VBIC(b, a, dst VArr) *Inst {
	probe := &Inst{Op: "VBIC", Args: []Operand{b, a, dst}}
	f.wantArr(probe, arrBytes, b, a, dst)
	bits := 0x0e601c00 | qbit(dst.Arr) | uint32(b.Reg.Num())<<16 | uint32(a.Reg.Num())<<5 | uint32(dst.Reg.Num())
	return f.word("VBIC", bits, b, a, dst)
}

// VMVN computes dst = ^src (not, alias mvn; B8 or B16).
func (f *ARM64Func) VMVN(src, dst VArr) *Inst {
	probe := &Inst{Op: "VMVN", Args: []Operand{src, dst}}
	f.wantArr(probe, arrBytes, src, dst)
	bits := 0x2e205800 | qbit(dst.Arr) | uint32(src.Reg.Num())<<5 | uint32(dst.Reg.Num())
	return f.word("VMVN", bits, src, dst)
}

// byElement emits FMLA/FMLS/FMUL by element: base | Q | sz | index bits
// | Rm<<16 | Rn<<5 | Rd, with e lane index (S: H:L; D: H).
func (f *ARM64Func) byElement(op string, base uint32, e VElem, a, dst VArr) *Inst {
	probe := &Inst{Op: op, Args: []Operand{e, a, dst}}
	f.wantArr(probe, arrFloat, a, dst)
	bits := base | qsz(dst.Arr) | uint32(a.Reg.Num())<<5 | uint32(dst.Reg.Num())
	switch {
	case e.Size == 'S' && dst.Arr != ArrD2:
		i := uint32(e.Index & 3)
		bits |= (i>>1)<<11 | (i&1)<<21 | uint32(e.Reg.Num())<<16
	case e.Size == 'D' && dst.Arr == ArrD2:
		bits |= uint32(e.Index&1)<<11 | uint32(e.Reg.Num())<<16
	default:
		f.errorf("%s: the element must match the lanes (S for S2/S4, D for D2)", probe)
	}
	return f.word(op, bits, e, a, dst)
}

// VFMULE computes dst = a * b[i] per lane (fmul by element).
func (f *ARM64Func) VFMULE(b VElem, a, dst VArr) *Inst {
	return f.byElement("VFMUL", 0x0f809000, b, a, dst)
}

// f32x4 returns the VMOVQ operands of a vector holding bits in every
// 32-bit lane.
func f32x4(bits uint32) (lo, hi uint64) {
	lo = uint64(bits)<<32 | uint64(bits)
	return lo, lo
}

// VMOVF32 loads c into every float32 lane of dst (VMOVQ of the bits).
func (f *ARM64Func) VMOVF32(c float32, dst VReg) *Inst {
	lo, hi := f32x4(math.Float32bits(c))
	return f.VMOVQ(lo, hi, dst).Comment(fmt.Sprintf("%v in every lane", c))
}
