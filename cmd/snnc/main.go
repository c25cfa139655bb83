package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

const usage = `snnc runs spiking neural networks in its reference interpreter.

Usage:
  snnc run MODEL --input X.npy [--output Y.npy] [--record DIR] [--dt DT]
  snnc dump MODEL [--dt DT]
  snnc models

Commands:
  run     run a model file (*.snn.json) in the reference interpreter over an
          input sequence [T][B][features...] (or [T][features...] for one
          batch entry) and print a spike summary
  dump    print the model's graph IR in the text form
  models  list the neuron models a model file can name

Run "snnc COMMAND --help" for a command's flags.
`

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
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "run":
		err = cmdRun(args[1:], stdout)
	case "dump":
		err = cmdDump(args[1:], stdout)
	case "models":
		err = cmdModels(args[1:], stdout)
	case "help", "-h", "--help", "-help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		err = usageError{fmt.Sprintf("unknown command %q", args[0])}
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
				fs.Usage()
				return nil, err
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
