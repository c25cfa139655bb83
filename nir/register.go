package nir

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/snnc/snnc/functional"
	"github.com/snnc/snnc/module"
)

// Errors of RegisterModel and of exporting and importing the neuron models
// registered with functional.Register. Export and Convert wrap them with
// the layer or node they concern; the problems Graph.Check finds carry
// theirs in Problem.Err, and an *InconsistentError unwraps to them.
var (
	// ErrUnknownModel: RegisterModel names a model functional.Register
	// has not registered.
	ErrUnknownModel = errors.New("unknown neuron model")
	// ErrDuplicateMapping: the model, or the node type of its own, has a
	// mapping already.
	ErrDuplicateMapping = errors.New("NIR mapping already registered")
	// ErrBadMapping: a mapping that cannot work (a built-in model, a node
	// type that clashes with NIR's, parameter names that do not match,
	// ToNIR or FromNIR failing on the model's defaults, ...).
	ErrBadMapping = errors.New("invalid NIR mapping")
	// ErrNoMapping: Export meets a registered model without a mapping.
	ErrNoMapping = errors.New("no NIR mapping")
	// ErrUnknownNodeType: a node type that neither NIR nor a registered
	// mapping defines.
	ErrUnknownNodeType = errors.New("unknown NIR node type")
	// ErrParamShape: a neuron node's parameters missing, extra, or not all
	// of one shape.
	ErrParamShape = errors.New("NIR neuron parameters of the wrong shape")
	// ErrNotUniform: a parameter differs between the neurons of a node
	// whose model takes one value for all of them.
	ErrNotUniform = errors.New("NIR parameter differs between neurons")
	// ErrParamValue: a parameter value NIR or the model rejects.
	ErrParamValue = errors.New("invalid NIR parameter value")
)

// A ModelMapping declares how a neuron model registered with
// functional.Register becomes a NIR node and back. RegisterModel makes
// Export and Convert (snnc nir export, and every command that reads .nir
// files) use it. P is the model's parameter struct.
type ModelMapping[P any] struct {
	// Model is the name the model is registered under.
	Model string
	// NodeType is the NIR node type of the model's layers, one of two
	// kinds (docs/nir.md says when to choose which):
	//
	//   - one of NIR's neuron types (LIF, CubaLIF, LI, CubaLI, IF, I), when
	//     the model's dynamics are that node's as docs/nir.md discretizes
	//     it. Every NIR tool reads the file; snnc reads the node back as
	//     the model when its metadata names it, as NIR's node otherwise.
	//   - a type of the model's own: an identifier that is not one of
	//     NIR's types (in any case), with the parameters Params. Only
	//     programs that register the mapping read the node; NIR's Python
	//     package and other tools reject the unknown type.
	NodeType string
	// Params names the parameters of a node type of the model's own: one
	// dataset each, one value per neuron. Empty for NIR's types, whose
	// parameters NIR fixes.
	Params []string
	// ToNIR returns the value of each parameter for parameters p at the
	// time step dt (seconds). A layer has one parameter struct, so every
	// neuron gets the same values. For NIR's types v_reset and w_in may be
	// left out (NIR's defaults, 0 and 1).
	ToNIR func(p P, dt float64) (map[string]float64, error)
	// FromNIR returns the parameters for a node's values at the time step
	// dt. It reads them with NodeParams.Value (one value for all neurons)
	// and NodeParams.PerNeuron (values that may differ, bound to the step
	// per neuron). Its error says which values the model cannot take.
	FromNIR func(n *NodeParams, dt float64) (P, error)
}

// mapping is a registered ModelMapping without its type parameter.
type mapping struct {
	model    string
	nodeType string
	custom   bool        // a node type of the model's own
	specs    []paramSpec // the node's parameters
	toNIR    func(l *module.Neuron, dt float64) (map[string]float64, error)
	fromNIR  func(n *NodeParams, dt float64) (any, error) // returns a *P
}

var (
	mappingsMu sync.RWMutex
	byModel    = map[string]*mapping{} // model name → mapping
	byType     = map[string]*mapping{} // node type of a model's own → mapping
)

