package asm

import (
	"fmt"
	"math"
)

// AMD64 is the amd64 architecture.
var AMD64 = &Arch{
	Name:        "amd64",
	terminators: map[string]bool{"RET": true, "JMP": true},
}

// GP is an amd64 general-purpose register. Go assembly names a register
// the same at every width: MOVL AX and MOVQ AX both use AX (eax/rax), MOVB
// AX its low byte. The zero GP is invalid.
//
// BP (the frame pointer) and SP are deliberately not offered: writing BP in
// a frameless function breaks frame-pointer unwinding (go vet's
// framepointer check), and SP is only reachable as the base of AllocLocal
// slots. That leaves 14 registers.
type GP struct{ id uint8 } // hardware number + 1

var gpNames = [...]string{"AX", "CX", "DX", "BX", "SP", "BP", "SI", "DI",
	"R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15"}

// The general-purpose registers.
var (
	AX  = GP{1}
	CX  = GP{2}
	DX  = GP{3}
	BX  = GP{4}
	SI  = GP{7}
	DI  = GP{8}
	R8  = GP{9}
	R9  = GP{10}
	R10 = GP{11}
	R11 = GP{12}
	R12 = GP{13}
	R13 = GP{14}
	R14 = GP{15}
	R15 = GP{16}

	regSP = GP{5}
	regBP = GP{6}
)

// GPRegisters lists the general-purpose registers a kernel may allocate,
// in a conventional order (AX, BX, CX, DX, SI, DI, R8–R15).
var GPRegisters = []GP{AX, BX, CX, DX, SI, DI, R8, R9, R10, R11, R12, R13, R14, R15}

// String returns the register's Go name, e.g. "R8".
func (r GP) String() string {
	if r.id == 0 || int(r.id) > len(gpNames) {
		return "GP(invalid)"
	}
	return gpNames[r.id-1]
}

// Num returns the hardware register number (AX=0 … R15=15).
func (r GP) Num() int { return int(r.id) - 1 }

// Vec is an amd64 vector register: X (128-bit), Y (256-bit) or Z (512-bit),
// number 0–31. X0, Y0 and Z0 are the same register at different widths.
// Registers 16–31 and all Z registers need AVX-512 (EVEX encoding). The
// zero Vec is invalid.
type Vec struct {
	width uint8 // 16, 32 or 64 bytes
	n     uint8
}

// X returns the 128-bit register Xn. It panics if n is not in 0..31.
func X(n int) Vec { return vec(16, n) }

// Y returns the 256-bit register Yn. It panics if n is not in 0..31.
func Y(n int) Vec { return vec(32, n) }

// Z returns the 512-bit register Zn. It panics if n is not in 0..31.
func Z(n int) Vec { return vec(64, n) }

func vec(width uint8, n int) Vec {
	if n < 0 || n > 31 {
		panic(fmt.Sprintf("asm: vector register %d out of range 0..31", n))
	}
	return Vec{width: width, n: uint8(n)}
}

// The vector registers.
var (
	X0, X1, X2, X3, X4, X5, X6, X7         = X(0), X(1), X(2), X(3), X(4), X(5), X(6), X(7)
	X8, X9, X10, X11, X12, X13, X14, X15   = X(8), X(9), X(10), X(11), X(12), X(13), X(14), X(15)
	X16, X17, X18, X19, X20, X21, X22, X23 = X(16), X(17), X(18), X(19), X(20), X(21), X(22), X(23)
	X24, X25, X26, X27, X28, X29, X30, X31 = X(24), X(25), X(26), X(27), X(28), X(29), X(30), X(31)
	Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7         = Y(0), Y(1), Y(2), Y(3), Y(4), Y(5), Y(6), Y(7)
	Y8, Y9, Y10, Y11, Y12, Y13, Y14, Y15   = Y(8), Y(9), Y(10), Y(11), Y(12), Y(13), Y(14), Y(15)
	Y16, Y17, Y18, Y19, Y20, Y21, Y22, Y23 = Y(16), Y(17), Y(18), Y(19), Y(20), Y(21), Y(22), Y(23)
	Y24, Y25, Y26, Y27, Y28, Y29, Y30, Y31 = Y(24), Y(25), Y(26), Y(27), Y(28), Y(29), Y(30), Y(31)
	Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7         = Z(0), Z(1), Z(2), Z(3), Z(4), Z(5), Z(6), Z(7)
	Z8, Z9, Z10, Z11, Z12, Z13, Z14, Z15   = Z(8), Z(9), Z(10), Z(11), Z(12), Z(13), Z(14), Z(15)
	Z16, Z17, Z18, Z19, Z20, Z21, Z22, Z23 = Z(16), Z(17), Z(18), Z(19), Z(20), Z(21), Z(22), Z(23)
	Z24, Z25, Z26, Z27, Z28, Z29, Z30, Z31 = Z(24), Z(25), Z(26), Z(27), Z(28), Z(29), Z(30), Z(31)
)

