// Package amd64 emits the AVX2 and AVX-512 kernels of generated packages,
// through the asm builder, from the IR: the fused neuron kernels of
// backend/kernel (lower.go: the instruction selection and addressing of
// the shared lowering core, backend/lower, for forward, reverse-time
// backward and product-fused forward kernels of any Step) and the product
// kernels (products.go: a register-blocked FMA micro-kernel and
// event-driven spike accumulation; backward.go: their variants for the
// backward products dx += dy·W, dW += dyᵀ·x and, for spike inputs,
// dWᵀ += xᵀ·dy one row per spike).
//
// Each kernel has the Go signature of the plain-Go kernel it replaces and
// gives its bits: the same operations in the same order per lane (Go's
// min/max and select semantics, exp32's operation sequence, one fused
// multiply-add per product term in input order). The partial last vector
// of a layer moves lane by lane in kernels that run time steps outermost
// (small layers) and masked (VMASKMOVPS, K masks) in tiled ones, never
// reading or writing past a slice. A kernel
// the backend cannot lower (log or tanh, too many live values) reports
// ErrUnsupported and the package keeps the plain-Go kernel; KernelISA
// says which instruction set's kernel each table takes by layer shape.
package amd64
