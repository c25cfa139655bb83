package asm_test

import (
	"bytes"
	"strings"
	"testing"

	. "github.com/snnc/snnc/asm"
)

func newFunc(sig Signature) (*File, *AMD64Func) {
	file := NewFile(AMD64, "k")
	return file, file.AMD64("f", sig)
}

var xyn = Sig(P("x", SliceFloat32), P("y", SliceFloat32), P("n", Int), P("a", Float32))

// TestInstText checks the Go spelling and the features of each builder
// method: operand order, mask placement, suffixes, canonical jump names.
func TestInstText(t *testing.T) {
	for _, tc := range []struct {
		emit func(f *AMD64Func) *Inst
		want string
		feat string
	}{
		{func(f *AMD64Func) *Inst { return f.MOVQ(f.Arg("x_base"), SI) }, "MOVQ x_base+0(FP), SI", ""},
		{func(f *AMD64Func) *Inst { return f.Load("x_len", CX) }, "MOVQ x_len+8(FP), CX", ""},
		{func(f *AMD64Func) *Inst { return f.Load("a", Y0) }, "VBROADCASTSS a+56(FP), Y0", "AVX"},
		{func(f *AMD64Func) *Inst { return f.Load("a", Z0) }, "VBROADCASTSS a+56(FP), Z0", "AVX512F"},
		{func(f *AMD64Func) *Inst { return f.Load("a", X3) }, "VMOVSS a+56(FP), X3", "AVX"},
		{func(f *AMD64Func) *Inst { return f.Load("n", AX) }, "MOVQ n+48(FP), AX", ""},
		{func(f *AMD64Func) *Inst { return f.MOVQ(Imm(0x0101010101010101), R9) }, "MOVQ $72340172838076673, R9", ""},
		{func(f *AMD64Func) *Inst { return f.LEAQ(Ptr(SI).Idx(CX, 4).Offset(-8), DI) }, "LEAQ -8(SI)(CX*4), DI", ""},
		{func(f *AMD64Func) *Inst { return f.CMPQ(CX, Imm(8)) }, "CMPQ CX, $8", ""},
		{func(f *AMD64Func) *Inst { return f.TESTQ(Imm(7), AX) }, "TESTQ $7, AX", ""},
		{func(f *AMD64Func) *Inst { return f.IMUL3Q(Imm(64), DX, R9) }, "IMUL3Q $64, DX, R9", ""},
		{func(f *AMD64Func) *Inst { return f.SHLQ(CX, AX) }, "SHLQ CX, AX", ""},
		{func(f *AMD64Func) *Inst { return f.TZCNTQ(R8, R10) }, "TZCNTQ R8, R10", "BMI1"},
		{func(f *AMD64Func) *Inst { return f.BLSRQ(R8, R8) }, "BLSRQ R8, R8", "BMI1"},
		{func(f *AMD64Func) *Inst { return f.POPCNTQ(Ptr(SI), R8) }, "POPCNTQ (SI), R8", "POPCNT"},
		{func(f *AMD64Func) *Inst { return f.PDEPQ(R9, AX, AX) }, "PDEPQ R9, AX, AX", "BMI2"},
		{func(f *AMD64Func) *Inst { return f.JL("loop") }, "JLT loop", ""},
		{func(f *AMD64Func) *Inst { return f.JAE("loop") }, "JCC loop", ""},
		{func(f *AMD64Func) *Inst { return f.JZ("loop") }, "JEQ loop", ""},
		{func(f *AMD64Func) *Inst { return f.VSUBPS(Y1, Y0, Y2) }, "VSUBPS Y1, Y0, Y2", "AVX"},
		{func(f *AMD64Func) *Inst { return f.VADDPS(Ptr(SI).Offset(32), Y0, Y0) }, "VADDPS 32(SI), Y0, Y0", "AVX"},
		{func(f *AMD64Func) *Inst { return f.VFMADD231PS(Y1, Y0, Y2) }, "VFMADD231PS Y1, Y0, Y2", "FMA3"},
		{func(f *AMD64Func) *Inst { return f.VPADDD(X1, X0, X2) }, "VPADDD X1, X0, X2", "AVX"},
		{func(f *AMD64Func) *Inst { return f.VPADDD(Y1, Y0, Y2) }, "VPADDD Y1, Y0, Y2", "AVX2"},
		{func(f *AMD64Func) *Inst { return f.VBROADCASTSS(X0, Y3) }, "VBROADCASTSS X0, Y3", "AVX2"},
		{func(f *AMD64Func) *Inst { return f.VCMPPS(CmpGT_OQ, Y1, Y0, Y2) }, "VCMPPS $0x1e, Y1, Y0, Y2", "AVX"},
		{func(f *AMD64Func) *Inst { return f.VCMPPS(CmpGT_OQ, Z1, Z0, K1) }, "VCMPPS $0x1e, Z1, Z0, K1", "AVX512F"},
		{func(f *AMD64Func) *Inst { return f.VCMPPS(CmpLT_OQ, Y1, Y0, K1) }, "VCMPPS $0x11, Y1, Y0, K1", "AVX512F, AVX512VL"},
		{func(f *AMD64Func) *Inst { return f.VCMPPS(CmpGT_OQ, Z1, Z0, K1).Mask(K2) }, "VCMPPS $0x1e, Z1, Z0, K2, K1", "AVX512F"},
		{func(f *AMD64Func) *Inst { return f.VBLENDVPS(Y4, Y1, Y0, Y3) }, "VBLENDVPS Y4, Y1, Y0, Y3", "AVX"},
		{func(f *AMD64Func) *Inst { return f.VBLENDMPS(K1, Z1, Z0, Z3) }, "VBLENDMPS Z1, Z0, K1, Z3", "AVX512F"},
		{func(f *AMD64Func) *Inst { return f.VMASKMOVPS(Ptr(SI), Y5, Y1) }, "VMASKMOVPS (SI), Y5, Y1", "AVX"},
		{func(f *AMD64Func) *Inst { return f.VMASKMOVPS(Y1, Y5, Ptr(DI)) }, "VMASKMOVPS Y1, Y5, (DI)", "AVX"},
		{func(f *AMD64Func) *Inst { return f.VMOVUPS(Ptr(SI), Z0).MaskZ(K1) }, "VMOVUPS.Z (SI), K1, Z0", "AVX512F"},
		{func(f *AMD64Func) *Inst { return f.VMOVUPS(Z0, Ptr(DI)).Mask(K1) }, "VMOVUPS Z0, K1, (DI)", "AVX512F"},
		{func(f *AMD64Func) *Inst { return f.VMOVUPS(Ptr(SI), Y0).Mask(K1) }, "VMOVUPS (SI), K1, Y0", "AVX512F, AVX512VL"},
		{func(f *AMD64Func) *Inst { return f.VADDPS(Ptr(SI), Z0, Z1).Bcst().MaskZ(K3) }, "VADDPS.BCST.Z (SI), Z0, K3, Z1", "AVX512F"},
		{func(f *AMD64Func) *Inst { return f.VANDPS(Z1, Z0, Z2) }, "VANDPS Z1, Z0, Z2", "AVX512F, AVX512DQ"},
		{func(f *AMD64Func) *Inst { return f.VADDPS(Y17, Y0, Y2) }, "VADDPS Y17, Y0, Y2", "AVX512F, AVX512VL"},
		{func(f *AMD64Func) *Inst { return f.VADDSS(X17, X0, X2) }, "VADDSS X17, X0, X2", "AVX512F"},
		{func(f *AMD64Func) *Inst { return f.VPBROADCASTD(AX, Z3) }, "VPBROADCASTD AX, Z3", "AVX512F"},
		{func(f *AMD64Func) *Inst { return f.VPBROADCASTD(AX, Y3) }, "VPBROADCASTD AX, Y3", "AVX512F, AVX512VL"},
		{func(f *AMD64Func) *Inst { return f.VPBROADCASTD(X0, Y3) }, "VPBROADCASTD X0, Y3", "AVX2"},
		{func(f *AMD64Func) *Inst { return f.VPCMPD(IntLT, Z1, Z0, K2) }, "VPCMPD $1, Z1, Z0, K2", "AVX512F"},
		{func(f *AMD64Func) *Inst { return f.KMOVW(AX, K1) }, "KMOVW AX, K1", "AVX512F"},
		{func(f *AMD64Func) *Inst { return f.KMOVQ(K1, AX) }, "KMOVQ K1, AX", "AVX512F, AVX512BW"},
		{func(f *AMD64Func) *Inst { return f.KORTESTW(K1, K1) }, "KORTESTW K1, K1", "AVX512F"},
		{func(f *AMD64Func) *Inst { return f.KSHIFTRW(Imm(8), K1, K4) }, "KSHIFTRW $8, K1, K4", "AVX512F"},
		{func(f *AMD64Func) *Inst { return f.VEXTRACTF64X4(Imm(1), Z0, Y1) }, "VEXTRACTF64X4 $1, Z0, Y1", "AVX512F"},
		{func(f *AMD64Func) *Inst { return f.VPMOVDB(Z3, Ptr(DI)).Mask(K2) }, "VPMOVDB Z3, K2, (DI)", "AVX512F"},
		{func(f *AMD64Func) *Inst { return f.V("VPTERNLOGD", Imm(0x96), Z2, Z1, Z3) }, "VPTERNLOGD $150, Z2, Z1, Z3", "AVX512F"},
		{func(f *AMD64Func) *Inst { return f.VZEROUPPER() }, "VZEROUPPER", "AVX"},
		{func(f *AMD64Func) *Inst { return f.VMOVUPS(Y1, f.AllocLocal(32, 8)).Comment("spill") }, "VMOVUPS Y1, (SP)", "AVX"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			_, f := newFunc(xyn)
			in := tc.emit(f)
			if got := in.String(); got != tc.want {
				t.Errorf("printed %q, want %q", got, tc.want)
			}
			if got := in.Features().String(); got != tc.feat {
				t.Errorf("features %q, want %q", got, tc.feat)
			}
			f.Label("loop")
			f.RET()
			if err := f.Err(); err != nil {
				t.Errorf("unexpected error: %v", err)
			}
		})
	}
}

