// Package interp is snnc's reference interpreter, the oracle every kernel,
// pass and generated package is compared with.
//
// RunStep evaluates any ir.Step over [T][B][N] sequences, in float64 or in
// a float32 mode that rounds after every op in IR order (no implicit fused
// multiply-add), which is the order compiled kernels use. GradStep runs a
// step forward and then backpropagates through time, differentiating each
// op with its own numeric rule; RunAdjoint gets the same gradients by
// running the adjoint step that passes.BackwardStep derives, backwards in
// time. The two are independent implementations of the derivative rules and
// are tested against each other, against finite differences and against
// Norse.
//
// RunGraph and GradGraph do the same for whole networks. A caller that
// streams its input runs a graph one time step (T=1) or one chunk at a
// time, passing each run's GraphResult.FinalStates as the next run's
// GraphRun.Init; a single step runs one time step with RunStep at T=1.
// Each graph op is evaluated and differentiated by its entry in one table
// (graph_rules.go), which the tests check against ir.GraphOps.
//
// The interpreter is plain Go: no unsafe, no assembly.
package interp
