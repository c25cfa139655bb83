package asm

import (
	"fmt"
	"strings"
)

// The arm64 builder. Facts of Go's arm64 assembly it relies on, each
// checked by the tests (arm64_test.go for the text and encodings,
// TestARM64GeneratedPackage by assembling, disassembling and running):
//
//   - Operands are in Go order, sources first, destination last; for
//     three-register instructions that reverses the GNU order: "VFSUB V1.S4,
//     V0.S4, V2.S4" is fsub v2.4s, v0.4s, v1.4s (V2 = V0 - V1). VBSL b, a,
//     dst is bsl dst, a, b: dst = dst ? a : b bitwise. CMP b, a sets the
//     flags of a - b (CMP $8, R1; BLT l jumps when R1 < 8). Stores put the
//     memory operand last: MOVD R1, 8(R2); VST1 [V0.S4], (R2).
//   - LD1/ST1 take only (Rn) or a post-increment: "VLD1.P 16(R0), [V0.S4]"
//     loads from (R0) and then adds 16, which must equal the bytes moved
//     (or be a register, "(R0)(R9)"). Register lists are 1–4 consecutive
//     registers of one arrangement. Single lanes: "VLD1.P 4(R0), V0.S[1]"
//     (the other lanes are kept), "VST1.P V0.S[1], 4(R0)". "VLD1R (R0),
//     [V0.S4]" broadcasts a float32. FMOVQ loads and stores all 128 bits
//     with any immediate offset.
//   - Go's assembler has no vector floating-point arithmetic mnemonics
//     (fadd, fmul, fdiv, fmax, fmin, fcmeq/ge/gt, fsqrt, fneg, fabs,
//     frintn, fcvtzs, scvtf, sshr, bic, not, fmla by element, …). They are
//     emitted as "WORD $0x4e21d402 // VFADD V1.S4, V0.S4, V2.S4", the
//     comment naming the instruction in Go syntax; go tool objdump decodes
//     each to that instruction (the tests check every one). VFMLA, VFMLS,
//     VADD, VSUB, VAND, VORR, VEOR, VBSL, VBIT, VBIF, VSHL, VUSHR, VDUP,
//     VMOV, VMOVQ, VLD1, VST1 and VLD1R are native.
//   - Under the default FPCR Go runs with (round to nearest even, no flush
//     to zero, no default NaN) the vector float instructions are IEEE
//     operations per lane: FMAX and FMIN are Go's max and min (NaN if
//     either is NaN, +0 above -0), FRINTN is math.RoundToEven, FCVTZS
//     truncates and saturates (NaN gives 0), FMLA rounds once.
//   - Scalar FP writes (FADDS, FMOVS into an F register) zero the rest of
//     the vector register. VMOVQ $lo, $hi, V0 loads a 128-bit constant from
//     a literal pool; lane 0 is the low 32 bits of lo.
//   - Frames: with a frame of $n bytes (n a multiple of 8) the prologue
//     saves the link register at 0(RSP), so locals are 8(RSP) … n+8(RSP)
//     (AllocLocal). Frames over 240 bytes take a prologue that clobbers R20
//     before the first instruction, which is harmless. R18, R27 (REGTMP,
//     used by the assembler for large constants), R28 (g), R29 (FP) and
//     R30 (LR) are never offered; all V registers may be clobbered.
//   - go vet's asmdecl checks the names and offsets of FP references on
//     arm64 (not the access sizes; Load and Store still pick MOVD, MOVW,
//     MOVWU, …, FMOVS, FMOVD by size).

// ARM64 is the arm64 architecture. Its unconditional branch is B (JMP is
// the same instruction).
var ARM64 = &Arch{
	Name:        "arm64",
	terminators: map[string]bool{"RET": true, "B": true, "JMP": true},
}

// Reg is an arm64 general-purpose register, used as the 64-bit Xn or, by
// the W-suffixed instructions (MOVW, ADDW, …), the 32-bit Wn: Go assembly
// names both Rn. The zero Reg is invalid.
//
// The registers Go reserves are not offered: R18 (the platform register),
// R27 (REGTMP: the assembler's scratch for large constants and offsets),
// R28 (g), R29 (the frame pointer) and R30 (the link register; RET
// returns through it). That leaves R0–R17 and R19–R26. The shared values
// R8–R15 of the amd64 register set (type GP) mean the same registers in
// an arm64 function, so asm.R8 and asm.R(8) are interchangeable there.
type Reg struct{ id uint8 } // number + 1; 32 is ZR, 33 is RSP

