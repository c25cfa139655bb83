package amd64

import "github.com/snnc/snnc/asm"

// ISA selects the instruction set a kernel is emitted for.
type ISA int

const (
	AVX2   ISA = iota // AVX2 and FMA3: 8 lanes in 16 ymm registers
	AVX512            // AVX-512F: 16 lanes in 32 zmm registers, K-masked tails
)

// ISAs lists the instruction sets, best first.
var ISAs = []ISA{AVX512, AVX2}

func (isa ISA) String() string {
	if isa == AVX512 {
		return "avx512"
	}
	return "avx2"
}

// Suffix is appended to the names of the kernels emitted for isa.
func (isa ISA) Suffix() string {
	if isa == AVX512 {
		return "AVX512"
	}
	return "AVX2"
}

// Lanes is the number of float32 lanes of one vector register.
func (isa ISA) Lanes() int {
	if isa == AVX512 {
		return 16
	}
	return 8
}

// Features are what a CPU needs to run the kernel table of isa, as cpuid/v2
// constant names. BMI1 is for the spike products' bit scans (TZCNT, BLSR);
// the AVX-512 table also needs AVX2 and FMA3 for the AVX2 kernels it takes
// (KernelISA), which every AVX-512 CPU has.
func (isa ISA) Features() []string {
	if isa == AVX512 {
		return []string{"AVX512F", "AVX2", "FMA3", "BMI1"}
	}
	return []string{"AVX2", "FMA3", "BMI1"}
}

// vec returns vector register n of the ISA's width.
func (isa ISA) vec(n int) asm.Vec {
	if isa == AVX512 {
		return asm.Z(n)
	}
	return asm.Y(n)
}

// pool is the number of vector registers the allocator hands out; the
// rest are the scratch registers (and, for AVX2, the tail mask).
func (isa ISA) pool() int {
	if isa == AVX512 {
		return 29 // Z29, Z30 scratch, Z31 lane temporary
	}
	return 13 // Y13, Y14 scratch, Y15 lane temporary
}

// KernelISA returns the instruction set whose neuron kernel over n neurons
// per batch entry the kernel table of isa uses: AVX2's in the AVX-512
// table for layers under 32 neurons that are not a whole number of
// 16-lane vectors. There the partial last vector is much of an AVX-512
// kernel's work, where AVX2 has a smaller one or none (LIF at N = 8: 0.24
// against 2.2 ns per neuron-step with masked tails, 0.45 against 2.7 lane
// by lane; docs/performance.md, "Small layers").
func KernelISA(isa ISA, n int) ISA {
	if isa == AVX512 && n < 32 && n%16 != 0 {
		return AVX2
	}
	return isa
}
