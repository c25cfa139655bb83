package passes

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/snnc/snnc/ir"
)

// A Pass is one stage of the compile pipeline.
type Pass struct {
	// Name is how --after and --disable name the pass: kebab-case.
	Name string
	// Summary is one line for "snnc dump --passes".
	Summary string
	// Doc is one paragraph: what the pass does and what it keeps invariant.
	Doc string
	// Optional passes may be disabled; the others always run.
	Optional bool
	// After names passes that must come before this one in the pipeline
	// (when they run at all).
	After []string
	// InferenceOnly passes are skipped in a training compile
	// (Options.Train): they rewrite for a graph that is never
	// backpropagated through. Without Train they tell a training graph by
	// its adjoint steps, which a graph without neuron layers, or a
	// pipeline without autodiff, does not have.
	InferenceOnly bool
	// Run rewrites g in place. It gets the pipeline's own copy of the
	// graph, so it may change nodes, but a Step may be applied by several
	// nodes: rewrite each step of g.Steps once (the step-level passes copy
	// it; see rewriteSteps) and point the nodes at the result.
	Run func(g *ir.Graph) error
}

// Pipeline is the compile pipeline, in the order the passes run. Check
// states what a table must satisfy; a test checks this one does.
var Pipeline = []Pass{
	{
		Name:     "autodiff",
		Summary:  "give every neuron layer the adjoint of its step, for backpropagation",
		Doc:      "Derives the adjoint step of every neuron and recurrent node's step from the ops' derivative rules and names it in the node's schedule, so that backends backpropagate through the graph: fixed rules for products, convolutions, pooling and reductions, the adjoint step run backwards in time for neuron layers. Every node computes what it did; the adjoint step's gradients equal direct BPTT's.",
		Optional: true,
		Run:      Autodiff,
	},
	{
		Name:     "constant-fold",
		Summary:  "fold ops on constants, and shared parameters no node binds, into constants",
		Doc:      "Replaces the reads of shared step parameters that no node binds by their defaults, ops whose arguments are all constants by their result, and selects with a constant condition by the value selected. A fold happens only where the float64 result, rounded to float32, is what float32 evaluation gives, so every value computes bit for bit what it did in both precisions.",
		Optional: true,
		Run:      ConstantFold,
	},
	{
		Name:     "canonicalize",
		Summary:  "constants second, and exact identities such as x·1 → x and −(−x) → x",
		Doc:      "Puts constants second in commutative ops and comparisons and applies algebraic identities that are exact in IEEE arithmetic (x·1, x − 0, x + (−0), −(−x), x·(−1) → −x, ...). Every value computes bit for bit what it did, in float64 and float32, for all inputs including ±0, ±Inf and NaN.",
		Optional: true,
		After:    []string{"constant-fold"}, // its identities see folded parameters
		Run:      Canonicalize,
	},
	{
		Name:     "cse",
		Summary:  "merge step values that compute the same op on the same arguments",
		Doc:      "Replaces every step value by the first one that computes the same thing: the same op and attributes on the same arguments (either order for add and mul), or a constant with the same bits. Every value computes bit for bit what it did.",
		Optional: true,
		After:    []string{"canonicalize"}, // canonical operands make more values equal
		Run:      CSE,
	},
	{
		Name:     "fuse-surrogate-backward",
		Summary:  "trim adjoint steps to one reverse-time kernel's work; save only the states it reads",
		Doc:      "Drops from every adjoint step the gradients of parameters no node binds (the model's constants), so that after DCE it computes just the surrogate derivatives, state adjoints, input gradients and bound parameters' gradients in one reverse-time kernel, and the forward kernel saves only the states it still reads. The gradients of inputs and bound parameters are unchanged.",
		Optional: true,
		After:    []string{"autodiff", "constant-fold"},
		Run:      FuseSurrogateBackward,
	},
	{
		Name:     "dce",
		Summary:  "remove nodes, steps and step values no output depends on",
		Doc:      "Removes graph nodes (parameters included, inputs not) that no output depends on, steps no node applies, and step values that no output or next state depends on; the reads of a step's declarations stay. The outputs and state trajectories are unchanged.",
		Optional: true,
		After:    []string{"constant-fold", "canonicalize", "cse", "fuse-surrogate-backward"}, // it removes what they leave unused
		Run:      DCE,
	},
	{
		Name:     "fuse-timesteps",
		Summary:  "run each neuron layer's T steps as one kernel call, its states in L1 between steps",
		Doc:      "Marks neuron and recurrent nodes so that one kernel call runs all T time steps instead of one call per step: per batch entry, a tile of neurons (up to 1024 in the assembly kernels, see kernel.LoopFor, which runs layers under 32 neurons time steps outermost; the plain-Go kernels use the same tile) is carried through all T steps, its states read from and written back to their [B][N] slices every step, where they stay in L1 (not in registers); for recurrent nodes the input product x·W_inᵀ is hoisted out of the time loop. Feed-forward products are already one product over all T·B rows in the graph IR. Only schedules change.",
		Optional: true,
		Run:      FuseTimesteps,
	},
	{
		Name:     "spike-sparsity",
		Summary:  "compute products of spike inputs as event-driven sums over active inputs",
		Doc:      "Marks linear nodes whose input is spikes (a threshold output, possibly through flatten or delay) and that have more than 16 outputs so that backends add only the weight rows of active inputs; narrower ones stay dense, whose register tiles run many rows at once. For finite weights this is exactly the dense product, since fma(0, w, acc) = acc. Only schedules change.",
		Optional: true,
		Run:      SpikeSparsity,
	},
	{
		Name:          "fuse-linear-epilogue",
		Summary:       "compute a small product inside the neuron kernel that consumes it, tile by tile",
		Doc:           "Marks linear nodes of inference graphs (a training compile does not run the pass) whose only user is a time-fused neuron layer and that have at most 16 inputs and 64 to 256 outputs (the sizes where it measured faster), so that its kernel computes each tile of currents (in the product's own order) and steps the neurons on it while it is in L1; the currents never go to memory. Only schedules change.",
		Optional:      true,
		After:         []string{"fuse-timesteps", "spike-sparsity"}, // it needs fused neurons and leaves spike products event-driven
		InferenceOnly: true,                                         // backpropagation reads the currents
		Run:           FuseLinearEpilogue,
	},
	{
		Name:          "plan-buffers",
		Summary:       "share forward buffers between values that are never live together",
		Doc:           "Gives every computed node of an inference graph a buffer that values whose lifetimes do not overlap share (flatten is a view of its argument), and computes the output straight into the caller's output; training graphs keep a buffer per value, since backpropagation reads them again (a training compile does not run the pass; without Options.Train it tells a training graph by its adjoint steps). Only schedules change; no two values live at once share a buffer.",
		Optional:      true,
		After:         []string{"dce", "fuse-linear-epilogue"}, // dead and fused nodes would hold buffers
		InferenceOnly: true,                                    // backpropagation reads every value again
		Run:           PlanBuffers,
	},
}