const (
	regZRID  = 32
	regRSPID = 33
)

// R returns the register Rn. It panics if n is not one of 0–17 or 19–26.
func R(n int) Reg {
	if n < 0 || n > 26 || n == 18 {
		panic(fmt.Sprintf("asm: arm64 register R%d is reserved or out of range (R0-R17, R19-R26)", n))
	}
	return Reg{uint8(n + 1)}
}

// The arm64 general-purpose registers not shared with amd64 (R8–R15 are
// the GP values of the same names), the zero register ZR (reads 0, writes
// are discarded) and RSP, the hardware stack pointer (the base of
// AllocLocal slots).
var (
	R0, R1, R2, R3, R4, R5, R6, R7 = R(0), R(1), R(2), R(3), R(4), R(5), R(6), R(7)
	R16, R17                       = R(16), R(17)
	R19, R20, R21, R22, R23        = R(19), R(20), R(21), R(22), R(23)
	R24, R25, R26                  = R(24), R(25), R(26)

	ZR  = Reg{regZRID}
	RSP = Reg{regRSPID}
)

// ARM64Registers lists the general-purpose registers an arm64 kernel may
// allocate: R0–R17 and R19–R26.
var ARM64Registers = func() []Reg {
	var rs []Reg
	for n := 0; n <= 26; n++ {
		if n != 18 {
			rs = append(rs, R(n))
		}
	}
	return rs
}()

// String returns the register's Go name, e.g. "R3", "ZR" or "RSP".
func (r Reg) String() string {
	switch {
	case r.id == regZRID:
		return "ZR"
	case r.id == regRSPID:
		return "RSP"
	case r.id == 0 || r.id > regRSPID:
		return "Reg(invalid)"
	}
	return fmt.Sprintf("R%d", r.id-1)
}

// Num returns the register number (ZR and RSP are both 31, as in the
// encodings).
func (r Reg) Num() int {
	if r.id >= regZRID {
		return 31
	}
	return int(r.id) - 1
}

// IntReg is an arm64 general-purpose register operand: a Reg, or one of
// the GP values R8–R15 shared with amd64.
type IntReg interface {
	Operand
	// arm64Reg returns the register as a Reg, or false if it is not an
	// arm64 register (AX, …).
	arm64Reg() (Reg, bool)
}

func (r Reg) arm64Reg() (Reg, bool) { return r, r.id != 0 && r.id <= regRSPID }

// arm64Reg maps R8–R15 to the arm64 registers of the same names.
func (r GP) arm64Reg() (Reg, bool) {
	if r.id >= R8.id && r.id <= R15.id {
		return Reg{uint8(r.Num() + 1)}, true
	}
	return Reg{}, false
}

// VReg is an arm64 SIMD&FP register V0–V31, 128 bits. Instructions take
// it with an arrangement (V3.S4: four 32-bit lanes, see VArr), as one
// element (V3.S[1], see VElem) or, for scalar floating point, as F3 (see
// FReg); a few take it bare (VMOVQ). The zero VReg is invalid.
type VReg struct{ id uint8 } // number + 1

// V returns the register Vn. It panics if n is not in 0..31.
func V(n int) VReg {
	if n < 0 || n > 31 {
		panic(fmt.Sprintf("asm: arm64 vector register V%d out of range 0..31", n))
	}
	return VReg{uint8(n + 1)}
}

// The SIMD&FP registers. Go's ABI0 saves none of them across calls: an
// assembly function may use all 32.
var (
	V0, V1, V2, V3, V4, V5, V6, V7         = V(0), V(1), V(2), V(3), V(4), V(5), V(6), V(7)
	V8, V9, V10, V11, V12, V13, V14, V15   = V(8), V(9), V(10), V(11), V(12), V(13), V(14), V(15)
	V16, V17, V18, V19, V20, V21, V22, V23 = V(16), V(17), V(18), V(19), V(20), V(21), V(22), V(23)
	V24, V25, V26, V27, V28, V29, V30, V31 = V(24), V(25), V(26), V(27), V(28), V(29), V(30), V(31)
)

// String returns "Vn".
func (v VReg) String() string {
	if v.id == 0 {
		return "VReg(invalid)"
	}
	return fmt.Sprintf("V%d", v.id-1)
}

// Num returns the register number, 0–31.
func (v VReg) Num() int { return int(v.id) - 1 }

// Arrangement is the lane layout of a vector operand: B8 is eight bytes
// (64 bits), S4 four 32-bit lanes (128 bits), and so on.
type Arrangement uint8

