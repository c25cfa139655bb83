package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// command is one snnc subcommand. Each lives in its own file.
type command struct {
	name     string
	synopsis string // after "snnc "
	summary  string // one or more lines for "snnc help"
	run      func(args []string, stdout io.Writer) error
}

// commands lists the subcommands in the order "snnc help" shows them.
var commands = []command{
	{"run", "run MODEL --input X.npy [--output Y.npy] [--record DIR] [--dt DT]",
		"run a model (*.snn.json) in the reference interpreter over an input\nsequence [T][B][features...] (or [T][features...]) and summarize the spikes", cmdRun},
	{"compile", compileSynopsis, "write a Go package that runs the model (Forward, Step and, with --train,\nBackward), with tests against the interpreter", cmdCompile},
	{"bench", benchSynopsis, "compile the model (or one neuron layer) and time its fused neuron kernels\nagainst the streaming floor and the plain-Go op-at-a-time loop (ns per\nneuron-step)", cmdBench},
	{"check", checkSynopsis, "vet and test a package written by snnc compile", cmdCheck},
	{"dump", dumpSynopsis, dumpSummary, cmdDump},
	{"plot", plotSynopsis, plotSummary, cmdPlot},
	{"nir", nirSynopsis, nirSummary, cmdNIR},
	{"map", mapSynopsis, mapSummary, cmdMap},
	{"models", "models", "list the neuron models a model file can name", cmdModels},
}

func usageText() string {
	var b strings.Builder
	b.WriteString("snnc compiles and runs spiking neural networks.\n\nUsage:\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "  snnc %s\n", c.synopsis)
	}
	b.WriteString("\nCommands:\n")
	for _, c := range commands {
		for i, line := range strings.Split(c.summary, "\n") {
			name := ""
			if i == 0 {
				name = c.name
			}
			fmt.Fprintf(&b, "  %-8s %s\n", name, line)
		}
	}
	b.WriteString("\nRun \"snnc COMMAND --help\" for a command's flags.\n")
	return b.String()
}

// usageError is bad usage: exit code 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes one command and returns the exit code: 0, 1 for bad input
// or failed work, 2 for bad usage.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usageText())
		return 2
	}
	var err error
	switch args[0] {
	case "help", "-h", "--help", "-help":
		fmt.Fprint(stdout, usageText())
		return 0
	}
	err = usageError{fmt.Sprintf("unknown command %q", args[0])}
	for _, c := range commands {
		if c.name == args[0] {
			err = c.run(args[1:], stdout)
			break
		}
	}
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "snnc: %s\nRun \"snnc help\" for usage.\n", ue.msg)
		return 2
	}
	fmt.Fprintf(stderr, "snnc: %v\n", err)
	return 1
}

// newFlags returns a flag set that reports errors as usage errors and
// prints its help to stdout.
func newFlags(name, synopsis string, stdout io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprintf(stdout, "Usage: snnc %s\n\nFlags:\n", synopsis)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	return fs
}

// parseFlags parses args, allowing flags after positional arguments, and
// returns the positional ones.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err // Parse has printed the usage
			}
			return nil, usageError{err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}