// Options select which part of the pipeline runs.
type Options struct {
	// StopAfter, if not empty, names the last pass to run.
	StopAfter string
	// Disable names optional passes to skip.
	Disable []string
	// Train says the graph will be backpropagated through (compile
	// --train): the InferenceOnly passes do not run.
	Train bool
	// Observe, if not nil, is called after each pass that runs, with the
	// graph as that pass left it. The graph belongs to the pipeline: do
	// not change it, and Clone it to keep it.
	Observe func(pass string, g *ir.Graph)
}

// Run runs Pipeline over a copy of g and returns the copy; g is not
// changed. It checks the table and the options first, verifies g, and
// verifies the graph and its steps again after every pass; an error names
// the pass.
func Run(g *ir.Graph, opt Options) (*ir.Graph, error) { return run(Pipeline, g, opt) }

func run(ps []Pass, g *ir.Graph, opt Options) (*ir.Graph, error) {
	if err := Check(ps); err != nil {
		return nil, err
	}
	if err := opt.Validate(ps); err != nil {
		return nil, err
	}
	if err := ir.VerifyGraph(g); err != nil {
		return nil, fmt.Errorf("passes: input: %w", err)
	}
	g = g.Clone()
	for _, p := range ps {
		if !slices.Contains(opt.Disable, p.Name) && !(p.InferenceOnly && opt.Train) {
			if err := p.Run(g); err != nil {
				return nil, fmt.Errorf("passes: %s: %w", p.Name, err)
			}
			// VerifyGraph verifies every step, and that the nodes apply
			// only steps of g.Steps.
			if err := ir.VerifyGraph(g); err != nil {
				return nil, fmt.Errorf("passes: after %s: %w", p.Name, err)
			}
			if opt.Observe != nil {
				opt.Observe(p.Name, g)
			}
		}
		if p.Name == opt.StopAfter {
			break
		}
	}
	return g, nil
}