// The arrangements, named as Go assembly spells them.
const (
	ArrB8 Arrangement = iota + 1
	ArrB16
	ArrH4
	ArrH8
	ArrS2
	ArrS4
	ArrD1
	ArrD2
)

var arrNames = [...]string{ArrB8: "B8", ArrB16: "B16", ArrH4: "H4", ArrH8: "H8", ArrS2: "S2", ArrS4: "S4", ArrD1: "D1", ArrD2: "D2"}

// String returns the Go spelling, e.g. "S4".
func (a Arrangement) String() string {
	if a == 0 || int(a) >= len(arrNames) {
		return "Arrangement(?)"
	}
	return arrNames[a]
}

// Q reports whether the arrangement fills the 128-bit register (else 64
// bits): the Q bit of the encodings.
func (a Arrangement) Q() bool { return a == ArrB16 || a == ArrH8 || a == ArrS4 || a == ArrD2 }

// ElemBytes returns the size of one lane in bytes.
func (a Arrangement) ElemBytes() int {
	switch a {
	case ArrB8, ArrB16:
		return 1
	case ArrH4, ArrH8:
		return 2
	case ArrS2, ArrS4:
		return 4
	}
	return 8
}

// Bytes returns the size of the operand, 8 or 16.
func (a Arrangement) Bytes() int {
	if a.Q() {
		return 16
	}
	return 8
}

// VArr is a vector register with an arrangement, e.g. V3.S4.
type VArr struct {
	Reg VReg
	Arr Arrangement
}

// String returns e.g. "V3.S4".
func (v VArr) String() string { return v.Reg.String() + "." + v.Arr.String() }

func (v VArr) valid() bool { return v.Reg.id != 0 && v.Arr != 0 && int(v.Arr) < len(arrNames) }

// Arr returns v with arrangement a.
func (v VReg) Arr(a Arrangement) VArr { return VArr{v, a} }

// S4 returns v.S4: four float32 or int32 lanes. The kernels' arrangement.
func (v VReg) S4() VArr { return VArr{v, ArrS4} }

// S2 returns v.S2: two 32-bit lanes (the low 64 bits).
func (v VReg) S2() VArr { return VArr{v, ArrS2} }

// B16 returns v.B16: sixteen bytes, the arrangement of the bitwise
// instructions on the whole register.
func (v VReg) B16() VArr { return VArr{v, ArrB16} }

// B8 returns v.B8: the low eight bytes.
func (v VReg) B8() VArr { return VArr{v, ArrB8} }

// H8 returns v.H8: eight 16-bit lanes.
func (v VReg) H8() VArr { return VArr{v, ArrH8} }

// D2 returns v.D2: two 64-bit lanes.
func (v VReg) D2() VArr { return VArr{v, ArrD2} }

// VElem is one lane of a vector register, e.g. V3.S[1].
type VElem struct {
	Reg   VReg
	Size  byte // 'B', 'H', 'S' or 'D'
	Index int
}

// String returns e.g. "V3.S[1]".
func (e VElem) String() string { return fmt.Sprintf("%s.%c[%d]", e.Reg, e.Size, e.Index) }

func (e VElem) bytes() int {
	switch e.Size {
	case 'B':
		return 1
	case 'H':
		return 2
	case 'S':
		return 4
	case 'D':
		return 8
	}
	return 0
}

func (e VElem) check() error {
	n := e.bytes()
	switch {
	case e.Reg.id == 0:
		return fmt.Errorf("zero vector register")
	case n == 0:
		return fmt.Errorf("element size %q is not B, H, S or D", e.Size)
	case e.Index < 0 || e.Index >= 16/n:
		return fmt.Errorf("%s: index out of range 0..%d", e, 16/n-1)
	}
	return nil
}

// S returns lane i of v as a 32-bit element, v.S[i].
func (v VReg) S(i int) VElem { return VElem{v, 'S', i} }

// D returns lane i of v as a 64-bit element, v.D[i].
func (v VReg) D(i int) VElem { return VElem{v, 'D', i} }

// B returns byte lane i of v, v.B[i].
func (v VReg) B(i int) VElem { return VElem{v, 'B', i} }

// FReg is the scalar floating-point view of a SIMD&FP register: F3 is the
// low 32 bits (FMOVS, FADDS) or 64 bits (FMOVD, FADDD) of V3, and FMOVQ
// moves all 128 bits.
type FReg struct{ id uint8 } // number + 1

// F returns Fn. It panics if n is not in 0..31.
func F(n int) FReg { return FReg{V(n).id} }