// TestMisuse checks that misuse is reported as an error naming the caller
// and what is wrong, not a panic.
func TestMisuse(t *testing.T) {
	for _, tc := range []struct {
		name string
		emit func(f *AMD64Func)
		want string
	}{
		{"nil operand", func(f *AMD64Func) { f.ADDQ(nil, AX) }, "ADDQ: operand 1: missing"},
		{"MaskZ on VEX-only", func(f *AMD64Func) { f.VBLENDVPS(Y4, Y1, Y0, Y3).MaskZ(K1) }, "cannot take a K mask; use VBLENDMPS"},
		{"mem to mem", func(f *AMD64Func) { f.MOVQ(Ptr(SI), Ptr(DI)) }, "at most one memory operand"},
		{"vmov mem to mem", func(f *AMD64Func) { f.VMOVUPS(Ptr(SI), Ptr(DI)) }, "memory to memory"},
		{"widths", func(f *AMD64Func) { f.VADDPS(X1, Y0, Y2) }, "different widths"},
		{"imm range", func(f *AMD64Func) { f.ADDQ(Imm(1<<40), AX) }, "out of range"},
		{"shift reg", func(f *AMD64Func) { f.SHLQ(DX, AX) }, "must be CX"},
		{"scale", func(f *AMD64Func) { f.MOVQ(Ptr(SI).Idx(CX, 3), AX) }, "scale 3"},
		{"no base", func(f *AMD64Func) { f.MOVQ(Mem{Disp: 8}, AX) }, "no base register"},
		{"zero reg", func(f *AMD64Func) { f.MOVQ(GP{}, AX) }, "zero GP register"},
		{"unknown arg", func(f *AMD64Func) { f.Load("z", AX) }, "no argument z"},
		{"slice arg", func(f *AMD64Func) { f.Arg("x") }, "use x_base, x_len or x_cap"},
		{"mask on VEX-only", func(f *AMD64Func) { f.VMASKMOVPS(Ptr(SI), Y5, Y1).Mask(K1) }, "VMASKMOVPS has no AVX-512 form, so it cannot take a K mask; use a K-masked VMOVUPS"},
		{"Z on VEX-only", func(f *AMD64Func) { f.VBLENDVPS(Z4, Z1, Z0, Z3) }, "use VBLENDMPS"},
		{"high reg on VEX-only", func(f *AMD64Func) { f.VPAND(Y16, Y0, Y1) }, "registers 16-31; use VPANDD"},
		{"K0 mask", func(f *AMD64Func) { f.VMOVUPS(Ptr(SI), Z0).Mask(K0) }, "K0 cannot be a write mask"},
		{"zeroing store", func(f *AMD64Func) { f.VMOVUPS(Z0, Ptr(DI)).MaskZ(K1) }, "zeroing-masking needs a vector register destination"},
		{"zeroing compare", func(f *AMD64Func) { f.VCMPPS(CmpGT_OQ, Z1, Z0, K2).MaskZ(K1) }, "zeroing-masking needs a vector register destination"},
		{"failed Load then Mask", func(f *AMD64Func) { f.Load("x_base", K1).Mask(K1) }, "Load x_base (8-byte *float32) into K1"},
		{"bcst reg", func(f *AMD64Func) { f.VADDPS(Z1, Z0, Z2).Bcst() }, ".BCST needs"},
		{"mask on GP", func(f *AMD64Func) { f.ADDQ(AX, BX).Mask(K1) }, "cannot take a K mask"},
		{"ISA", func(f *AMD64Func) { f.SetISA(AVX2, FMA3); f.VADDPS(Z1, Z0, Z2) }, "needs AVX512F, outside the function's ISA (AVX2, FMA3)"},
		{"ISA via mask", func(f *AMD64Func) { f.SetISA(AVX2); f.VADDPS(Y1, Y0, Y2).Mask(K1) }, "needs AVX512F, AVX512VL"},
		{"ISA DQ", func(f *AMD64Func) { f.SetISA(AVX512F); f.VANDPS(Z1, Z0, Z2) }, "VANDPS Z1, Z0, Z2 needs AVX512DQ, outside"},
		{"ISA late", func(f *AMD64Func) { f.TZCNTQ(AX, BX); f.SetISA(AVX2) }, "needs BMI1"},
		{"unknown op", func(f *AMD64Func) { f.V("VFOOPS", Y0) }, "not a known vector"},
		{"label twice", func(f *AMD64Func) { f.Label("a"); f.Label("a") }, "label a placed twice"},
		{"label undefined", func(f *AMD64Func) { f.JMP("nowhere") }, "jump to label nowhere, which is never placed"},
		{"scalar width", func(f *AMD64Func) { f.VADDSS(Y1, Y0, Y2) }, "must be an X register"},
		{"vmovss two regs", func(f *AMD64Func) { f.VMOVSS(X1, X2) }, "exactly one operand must be an X register"},
		{"local align", func(f *AMD64Func) { f.AllocLocal(64, 32) }, "only 8-byte aligned"},
		{"foreign data", func(f *AMD64Func) {
			other := NewFile(AMD64, "k").DataUint32("t", 1)
			f.LEAQ(other, AX)
		}, "no data t in this file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, f := newFunc(xyn)
			tc.emit(f)
			f.RET()
			err := f.Err()
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q, want it to contain %q", err, tc.want)
			}
			if !strings.Contains(err.Error(), "amd64_test.go:") && !strings.Contains(tc.want, "label") {
				t.Errorf("error %q does not name the caller's line", err)
			}
		})
	}
}

