// Package compiler is snnc's compile driver: the one recipe that turns a
// network into a Go package, which the snnc command, the root package and
// user programs all call.
//
//	graph ──▶ golden (float32 interpreter) ──▶ passes ──▶ generated files ──▶ directory
//
// Compile takes a graph and its parameters (module.Build gives both, from
// a model file or from modules in Go) and returns the package's files:
// the model, its kernels, its tests and the interpreter's golden those
// tests compare with. A training compile runs autodiff and writes
// ForwardTrain, Backward and Grads; an inference compile never runs it.
// Package.Write puts the files into a directory atomically and owns that
// directory from then on (a manifest lists what it wrote; a directory
// holding anything else is refused). Check vets and tests a written
// package with the go command, inside a scratch module when the directory
// is in none.
package compiler