// The scalar views of the SIMD&FP registers.
var (
	F0, F1, F2, F3, F4, F5, F6, F7         = F(0), F(1), F(2), F(3), F(4), F(5), F(6), F(7)
	F8, F9, F10, F11, F12, F13, F14, F15   = F(8), F(9), F(10), F(11), F(12), F(13), F(14), F(15)
	F16, F17, F18, F19, F20, F21, F22, F23 = F(16), F(17), F(18), F(19), F(20), F(21), F(22), F(23)
	F24, F25, F26, F27, F28, F29, F30, F31 = F(24), F(25), F(26), F(27), F(28), F(29), F(30), F(31)
)

// F returns the scalar view of v.
func (v VReg) F() FReg { return FReg{v.id} }

// V returns the vector register of f.
func (f FReg) V() VReg { return VReg{f.id} }

// String returns "Fn".
func (f FReg) String() string {
	if f.id == 0 {
		return "FReg(invalid)"
	}
	return fmt.Sprintf("F%d", f.id-1)
}

// Num returns the register number, 0–31.
func (f FReg) Num() int { return int(f.id) - 1 }

// VList is the register list of LD1, ST1 and LD1R: one to four
// consecutive registers (V31 wraps to V0) of the same arrangement,
// printed "[V0.S4, V1.S4]". Make one with List.
type VList struct{ regs []VArr }

// List returns the register list of regs.
func List(regs ...VArr) VList { return VList{append([]VArr(nil), regs...)} }

// Regs returns the registers of the list.
func (l VList) Regs() []VArr { return l.regs }

// String returns e.g. "[V0.S4, V1.S4]".
func (l VList) String() string {
	s := make([]string, len(l.regs))
	for i, r := range l.regs {
		s[i] = r.String()
	}
	return "[" + strings.Join(s, ", ") + "]"
}

// Bytes returns the bytes the list loads or stores.
func (l VList) Bytes() int {
	n := 0
	for _, r := range l.regs {
		n += r.Arr.Bytes()
	}
	return n
}

func (l VList) check() error {
	if len(l.regs) < 1 || len(l.regs) > 4 {
		return fmt.Errorf("register list of %d registers (1 to 4)", len(l.regs))
	}
	for i, r := range l.regs {
		if !r.valid() {
			return fmt.Errorf("register list: invalid register %s", r)
		}
		if i > 0 {
			if r.Arr != l.regs[0].Arr {
				return fmt.Errorf("register list %s: arrangements differ", l)
			}
			if r.Reg.Num() != (l.regs[i-1].Reg.Num()+1)%32 {
				return fmt.Errorf("register list %s: registers are not consecutive", l)
			}
		}
	}
	return nil
}

// Addr is an arm64 memory operand: Disp(Base), or (Base)(Index<<Shift)
// with a register offset. There is no base+index+displacement form. As the
// operand of a post-increment (".P") load or store, Disp or Index is the
// increment added to Base after the access.
type Addr struct {
	Base  IntReg
	Disp  int
	Index IntReg
	Shift int // of Index: 0, or log2 of the access size
}

// At returns the memory operand (base).
func At(base IntReg) Addr { return Addr{Base: base} }

// Offset returns a displaced by d more bytes.
func (a Addr) Offset(d int) Addr { a.Disp += d; return a }

// Idx returns a with the register offset index<<shift.
func (a Addr) Idx(index IntReg, shift int) Addr { a.Index, a.Shift = index, shift; return a }

// String returns the Go spelling: "16(R1)", "(R1)", "(R1)(R2)",
// "(R1)(R2<<2)".
func (a Addr) String() string {
	s := ""
	if a.Disp != 0 {
		s = fmt.Sprint(a.Disp)
	}
	s += "(" + opString(a.Base) + ")"
	if a.Index != nil {
		if a.Shift != 0 {
			s += fmt.Sprintf("(%s<<%d)", opString(a.Index), a.Shift)
		} else {
			s += "(" + opString(a.Index) + ")"
		}
	}
	return s
}

func opString(o Operand) string {
	if o == nil {
		return "<nil>"
	}
	return o.String()
}

