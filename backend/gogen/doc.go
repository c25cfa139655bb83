// Package gogen writes the Go package snnc compile produces for a graph:
// model.go (Model, State, Forward, Step and, for training, ForwardTrain,
// Backward and Grads), the fused neuron kernels in plain Go generated from
// the Step IR (kernel.go), the shared runtime kernels copied from rt/, the
// assembly kernels of backend/amd64 and backend/arm64 with their dispatch
// tables (amd64.go, arm64.go, asmkernel.go), weights.bin, and the
// package's own tests and benchmarks (the files of testrt/, copied by
// testgen.go, with the model's table_test.go and the kernel benchmarks of
// benchgen.go) with the golden file they check (golden.go encodes it;
// package compiler computes it with the interpreter).
//
// What the generator writes for each graph op (its plan, forward and
// backward code, State buffers, counters and derived weights) is declared
// once, in the op's entry of emitRules (emit_rules.go); the ops a package
// cannot hold are refused by name (notEmitted). The tests check the table
// against ir.GraphOps.
//
// gogen neither runs passes nor the interpreter: package compiler does
// both and calls Generate. Generate reads the graph as the pass pipeline
// left it: the node
// schedules (ir.Schedule) say which kernels to write (time-fused or per
// step, event-driven products, products fused into neuron kernels, shared
// buffers, adjoint steps for training).
//
// Every kernel follows the operation order of the interpreter's float32
// mode, so a generated package's forward results equal the interpreter's
// bit for bit; docs/compile.md states what its tests guarantee. Backward
// runs the backward products of rt/linear.go (or their assembly twins,
// bit for bit): gradients are deterministic and equal across
// implementations, within a tolerance of the interpreter's. It computes
// the input's gradient only with Options.InputGrad.
package gogen