// String returns the register's Go name, e.g. "Y3".
func (v Vec) String() string {
	switch v.width {
	case 16:
		return fmt.Sprintf("X%d", v.n)
	case 32:
		return fmt.Sprintf("Y%d", v.n)
	case 64:
		return fmt.Sprintf("Z%d", v.n)
	}
	return "Vec(invalid)"
}

// Num returns the register number, 0–31.
func (v Vec) Num() int { return int(v.n) }

// Bytes returns the register width in bytes: 16, 32 or 64.
func (v Vec) Bytes() int { return int(v.width) }

// Lanes returns how many float32 lanes the register holds: 4, 8 or 16.
func (v Vec) Lanes() int { return int(v.width) / 4 }

// AsX returns the 128-bit view of the same register.
func (v Vec) AsX() Vec { v.width = 16; return v }

// AsY returns the 256-bit view of the same register.
func (v Vec) AsY() Vec { v.width = 32; return v }

// AsZ returns the 512-bit view of the same register.
func (v Vec) AsZ() Vec { v.width = 64; return v }

func (v Vec) valid() bool { return v.width != 0 }

// K is an AVX-512 opmask register K0–K7. K0 cannot be a write mask (in
// that position it means "no mask"), but is otherwise an ordinary mask
// register. The zero K is invalid.
type K struct{ id uint8 } // number + 1

// KReg returns the opmask register Kn. It panics if n is not in 0..7.
func KReg(n int) K {
	if n < 0 || n > 7 {
		panic(fmt.Sprintf("asm: opmask register %d out of range 0..7", n))
	}
	return K{uint8(n + 1)}
}

// The opmask registers.
var K0, K1, K2, K3, K4, K5, K6, K7 = KReg(0), KReg(1), KReg(2), KReg(3), KReg(4), KReg(5), KReg(6), KReg(7)

// String returns the register's Go name, e.g. "K1".
func (k K) String() string {
	if k.id == 0 {
		return "K(invalid)"
	}
	return fmt.Sprintf("K%d", k.id-1)
}

// Num returns the register number, 0–7.
func (k K) Num() int { return int(k.id) - 1 }

// Mem is an amd64 memory operand Disp(Base)(Index*Scale), e.g.
// "32(SI)(CX*4)". Base is required; Index is optional (zero GP).
type Mem struct {
	Base  GP
	Index GP
	Scale int // 1, 2, 4 or 8 when Index is set
	Disp  int
}

// Ptr returns the memory operand (base).
func Ptr(base GP) Mem { return Mem{Base: base} }

// Offset returns m displaced by d more bytes.
func (m Mem) Offset(d int) Mem { m.Disp += d; return m }

// Idx returns m indexed by index*scale.
func (m Mem) Idx(index GP, scale int) Mem { m.Index, m.Scale = index, scale; return m }

// String returns the Go spelling, e.g. "-8(DI)(CX*4)".
func (m Mem) String() string {
	s := ""
	if m.Disp != 0 {
		s = fmt.Sprint(m.Disp)
	}
	s += "(" + m.Base.String() + ")"
	if m.Index.id != 0 {
		s += fmt.Sprintf("(%s*%d)", m.Index, m.Scale)
	}
	return s
}

func (m Mem) check() error {
	switch {
	case m.Base.id == 0:
		return fmt.Errorf("memory operand %s has no base register", m)
	case m.Index.id != 0 && (m.Scale != 1 && m.Scale != 2 && m.Scale != 4 && m.Scale != 8):
		return fmt.Errorf("memory operand %s: scale %d is not 1, 2, 4 or 8", m, m.Scale)
	case m.Index.id == 0 && m.Scale != 0:
		return fmt.Errorf("memory operand %s: scale without index", m)
	case m.Index == regSP:
		return fmt.Errorf("memory operand %s: SP cannot be an index", m)
	case m.Disp < math.MinInt32 || m.Disp > math.MaxInt32:
		return fmt.Errorf("memory operand %s: displacement out of 32-bit range", m)
	}
	return nil
}

// GPMem is a general-purpose register or a memory operand (Mem, Arg, Sym).
type GPMem interface {
	Operand
	isGPMem()
}

// GPMemImm is a general-purpose register, a memory operand or an Imm.
type GPMemImm interface {
	Operand
	isGPMemImm()
}

// VecMem is a vector register or a memory operand (Mem, Arg, Sym).
type VecMem interface {
	Operand
	isVecMem()
}

