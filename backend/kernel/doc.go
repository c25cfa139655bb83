// Package kernel describes the fused neuron kernels the assembly backends
// emit: a Step evaluated for every lane and time step of [T][B][N] data,
// where each leaf value comes from and where each result goes. The
// generator (backend/gogen) builds these descriptions from its own plan,
// so that every backend's kernel has the Go signature of the plain-Go
// kernel it replaces; backend/amd64 and backend/arm64 lower them.
package kernel
