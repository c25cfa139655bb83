package asm

import (
	"fmt"
	"strings"
)

// vecInfo records the encodings an amd64 vector or opmask instruction has
// and the features each needs.
type vecInfo struct {
	vex    Features // VEX form at 128 bits (and 256 unless vex256); 0: none
	vex256 Features // VEX form at 256 bits, if it needs more than vex
	evex   Features // EVEX (AVX-512) form; 0: none
	scalar bool     // scalar (…SS, VMOVD, VMOVQ): EVEX needs no AVX512VL
	kop    bool     // opmask instruction: always needs evex features
	hint   string   // what to use instead when the EVEX form is missing
}

func (v *vecInfo) hasVEX() bool { return v.vex != 0 || v.vex256 != 0 }

var (
	fAVX      = FeatureSet(AVX)
	fAVX2     = FeatureSet(AVX2)
	fFMA      = FeatureSet(FMA3)
	fAVX512F  = FeatureSet(AVX512F)
	fAVX512DQ = FeatureSet(AVX512F, AVX512DQ)
	fAVX512BW = FeatureSet(AVX512F, AVX512BW)
)

// vecOps describes every vector and opmask instruction the amd64 builder
// emits. Add a mnemonic here to make it available through AMD64Func.V.
var vecOps = map[string]*vecInfo{}

