package cli

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/snnc/snnc/compiler"
)

const compileSynopsis = "compile MODEL -o DIR [-pkg NAME] [--train [--input-grad]] [--disable PASS,...] [--dt DT] [--golden-steps N] [--max-memory SIZE]"

func cmdCompile(args []string, stdout io.Writer) error {
	fs := newFlags("compile", compileSynopsis, stdout)
	out := fs.String("o", "", "output `directory` of the generated Go package: new, empty, or one snnc compile wrote\n(its "+compiler.ManifestName+" lists the files a new compile replaces)")
	pkg := fs.String("pkg", "", "Go package name (default: the output directory's base name)")
	train := fs.Bool("train", false, "also generate ForwardTrain and Backward (gradients of every parameter)")
	inputGrad := fs.Bool("input-grad", false, "with --train: Backward also computes the gradient of the network input (Grads.Input)")
	dt := fs.Float64("dt", 0, "time step in seconds (default: the model file's)")
	memoryFlag(fs)
	goldT := fs.Int("golden-steps", 12, "time steps of the interpreter golden the package's tests check")
	disable := fs.String("disable", "", "comma-separated optional `passes` to skip (see snnc dump --passes)")
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
	if err := checkDT(fs, *dt); err != nil {
		return err
	}
	if *pkg == "" {
		*pkg = strings.ToLower(strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, filepath.Base(*out)))
	}
	if *inputGrad && !*train {
		return usageError{"--input-grad needs --train"}
	}
	if *goldT < 1 {
		return usageError{"--golden-steps must be at least 1"}
	}
	// Refuse a directory that holds files snnc did not write before the
	// work, not after it.
	if err := compiler.CheckDir(*out); err != nil {
		return err
	}
	_, b, err := loadGraph(pos[0], *dt)
	if err != nil {
		return err
	}
	p, err := compiler.Compile(b.Graph, b.Params, compiler.Options{Package: *pkg, Source: filepath.Base(pos[0]), Train: *train, InputGrad: *inputGrad,
		Disable: splitList(*disable), GoldenSteps: *goldT, MaxMemory: maxMemory, Log: stdout})
	if err != nil {
		if compiler.IsPassSetError(err) {
			return usageError{err.Error()}
		}
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	if err := p.Write(*out); err != nil { // checks the directory again: the work took a while
		return err
	}
	fmt.Fprintf(stdout, "wrote package %s to %s: %s\n", *pkg, *out, strings.Join(p.FileNames(), ", "))
	return nil
}

// splitList splits a comma-separated flag value, dropping blanks.
func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
