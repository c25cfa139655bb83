// Package testrt holds the tests and benchmarks of every package snnc
// compile writes, as real Go files: model_test.go and bench_test.go, which
// every package gets, and train_test.go and bench_train_test.go, which
// training packages get. The generator embeds them and copies them into
// each package under the same names, with its own package clause; what
// they need to know of a model is in the package's generated
// table_test.go, and the benchmarks of its neuron kernels in
// kernels_bench_test.go.
//
// The other files here are a package snnc compile generated from a small
// network (3 spike inputs, 4 LIF neurons, for training), so that the test
// files are compiled, vetted and run in this repository like in any
// package: `go test ./backend/gogen/testrt` runs them. It is kept in plain
// Go: without the assembly kernels and their dispatch tables, and with
// dispatch_other.go for every architecture (the packages the compiler's
// tests generate run the test files with the assembly). These files are
// derived: TestTestrtUpToDate in backend/gogen checks that they are what
// the generator writes now, and rewrites them with -update.
package testrt