// RegisterModel registers the NIR mapping of a neuron model that
// functional.Register registered. Call it from the init function of the
// model's package, after functional.Register; it is safe for concurrent
// use.
//
// It checks the mapping before taking it: the model must be registered
// and not built in, with parameters of type P; NodeType must be one of
// NIR's neuron types with no Params, or an identifier that is not a NIR
// type with Params (identifiers, none of them "type" or "metadata"); ToNIR
// on the model's defaults at dt = 1 ms must give exactly the node's
// parameters, and FromNIR must take them back. Neither the model nor a
// node type of its own may have a mapping already. The errors wrap
// ErrUnknownModel, ErrBadMapping or ErrDuplicateMapping.
func RegisterModel[P any](m ModelMapping[P]) error {
	fm, err := functional.LookupModel(m.Model)
	if err != nil {
		return fmt.Errorf("nir: %w %q: register it with functional.Register before its NIR mapping", ErrUnknownModel, m.Model)
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("nir: %w of model %s: %s", ErrBadMapping, m.Model, fmt.Sprintf(format, args...))
	}
	if fm.Builtin {
		return bad("%s is built in; snnc maps it to NIR itself (docs/nir.md)", m.Model)
	}
	if _, ok := fm.Params().(*P); !ok {
		return bad("the model's parameters are %T, but the mapping converts %v", fm.Params(), reflect.TypeFor[P]())
	}
	if m.ToNIR == nil || m.FromNIR == nil {
		return bad("ToNIR and FromNIR must not be nil")
	}
	mp := &mapping{model: m.Model, nodeType: m.NodeType}
	if specs, ok := schemas[m.NodeType]; ok {
		if !builtinNeuron(m.NodeType) {
			return bad("node type %s is not a neuron (NIR's neuron types: %s)", m.NodeType, strings.Join(neuronTypes, ", "))
		}
		if len(m.Params) > 0 {
			return bad("NIR fixes the parameters of %s (%s); Params is for a node type of the model's own", m.NodeType, specNames(specs))
		}
		mp.specs = specs
	} else {
		if err := checkCustomType(m.NodeType, m.Params); err != nil {
			return bad("%v", err)
		}
		mp.custom = true
		for _, name := range m.Params {
			mp.specs = append(mp.specs, paramSpec{name: name})
		}
	}
	mp.toNIR = func(l *module.Neuron, dt float64) (map[string]float64, error) {
		p, err := params[P](l)
		if err != nil {
			return nil, err
		}
		return m.ToNIR(p, dt)
	}
	mp.fromNIR = func(n *NodeParams, dt float64) (any, error) {
		p, err := m.FromNIR(n, dt)
		return &p, err
	}
	// Try the mapping on the defaults, so that a mistake shows at
	// registration rather than in a user's export.
	const dt = 1e-3
	node, err := mp.node(&module.Neuron{Model: m.Model, DT: dt}, []int{1}, dt)
	if err != nil {
		return bad("on the model's default parameters: %v", err)
	}
	np := &NodeParams{desc: "the default parameters", mp: mp, pop: []int{1}, params: node.Params}
	if _, err := mp.importParams(np, dt); err != nil {
		return bad("%v", err)
	}

	mappingsMu.Lock()
	defer mappingsMu.Unlock()
	if old := byModel[m.Model]; old != nil {
		return fmt.Errorf("nir: %w: model %s already maps to node type %s", ErrDuplicateMapping, m.Model, old.nodeType)
	}
	if old := byType[m.NodeType]; mp.custom && old != nil {
		return fmt.Errorf("nir: %w: node type %s already stores model %s", ErrDuplicateMapping, m.NodeType, old.model)
	}
	byModel[m.Model] = mp
	if mp.custom {
		byType[m.NodeType] = mp
	}
	return nil
}

// MustRegisterModel is RegisterModel for init functions: it panics on an
// error.
func MustRegisterModel[P any](m ModelMapping[P]) {
	if err := RegisterModel(m); err != nil {
		panic(err)
	}
}

// neuronTypes are NIR's neuron node types, the standard types a mapping
// may use.
var neuronTypes = []string{TypeCubaLI, TypeCubaLIF, TypeI, TypeIF, TypeLI, TypeLIF}

func builtinNeuron(typ string) bool { return slices.Contains(neuronTypes, typ) }

// checkCustomType checks a node type of a model's own and its parameters.
func checkCustomType(typ string, names []string) error {
	if !isIdent(typ) {
		return fmt.Errorf("node type %q is neither one of NIR's neuron types (%s) nor an identifier (letters, digits and _)",
			typ, strings.Join(neuronTypes, ", "))
	}
	for _, t := range Types {
		if strings.EqualFold(typ, t) {
			return fmt.Errorf("node type %s is NIR's %s; a node type of the model's own needs another name", typ, t)
		}
	}
	if len(names) == 0 {
		return fmt.Errorf("node type %s of the model's own needs Params, the names of its parameters", typ)
	}
	seen := map[string]bool{}
	for _, name := range names {
		switch {
		case !isIdent(name):
			return fmt.Errorf("parameter name %q is not an identifier", name)
		case name == "type":
			return errors.New(`parameter name "type" is taken by the node's type dataset`)
		case name == "metadata":
			return errors.New(`parameter name "metadata" is taken by the node's metadata group`)
		case seen[name]:
			return fmt.Errorf("parameter %s is named twice", name)
		}
		seen[name] = true
	}
	return nil
}

