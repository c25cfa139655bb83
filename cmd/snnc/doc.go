// Command snnc compiles spiking neural networks into Go packages, runs them
// in the reference interpreter, maps them onto neuromorphic chips and
// prints their IR.
//
//	snnc run MODEL --input X.npy [--output Y.npy] [--record DIR] [--dt DT] [--max-memory SIZE] [--target CHIP]
//	snnc compile MODEL -o DIR [-pkg NAME] [--train] [--disable PASS,...] [--dt DT] [--golden-steps N] [--max-memory SIZE]
//	snnc bench (MODEL | --neuron NAME [--n N]) [--train] [--benchtime D] [--json] [--disable PASS,...] [--dt DT] [--max-memory SIZE]
//	snnc check DIR [--purego]
//	snnc dump (MODEL [--dt DT] [--max-memory SIZE] [--after PASS] [--disable PASS,...] [--train] | --passes)
//	snnc plot MODEL --input X.npy (-o | --output) OUT.png [--layer NAME] [--batch K] [--neurons N] [--dt DT] [--max-memory SIZE]
//	snnc nir export MODEL -o FILE.nir [--dt DT] [--lenient] [--max-memory SIZE]
//	snnc nir info FILE.nir [--dt DT] [--lenient] [--max-memory SIZE]
//	snnc map MODEL --target CHIP [--report FILE] [--export FILE] [--input X.npy [--labels Y.npy]] [--dt DT]
//	snnc models
//
// MODEL is a model file (*.snn.json, docs/model-format.md) or a NIR graph
// (*.nir, docs/nir.md). "snnc help" and "snnc COMMAND --help" say more.
//
// Exit codes: 0 on success, 1 on bad input or failed work (the message
// names the file and position), 2 on bad usage (the error and a hint to
// run "snnc COMMAND --help" go to stderr; --help prints to stdout).
//
// The command is package cli; a program that registers its own neuron
// models and calls cli.Main is an snnc that knows them
// (examples/customneuron/snnc, docs/custom-neuron.md).
package main