func TestFuncChecks(t *testing.T) {
	t.Run("no RET", func(t *testing.T) {
		_, f := newFunc(Sig())
		f.XORQ(AX, AX)
		if err := f.Err(); err == nil || !strings.Contains(err.Error(), "does not end with RET or JMP") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("result not written", func(t *testing.T) {
		_, f := newFunc(Sig().Returns(P("", Int), P("", Float32)))
		f.Store(AX, "ret")
		f.RET()
		if err := f.Err(); err == nil || !strings.Contains(err.Error(), "result ret1 is never written") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("bad signature", func(t *testing.T) {
		_, f := newFunc(Sig(P("", Int)))
		f.RET()
		if err := f.Err(); err == nil || !strings.Contains(err.Error(), "signature: parameter 0 is unnamed") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("duplicate function", func(t *testing.T) {
		file := NewFile(AMD64, "k")
		file.AMD64("f", Sig()).RET()
		file.AMD64("f", Sig()).RET()
		var b bytes.Buffer
		if err := file.WriteAsm(&b); err == nil || !strings.Contains(err.Error(), "defined twice") {
			t.Fatalf("error %v", err)
		}
		if b.Len() != 0 {
			t.Fatal("wrote output despite errors")
		}
	})
	t.Run("NewLabel", func(t *testing.T) {
		_, f := newFunc(Sig())
		var got []string
		for range 3 {
			got = append(got, string(f.NewLabel("loop")))
		}
		f.Label("tail")
		got = append(got, string(f.NewLabel("tail")))
		if s := strings.Join(got, " "); s != "loop loop1 loop2 tail1" {
			t.Fatalf("labels %s", s)
		}
	})
	t.Run("Requires", func(t *testing.T) {
		_, f := newFunc(xyn)
		f.VFMADD231PS(Y1, Y0, Y2)
		f.TZCNTQ(AX, BX)
		f.Raw("VFOO", Y0)
		f.Require(AVX2)
		f.VZEROUPPER()
		f.RET()
		if got := f.Requires().String(); got != "AVX, AVX2, FMA3, BMI1" {
			t.Fatalf("Requires = %q", got)
		}
	})
}

func TestRegisters(t *testing.T) {
	if s := Y(3).AsZ().String() + Z(3).AsX().String() + X(31).String(); s != "Z3X3X31" {
		t.Errorf("views: %s", s)
	}
	if Y7.Lanes() != 8 || Z0.Bytes() != 64 || R15.Num() != 15 || AX.Num() != 0 || K7.Num() != 7 {
		t.Error("register numbers")
	}
	for _, fn := range []func(){func() { X(32) }, func() { Z(-1) }, func() { KReg(8) }} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("no panic for a register out of range")
				}
			}()
			fn()
		}()
	}
	for _, r := range GPRegisters {
		if r.String() == "BP" || r.String() == "SP" {
			t.Errorf("%s offered for allocation", r)
		}
	}
}

// TestFileOutput checks the whole .s and stub text of a small file.
func TestFileOutput(t *testing.T) {
	file := NewFile(AMD64, "kern")
	file.Generator = `"go run ./internal/gen -arch=amd64"`
	file.Constraint = "!purego"
	tab := file.Data("tab", []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13})

	f := file.AMD64("scale", Sig(P("x", SliceFloat32), P("s", Float32)))
	f.Doc = "scale multiplies x by s.\n\n\tfor i := range x { x[i] *= s }"
	f.Load("x_base", SI)
	f.Load("s", Y0)
	f.LEAQ(tab.Offset(4), AX)
	f.Comment("body elided")
	f.VZEROUPPER()
	f.RET()

	g := file.AMD64("count", Sig(P("p", UnsafePointer), P("n", Int)).Returns(P("", Int)))
	g.Load("n", AX)
	g.Store(AX, "ret")
	g.RET()

	h := file.AMD64("nop", Sig(P("n", Int)))
	h.RET()

	var s, stubs bytes.Buffer
	if err := file.WriteAsm(&s); err != nil {
		t.Fatal(err)
	}
	if err := file.WriteStubs(&stubs); err != nil {
		t.Fatal(err)
	}
	wantAsm := `// Code generated by "go run ./internal/gen -arch=amd64". DO NOT EDIT.

//go:build !purego

#include "textflag.h"

DATA tab<>+0(SB)/8, $0x0807060504030201
DATA tab<>+8(SB)/4, $0x0c0b0a09
DATA tab<>+12(SB)/1, $0x0d
GLOBL tab<>(SB), RODATA|NOPTR, $13

// func scale(x []float32, s float32)
// Requires: AVX
TEXT ·scale(SB), NOSPLIT, $0-28
	MOVQ x_base+0(FP), SI
	VBROADCASTSS s+24(FP), Y0
	LEAQ tab<>+4(SB), AX
	// body elided
	VZEROUPPER
	RET

// func count(p unsafe.Pointer, n int) int
TEXT ·count(SB), NOSPLIT, $0-24
	MOVQ n+8(FP), AX
	MOVQ AX, ret+16(FP)
	RET

// func nop(n int)
TEXT ·nop(SB), NOSPLIT, $0-8
	RET
`
	wantStubs := `// Code generated by "go run ./internal/gen -arch=amd64". DO NOT EDIT.

//go:build !purego

package kern

import "unsafe"

// scale multiplies x by s.
//
//	for i := range x { x[i] *= s }
//
// Requires: AVX
//
//go:noescape
func scale(x []float32, s float32)

//go:noescape
func count(p unsafe.Pointer, n int) int

func nop(n int)
`
	if got := s.String(); got != wantAsm {
		t.Errorf("asm:\n%s\nwant:\n%s", got, wantAsm)
	}
	if got := stubs.String(); got != wantStubs {
		t.Errorf("stubs:\n%s\nwant:\n%s", got, wantStubs)
	}
}
