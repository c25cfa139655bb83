// Package passes transforms snnc's IR. Each pass is a function in a file of
// its own whose doc comment states the invariant it keeps.
//
// BackwardStep (autodiff.go) derives the adjoint of a Step from the
// derivative rules of its ops: backpropagation through time is the adjoint
// step run from the last time step to the first.
package passes
