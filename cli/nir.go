package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/snnc/snnc/ir"
	"github.com/snnc/snnc/module"
	"github.com/snnc/snnc/nir"
)

const (
	nirSynopsis = "nir export MODEL -o FILE.nir [--dt DT] [--lenient] [--max-memory SIZE] | nir info FILE.nir [--dt DT] [--lenient] [--max-memory SIZE]"
	nirSummary  = "export a model as a NIR graph, or summarize a NIR file: its nodes, shapes\nand edges, what disagrees, and whether snnc builds it (run, dump and\ncompile take .nir files as MODEL too; docs/nir.md)"
)

// noteOut receives the notes of NIR imports: repairs, skipped nodes, time
// steps too coarse for the file.
var noteOut io.Writer = os.Stderr

// loadNIR imports a NIR file as loadGraph does model files. dt 0 means the
// file's metadata dt or 1 ms.
func loadNIR(path string, dt float64, lenient bool) (*module.Model, *module.Builder, error) {
	imp, err := nir.Load(path, nir.Options{DT: dt, Lenient: lenient, MaxMemory: maxMemory})
	if err != nil {
		var inconsistent *nir.InconsistentError
		if errors.As(err, &inconsistent) && !lenient {
			err = fmt.Errorf("%w\n(\"snnc nir info --lenient %s\" shows the repairs; \"snnc nir export --lenient %s -o FIXED.nir\" writes them)", err, path, path)
		}
		return nil, nil, err
	}
	for _, n := range imp.Notes {
		fmt.Fprintf(noteOut, "snnc: note: %s: %s\n", path, n)
	}
	return imp.Model, imp.Builder, nil
}

func cmdNIR(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return usageError{"nir needs a subcommand: export or info"}
	}
	switch args[0] {
	case "export":
		return cmdNIRExport(args[1:], stdout)
	case "info":
		return cmdNIRInfo(args[1:], stdout)
	case "help", "-h", "--help", "-help":
		fmt.Fprintf(stdout, "Usage: snnc %s\n\n%s\n", nirSynopsis, nirSummary)
		return nil
	}
	return usageError{fmt.Sprintf("unknown nir subcommand %q (want export or info)", args[0])}
}

func cmdNIRExport(args []string, stdout io.Writer) error {
	const synopsis = "nir export MODEL -o FILE.nir [--dt DT] [--lenient] [--max-memory SIZE]"
	fs := newFlags("nir export", synopsis, stdout)
	out := fs.String("o", "", "write the NIR graph to this file")
	dt := fs.Float64("dt", 0, "time step in seconds, baked into CubaLIF/CubaLI w_in and delays (default: the model's)")
	memoryFlag(fs)
	lenient := fs.Bool("lenient", false, "for a .nir MODEL: repair what is unambiguous and say what changed")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := checkDT(fs, *dt); err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"nir export needs one MODEL file"}
	}
	if err := checkDT(fs, *dt); err != nil {
		return err
	}
	if *out == "" {
		return usageError{"nir export needs -o FILE.nir"}
	}
	var m *module.Model
	if strings.EqualFold(filepath.Ext(pos[0]), ".nir") {
		m, _, err = loadNIR(pos[0], *dt, *lenient)
	} else {
		m, _, err = loadGraph(pos[0], *dt)
	}
	if err != nil {
		return err
	}
	g, err := nir.Export(m)
	if err != nil {
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	if err := nir.WriteFile(*out, g); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %d nodes, %d edges (dt %g s)\n", *out, len(g.Nodes), len(g.Edges), m.DT)
	return nil
}

func cmdNIRInfo(args []string, stdout io.Writer) error {
	const synopsis = "nir info FILE.nir [--dt DT] [--lenient] [--max-memory SIZE]"
	fs := newFlags("nir info", synopsis, stdout)
	dt := fs.Float64("dt", 0, "time step in seconds for building the network (default: the file's metadata dt, else 0.001)")
	memoryFlag(fs)
	lenient := fs.Bool("lenient", false, "repair what is unambiguous and say what changed")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := checkDT(fs, *dt); err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"nir info needs one FILE.nir"}
	}
	if err := checkDT(fs, *dt); err != nil {
		return err
	}
	path := pos[0]
	g, err := nir.ReadFileWith(path, nir.ReadOptions{MaxMemory: maxMemory})
	if err != nil {
		return memoryHint(err)
	}
	fmt.Fprintf(stdout, "%s: ", path)
	if err := nir.Summary(stdout, g); err != nil {
		return err
	}
	var repairs []string
	if *lenient {
		var remaining []nir.Problem
		repairs, remaining = g.Clone().Repair()
		printList(stdout, "repairs (--lenient)", repairs)
		printProblems(stdout, remaining)
	} else {
		printProblems(stdout, g.Check())
	}
	imp, err := nir.Convert(g, nir.Options{DT: *dt, Lenient: *lenient, Name: strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))})
	if err != nil {
		var inconsistent *nir.InconsistentError
		if errors.As(err, &inconsistent) {
			return fmt.Errorf("%s: snnc does not build an inconsistent graph (--lenient repairs what is marked)", path)
		}
		return fmt.Errorf("%s: snnc cannot build it: %w", path, err)
	}
	gr := imp.Builder.Graph
	neurons := 0
	for _, n := range gr.Nodes {
		if n.Op == ir.GNeuron || n.Op == ir.GRecurrent {
			neurons++
		}
	}
	fmt.Fprintf(stdout, "snnc builds it at dt %g s: %d IR nodes, %d neuron layers, %d parameters", imp.Model.DT, len(gr.Nodes), neurons, len(imp.Builder.Params))
	for _, n := range gr.Nodes {
		if n.Op == ir.GInput {
			fmt.Fprintf(stdout, ", input %s %v", n.Name, n.Type.Shape)
		}
	}
	for _, o := range gr.Outputs {
		fmt.Fprintf(stdout, ", output %s %v", o.Name, o.Node.Type.Shape)
	}
	fmt.Fprintln(stdout)
	var notes []string
	for _, n := range imp.Notes {
		if !slices.Contains(repairs, n) {
			notes = append(notes, n)
		}
	}
	printList(stdout, "notes", notes)
	return nil
}

func printProblems(w io.Writer, problems []nir.Problem) {
	if len(problems) == 0 {
		fmt.Fprintln(w, "check: consistent")
		return
	}
	lines := make([]string, len(problems))
	for i, p := range problems {
		lines[i] = p.String()
	}
	printList(w, "problems", lines)
}

func printList(w io.Writer, title string, lines []string) {
	if len(lines) == 0 {
		return
	}
	fmt.Fprintf(w, "%s:\n", title)
	for _, l := range lines {
		fmt.Fprintf(w, "  - %s\n", l)
	}
}