func init() {
	def := func(info vecInfo, names string) {
		for _, n := range strings.Fields(names) {
			if vecOps[n] != nil {
				panic("BUG: asm: " + n + " defined twice")
			}
			i := info
			vecOps[n] = &i
		}
	}
	// Floating point: VEX needs AVX, EVEX AVX512F.
	def(vecInfo{vex: fAVX, evex: fAVX512F}, `
		VADDPS VSUBPS VMULPS VDIVPS VMAXPS VMINPS VSQRTPS
		VMOVUPS VMOVAPS VMOVNTPS VBROADCASTSS VCMPPS
		VCVTDQ2PS VCVTTPS2DQ VCVTPS2DQ
		VSHUFPS VUNPCKLPS VUNPCKHPS VMOVSHDUP VMOVSLDUP VPERMILPS VMOVHLPS VMOVLHPS`)
	def(vecInfo{vex: fAVX, evex: fAVX512F}, `
		VADDPD VSUBPD VMULPD VDIVPD VSQRTPD VMOVUPD VCVTPS2PD VCVTPD2PS VCVTPD2PSY`)
	def(vecInfo{vex: fAVX, evex: fAVX512F}, "VBROADCASTSD") // from a register: AVX2 (see encode)
	def(vecInfo{vex: fAVX2, evex: fAVX512F}, "VPERMPS")
	// Float bitwise ops have EVEX forms only with AVX512DQ.
	def(vecInfo{vex: fAVX, evex: fAVX512DQ}, "VANDPS VANDNPS VORPS VXORPS")
	// Scalar.
	def(vecInfo{vex: fAVX, evex: fAVX512F, scalar: true}, `
		VADDSS VSUBSS VMULSS VDIVSS VMAXSS VMINSS VSQRTSS VMOVSS VMOVSD VCMPSS VMOVD VMOVQ`)
	// Fused multiply-add.
	def(vecInfo{vex: fFMA, evex: fAVX512F}, `
		VFMADD132PS VFMADD213PS VFMADD231PS VFMSUB132PS VFMSUB213PS VFMSUB231PS
		VFNMADD132PS VFNMADD213PS VFNMADD231PS VFNMSUB132PS VFNMSUB213PS VFNMSUB231PS`)
	def(vecInfo{vex: fFMA, evex: fAVX512F, scalar: true}, "VFMADD231SS VFMADD213SS VFNMADD231SS")
	// Integer: 128-bit VEX is AVX, 256-bit AVX2.
	def(vecInfo{vex: fAVX, vex256: fAVX2, evex: fAVX512F}, `
		VPADDD VPSUBD VPMULLD VPMAXSD VPMINSD VPMAXUD VPMINUD VPABSD
		VPADDQ VPSUBQ VPCMPGTD VPCMPEQD VPSLLD VPSRLD VPSRAD VPSLLQ VPSRLQ
		VPMOVZXBD VPMOVSXBD`)
	def(vecInfo{vex: fAVX, vex256: fAVX2, evex: fAVX512BW}, "VPACKSSDW VPACKUSDW VPACKUSWB VPACKSSWB VPSHUFB VPADDB")
	def(vecInfo{vex: fAVX2, evex: fAVX512F}, "VPBROADCASTD VPBROADCASTQ VPERMD VPERMQ")
	// VEX only.
	def(vecInfo{vex: fAVX, vex256: fAVX2, hint: "use VPANDD/VPANDND/VPORD/VPXORD"}, "VPAND VPANDN VPOR VPXOR")
	def(vecInfo{vex: fAVX, vex256: fAVX2}, "VPMOVMSKB")
	def(vecInfo{vex: fAVX, hint: "use VMOVDQU32"}, "VMOVDQU")
	def(vecInfo{vex: fAVX2}, "VPBLENDD")
	def(vecInfo{vex: fAVX, hint: "use a K-masked VMOVUPS"}, "VMASKMOVPS")
	def(vecInfo{vex: fAVX, hint: "use VBLENDMPS with a K mask"}, "VBLENDVPS")
	def(vecInfo{vex: fAVX, hint: "compare into a K register and use KMOVW"}, "VMOVMSKPS")
	def(vecInfo{vex: fAVX, hint: "use VEXTRACTF32X4/VEXTRACTF64X4/VINSERTF64X4"}, "VEXTRACTF128 VINSERTF128 VPERM2F128")
	def(vecInfo{vex: fAVX}, "VZEROUPPER VHADDPS VPTEST VTESTPS VROUNDPS")
	// EVEX only.
	def(vecInfo{evex: fAVX512F}, `
		VPANDD VPANDND VPORD VPXORD VPANDQ VPORQ VPXORQ VPTERNLOGD
		VMOVDQU32 VMOVDQU64 VBLENDMPS VPBLENDMD VPCMPD VPCMPUD VPTESTMD VPTESTNMD
		VCOMPRESSPS VEXPANDPS VPCOMPRESSD VPMOVDB VPMOVDW VPMOVUSDB
		VEXTRACTF32X4 VEXTRACTF64X4 VINSERTF32X4 VINSERTF64X4
		VRCP14PS VRSQRT14PS VSCALEFPS VGETEXPPS VGETMANTPS VRNDSCALEPS
		VPERMT2PS VPERMI2PS VCVTUDQ2PS`)
	def(vecInfo{evex: fAVX512DQ}, "VEXTRACTF32X8 VINSERTF32X8 VPMOVM2D VPMOVD2M VFPCLASSPSZ VREDUCEPS")
	// Opmask instructions.
	def(vecInfo{evex: fAVX512F, kop: true}, "KMOVW KANDW KANDNW KORW KXORW KXNORW KNOTW KORTESTW KSHIFTRW KSHIFTLW KUNPCKBW")
	def(vecInfo{evex: fAVX512DQ, kop: true}, "KMOVB KTESTW KTESTB KORTESTB KADDW KSHIFTRB KSHIFTLB")
	def(vecInfo{evex: fAVX512BW, kop: true}, `
		KMOVD KMOVQ KORTESTD KORTESTQ KTESTD KTESTQ KANDD KANDQ KORD KORQ KNOTD KNOTQ
		KSHIFTRD KSHIFTRQ KSHIFTLD KSHIFTLQ KUNPCKWD KUNPCKDQ`)
}

// encode decides how in will be encoded (VEX or EVEX), checks that the
// instruction has that encoding, and sets in.feat.
func (f *Func) encode(in *Inst, forceEVEX bool) {
	info := in.vinfo
	if info.kop {
		in.feat = info.evex
		return
	}
	evex := forceEVEX || in.Opmask != nil || in.Suffix != ""
	width, high := 0, false
	for _, a := range in.Args {
		switch o := a.(type) {
		case Vec:
			width = max(width, int(o.width))
			high = high || o.n >= 16
			evex = evex || o.width == 64 || o.n >= 16
		case K:
			evex = true
		}
	}
	if !evex && !info.hasVEX() {
		evex = true
	}
	if !evex {
		in.feat = info.vex
		if width == 32 && info.vex256 != 0 {
			in.feat = info.vex256
		}
		if len(in.Args) > 0 && isVec(in.Args[0]) && (in.Op == "VBROADCASTSS" || in.Op == "VBROADCASTSD") {
			in.feat = fAVX2 // the register-source forms came with AVX2
		}
		return
	}
	if info.evex == 0 {
		why := "a Z register"
		switch {
		case in.Opmask != nil:
			why = "a K mask"
		case in.Suffix != "":
			why = "the " + in.Suffix + " suffix"
		case high:
			why = "registers 16-31"
		}
		hint := ""
		if info.hint != "" {
			hint = "; " + info.hint
		}
		f.errorf("%s: %s has no AVX-512 form, so it cannot take %s%s", in, in.Op, why, hint)
		in.feat = info.vex
		return
	}
	in.feat = info.evex
	if !info.scalar && width > 0 && width < 64 {
		in.feat |= FeatureSet(AVX512VL)
	}
}

