package asm_test

import (
	"bytes"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	. "github.com/snnc/snnc/asm"
)

func newARM64Func(sig Signature) (*File, *ARM64Func) {
	file := NewFile(ARM64, "k")
	return file, file.ARM64("f", sig)
}

// TestARM64InstText checks the Go spelling of the arm64 builder methods:
// operand order, suffixes, register lists, lanes, argument loads.
func TestARM64InstText(t *testing.T) {
	for _, tc := range []struct {
		emit func(f *ARM64Func) *Inst
		want string
	}{
		{func(f *ARM64Func) *Inst { return f.Load("x_base", R0) }, "MOVD x_base+0(FP), R0"},
		{func(f *ARM64Func) *Inst { return f.Load("n", R8) }, "MOVD n+48(FP), R8"},
		{func(f *ARM64Func) *Inst { return f.Load("a", F3) }, "FMOVS a+56(FP), F3"},
		{func(f *ARM64Func) *Inst { return f.Load("a", V3.S4()) }, "VDUP V3.S[0], V3.S4"},
		{func(f *ARM64Func) *Inst { return f.MOVD(Imm(-5), R3) }, "MOVD $-5, R3"},
		{func(f *ARM64Func) *Inst { return f.MOVD(At(R1).Idx(R2, 3), R3) }, "MOVD (R1)(R2<<3), R3"},
		{func(f *ARM64Func) *Inst { return f.MOVW(R3, At(R1).Offset(8)) }, "MOVW R3, 8(R1)"},
		{func(f *ARM64Func) *Inst { return f.MOVWU(At(R1).Idx(R2, 0), R3) }, "MOVWU (R1)(R2), R3"},
		{func(f *ARM64Func) *Inst { return f.ADD(Imm(16), R1, R1) }, "ADD $16, R1, R1"},
		{func(f *ARM64Func) *Inst { return f.ADD(R9, R12, R13) }, "ADD R9, R12, R13"},
		{func(f *ARM64Func) *Inst { return f.SUBS(Imm(1), R4, R4) }, "SUBS $1, R4, R4"},
		{func(f *ARM64Func) *Inst { return f.MUL(R2, R3, R4) }, "MUL R2, R3, R4"},
		{func(f *ARM64Func) *Inst { return f.LSL(Imm(2), R3, R4) }, "LSL $2, R3, R4"},
		{func(f *ARM64Func) *Inst { return f.CMP(Imm(8), R1) }, "CMP $8, R1"},
		{func(f *ARM64Func) *Inst { return f.CBZ(R3, "loop") }, "CBZ R3, loop"},
		{func(f *ARM64Func) *Inst { return f.BLT("loop") }, "BLT loop"},
		{func(f *ARM64Func) *Inst { return f.FMOVQ(F2, f.AllocLocal(16, 8)) }, "FMOVQ F2, 8(RSP)"},
		{func(f *ARM64Func) *Inst { return f.FADDS(F1, F0, F0) }, "FADDS F1, F0, F0"},
		{func(f *ARM64Func) *Inst { return f.VLD1(At(R0), List(V0.S4(), V1.S4())) }, "VLD1 (R0), [V0.S4, V1.S4]"},
		{func(f *ARM64Func) *Inst { return f.VLD1P(At(R0).Offset(16), List(V31.S4())) }, "VLD1.P 16(R0), [V31.S4]"},
		{func(f *ARM64Func) *Inst { return f.VLD1P(At(R0).Offset(4), V3.S(2)) }, "VLD1.P 4(R0), V3.S[2]"},
		{func(f *ARM64Func) *Inst { return f.VLD1P(At(R0).Idx(R9, 0), List(V1.S4())) }, "VLD1.P (R0)(R9), [V1.S4]"},
		{func(f *ARM64Func) *Inst { return f.VST1P(List(V4.S4(), V5.S4()), At(R1).Offset(32)) }, "VST1.P [V4.S4, V5.S4], 32(R1)"},
		{func(f *ARM64Func) *Inst { return f.VST1(V4.S(3), At(R1)) }, "VST1 V4.S[3], (R1)"},
		{func(f *ARM64Func) *Inst { return f.VLD1RP(At(R2).Offset(4), List(V9.S4())) }, "VLD1R.P 4(R2), [V9.S4]"},
		{func(f *ARM64Func) *Inst { return f.VDUP(R3, V2.S4()) }, "VDUP R3, V2.S4"},
		{func(f *ARM64Func) *Inst { return f.VMOV(V8.S(1), R1) }, "VMOV V8.S[1], R1"},
		{func(f *ARM64Func) *Inst { return f.VMOV(R20, V1.S(1)) }, "VMOV R20, V1.S[1]"},
		{func(f *ARM64Func) *Inst { return f.VMOV(V2.B16(), V4.B16()) }, "VMOV V2.B16, V4.B16"},
		{func(f *ARM64Func) *Inst { return f.VMOVQ(0x3f8000003f800000, 0x3f8000003f800000, V7) },
			"VMOVQ $4575657222473777152, $4575657222473777152, V7"},
		{func(f *ARM64Func) *Inst { return f.VEOR(V0.B16(), V0.B16(), V0.B16()) }, "VEOR V0.B16, V0.B16, V0.B16"},
		{func(f *ARM64Func) *Inst { return f.VBSL(V23.B16(), V3.B16(), V7.B16()) }, "VBSL V23.B16, V3.B16, V7.B16"},
		{func(f *ARM64Func) *Inst { return f.VADD(V1.S4(), V2.S4(), V3.S4()) }, "VADD V1.S4, V2.S4, V3.S4"},
		{func(f *ARM64Func) *Inst { return f.VSHL(Imm(23), V1.S4(), V2.S4()) }, "VSHL $23, V1.S4, V2.S4"},
		{func(f *ARM64Func) *Inst { return f.VFMLA(V1.S4(), V12.S4(), V1.S4()) }, "VFMLA V1.S4, V12.S4, V1.S4"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			_, f := newARM64Func(xyn)
			in := tc.emit(f)
			if got := in.String(); got != tc.want {
				t.Errorf("printed %q, want %q", got, tc.want)
			}
			f.Label("loop")
			f.RET()
			if err := f.Err(); err != nil {
				t.Errorf("unexpected error: %v", err)
			}
		})
	}
}