func isIdent(s string) bool {
	for i, r := range s {
		if !(r == '_' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || i > 0 && '0' <= r && r <= '9') {
			return false
		}
	}
	return s != ""
}

func specNames(specs []paramSpec) string {
	names := make([]string, len(specs))
	for i, ps := range specs {
		names[i] = ps.name
	}
	return strings.Join(names, ", ")
}

// mappingOf returns the mapping of a model, or nil.
func mappingOf(model string) *mapping {
	mappingsMu.RLock()
	defer mappingsMu.RUnlock()
	return byModel[model]
}

// mappingForNode returns the mapping that imports n: the one of its node
// type when that is a model's own, else the one of the model its metadata
// names when it maps to n's type. nil means NIR's own meaning.
func mappingForNode(n *Node) *mapping {
	mappingsMu.RLock()
	defer mappingsMu.RUnlock()
	if mp := byType[n.Type]; mp != nil {
		return mp
	}
	if name, ok := n.Metadata[metaModel].(string); ok {
		if mp := byModel[name]; mp != nil && mp.nodeType == n.Type {
			return mp
		}
	}
	return nil
}

// customSchema returns the parameters of a registered node type of a
// model's own.
func customSchema(typ string) ([]paramSpec, bool) {
	mappingsMu.RLock()
	defer mappingsMu.RUnlock()
	if mp := byType[typ]; mp != nil {
		return mp.specs, true
	}
	return nil, false
}

// schemaOf returns the parameters of a node type: NIR's, or those of a
// registered type of a model's own.
func schemaOf(typ string) ([]paramSpec, bool) {
	if s, ok := schemas[typ]; ok {
		return s, true
	}
	return customSchema(typ)
}

// node exports a layer of the mapped model with population shape pop.
func (mp *mapping) node(l *module.Neuron, pop []int, dt float64) (n *Node, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: ToNIR of model %s panicked: %v", ErrBadMapping, mp.model, r)
		}
	}()
	values, err := mp.toNIR(l, dt)
	if err != nil {
		return nil, fmt.Errorf("%w: model %s: %w", ErrParamValue, mp.model, err)
	}
	n = NewNode(mp.nodeType)
	for _, ps := range mp.specs {
		v, ok := values[ps.name]
		switch {
		case ok:
			n.Params[ps.name] = Fill(pop, v)
		case ps.hasDefault:
			n.Params[ps.name] = Fill(pop, ps.def)
		default:
			return nil, fmt.Errorf("%w: ToNIR of model %s gives no %s (%s nodes have %s)", ErrBadMapping, mp.model, ps.name, mp.nodeType, specNames(mp.specs))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(values)) {
		if _, ok := n.Params[name]; !ok {
			return nil, fmt.Errorf("%w: ToNIR of model %s gives %s, which %s nodes do not have (they have %s)", ErrBadMapping, mp.model, name, mp.nodeType, specNames(mp.specs))
		}
	}
	if !mp.custom {
		if faults := validate(n); len(faults) > 0 {
			return nil, fmt.Errorf("%w: model %s as a %s node: %s", ErrParamValue, mp.model, mp.nodeType, faults[0].msg)
		}
	}
	n.Metadata = Metadata{metaModel: mp.model}
	return n, nil
}

// importParams runs FromNIR on a node's parameters and returns a *P.
func (mp *mapping) importParams(np *NodeParams, dt float64) (p any, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s: %w: FromNIR of model %s panicked: %v", np.desc, ErrBadMapping, mp.model, r)
		}
	}()
	p, err = mp.fromNIR(np, dt)
	if np.err != nil {
		return nil, np.err
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w: model %s: %w", np.desc, ErrParamValue, mp.model, err)
	}
	return p, nil
}

// NodeParams are the parameters of one NIR node that a mapping's FromNIR
// converts, each one value per neuron. A read that fails (a parameter the
// node type does not have, values that differ where the model takes one)
// returns the first neuron's value and makes the import fail with an
// error naming the node.
type NodeParams struct {
	desc   string // the node, for errors: "q1 (QIFAdapt)"
	mp     *mapping
	pop    []int
	params map[string]Tensor
	bound  []boundParam
	err    error
}

// Shape is the shape of the neuron population.
func (n *NodeParams) Shape() []int { return slices.Clone(n.pop) }

// Values returns a copy of the values of parameter name, one per neuron.
func (n *NodeParams) Values(name string) []float64 {
	t, ok := n.lookup(name)
	if !ok {
		return nil
	}
	return slices.Clone(t.Data)
}

