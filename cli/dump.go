package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/snnc/snnc/passes"
)

const (
	dumpSynopsis = "dump (MODEL [--dt DT] [--max-memory SIZE] [--after PASS] [--disable PASS,...] [--train] | --passes)"
	dumpSummary  = "print the model's graph IR in the text form, as built or after a pass of\nthe compile pipeline (--passes lists the passes)"
)

func cmdDump(args []string, stdout io.Writer) error {
	fs := newFlags("dump", dumpSynopsis, stdout)
	dt := fs.Float64("dt", 0, "time step in seconds (default: the model file's)")
	memoryFlag(fs)
	after := fs.String("after", "", "print the IR after this pass of the compile pipeline\n(default: the graph as built, before any pass)")
	var disable []string
	fs.Func("disable", "skip these optional `passes` (comma-separated, or the flag repeated; needs --after)", func(s string) error {
		for _, name := range strings.Split(s, ",") {
			if name = strings.TrimSpace(name); name != "" {
				disable = append(disable, name)
			}
		}
		return nil
	})
	list := fs.Bool("passes", false, "list the passes of the compile pipeline in order, with what each does")
	train := fs.Bool("train", false, "run the pipeline as compile --train does: with autodiff and fuse-surrogate-backward\n(implied by --after naming one of them)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := checkDT(fs, *dt); err != nil {
		return err
	}
	if *list {
		if len(pos) != 0 || *after != "" || len(disable) != 0 {
			return usageError{"dump --passes takes no MODEL and no other flags"}
		}
		return printPasses(stdout)
	}
	if len(pos) != 1 {
		return usageError{"dump needs one MODEL file"}
	}
	if len(disable) > 0 && *after == "" {
		return usageError{"--disable needs --after: without it dump prints the graph before any pass"}
	}
	if *after == "autodiff" || *after == "fuse-surrogate-backward" {
		*train = true
	}
	if !*train {
		// As compile without --train.
		disable = append(disable, "autodiff", "fuse-surrogate-backward")
	}
	opt := passes.Options{StopAfter: *after, Disable: disable, Train: *train}
	if err := opt.Validate(passes.Pipeline); err != nil {
		return usageError{err.Error()}
	}
	_, b, err := loadGraph(pos[0], *dt)
	if err != nil {
		return err
	}
	g := b.Graph
	if *after != "" {
		if g, err = passes.Run(g, opt); err != nil {
			return err
		}
	}
	return g.Print(stdout)
}

// printPasses lists the pipeline: name, whether it may be disabled, and
// its one-line summary.
func printPasses(w io.Writer) error {
	width := 0
	for _, p := range passes.Pipeline {
		width = max(width, len(p.Name))
	}
	var b strings.Builder
	for _, p := range passes.Pipeline {
		kind := "required"
		if p.Optional {
			kind = "optional"
		}
		fmt.Fprintf(&b, "%-*s  %s  %s\n", width, p.Name, kind, p.Summary)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
