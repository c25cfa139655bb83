// Package arm64 lowers the fused neuron kernels of backend/kernel to NEON
// assembly for arm64, through the asm builder: the instruction selection
// and addressing of the shared lowering core (backend/lower), which
// chooses the loop nest, the unroll factor and the registers for both
// instruction sets. Four float32 lanes per vector, and the exact per-op
// semantics of backend/amd64, so that every kernel gives the bits of the
// plain-Go kernel it replaces (and of the float32 interpreter).
//
// The product kernels (products.go, and their backward variants in
// backward.go) are the same register-tiled and event-driven products as
// backend/amd64's, bit for bit.
//
// The generated package requires cpuid.ASIMD (NEON) for these kernels.
// Tails are not masked (NEON has no masked loads): the last n%4 lanes of
// a layer are loaded lane by lane into a zeroed vector, go through exactly
// the instructions of the other lanes, and are stored lane by lane, so no
// byte outside the slices is read or written. Invariants (constants and
// shared parameters) that are not pinned in registers are loaded into a
// scratch register at each use: NEON arithmetic takes no memory operands.
package arm64
