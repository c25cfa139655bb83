package functional

import (
	"errors"
	"fmt"
	"reflect"
	"sort"
	"sync"

	"github.com/snnc/snnc/ir"
)

// A Model is a neuron model by name, so that model files and tools can
// build its Step from parameters read as JSON.
type Model struct {
	Name    string
	Summary string
	// Params returns a pointer to the default parameters, ready for
	// json.Unmarshal to overwrite the fields a file gives.
	Params func() any
	// Build returns the model's Step for parameters (a value Params
	// returned) and a time step dt. The built-in models read the input "x"
	// (STP: the spikes "z"; recurrent CoBa: "ge" and "gi") and write the
	// output "z" (spikes), "v" (LI voltage) or "efficacy" (STP).
	Build func(params any, dt float64) *ir.Step
	// Builtin is true for the models snnc ships.
	Builtin bool
}

func newModel[P any](name, summary string, def func() P, build func(P, float64) *ir.Step) Model {
	return Model{
		Name:    name,
		Summary: summary,
		Params:  func() any { p := def(); return &p },
		Build:   func(p any, dt float64) *ir.Step { return build(*p.(*P), dt) },
		Builtin: true,
	}
}

var (
	mu       sync.RWMutex
	registry = map[string]Model{}
	builtin  = map[string]bool{}
)

// ErrModel is wrapped by the errors of Register: a bad name, a name already
// taken, or a model whose default step does not verify.
var ErrModel = errors.New("invalid neuron model")

// Register makes a neuron model of the caller's package available by name,
// exactly as the built-in ones are: to model files ({"type": "neuron",
// "model": name, "params": {...}}), to module.Neuron and module.Recurrent,
// and to the snnc command built with the model (see cli.Main).
//
// P is the parameter struct: its JSON tags are the names a model file's
// "params" use, and defaults returns the values of the fields a file leaves
// out. build returns the model's step for parameters and a time step dt
// (in seconds); write it over ir values (Lift helps), and the interpreter,
// the gradients and the compiled kernels follow from it.
//
// Register checks the model before taking it: name must be an identifier
// not yet registered, P a struct, and the step built from the defaults at
// dt = 1 ms must verify and have one output. Call it from an init function
// or before any model file is read; it is safe for concurrent use.
func Register[P any](name, summary string, defaults func() P, build func(p P, dt float64) *ir.Step) error {
	if !isIdent(name) {
		return fmt.Errorf("functional: %w: name %q is not an identifier (letters, digits and _)", ErrModel, name)
	}
	if defaults == nil || build == nil {
		return fmt.Errorf("functional: %w: %s: defaults and build must not be nil", ErrModel, name)
	}
	if t := reflect.TypeFor[P](); t.Kind() != reflect.Struct {
		return fmt.Errorf("functional: %w: %s: the parameters must be a struct with JSON tags, not %v", ErrModel, name, t)
	}
	m := Model{
		Name:    name,
		Summary: summary,
		Params:  func() any { p := defaults(); return &p },
		Build:   func(p any, dt float64) *ir.Step { return build(*p.(*P), dt) },
	}
	if err := checkStep(m); err != nil {
		return fmt.Errorf("functional: %w: %s: %v", ErrModel, name, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if _, taken := registry[name]; taken {
		what := "another registered model"
		if builtin[name] {
			what = "a built-in model"
		}
		return fmt.Errorf("functional: %w: %s is already the name of %s", ErrModel, name, what)
	}
	registry[name] = m
	return nil
}

// MustRegister is Register for init functions: it panics on an error.
func MustRegister[P any](name, summary string, defaults func() P, build func(p P, dt float64) *ir.Step) {
	if err := Register(name, summary, defaults, build); err != nil {
		panic(err)
	}
}

// checkStep builds the model's default step and checks what a layer needs
// of it.
func checkStep(m Model) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("building the step with the default parameters panicked: %v", r)
		}
	}()
	s := m.Build(m.Params(), 1e-3)
	if s == nil {
		return errors.New("build returned no step")
	}
	if err := ir.Verify(s); err != nil {
		return err
	}
	if len(s.Inputs) == 0 {
		return errors.New("the step has no input")
	}
	if len(s.Outputs) != 1 {
		return fmt.Errorf("the step has %d outputs; a layer has one (make the others states)", len(s.Outputs))
	}
	return nil
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// LookupModel returns the model called name, built in or registered.
func LookupModel(name string) (Model, error) {
	mu.RLock()
	m, ok := registry[name]
	mu.RUnlock()
	if !ok {
		return m, fmt.Errorf("unknown neuron model %q (want one of %v)", name, ModelNames())
	}
	return m, nil
}

// ModelNames lists the models LookupModel knows, sorted.
func ModelNames() []string {
	mu.RLock()
	defer mu.RUnlock()
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// A StateVar names a state variable of a step and its initial value.
type StateVar struct {
	Name string
	Init float64
}

// Lift builds a Step called name around a step function with one input:
// it declares the states, calls step with the input and the states'
// values, and records its output (called output) and the next value of
// each state, in the order of states. It is how every built-in model is
// made; a registered model's build function may use it too.
func Lift(name, input, output string, states []StateVar, step func(s *ir.Step, x *ir.Value, st []*ir.Value) (out *ir.Value, next []*ir.Value)) *ir.Step {
	s := ir.NewStep(name)
	x := s.Input(input)
	vals := make([]*ir.Value, len(states))
	for k, st := range states {
		vals[k] = s.State(st.Name, st.Init)
	}
	out, next := step(s, x, vals)
	s.Output(output, out)
	for k, v := range vals {
		s.SetNext(v, next[k])
	}
	return s
}
