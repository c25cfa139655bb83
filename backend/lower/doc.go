// Package lower is the half of the assembly backends that does not depend
// on the instruction set: it lowers a fused neuron kernel
// (backend/kernel) through a Machine, which backend/amd64 (AVX2,
// AVX-512) and backend/arm64 (NEON) implement.
//
// The core decides everything a change to allocation or loop structure
// touches, once for every ISA:
//
//   - the unroll factor: the largest number of vectors per group (4, 2 or
//     1) whose registers fit, found by a dry run;
//   - the loop nest, from the kernel's Loop field (kernel.LoopFor chooses
//     it): time steps outermost, or tiles of neurons carried through all
//     time steps;
//   - the step walk: the live values in IR order (Kernel.Order), each
//     leaf loaded or referenced where it is first needed, each op lowered
//     into registers from the pool, a value's registers given back after
//     its last use, then the sinks and the next states stored;
//   - the register pool, handed out lowest first, and the invariants
//     (constants and shared parameters) pinned in the registers the dry
//     run left free, most used first.
//
// A Machine answers only "which instruction, which address": the general
// registers behind each Int role, loads and stores of consecutive
// vectors (masked or lane by lane in the partial last vector of a layer),
// how an invariant is read where it is not pinned, and the instructions
// of each op with the exact per-lane semantics of the plain-Go kernels.
package lower