// TestARM64Encodings checks the WORD encodings of the instructions Go's
// assembler lacks against the GNU assembler's (llvm-mc -show-encoding;
// when llvm-mc is installed the test re-assembles the GNU text too). The
// integration test checks them again through Go's own disassembler and
// runs them.
func TestARM64Encodings(t *testing.T) {
	cases := []struct {
		emit func(f *ARM64Func) *Inst
		gnu  string
		bits uint32
		want string // the comment naming the instruction
	}{
		{func(f *ARM64Func) *Inst { return f.VFADD(V1.S4(), V0.S4(), V2.S4()) }, "fadd v2.4s, v0.4s, v1.4s", 0x4e21d402, "VFADD V1.S4, V0.S4, V2.S4"},
		{func(f *ARM64Func) *Inst { return f.VFADD(V9.S2(), V17.S2(), V31.S2()) }, "fadd v31.2s, v17.2s, v9.2s", 0x0e29d63f, "VFADD V9.S2, V17.S2, V31.S2"},
		{func(f *ARM64Func) *Inst { return f.VFADD(V5.D2(), V4.D2(), V3.D2()) }, "fadd v3.2d, v4.2d, v5.2d", 0x4e65d483, "VFADD V5.D2, V4.D2, V3.D2"},
		{func(f *ARM64Func) *Inst { return f.VFSUB(V1.S4(), V0.S4(), V2.S4()) }, "fsub v2.4s, v0.4s, v1.4s", 0x4ea1d402, "VFSUB V1.S4, V0.S4, V2.S4"},
		{func(f *ARM64Func) *Inst { return f.VFMUL(V1.S4(), V30.S4(), V7.S4()) }, "fmul v7.4s, v30.4s, v1.4s", 0x6e21dfc7, "VFMUL V1.S4, V30.S4, V7.S4"},
		{func(f *ARM64Func) *Inst { return f.VFDIV(V1.S4(), V0.S4(), V2.S4()) }, "fdiv v2.4s, v0.4s, v1.4s", 0x6e21fc02, "VFDIV V1.S4, V0.S4, V2.S4"},
		{func(f *ARM64Func) *Inst { return f.VFMAX(V1.S4(), V0.S4(), V2.S4()) }, "fmax v2.4s, v0.4s, v1.4s", 0x4e21f402, "VFMAX V1.S4, V0.S4, V2.S4"},
		{func(f *ARM64Func) *Inst { return f.VFMIN(V1.S4(), V0.S4(), V2.S4()) }, "fmin v2.4s, v0.4s, v1.4s", 0x4ea1f402, "VFMIN V1.S4, V0.S4, V2.S4"},
		{func(f *ARM64Func) *Inst { return f.VFCMEQ(V1.S4(), V0.S4(), V2.S4()) }, "fcmeq v2.4s, v0.4s, v1.4s", 0x4e21e402, "VFCMEQ V1.S4, V0.S4, V2.S4"},
		{func(f *ARM64Func) *Inst { return f.VFCMGE(V1.S4(), V0.S4(), V2.S4()) }, "fcmge v2.4s, v0.4s, v1.4s", 0x6e21e402, "VFCMGE V1.S4, V0.S4, V2.S4"},
		{func(f *ARM64Func) *Inst { return f.VFCMGT(V1.S4(), V0.S4(), V2.S4()) }, "fcmgt v2.4s, v0.4s, v1.4s", 0x6ea1e402, "VFCMGT V1.S4, V0.S4, V2.S4"},
		{func(f *ARM64Func) *Inst { return f.VFADDP(V1.S4(), V0.S4(), V2.S4()) }, "faddp v2.4s, v0.4s, v1.4s", 0x6e21d402, "VFADDP V1.S4, V0.S4, V2.S4"},
		{func(f *ARM64Func) *Inst { return f.VFSQRT(V0.S4(), V2.S4()) }, "fsqrt v2.4s, v0.4s", 0x6ea1f802, "VFSQRT V0.S4, V2.S4"},
		{func(f *ARM64Func) *Inst { return f.VFNEG(V0.S4(), V2.S4()) }, "fneg v2.4s, v0.4s", 0x6ea0f802, "VFNEG V0.S4, V2.S4"},
		{func(f *ARM64Func) *Inst { return f.VFABS(V0.S4(), V2.S4()) }, "fabs v2.4s, v0.4s", 0x4ea0f802, "VFABS V0.S4, V2.S4"},
		{func(f *ARM64Func) *Inst { return f.VFRINTN(V0.S4(), V2.S4()) }, "frintn v2.4s, v0.4s", 0x4e218802, "VFRINTN V0.S4, V2.S4"},
		{func(f *ARM64Func) *Inst { return f.VFRINTM(V0.S4(), V2.S4()) }, "frintm v2.4s, v0.4s", 0x4e219802, "VFRINTM V0.S4, V2.S4"},
		{func(f *ARM64Func) *Inst { return f.VFRINTZ(V0.S4(), V2.S4()) }, "frintz v2.4s, v0.4s", 0x4ea19802, "VFRINTZ V0.S4, V2.S4"},
		{func(f *ARM64Func) *Inst { return f.VFCVTZS(V0.S4(), V2.S4()) }, "fcvtzs v2.4s, v0.4s", 0x4ea1b802, "VFCVTZS V0.S4, V2.S4"},
		{func(f *ARM64Func) *Inst { return f.VFCVTNS(V0.S4(), V2.S4()) }, "fcvtns v2.4s, v0.4s", 0x4e21a802, "VFCVTNS V0.S4, V2.S4"},
		{func(f *ARM64Func) *Inst { return f.VSCVTF(V0.S4(), V2.S4()) }, "scvtf v2.4s, v0.4s", 0x4e21d802, "VSCVTF V0.S4, V2.S4"},
		{func(f *ARM64Func) *Inst { return f.VSSHR(Imm(1), V0.S4(), V2.S4()) }, "sshr v2.4s, v0.4s, #1", 0x4f3f0402, "VSSHR $1, V0.S4, V2.S4"},
		{func(f *ARM64Func) *Inst { return f.VSSHR(Imm(32), V0.S4(), V2.S4()) }, "sshr v2.4s, v0.4s, #32", 0x4f200402, "VSSHR $32, V0.S4, V2.S4"},
		{func(f *ARM64Func) *Inst { return f.VSSHR(Imm(3), V0.B16(), V2.B16()) }, "sshr v2.16b, v0.16b, #3", 0x4f0d0402, "VSSHR $3, V0.B16, V2.B16"},
		{func(f *ARM64Func) *Inst { return f.VSSHR(Imm(63), V0.D2(), V2.D2()) }, "sshr v2.2d, v0.2d, #63", 0x4f410402, "VSSHR $63, V0.D2, V2.D2"},
		{func(f *ARM64Func) *Inst { return f.VBIC(V1.B16(), V0.B16(), V2.B16()) }, "bic v2.16b, v0.16b, v1.16b", 0x4e611c02, "VBIC V1.B16, V0.B16, V2.B16"},
		{func(f *ARM64Func) *Inst { return f.VMVN(V0.B16(), V2.B16()) }, "mvn v2.16b, v0.16b", 0x6e205802, "VMVN V0.B16, V2.B16"},
		{func(f *ARM64Func) *Inst { return f.VFMLA(V1.S(3), V0.S4(), V2.S4()) }, "fmla v2.4s, v0.4s, v1.s[3]", 0x4fa11802, "VFMLA V1.S[3], V0.S4, V2.S4"},
		{func(f *ARM64Func) *Inst { return f.VFMLA(V1.S(0), V0.S4(), V2.S4()) }, "fmla v2.4s, v0.4s, v1.s[0]", 0x4f811002, "VFMLA V1.S[0], V0.S4, V2.S4"},
		{func(f *ARM64Func) *Inst { return f.VFMLA(V31.S(2), V21.S4(), V20.S4()) }, "fmla v20.4s, v21.4s, v31.s[2]", 0x4f9f1ab4, "VFMLA V31.S[2], V21.S4, V20.S4"},
		{func(f *ARM64Func) *Inst { return f.VFMLS(V1.S(1), V0.S4(), V2.S4()) }, "fmls v2.4s, v0.4s, v1.s[1]", 0x4fa15002, "VFMLS V1.S[1], V0.S4, V2.S4"},
		{func(f *ARM64Func) *Inst { return f.VFMULE(V1.S(2), V0.S4(), V2.S4()) }, "fmul v2.4s, v0.4s, v1.s[2]", 0x4f819802, "VFMUL V1.S[2], V0.S4, V2.S4"},
		{func(f *ARM64Func) *Inst { return f.VFMLA(V1.D(1), V0.D2(), V2.D2()) }, "fmla v2.2d, v0.2d, v1.d[1]", 0x4fc11802, "VFMLA V1.D[1], V0.D2, V2.D2"},
	}
	var gnu strings.Builder
	for _, tc := range cases {
		_, f := newARM64Func(xyn)
		in := tc.emit(f)
		f.RET()
		if err := f.Err(); err != nil {
			t.Errorf("%s: %v", tc.want, err)
			continue
		}
		want := fmt.Sprintf("WORD $0x%08x // %s", tc.bits, tc.want)
		if got := in.String(); got != want {
			t.Errorf("%s: printed %q, want %q", tc.gnu, got, want)
		}
		gnu.WriteString(tc.gnu + "\n")
	}
	mc, err := exec.LookPath("llvm-mc")
	if err != nil {
		t.Log("llvm-mc not installed: the table's encodings are not re-assembled")
		return
	}
	cmd := exec.Command(mc, "-triple=aarch64", "-mattr=+neon", "-show-encoding")
	cmd.Stdin = strings.NewReader(gnu.String())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("llvm-mc: %v\n%s", err, out)
	}
	i := 0
	for _, line := range strings.Split(string(out), "\n") {
		_, enc, ok := strings.Cut(line, "// encoding: [")
		if !ok {
			continue
		}
		var b [4]uint32
		if _, err := fmt.Sscanf(strings.TrimSuffix(strings.TrimSpace(enc), "]"), "0x%x,0x%x,0x%x,0x%x", &b[0], &b[1], &b[2], &b[3]); err != nil {
			t.Fatalf("llvm-mc output %q: %v", line, err)
		}
		if i >= len(cases) {
			t.Fatalf("llvm-mc printed more encodings than the table has")
		}
		if got := b[0] | b[1]<<8 | b[2]<<16 | b[3]<<24; got != cases[i].bits {
			t.Errorf("%s: llvm-mc encodes 0x%08x, the table says 0x%08x", cases[i].gnu, got, cases[i].bits)
		}
		i++
	}
	if i != len(cases) {
		t.Errorf("llvm-mc encoded %d instructions, want %d:\n%s", i, len(cases), out)
	}
}