// Value returns the value of parameter name, which must be the same for
// every neuron: a parameter that is a constant of the model's step (such
// as a surrogate's alpha) or one the model takes as one value.
func (n *NodeParams) Value(name string) float64 {
	t, ok := n.lookup(name)
	if !ok {
		return 0
	}
	v, uniform := t.Uniform()
	if !uniform {
		n.fail(fmt.Errorf("%s: %w: %s ranges from %g to %g; model %s takes one value for all neurons",
			n.desc, ErrNotUniform, name, slices.Min(t.Data), slices.Max(t.Data), n.mp.model))
	}
	return v
}

// PerNeuron returns conv of the value of parameter name when it is the
// same for every neuron. When it differs, the layer binds conv of each
// neuron's value to the step parameter stepParam (the name the model's
// step gives ir.Step.Param), as snnc does with NIR's own neurons, and
// PerNeuron returns the first neuron's. A nil conv keeps the values.
func (n *NodeParams) PerNeuron(name, stepParam string, conv func(float64) float64) float64 {
	t, ok := n.lookup(name)
	if !ok {
		return 0
	}
	if conv == nil {
		conv = func(v float64) float64 { return v }
	}
	if v, uniform := t.Uniform(); uniform {
		return conv(v)
	}
	if slices.ContainsFunc(n.bound, func(b boundParam) bool { return b.name == stepParam }) {
		n.fail(fmt.Errorf("%s: %w: FromNIR of model %s binds the step parameter %s twice", n.desc, ErrBadMapping, n.mp.model, stepParam))
		return conv(t.Data[0])
	}
	vals := make([]float64, len(t.Data))
	for i, v := range t.Data {
		vals[i] = conv(v)
	}
	n.bound = append(n.bound, boundParam{name: stepParam, values: vals})
	return vals[0]
}

func (n *NodeParams) lookup(name string) (Tensor, bool) {
	if !slices.ContainsFunc(n.mp.specs, func(ps paramSpec) bool { return ps.name == name }) {
		n.fail(fmt.Errorf("%s: %w: FromNIR of model %s reads %s, which %s nodes do not have (they have %s)",
			n.desc, ErrBadMapping, n.mp.model, name, n.mp.nodeType, specNames(n.mp.specs)))
		return Tensor{}, false
	}
	t, ok := n.params[name]
	if !ok || len(t.Data) == 0 {
		// Check reports missing parameters; this guards direct use.
		n.fail(fmt.Errorf("%s: %w: parameter %s is missing", n.desc, ErrParamShape, name))
		return Tensor{}, false
	}
	return t, true
}

func (n *NodeParams) fail(err error) {
	if n.err == nil {
		n.err = err
	}
}

// Reciprocal returns 1/x, nudged by one ulp where that makes 1/Reciprocal(x)
// give back x exactly. A ToNIR that writes a time constant τ for a rate
// 1/τ the model keeps should write Reciprocal(rate), so that a FromNIR
// computing 1/τ gets the rate back bit for bit.
func Reciprocal(x float64) float64 { return inverse(x) }

// mapped builds the layer of a node a registered mapping imports.
func (cv *converter) mapped(f *fnode, mp *mapping) (*neuronSpec, error) {
	cv.checkEuler(f)
	np := &NodeParams{desc: f.desc(), mp: mp, pop: f.out, params: f.node.Params}
	p, err := mp.importParams(np, cv.dt)
	if err != nil {
		return nil, err
	}
	if len(np.bound) > 0 {
		fm, err := functional.LookupModel(mp.model)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.desc(), err)
		}
		s := fm.Build(p, cv.dt)
		for _, b := range np.bound {
			if s.ParamIndex(b.name) < 0 {
				var have []string
				for _, q := range s.Params {
					have = append(have, q.Name)
				}
				return nil, fmt.Errorf("%s: %w: FromNIR of model %s binds %s per neuron, but the model's step has no such parameter (it has %s)",
					f.desc(), ErrBadMapping, mp.model, b.name, strings.Join(have, ", "))
			}
		}
	}
	return &neuronSpec{model: mp.model, params: p, bound: np.bound}, nil
}

// unmappedModel is the error of exporting a layer of model, which has no
// NIR mapping.
func unmappedModel(model string) error {
	if m, err := functional.LookupModel(model); err == nil && !m.Builtin {
		return fmt.Errorf("%w: neuron model %s is registered with functional.Register but not with nir.RegisterModel: its package must declare how it maps to a NIR node (docs/nir.md, \"Registered models\")",
			ErrNoMapping, model)
	}
	return fmt.Errorf("neuron model %s has no NIR equivalent (NIR has LIF, LI, IF, I, CubaLIF and CubaLI: snnc's lif_box, li_box, iaf, lif and li)", model)
}
