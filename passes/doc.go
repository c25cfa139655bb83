// Package passes transforms snnc's IR. Each pass is a function in a file of
// its own whose doc comment states the invariant it keeps.
//
// BackwardStep (autodiff.go) derives the adjoint of a Step from the
// derivative rules of its ops: backpropagation through time is the adjoint
// step run from the last time step to the first.
//
// Pipeline (pipeline.go) is the compile pipeline, a plain table of passes
// over a Graph, in order: autodiff (autodiff.go: every neuron layer gets
// its adjoint step), constant-fold (constfold.go), canonicalize
// (canonicalize.go), cse (cse.go), fuse-surrogate-backward
// (fuse_surrogate_backward.go), dce (dce.go), fuse-timesteps
// (fuse_timesteps.go), spike-sparsity (spike_sparsity.go),
// fuse-linear-epilogue (fuse_linear_epilogue.go) and plan-buffers
// (plan_buffers.go). The last four only fill in node schedules
// (ir.Schedule), as autodiff does with the adjoint steps it adds: how a
// backend computes a node, never what. Run runs it over a copy of a
// graph, verifying the graph after every pass; Options stop it after a
// pass, disable optional passes and observe the IR between passes, which
// is what "snnc dump --after=PASS" prints.
//
// The step-level passes rewrite a step by copying it value by value into a
// new one (rewrite.go), so a step that several nodes share is rewritten
// once and the input graph's steps are never changed. The values of the
// copy are numbered 1, 2, ... in order. Every pass keeps the numbers the
// interpreter computes bit for bit, in float64 and in float32 mode; the
// tests check that on every functional model, the testdata models, special
// values (±0, ±Inf, NaN) and random steps, and compare the IR before and
// after each pass with the goldens in testdata/<pass>/.
package passes
