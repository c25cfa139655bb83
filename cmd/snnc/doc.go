// Command snnc compiles spiking neural networks into Go packages, runs them
// in the reference interpreter and prints their IR.
//
//	snnc compile MODEL -o DIR [-pkg NAME] [--train] [--disable PASS,...] [--dt DT] [--golden-steps N]
//	snnc check DIR [--purego]
//	snnc bench (MODEL | --neuron NAME [--n N]) [--train] [--benchtime D] [--json] [--disable PASS,...] [--dt DT]
//	snnc run MODEL --input X.npy [--output Y.npy] [--record DIR] [--dt DT]
//	snnc dump MODEL [--dt DT] [--after PASS] [--disable PASS,...] [--train]
//	snnc dump --passes
//	snnc plot MODEL --input X.npy (-o | --output) OUT.png [--layer NAME] [--batch K] [--neurons N] [--dt DT]
//	snnc nir export MODEL -o FILE.nir [--dt DT] [--lenient]
//	snnc nir info FILE.nir [--dt DT] [--lenient]
//	snnc map MODEL --target CHIP [--report FILE] [--export FILE] [--input X.npy [--labels Y.npy]] (docs/neuro.md)
//	snnc models
//
// MODEL is a model file (*.snn.json, docs/model-format.md) or a NIR graph
// (*.nir, docs/nir.md). "snnc help" and "snnc COMMAND --help" say more.
//
// Exit codes: 0 on success, 1 on bad input or failed work (the message
// names the file and position), 2 on bad usage (the error and a hint to
// run "snnc COMMAND --help" go to stderr; --help prints to stdout).
package main
