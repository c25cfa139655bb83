// Command snnc is the snnc command with the adaptive QIF neuron of package
// qif built in: the import registers "qif_adapt", so model files,
// snnc run, snnc compile and snnc bench --neuron qif_adapt can use it.
//
//	go run ./examples/customneuron/snnc models
//	go run ./examples/customneuron/snnc bench --neuron qif_adapt --n 1024
package main

import (
	"os"

	"github.com/snnc/snnc/cli"
	_ "github.com/snnc/snnc/examples/customneuron/qif" // registers qif_adapt
)

func main() { os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr)) }
