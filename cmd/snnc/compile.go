package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/snnc/snnc/backend/gogen"
	"github.com/snnc/snnc/ir"
	"github.com/snnc/snnc/passes"
)

const compileSynopsis = "compile MODEL -o DIR [-pkg NAME] [--train] [--disable PASS,...] [--dt DT]"

func cmdCompile(args []string, stdout io.Writer) error {
	fs := newFlags("compile", compileSynopsis, stdout)
	out := fs.String("o", "", "output directory of the generated Go package (created if missing)")
	pkg := fs.String("pkg", "", "Go package name (default: the output directory's base name)")
	train := fs.Bool("train", false, "also generate ForwardTrain and Backward (gradients of every parameter and the input)")
	dt := fs.Float64("dt", 0, "time step in seconds (default: the model file's)")
	memoryFlag(fs)
	goldT := fs.Int("golden-steps", 12, "time steps of the interpreter golden the package's tests check")
	disable := fs.String("disable", "", "comma-separated optional passes to skip (see snnc dump --passes)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := checkDT(fs, *dt); err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"compile needs one MODEL file"}
	}
	if *out == "" {
		return usageError{"compile needs -o DIR"}
	}
	if *pkg == "" {
		*pkg = strings.ToLower(strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, filepath.Base(*out)))
	}
	if *goldT < 1 {
		return usageError{"--golden-steps must be at least 1"}
	}
	_, b, err := loadGraph(pos[0], *dt)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "computing the interpreter golden (%d steps × 2 batch entries)...\n", *goldT)
	golden, err := gogen.MakeGoldenWithin(b.Graph, b.Params, *goldT, 2, *train, maxMemory)
	if err != nil {
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	g, err := optimize(b.Graph, *train, *disable)
	if err != nil {
		return err
	}
	files, err := gogen.Generate(g, b.Params, gogen.Options{Package: *pkg, Source: filepath.Base(pos[0]), Train: *train, Golden: golden})
	if err != nil {
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		path := filepath.Join(*out, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, files[name], 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "wrote package %s to %s: %s\n", *pkg, *out, strings.Join(names, ", "))
	return nil
}

// optimize runs the pass pipeline for compiling: without training the
// autodiff passes are skipped, and disable (comma-separated) skips more.
func optimize(g *ir.Graph, train bool, disable string) (*ir.Graph, error) {
	var off []string
	if !train {
		off = append(off, "autodiff", "fuse-surrogate-backward")
	}
	for _, name := range strings.Split(disable, ",") {
		if name = strings.TrimSpace(name); name != "" && !slices.Contains(off, name) {
			off = append(off, name)
		}
	}
	out, err := passes.Run(g, passes.Options{Disable: off})
	if err != nil {
		if strings.Contains(err.Error(), "unknown pass") || strings.Contains(err.Error(), "cannot be disabled") {
			return nil, usageError{err.Error()}
		}
		return nil, err
	}
	return out, nil
}