// TestARM64Misuse checks that misuse is an error naming the caller, not a
// panic and not bad output.
func TestARM64Misuse(t *testing.T) {
	for _, tc := range []struct {
		name string
		emit func(f *ARM64Func)
		want string
	}{
		{"amd64 register", func(f *ARM64Func) { f.MOVD(AX, R1) }, "AX is not an arm64 register"},
		{"amd64 vector", func(f *ARM64Func) { f.MOVD(Y1, R1) }, "asm.Vec is not an arm64 operand"},
		{"nil", func(f *ARM64Func) { f.ADD(nil, R1, R1) }, "operand 1: missing"},
		{"mem to mem", func(f *ARM64Func) { f.MOVD(At(R1), At(R2)) }, "memory to memory"},
		{"store imm", func(f *ARM64Func) { f.MOVD(Imm(3), At(R2)) }, "a store takes a register source"},
		{"MOVWU store", func(f *ARM64Func) { f.MOVWU(R1, At(R2)) }, "a store is MOVW"},
		{"index and disp", func(f *ARM64Func) { f.MOVD(At(R1).Idx(R2, 0).Offset(8), R3) }, "a register offset and a displacement"},
		{"ZR base", func(f *ARM64Func) { f.MOVD(At(ZR), R3) }, "ZR cannot be a base register"},
		{"LD1 offset", func(f *ARM64Func) { f.VLD1(At(R0).Offset(16), List(V0.S4())) }, "LD1/ST1 take no offset"},
		{"LD1.P size", func(f *ARM64Func) { f.VLD1P(At(R0).Offset(8), List(V0.S4())) }, "must be the 16 bytes transferred"},
		{"list order", func(f *ARM64Func) { f.VLD1(At(R0), List(V0.S4(), V2.S4())) }, "not consecutive"},
		{"list arrangements", func(f *ARM64Func) { f.VST1(List(V0.S4(), V1.B16()), At(R0)) }, "arrangements differ"},
		{"lane range", func(f *ARM64Func) { f.VLD1P(At(R0).Offset(4), V3.S(4)) }, "index out of range 0..3"},
		{"arrangements", func(f *ARM64Func) { f.VFADD(V1.S4(), V0.S2(), V2.S4()) }, "arrangements differ"},
		{"float arrangement", func(f *ARM64Func) { f.VFADD(V1.B16(), V0.B16(), V2.B16()) }, "arrangement B16 not allowed"},
		{"bitwise arrangement", func(f *ARM64Func) { f.VAND(V1.S4(), V0.S4(), V2.S4()) }, "arrangement S4 not allowed"},
		{"shift range", func(f *ARM64Func) { f.VSHL(Imm(32), V1.S4(), V2.S4()) }, "out of range 0..31"},
		{"sshr range", func(f *ARM64Func) { f.VSSHR(Imm(0), V1.S4(), V2.S4()) }, "shift 0 out of range 1..32"},
		{"fmla element", func(f *ARM64Func) { f.VFMLA(V1.D(0), V0.S4(), V2.S4()) }, "the element must match the lanes"},
		{"FMOVQ reg", func(f *ARM64Func) { f.FMOVQ(F1, F2) }, "FMOVQ only loads and stores"},
		{"VMOV arrangement", func(f *ARM64Func) { f.VMOV(V1.S4(), V2.S4()) }, "a register copy is VMOV"},
		{"dup size", func(f *ARM64Func) { f.VDUP(V1.D(0), V2.S4()) }, "element and lanes of different sizes"},
		{"load into vector", func(f *ARM64Func) { f.Load("x_base", V0.S4()) }, "Load x_base (8-byte *float32) into V0.S4"},
		{"foreign data", func(f *ARM64Func) {
			other := NewFile(ARM64, "k").DataUint32("t", 1)
			f.MOVD(other.Addr(), R0)
		}, "no data t in this file"},
		{"label undefined", func(f *ARM64Func) { f.B("nowhere") }, "jump to label nowhere, which is never placed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, f := newARM64Func(xyn)
			tc.emit(f)
			f.RET()
			err := f.Err()
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q, want it to contain %q", err, tc.want)
			}
			if !strings.Contains(err.Error(), "arm64_test.go:") && !strings.Contains(tc.want, "label") {
				t.Errorf("error %q does not name the caller's line", err)
			}
		})
	}
}

