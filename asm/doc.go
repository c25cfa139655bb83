// Package asm is a typed builder and printer of Go (Plan 9) assembly. The
// backends use it to emit their kernels as a .s file plus the Go stubs
// that declare them, for amd64 (AVX2+FMA, AVX-512: AMD64Func) and arm64
// (NEON: ARM64Func, with WORD encodings where Go's assembler has no
// mnemonic), sharing one core.
//
// # Overview
//
// A File holds the functions and static data of one .s file. Each function
// is declared from its Go signature, given as Go values; the builder
// computes the ABI0 argument frame exactly as the Go toolchain and go vet
// do, and names argument words the way vet's asmdecl check expects. The
// arch-specific builder (AMD64Func) appends instructions through typed
// methods, which check operand kinds, widths and encodings and record the
// CPU features each instruction needs:
//
//	file := asm.NewFile(asm.AMD64, "kernel")
//	file.Generator = `"go run ./internal/gen -arch=amd64"`
//	file.Constraint = "!purego"
//
//	f := file.AMD64("scaleAVX2", asm.Sig(asm.P("x", asm.SliceFloat32), asm.P("s", asm.Float32)))
//	f.Doc = "scaleAVX2 computes x[i] *= s for len(x)&^7 elements."
//	f.SetISA(asm.AVX2, asm.FMA3)
//	loop, done := f.NewLabel("loop"), f.NewLabel("done")
//	f.Load("x_base", asm.SI) // MOVQ x_base+0(FP), SI
//	f.Load("x_len", asm.CX)  // MOVQ x_len+8(FP), CX
//	f.Load("s", asm.Y0)      // VBROADCASTSS s+24(FP), Y0
//	f.SHRQ(asm.Imm(3), asm.CX)
//	f.JZ(done)
//	f.Label(loop)
//	f.VMULPS(asm.Ptr(asm.SI), asm.Y0, asm.Y1) // Y1 = Y0 * (SI)
//	f.VMOVUPS(asm.Y1, asm.Ptr(asm.SI))
//	f.ADDQ(asm.Imm(32), asm.SI)
//	f.DECQ(asm.CX)
//	f.JNZ(loop)
//	f.Label(done)
//	f.VZEROUPPER()
//	f.RET()
//
//	err := file.WriteFiles("kernel_amd64.s", "kernel_stubs_amd64.go")
//
// which writes
//
//	// func scaleAVX2(x []float32, s float32)
//	// Requires: AVX
//	TEXT ·scaleAVX2(SB), NOSPLIT, $0-28
//		MOVQ x_base+0(FP), SI
//		...
//
// and a stub with the doc comment, "// Requires: AVX" and //go:noescape.
// A generator can read Func.Requires to emit its cpuid dispatch
// (Feature names are the cpuid/v2 constant names).
//
// # Why our own builder
//
// avo is amd64-only, adds a dependency, and allocates registers for you;
// our kernels are generated from an IR that already decides lanes,
// unrolling and register use, and the same core has to serve arm64 later.
// What we need is small: registers and memory operands as types (so a
// typo is a compile error, not a runtime SIGILL), frame offsets vet agrees
// with, the instructions the kernels use with their Go operand order
// checked once here, feature accounting for dispatch, and a printer. The
// Go assembler already encodes every AVX2 and AVX-512 mnemonic, so no byte
// encodings are needed.
//
// # Operand order
//
// Go assembly puts sources first and the destination last. For two-operand
// instructions that reads "MOVQ src, dst" and "ADDQ src, dst" (dst +=
// src). For three-operand AVX instructions it is the reverse of Intel's
// manual, the first Go operand being Intel's last:
//
//	VSUBPS b, a, dst             dst = a - b            (Intel: vsubps dst, a, b)
//	VDIVPS b, a, dst             dst = a / b
//	VFMADD231PS b, a, dst        dst = a*b + dst
//	VFMADD213PS b, a, dst        dst = a*dst + b
//	VFMADD132PS b, a, dst        dst = dst*b + a
//	VANDNPS b, a, dst            dst = ^a & b
//	VMAXPS b, a, dst             dst = a > b ? a : b    (b if equal or NaN)
//	VCMPPS $pred, b, a, dst      dst = a pred b         (VCMPPS $CmpGT_OQ, Y1, Y0, Y2: Y2 = Y0 > Y1)
//	VBLENDVPS mask, b, a, dst    dst = mask<0 ? b : a
//	VMASKMOVPS (mem), mask, dst  masked load;  VMASKMOVPS src, mask, (mem): masked store
//	VSHUFPS $imm, b, a, dst      lanes 0,1 from a, lanes 2,3 from b
//	VPSLLD $n, src, dst          dst = src << n
//	VEXTRACTF128 $1, Y0, X1      X1 = high half of Y0
//	PDEPQ mask, src, dst; BZHIQ index, src, dst; ANDNQ b, a, dst (dst = ^a & b)
//
// The one exception is CMP: "CMPQ a, b" sets the flags of a - b, so
// "CMPQ CX, $8; JL l" jumps when CX < 8. Immediates of TEST come first
// ("TESTQ $7, AX"), of CMP second. Every rule above is checked by running
// the instructions against plain Go (see the tests).
//
// AVX-512 masks go just before the destination, and zeroing-masking and
// embedded broadcast are suffixes of the mnemonic:
//
//	VMOVUPS.Z (SI), K1, Z0           Inst.MaskZ: masked-off lanes become 0
//	VMOVUPS Z0, K1, (DI)             Inst.Mask on a store: memory left alone
//	VADDPS Z1, Z0, K1, Z2            Inst.Mask: masked-off lanes keep Z2
//	VADDPS.BCST (SI), Z0, Z1         Inst.Bcst: (SI) is one float32, broadcast
//	VCMPPS $0x1e, Z1, Z0, K1         compare into a mask register
//	VCMPPS $0x1e, Z1, Z0, K2, K1     the same, ANDed with K2
//	VPCMPD $1, Z1, Z0, K2            K2 = Z0 < Z1 as int32 (IntLT)
//	VBLENDMPS Z1, Z0, K1, Z3         Z3 = K1 ? Z1 : Z0
//	KMOVW AX, K1; KMOVW K1, AX; KORTESTW K1, K1 (ZF if K1 is empty)
//
// The VCMPPS predicates are Intel's (CmpGT_OQ = 0x1e, CmpLT_OQ = 0x11,
// CmpLE_OQ = 0x12, CmpGE_OQ = 0x1d, CmpEQ_OQ = 0, CmpNEQ_UQ = 4, …): the
// ordered-quiet ones match Go's <, <=, >, >= and ==, and Go's != is
// CmpNEQ_UQ. The older-style CmpLT_OS/CmpLE_OS (1, 2) give the same
// results but signal on quiet NaNs.
//
// # The ABI0 frame
//
// Assembly functions use ABI0: arguments and results in memory, at
// name+offset(FP). ABI0 computes the layout like a struct: each parameter
// aligned to its type's alignment (1, 2, 4 or 8; slices and strings 8);
// if there are results, the offset is rounded up to 8 before them; the
// argument size is the end of the last variable, not rounded up
// (func(int32) is $0-4; func(*uint32, uint32, uint32) bool is $0-17). A
// slice x is three words x_base, x_len, x_cap; a string s_base, s_len;
// unnamed results are ret, ret1, …. Func.Arg, Load and Store use those
// names, so go vet's asmdecl check (run it for every GOARCH) verifies
// every offset and access size against the stub.
//
// The local frame ($framesize) holds AllocLocal slots addressed off(SP);
// the assembler saves BP itself when it is non-zero. The Go stack is only
// 8-byte aligned, so spill vectors with VMOVUPS. BP and SP are not offered
// as general registers: 14 remain (GPRegisters).
//
// # Tails: masking instead of scalar loops
//
// A kernel processes W lanes per step (8 float32 for AVX2, 16 for
// AVX-512) and handles the last n%W elements with a masked step rather
// than a scalar loop, so remainder lanes follow exactly the same
// instruction sequence (same rounding) as the others:
//
//   - AVX2: VMASKMOVPS loads the first rem lanes (the others read as 0)
//     and stores them back without touching the bytes past the end; its
//     mask comes from a 16-entry table of eight all-ones then eight zero
//     dwords (File.DataUint32), loaded at offset 32-4*rem. Masked-off
//     lanes never fault, even across a page end.
//   - AVX-512: the mask is (1<<rem)-1 in a K register (MOVQ $1, AX; SHLQ
//     CX, AX; DECQ AX; KMOVW AX, K1), and every load, arithmetic and store
//     of the tail takes it: VMOVUPS.Z (SI), K1, Z1 … VMOVUPS Z1, K1, (DI).
//     Memory operands of masked instructions do not fault on masked-off
//     lanes either.
//
// Lanes loaded as zero may still produce "spikes" (0 > thr when thr < 0):
// mask the compare as well (VCMPPS …, K2, K1) or mask the store.
//
// # Errors
//
// Builder misuse — an operand of the wrong kind or width, two memory
// operands, an AVX-512 mask on a VEX-only instruction, a Z register in a
// function whose SetISA says AVX2, an unknown argument name, a label placed
// twice or never — does not panic: the Func records an error naming the
// caller's file:line and the instruction, and Func.Err, File.Err and the
// writers report all of them (the writers then write nothing). Functions
// that do not end in RET/JMP, or leave a result unwritten, are errors too.
// Only register constructors given an out-of-range number (X(32), KReg(8))
// panic, since there is no Func to report to. A stub file that fails to
// parse is a bug of this package and says so.
//
// # Other architectures
//
// The core (types.go, func.go, file.go, feature.go) knows nothing of
// amd64: signatures and the ABI0 layout (identical on the 64-bit targets),
// Func with its labels, errors and local frame, Arg (FP) and Sym (SB)
// references, Imm, and the printers. amd64.go, amd64_inst.go and
// amd64_ops.go add the registers, the Mem operand, AMD64Func and its
// instruction table; arm64.go and arm64_inst.go add arm64's registers (the
// names R8–R15 are shared values), its memory operand and ARM64Func. A
// NEON instruction Go's assembler does not know is emitted as WORD with a
// comment naming it; the tests check each encoding against llvm-mc's and
// against go tool objdump, and run it under qemu-aarch64.
package asm