func (a Addr) check() error {
	if a.Base == nil {
		return fmt.Errorf("memory operand %s has no base register", a)
	}
	b, ok := a.Base.arm64Reg()
	if !ok || b.id == regZRID {
		return fmt.Errorf("memory operand %s: %s cannot be a base register", a, a.Base)
	}
	if a.Index != nil {
		x, ok := a.Index.arm64Reg()
		switch {
		case !ok || x.id == regRSPID:
			return fmt.Errorf("memory operand %s: %s cannot be an index register", a, a.Index)
		case a.Disp != 0:
			return fmt.Errorf("memory operand %s: a register offset and a displacement", a)
		case a.Shift < 0 || a.Shift > 4:
			return fmt.Errorf("memory operand %s: shift %d out of range 0..4", a, a.Shift)
		}
	} else if a.Shift != 0 {
		return fmt.Errorf("memory operand %s: shift without index", a)
	}
	return nil
}

// SymAddr is the address of static data as an immediate, "$name<>(SB)":
// MOVD $tab<>(SB), R0 loads the address of tab into R0. Get one from
// Sym.Addr.
type SymAddr struct{ Sym Sym }

// Addr returns the address of s as an operand.
func (s Sym) Addr() SymAddr { return SymAddr{s} }

// String returns "$name<>+off(SB)".
func (s SymAddr) String() string { return "$" + s.Sym.String() }

// ARM64Func builds an arm64 function. Its methods append instructions
// named and ordered as in Go assembly: sources first, destination last,
// so that "VFSUB b, a, dst" computes dst = a - b (GNU: fsub dst, a, b).
// Instructions Go's assembler does not know are emitted as WORD with the
// encoding and a comment naming the instruction (see VFADD).
type ARM64Func struct {
	*Func
}

// ARM64 adds an arm64 function called name, with Go signature sig, to f.
func (f *File) ARM64(name string, sig Signature) *ARM64Func {
	return &ARM64Func{f.addFunc(ARM64, name, sig)}
}

// AllocLocal reserves size bytes of the function's local frame and
// returns the memory operand of its first byte, "off(RSP)". On arm64 the
// assembler keeps the saved link register at 0(RSP) once the function has
// a frame, so locals start at 8(RSP). The stack is 16-byte aligned at
// the call but locals only 8-byte: align > 8 is an error (use FMOVQ or
// VLD1, which take any alignment).
func (f *ARM64Func) AllocLocal(size, align int) Addr {
	return Addr{Base: RSP, Disp: 8 + f.reserveFrame(size, align)}
}

// Load copies the argument-frame variable name (go vet's name, see Arg)
// into dst:
//
//   - into an IntReg: MOVD for 8 bytes; MOVW (sign-extending) or MOVWU for
//     4 bytes; MOVH/MOVHU, MOVB/MOVBU (bool zero-extends);
//   - into an FReg: FMOVS for 4 bytes, FMOVD for 8;
//   - into a VArr of 32-bit lanes (S2, S4): FMOVS into the register's low
//     lane, then VDUP to every lane.
func (f *ARM64Func) Load(name string, dst Operand) *Inst {
	a := f.Arg(name)
	v := a.v
	signed := v.Kind == KindInt
	switch d := dst.(type) {
	case IntReg:
		op := map[int]string{8: "MOVD", 4: "MOVWU", 2: "MOVHU", 1: "MOVBU"}[v.Size]
		if signed && v.Size < 8 {
			op = strings.TrimSuffix(op, "U")
		}
		if op != "" {
			return f.gpMove(op, a, d)
		}
	case FReg:
		switch v.Size {
		case 4:
			return f.FMOVS(a, d)
		case 8:
			return f.FMOVD(a, d)
		}
	case VArr:
		if v.Size == 4 && d.Arr.ElemBytes() == 4 {
			f.FMOVS(a, d.Reg.F())
			return f.VDUP(d.Reg.S(0), d)
		}
	}
	f.errorf("Load %s (%d-byte %s) into %s: unsupported", name, v.Size, v.Type, opString(dst))
	return &Inst{Op: "Load", fn: f.Func}
}

// Store copies src into the argument-frame variable name, typically a
// result: MOVD, MOVW, MOVH or MOVB from an IntReg by size; FMOVS or FMOVD
// from an FReg.
func (f *ARM64Func) Store(src Operand, name string) *Inst {
	a := f.Arg(name)
	v := a.v
	switch s := src.(type) {
	case IntReg:
		if op := map[int]string{8: "MOVD", 4: "MOVW", 2: "MOVH", 1: "MOVB"}[v.Size]; op != "" {
			return f.gpMove(op, s, a)
		}
	case FReg:
		switch v.Size {
		case 4:
			return f.FMOVS(s, a)
		case 8:
			return f.FMOVD(s, a)
		}
	}
	f.errorf("Store %s into %s (%d-byte %s): unsupported", opString(src), name, v.Size, v.Type)
	return &Inst{Op: "Store", fn: f.Func}
}