func TestARM64Registers(t *testing.T) {
	if R(8).String() != R8.String() || R(26).Num() != 26 || ZR.String() != "ZR" || RSP.Num() != 31 || V31.Num() != 31 {
		t.Error("register names or numbers")
	}
	if s := V3.S4().String() + " " + V3.S(1).String() + " " + V3.F().String() + " " + F(7).V().String(); s != "V3.S4 V3.S[1] F3 V7" {
		t.Errorf("views: %s", s)
	}
	for _, n := range []int{-1, 18, 27, 28, 29, 30, 31} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("R(%d) did not panic", n)
				}
			}()
			R(n)
		}()
	}
	for _, r := range ARM64Registers {
		switch r.Num() {
		case 18, 27, 28, 29, 30, 31:
			t.Errorf("%s offered for allocation", r)
		}
	}
	if len(ARM64Registers) != 26 {
		t.Errorf("%d allocatable registers, want 26", len(ARM64Registers))
	}
}

// TestARM64FileOutput checks the whole .s text of a small arm64 file: the
// frame of a function with locals, data, a WORD instruction.
func TestARM64FileOutput(t *testing.T) {
	file := NewFile(ARM64, "kern")
	file.Constraint = "!purego"
	tab := file.DataFloat32("tab", 1, 2)
	f := file.ARM64("scale", Sig(P("x", SliceFloat32), P("s", Float32)))
	f.Doc = "scale multiplies x[0:4] by s."
	spill := f.AllocLocal(16, 8)
	f.Load("x_base", R0)
	f.Load("s", V1.S4())
	f.MOVD(tab.Addr().Sym.Offset(4).Addr(), R2)
	f.VLD1(At(R0), List(V0.S4()))
	f.VFMUL(V1.S4(), V0.S4(), V0.S4())
	f.FMOVQ(F0, spill).Comment("through the stack")
	f.FMOVQ(spill, F0)
	f.VST1(List(V0.S4()), At(R0))
	f.RET()
	var s bytes.Buffer
	if err := file.WriteAsm(&s); err != nil {
		t.Fatal(err)
	}
	want := `// Code generated by snnc. DO NOT EDIT.

//go:build !purego

#include "textflag.h"

DATA tab<>+0(SB)/8, $0x400000003f800000
GLOBL tab<>(SB), RODATA|NOPTR, $8

// func scale(x []float32, s float32)
TEXT ·scale(SB), NOSPLIT, $16-28
	MOVD x_base+0(FP), R0
	FMOVS s+24(FP), F1
	VDUP V1.S[0], V1.S4
	MOVD $tab<>+4(SB), R2
	VLD1 (R0), [V0.S4]
	WORD $0x6e21dc00 // VFMUL V1.S4, V0.S4, V0.S4
	FMOVQ F0, 8(RSP) // through the stack
	FMOVQ 8(RSP), F0
	VST1 [V0.S4], (R0)
	RET
`
	if got := s.String(); got != want {
		t.Errorf("asm:\n%s\nwant:\n%s", got, want)
	}
}
