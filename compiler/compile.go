package compiler

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"

	"github.com/snnc/snnc/backend/gogen"
	"github.com/snnc/snnc/ir"
	"github.com/snnc/snnc/passes"
)

// Options say what Compile generates.
type Options struct {
	// Package is the Go package name; it must be an identifier.
	Package string
	// Source names what the package was compiled from (a model file),
	// for its doc comment; by default the graph's name.
	Source string
	// Train adds ForwardTrain, Backward and Grads.
	Train bool
	// InputGrad makes Backward also compute Grads.Input, the gradient of
	// the network input (off by default: see gogen.Options.InputGrad).
	InputGrad bool
	// Disable names optional passes to skip (snnc dump --passes lists
	// them). A training compile cannot skip autodiff.
	Disable []string
	// GoldenSteps and GoldenBatch size the interpreter run the package's
	// tests compare with (default 12 steps of 2 batch entries).
	GoldenSteps, GoldenBatch int
	// MaxMemory bounds the memory of the golden's interpreter run, in
	// bytes (default DefaultGoldenMemory); a larger run is refused,
	// naming the layer or suggesting fewer steps.
	MaxMemory int64
	// Log, if not nil, receives a line before each long stage.
	Log io.Writer
}

// Package is a generated Go package.
type Package struct {
	Name string
	// Files maps slash-separated paths (model.go, testdata/golden.bin,
	// ...) to their contents.
	Files map[string][]byte
	// Graph is the graph the pass pipeline produced, which the package
	// implements.
	Graph *ir.Graph
}

// FileNames returns the package's file names, sorted.
func (p *Package) FileNames() []string {
	names := make([]string, 0, len(p.Files))
	for name := range p.Files {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// Write makes dir hold exactly the package's files (see CheckDir for the
// directories it accepts).
func (p *Package) Write(dir string) error {
	if err := CheckDir(dir); err != nil {
		return err
	}
	return writeDir(dir, p.Files)
}

// trainingPasses are the passes that exist for backpropagation: an
// inference compile never runs them.
var trainingPasses = []string{"autodiff", "fuse-surrogate-backward"}

// Optimize runs the pass pipeline over a copy of g as a compile does: for
// inference without the training passes, for training with autodiff, and
// without the optional passes disable names. Errors about the pass set
// wrap passes.ErrPassSet.
func Optimize(g *ir.Graph, train bool, disable []string) (*ir.Graph, error) {
	opt, err := passOptions(train, disable)
	if err != nil {
		return nil, err
	}
	return passes.Run(g, opt)
}

// passOptions are the pipeline's options for a compile, checked.
func passOptions(train bool, disable []string) (passes.Options, error) {
	if train && slices.Contains(disable, "autodiff") {
		return passes.Options{}, fmt.Errorf("compiler: %w: a training compile runs autodiff (it derives what Backward computes)", passes.ErrPassSet)
	}
	off := slices.DeleteFunc(slices.Clone(disable), func(s string) bool { return s == "" })
	if !train {
		for _, p := range trainingPasses {
			if !slices.Contains(off, p) {
				off = append(off, p)
			}
		}
	}
	opt := passes.Options{Disable: off, Train: train}
	return opt, opt.Validate(passes.Pipeline)
}

// Compile generates the Go package of the graph g with parameter values
// params: it runs the float32 interpreter for the golden the package's
// tests check, optimizes g (Optimize) and generates the files.
func Compile(g *ir.Graph, params map[string][]float64, opt Options) (*Package, error) {
	if opt.Source == "" {
		opt.Source = "graph " + g.Name
	}
	if opt.GoldenSteps == 0 {
		opt.GoldenSteps = 12
	}
	if opt.GoldenBatch == 0 {
		opt.GoldenBatch = 2
	}
	if opt.GoldenSteps < 1 || opt.GoldenBatch < 1 {
		return nil, fmt.Errorf("compiler: the golden needs at least one step and one batch entry, got %d × %d", opt.GoldenSteps, opt.GoldenBatch)
	}
	// The pass set first: a mistake there is found before the long work.
	popt, err := passOptions(opt.Train, opt.Disable)
	if err != nil {
		return nil, err
	}
	logf(opt.Log, "computing the interpreter golden (%d steps × %d batch entries)...\n", opt.GoldenSteps, opt.GoldenBatch)
	if opt.MaxMemory == 0 {
		opt.MaxMemory = DefaultGoldenMemory
	}
	golden, err := MakeGoldenWithin(g, params, opt.GoldenSteps, opt.GoldenBatch, opt.Train, opt.MaxMemory)
	if err != nil {
		return nil, err
	}
	out, err := passes.Run(g, popt)
	if err != nil {
		return nil, err
	}
	files, err := gogen.Generate(out, params, gogen.Options{Package: opt.Package, Source: opt.Source, Train: opt.Train, InputGrad: opt.InputGrad, Golden: golden})
	if err != nil {
		return nil, err
	}
	return &Package{Name: opt.Package, Files: files, Graph: out}, nil
}

func logf(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, format, args...)
	}
}

// IsPassSetError reports whether err is about the pass set a caller chose
// (an unknown pass, a required one disabled), not about the graph.
func IsPassSetError(err error) bool { return errors.Is(err, passes.ErrPassSet) }
