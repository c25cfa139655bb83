package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
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
	{"run", "run MODEL --input X.npy [--output Y.npy] [--record DIR] [--dt DT] [--max-memory SIZE] [--target CHIP]",
		"run a model (*.snn.json or *.nir) in the reference interpreter over an\ninput sequence [T][B][features...] (or [T][features...]) and summarize\nthe spikes", cmdRun},
	{"compile", compileSynopsis, "write a Go package that runs the model (Forward, Step and, with --train,\nBackward), with tests against the interpreter", cmdCompile},
	{"bench", benchSynopsis, "compile the model (or one neuron layer) and time its fused neuron kernels\nagainst the streaming floor and the plain-Go op-at-a-time loop (ns per\nneuron-step)", cmdBench},
	{"check", checkSynopsis, "vet and test a package written by snnc compile", cmdCheck},
	{"dump", dumpSynopsis, dumpSummary, cmdDump},
	{"plot", plotSynopsis, plotSummary, cmdPlot},
	{"nir", nirSynopsis, nirSummary, cmdNIR},
	{"map", mapSynopsis, mapSummary, cmdMap},
	{"train", trainSynopsis, "compile the model with training into a cache directory and train it on\nMNIST or an .npz dataset at the compiled kernels' speed: a progress bar\nand a summary per epoch, loss.png, accuracy.png, checkpoints and the\ntrained model file in --out", cmdTrain},
	{"eval", evalSynopsis, "the model's test accuracy and confusion matrix on MNIST or an .npz dataset", cmdEval},
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

// Main runs the snnc command with args (without the program name) and
// returns its exit code: 0, 1 for bad input or failed work, 2 for bad
// usage. Help goes to stdout; errors, and for a usage error a one-line
// hint where to find the usage, go to stderr.
//
// It is the whole snnc command: a program that registers its own neuron
// models (functional.Register) and calls Main is an snnc that knows them:
//
//	func main() { os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr)) }
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usageText())
		return 2
	}
	if isHelp(args[0]) {
		if len(args) > 1 && !isHelp(args[1]) { // "snnc help compile" is "snnc compile --help"
			return Main(append(args[1:len(args):len(args)], "--help"), stdout, stderr)
		}
		fmt.Fprint(stdout, usageText())
		return 0
	}
	hint := "help"
	err := error(usageError{fmt.Sprintf("unknown command %q", args[0])})
	for _, c := range commands {
		if c.name == args[0] {
			hint = c.name + " --help"
			if c.name == "nir" && len(args) > 1 && (args[1] == "export" || args[1] == "info") {
				hint = "nir " + args[1] + " --help"
			}
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
		fmt.Fprintf(stderr, "snnc: %s\nRun \"snnc %s\" for usage.\n", ue.msg, hint)
		return 2
	}
	fmt.Fprintf(stderr, "snnc: %v\n", err)
	return 1
}

func isHelp(arg string) bool {
	return arg == "help" || arg == "-h" || arg == "--help" || arg == "-help"
}

// flagSet is a command's flags and the synopsis its --help shows.
type flagSet struct {
	*flag.FlagSet
	synopsis string
	stdout   io.Writer
}

// newFlags returns a flag set that reports errors as usage errors (without
// printing anything: run prints the error and a hint) and prints its help
// to stdout on -h or --help.
func newFlags(name, synopsis string, stdout io.Writer) *flagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {} // the flag package calls it on errors too
	f := &flagSet{fs, synopsis, stdout}
	if flagSetMade != nil {
		flagSetMade(f)
	}
	return f
}

// flagSetMade, when set (by tests), sees every flag set a command makes.
var flagSetMade func(*flagSet)

// printHelp writes the synopsis and every flag with its default.
func (fs *flagSet) printHelp() {
	fmt.Fprintf(fs.stdout, "Usage: snnc %s\n", fs.synopsis)
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n == 0 {
		fmt.Fprintln(fs.stdout, "\nNo flags.")
		return
	}
	fmt.Fprintln(fs.stdout, "\nFlags:")
	fs.SetOutput(fs.stdout)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

// parseFlags parses args, allowing flags after positional arguments, and
// returns the positional ones.
func parseFlags(fs *flagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.printHelp()
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

// noArgs is the usage error of a command given positional arguments it
// does not take.
func noArgs(command string, pos []string) error {
	if len(pos) == 0 {
		return nil
	}
	return usageError{fmt.Sprintf("%s takes no arguments, got %q", command, strings.Join(pos, " "))}
}

// checkDT rejects a --dt that was given but is not a positive finite
// number of seconds; absent, the model's own dt applies.
func checkDT(fs *flagSet, dt float64) error {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == "dt" })
	if set && !(dt > 0 && !math.IsInf(dt, 0)) {
		return usageError{fmt.Sprintf("--dt %g: must be a positive number of seconds (leave it out for the model's dt)", dt)}
	}
	return nil
}
