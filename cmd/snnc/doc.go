// Command snnc runs spiking neural networks in the reference interpreter
// and prints their IR.
//
//	snnc run MODEL --input X.npy [--output Y.npy] [--record DIR] [--dt DT]
//	snnc dump MODEL [--dt DT] [--after PASS] [--disable PASS,...]
//	snnc dump --passes
//	snnc models
//
// Exit codes: 0 on success, 1 on bad input or failed work (the message
// names the file and position), 2 on bad usage.
package main