var kebab = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)

// Check reports whether ps is a consistent pipeline: every pass has a
// distinct kebab-case name, a one-line summary, a doc and a function, and
// every name in After is a pass that comes earlier.
func Check(ps []Pass) error {
	seen := map[string]bool{}
	for _, p := range ps {
		switch {
		case !kebab.MatchString(p.Name):
			return fmt.Errorf("passes: pass name %q is not kebab-case", p.Name)
		case seen[p.Name]:
			return fmt.Errorf("passes: two passes are called %s", p.Name)
		case p.Summary == "" || strings.Contains(p.Summary, "\n"):
			return fmt.Errorf("passes: pass %s needs a one-line summary", p.Name)
		case p.Doc == "":
			return fmt.Errorf("passes: pass %s has no doc", p.Name)
		case p.Run == nil:
			return fmt.Errorf("passes: pass %s has no function", p.Name)
		}
		for _, a := range p.After {
			if !seen[a] {
				return fmt.Errorf("passes: pass %s must run after %q, which is not an earlier pass", p.Name, a)
			}
		}
		seen[p.Name] = true
	}
	return nil
}

// Validate reports whether opt fits ps: it names only passes of ps,
// disables only optional ones, and does not stop after a disabled one (or,
// in a training compile, after one that does not run in training).
func (opt Options) Validate(ps []Pass) error {
	find := func(name string) (Pass, error) {
		for _, p := range ps {
			if p.Name == name {
				return p, nil
			}
		}
		return Pass{}, passSetErrorf("passes: unknown pass %q (the passes are %s)", name, strings.Join(Names(ps), ", "))
	}
	for _, name := range opt.Disable {
		p, err := find(name)
		if err != nil {
			return err
		}
		if !p.Optional {
			return passSetErrorf("passes: pass %s is required and cannot be disabled", name)
		}
	}
	if opt.StopAfter != "" {
		if _, err := find(opt.StopAfter); err != nil {
			return err
		}
		if slices.Contains(opt.Disable, opt.StopAfter) {
			return passSetErrorf("passes: cannot stop after %s: it is disabled", opt.StopAfter)
		}
		if p, _ := find(opt.StopAfter); p.InferenceOnly && opt.Train {
			return passSetErrorf("passes: cannot stop after %s: it does not run in a training compile", opt.StopAfter)
		}
	}
	return nil
}

// ErrPassSet is wrapped by the errors of Validate: options that name an
// unknown pass, disable a required one, or disable a pass another needs.
var ErrPassSet = errors.New("invalid pass set")

// passSetError is an error of Validate: errors.Is(err, ErrPassSet) holds.
type passSetError struct{ msg string }

func (e *passSetError) Error() string        { return e.msg }
func (e *passSetError) Is(target error) bool { return target == ErrPassSet }

func passSetErrorf(format string, args ...any) error {
	return &passSetError{fmt.Sprintf(format, args...)}
}

// Names returns the names of ps, in order.
func Names(ps []Pass) []string {
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.Name
	}
	return names
}
