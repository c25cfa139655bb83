// Package kernel describes the fused neuron kernels the assembly backends
// emit: a Step evaluated for every lane and time step of [T][B][N] data,
// where each leaf value comes from, where each result goes, and the loop
// nest (Loop, chosen by LoopFor for every instruction set). The generator
// (backend/gogen) builds these descriptions from its own plan, so that
// every backend's kernel has the Go signature of the plain-Go kernel it
// replaces; backend/lower lowers them through backend/amd64 and
// backend/arm64.
//
// A kernel runs all T time steps in one call. States are not held in
// registers across steps: each step reads a state from its [B][N] slice
// where the step first needs it and writes the next value back at the
// end of the step, so that the slice holds the state after the last step
// when the call returns.
package kernel