func (GP) isGPMem()     {}
func (Mem) isGPMem()    {}
func (Arg) isGPMem()    {}
func (Sym) isGPMem()    {}
func (GP) isGPMemImm()  {}
func (Mem) isGPMemImm() {}
func (Arg) isGPMemImm() {}
func (Sym) isGPMemImm() {}
func (Imm) isGPMemImm() {}
func (Vec) isVecMem()   {}
func (Mem) isVecMem()   {}
func (Arg) isVecMem()   {}
func (Sym) isVecMem()   {}

func isMem(o Operand) bool {
	switch o.(type) {
	case Mem, Arg, Sym:
		return true
	}
	return false
}

// AMD64Func builds an amd64 function. Its methods append instructions,
// named and ordered as in Go assembly: sources first, destination last, so
// that three-operand AVX instructions read in reverse of Intel's manual.
// "VSUBPS b, a, dst" computes dst = a - b.
type AMD64Func struct {
	*Func
}

// AMD64 adds an amd64 function called name, with Go signature sig, to f.
func (f *File) AMD64(name string, sig Signature) *AMD64Func {
	return &AMD64Func{f.addFunc(AMD64, name, sig)}
}

// AllocLocal reserves size bytes of the function's local frame and returns
// the memory operand of its first byte, "off(SP)". The Go stack is only
// 8-byte aligned (align > 8 is an error): spill vectors with VMOVUPS.
func (f *AMD64Func) AllocLocal(size, align int) Mem {
	return Mem{Base: regSP, Disp: f.reserveFrame(size, align)}
}

// Load copies the argument-frame variable name (go vet's name, see Arg)
// into dst, choosing the move go vet accepts for its size:
//
//   - into a GP: MOVQ for 8 bytes; MOVLQSX/MOVL for int32/uint32 (and
//     float32 bits); MOVWQSX/MOVWQZX, MOVBQSX/MOVBQZX (bool zero-extends);
//   - into an X register: VMOVSS for 4 bytes, VMOVSD for float64, VMOVQ for
//     other 8-byte values;
//   - into a Y or Z register, broadcast to every lane: VBROADCASTSS for 4
//     bytes, VBROADCASTSD for float64, VPBROADCASTQ otherwise.
func (f *AMD64Func) Load(name string, dst Operand) *Inst {
	a := f.Arg(name)
	v := a.v
	signed := v.Kind == KindInt
	switch d := dst.(type) {
	case GP:
		switch v.Size {
		case 8:
			return f.MOVQ(a, d)
		case 4:
			if signed {
				return f.gp2("MOVLQSX", a, d, 0)
			}
			return f.MOVL(a, d)
		case 2:
			if signed {
				return f.gp2("MOVWQSX", a, d, 0)
			}
			return f.gp2("MOVWQZX", a, d, 0)
		case 1:
			if signed {
				return f.gp2("MOVBQSX", a, d, 0)
			}
			return f.MOVBQZX(a, d)
		}
	case Vec:
		switch {
		case d.width == 16 && v.Size == 4:
			return f.VMOVSS(a, d)
		case d.width == 16 && v.Size == 8 && v.Kind == KindFloat:
			return f.VMOVSD(a, d)
		case d.width == 16 && v.Size == 8:
			return f.VMOVQ(a, d)
		case v.Size == 4:
			return f.VBROADCASTSS(a, d)
		case v.Size == 8 && v.Kind == KindFloat:
			return f.V("VBROADCASTSD", a, d)
		case v.Size == 8:
			return f.V("VPBROADCASTQ", a, d)
		}
	}
	f.errorf("Load %s (%d-byte %s) into %s: unsupported", name, v.Size, v.Type, dst)
	return &Inst{Op: "Load", fn: f.Func}
}

// Store copies src into the argument-frame variable name, typically a
// result ("ret"): MOVQ, MOVL, MOVW or MOVB from a GP by size; VMOVSS (4
// bytes), VMOVSD (float64) or VMOVQ (8 bytes) from an X register.
func (f *AMD64Func) Store(src Operand, name string) *Inst {
	a := f.Arg(name)
	v := a.v
	switch s := src.(type) {
	case GP:
		switch v.Size {
		case 8:
			return f.MOVQ(s, a)
		case 4:
			return f.MOVL(s, a)
		case 2:
			return f.gp2("MOVW", s, a, 0)
		case 1:
			return f.MOVB(s, a)
		}
	case Vec:
		switch {
		case s.width == 16 && v.Size == 4:
			return f.VMOVSS(s, a)
		case s.width == 16 && v.Size == 8 && v.Kind == KindFloat:
			return f.VMOVSD(s, a)
		case s.width == 16 && v.Size == 8:
			return f.VMOVQ(s, a)
		}
	}
	f.errorf("Store %s into %s (%d-byte %s): unsupported", src, name, v.Size, v.Type)
	return &Inst{Op: "Store", fn: f.Func}
}