// CmpPred is the predicate immediate of VCMPPS/VCMPSS. Go's operand order
// is VCMPPS $pred, b, a, dst, and dst lane i is set (all ones, or the K bit)
// when a[i] pred b[i]: VCMPPS $CmpGT_OQ, Y1, Y0, Y2 sets Y2 where Y0 > Y1.
// "O" predicates are false when either operand is NaN, "U" ones true; "Q"
// (quiet) ones do not signal on quiet NaNs. The names are Intel's.
type CmpPred uint8

// The VCMPPS predicates (Intel SDM, "VCMPPS").
const (
	CmpEQ_OQ    CmpPred = 0x00 // a == b
	CmpLT_OS    CmpPred = 0x01 // a < b (signals on NaN)
	CmpLE_OS    CmpPred = 0x02 // a <= b (signals on NaN)
	CmpUNORD_Q  CmpPred = 0x03 // a or b is NaN
	CmpNEQ_UQ   CmpPred = 0x04 // !(a == b), true on NaN
	CmpNLT_US   CmpPred = 0x05 // !(a < b)
	CmpNLE_US   CmpPred = 0x06 // !(a <= b)
	CmpORD_Q    CmpPred = 0x07 // neither is NaN
	CmpEQ_UQ    CmpPred = 0x08
	CmpNGE_US   CmpPred = 0x09
	CmpNGT_US   CmpPred = 0x0a
	CmpFALSE_OQ CmpPred = 0x0b
	CmpNEQ_OQ   CmpPred = 0x0c // a != b, false on NaN
	CmpGE_OS    CmpPred = 0x0d
	CmpGT_OS    CmpPred = 0x0e
	CmpTRUE_UQ  CmpPred = 0x0f
	CmpEQ_OS    CmpPred = 0x10
	CmpLT_OQ    CmpPred = 0x11 // a < b, quiet: Go's a < b
	CmpLE_OQ    CmpPred = 0x12 // a <= b, quiet: Go's a <= b
	CmpUNORD_S  CmpPred = 0x13
	CmpNEQ_US   CmpPred = 0x14 // Go's a != b (true on NaN)
	CmpNLT_UQ   CmpPred = 0x15
	CmpNLE_UQ   CmpPred = 0x16
	CmpORD_S    CmpPred = 0x17
	CmpEQ_US    CmpPred = 0x18
	CmpNGE_UQ   CmpPred = 0x19
	CmpNGT_UQ   CmpPred = 0x1a
	CmpFALSE_OS CmpPred = 0x1b
	CmpNEQ_OS   CmpPred = 0x1c
	CmpGE_OQ    CmpPred = 0x1d // a >= b, quiet: Go's a >= b
	CmpGT_OQ    CmpPred = 0x1e // a > b, quiet: Go's a > b
	CmpTRUE_US  CmpPred = 0x1f
)

// String returns the immediate, e.g. "$0x1e".
func (p CmpPred) String() string { return fmt.Sprintf("$0x%02x", uint8(p)) }

// IntPred is the predicate immediate of the AVX-512 integer compares
// VPCMPD/VPCMPUD (signed/unsigned), with the same operand order as
// CmpPred: VPCMPD $IntLT, b, a, K1 sets K1 where a < b.
type IntPred uint8

// The VPCMPD predicates.
const (
	IntEQ    IntPred = 0
	IntLT    IntPred = 1
	IntLE    IntPred = 2
	IntFALSE IntPred = 3
	IntNE    IntPred = 4
	IntGE    IntPred = 5 // "NLT"
	IntGT    IntPred = 6 // "NLE"
	IntTRUE  IntPred = 7
)

// String returns the immediate, e.g. "$1".
func (p IntPred) String() string { return fmt.Sprintf("$%d", uint8(p)) }
