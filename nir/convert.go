package nir

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"

	"github.com/snnc/snnc/functional"
	"github.com/snnc/snnc/ir"
	"github.com/snnc/snnc/module"
)

// DefaultDT is the time step used when neither Options.DT nor the graph's
// metadata give one: 1 ms, the default of Norse's importer.
const DefaultDT = 1e-3

// unitTolerance is how close to 1 an input scale (r, or r·w_in·dt/τ_syn)
// must be to count as exactly 1 and need no scale layer. Exported files
// store w_in = τ_syn/dt, whose product with dt/τ_syn is 1 only up to
// rounding.
const unitTolerance = 1e-9

// Options control Convert and Load.
type Options struct {
	// DT is the time step in seconds. Zero means the graph metadata's "dt"
	// (snnc's exports store it) or else DefaultDT.
	DT float64
	// Lenient repairs what Graph.Repair can repair instead of rejecting the
	// graph; Imported.Notes says what changed.
	Lenient bool
	// Name names the IR graph; it is made an identifier. Empty means "nir"
	// (Load: the file name).
	Name string
	// MaxMemory is Load's decode budget for the file; see ReadOptions.
	MaxMemory int64
}

// Imported is a NIR graph converted to snnc modules and graph IR.
type Imported struct {
	// Model is what module.Load returns for a model file: its Net is a
	// module.Sequential holding the *Net, and Layers is empty.
	Model *module.Model
	// Builder holds the IR graph and its parameter values. The graph's
	// inputs and outputs are "input" and "output" when there is one of
	// each, else the names of the NIR Input and Output nodes.
	Builder *module.Builder
	// Graph is the NIR graph the network was built from (after repairs).
	Graph *Graph
	// Notes says what the conversion repaired, skipped or approximated.
	Notes []string
}

// InconsistentError reports a graph whose nodes disagree.
type InconsistentError struct{ Problems []Problem }

func (e *InconsistentError) Error() string {
	var b strings.Builder
	fix := 0
	for _, p := range e.Problems {
		if p.Repairable {
			fix++
		}
	}
	fmt.Fprintf(&b, "inconsistent NIR graph (%d problem%s", len(e.Problems), plural(len(e.Problems) == 1, "", "s"))
	if fix > 0 {
		fmt.Fprintf(&b, "; --lenient repairs %d", fix)
	}
	b.WriteString("):")
	for _, p := range e.Problems {
		b.WriteString("\n  " + p.String())
	}
	return b.String()
}

// Unwrap returns the sentinel errors of the problems (Problem.Err), so
// that errors.Is finds them.
func (e *InconsistentError) Unwrap() []error {
	var errs []error
	for _, p := range e.Problems {
		if p.Err != nil && !slices.Contains(errs, p.Err) {
			errs = append(errs, p.Err)
		}
	}
	return errs
}

// Load reads the NIR file at path and converts it. Errors name the file.
func Load(path string, opt Options) (*Imported, error) {
	g, err := ReadFileWith(path, ReadOptions{MaxMemory: opt.MaxMemory})
	if err != nil {
		return nil, err
	}
	if opt.Name == "" {
		opt.Name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	imp, err := Convert(g, opt)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return imp, nil
}

// Convert builds the network a NIR graph describes; docs/nir.md says how
// each node type maps to snnc's modules and how its dynamics are
// discretized. It checks the graph first (see Graph.Check) and returns an
// *InconsistentError listing every problem unless Options.Lenient repairs
// them. Constructs snnc cannot express (partial flattening, recurrent
// cycles other than a neuron node ⇄ Linear/Affine pair, asymmetric
// padding, ...) are errors naming the node. g is not modified.
func Convert(g *Graph, opt Options) (*Imported, error) {
	g = g.Clone()
	c := &checker{repair: opt.Lenient}
	c.run(g)
	if len(c.problems) > 0 {
		return nil, &InconsistentError{Problems: c.problems}
	}
	cv := &converter{fg: c.flat, notes: c.notes, ident: map[*fnode]string{}, taken: map[string]bool{},
		value: map[*fnode]int{}, net: &Net{Graph: g}}
	cv.dt = opt.DT
	if cv.dt == 0 {
		cv.dt = DefaultDT
		if v, ok := g.Metadata["dt"].(float64); ok && v > 0 && !math.IsInf(v, 0) {
			cv.dt = v
			if v != DefaultDT {
				cv.note("using dt = %g s from the graph's metadata", v)
			}
		}
	}
	if !(cv.dt > 0) || math.IsInf(cv.dt, 0) {
		return nil, fmt.Errorf("dt must be positive, got %v", cv.dt)
	}
	if err := cv.convert(); err != nil {
		return nil, err
	}
	name := identifier(opt.Name)
	if opt.Name == "" {
		name = "nir"
	}
	net := cv.net
	m := &module.Model{Name: name, DT: cv.dt, InputShape: slices.Clone(net.inputs[0].shape), Net: module.Sequential{net}}
	var b *module.Builder
	var err error
	if len(net.inputs) == 1 && len(net.outputs) == 1 {
		// snnc's export records an input declared as spikes in the metadata.
		m.InputSpikes = g.Metadata["input"] == module.InputSpikes
		b, err = module.BuildWith(name, net, module.Options{InputSpikes: m.InputSpikes}, m.InputShape...)
	} else {
		b, err = buildMulti(name, net)
	}
	if err != nil {
		return nil, err
	}
	return &Imported{Model: m, Builder: b, Graph: g, Notes: cv.notes}, nil
}

// buildMulti builds a graph with several inputs or outputs, named after
// their NIR nodes.
func buildMulti(name string, net *Net) (*module.Builder, error) {
	b := module.NewBuilder(name)
	var ins []*ir.Node
	for _, p := range net.inputs {
		x, err := b.Graph.Input(p.name, p.shape...)
		if err != nil {
			return nil, err
		}
		ins = append(ins, x)
	}
	outs, err := net.build(b, ins)
	if err != nil {
		return nil, err
	}
	for i, p := range net.outputs {
		b.Graph.Output(p.name, outs[i])
	}
	if err := ir.VerifyGraph(b.Graph); err != nil {
		return nil, err
	}
	return b, nil
}

// converter turns a checked flat graph into a Net.
type converter struct {
	fg    *flatGraph
	dt    float64
	notes []string
	net   *Net

	ident map[*fnode]string // IR identifier of each node
	taken map[string]bool
	value map[*fnode]int // the value holding each converted node's output

	loop   map[*fnode]*fnode // neuron → the Linear/Affine node closing its cycle
	closes map[*fnode]bool   // Linear/Affine nodes closing a cycle
	folded map[*fnode]bool   // Linear/Affine nodes folded into the recurrent layer they feed
}

func (cv *converter) note(format string, args ...any) {
	cv.notes = append(cv.notes, fmt.Sprintf(format, args...))
}

func (cv *converter) convert() error {
	var inputs, outputs []*fnode
	for _, f := range cv.fg.nodes {
		if !f.inner && f.node.Type == TypeInput {
			inputs = append(inputs, f)
		}
		if !f.inner && f.node.Type == TypeOutput {
			outputs = append(outputs, f)
		}
	}
	if len(inputs) == 0 || len(outputs) == 0 {
		return fmt.Errorf("the graph has %d Input and %d Output nodes; snnc needs at least one of each", len(inputs), len(outputs))
	}
	live := cv.live(inputs, outputs)
	for _, o := range outputs {
		if !live[o] {
			return fmt.Errorf("%s receives nothing from an Input node", o.desc())
		}
	}
	if err := cv.findLoops(live); err != nil {
		return err
	}
	order, err := cv.order(live)
	if err != nil {
		return err
	}
	for _, f := range inputs {
		name := "input"
		if len(inputs) > 1 {
			name = cv.name(f)
		}
		cv.value[f] = len(cv.net.inputs)
		cv.net.inputs = append(cv.net.inputs, port{name: name, node: f.name, shape: f.out})
	}
	for _, f := range order {
		if !f.inner && f.node.Type == TypeInput {
			continue
		}
		if err := cv.node(f); err != nil {
			return err
		}
	}
	for _, f := range outputs {
		name := "output"
		if len(outputs) > 1 {
			name = cv.name(f)
		}
		cv.net.outputs = append(cv.net.outputs, port{name: name, node: f.name, shape: f.out, value: cv.value[f]})
	}
	return nil
}

// live marks the nodes on a path from an Input to an Output node of the
// top graph, and notes the others, which are skipped.
func (cv *converter) live(inputs, outputs []*fnode) map[*fnode]bool {
	reach := func(start []*fnode, next func(*fnode) []*fnode) map[*fnode]bool {
		seen := map[*fnode]bool{}
		stack := slices.Clone(start)
		for len(stack) > 0 {
			f := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if seen[f] {
				continue
			}
			seen[f] = true
			stack = append(stack, next(f)...)
		}
		return seen
	}
	fwd := reach(inputs, func(f *fnode) []*fnode { return f.dsts })
	bwd := reach(outputs, func(f *fnode) []*fnode { return f.srcs })
	live := map[*fnode]bool{}
	var skipped []string
	for _, f := range cv.fg.nodes {
		switch {
		case fwd[f] && bwd[f]:
			live[f] = true
		case f.inner || f.node.Type != TypeInput:
			skipped = append(skipped, f.desc())
		}
	}
	if len(skipped) > 0 {
		cv.note("skipped %s: not on a path from an Input to an Output node", strings.Join(skipped, ", "))
	}
	return live
}

// findLoops finds the cycles among the live nodes. Each must be a neuron
// node and a Linear or Affine node feeding each other, which becomes a
// recurrent layer; anything else is an error naming the cycle.
func (cv *converter) findLoops(live map[*fnode]bool) error {
	cv.loop, cv.closes, cv.folded = map[*fnode]*fnode{}, map[*fnode]bool{}, map[*fnode]bool{}
	for _, comp := range components(cv.fg, live) {
		if len(comp) == 1 && !slices.Contains(comp[0].dsts, comp[0]) {
			continue
		}
		var n, l *fnode
		if len(comp) == 2 {
			for _, f := range comp {
				if isNeuron(f.node.Type) || f.node.Type == TypeThreshold {
					n = f
				} else if f.node.Type == TypeLinear || f.node.Type == TypeAffine {
					l = f
				}
			}
		}
		if n == nil || l == nil || len(l.srcs) != 1 || l.srcs[0] != n {
			return fmt.Errorf("the cycle %s is not a recurrent layer snnc supports: a neuron node and a Linear or Affine node that feed each other, the Linear/Affine node reading only the neurons",
				cyclePath(comp))
		}
		if len(n.out) != 1 {
			return fmt.Errorf("%s: a recurrent layer needs a 1-d population, not %v", n.desc(), n.out)
		}
		cv.loop[n], cv.closes[l] = l, true
	}
	// A Linear or Affine node that only feeds a recurrent neuron node
	// becomes the layer's input weights.
	for n, l := range cv.loop {
		var ff []*fnode
		for _, s := range n.srcs {
			if s != l {
				ff = append(ff, s)
			}
		}
		if len(ff) == 1 {
			f := ff[0]
			if (f.node.Type == TypeLinear || f.node.Type == TypeAffine) && !cv.closes[f] &&
				len(f.dsts) == 1 && len(f.srcs) > 0 && len(f.node.Params["weight"].Shape) == 2 {
				cv.folded[f] = true
			}
		}
	}
	return nil
}

// components returns the strongly connected components of the live nodes
// (Tarjan's algorithm), each in node order.
func components(fg *flatGraph, live map[*fnode]bool) [][]*fnode {
	index := map[*fnode]int{}
	low := map[*fnode]int{}
	onStack := map[*fnode]bool{}
	var stack []*fnode
	var comps [][]*fnode
	var visit func(f *fnode)
	visit = func(f *fnode) {
		index[f], low[f] = len(index), len(index)
		stack = append(stack, f)
		onStack[f] = true
		for _, d := range f.dsts {
			if !live[d] {
				continue
			}
			if _, seen := index[d]; !seen {
				visit(d)
				low[f] = min(low[f], low[d])
			} else if onStack[d] {
				low[f] = min(low[f], index[d])
			}
		}
		if low[f] == index[f] {
			var comp []*fnode
			for {
				top := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				onStack[top] = false
				comp = append(comp, top)
				if top == f {
					break
				}
			}
			slices.SortFunc(comp, func(a, b *fnode) int { return a.order - b.order })
			comps = append(comps, comp)
		}
	}
	for _, f := range fg.nodes {
		if _, seen := index[f]; live[f] && !seen {
			visit(f)
		}
	}
	return comps
}

// cyclePath describes a cycle through the nodes of a strongly connected
// component: "a (Linear) → b (LIF) → a (Linear)".
func cyclePath(comp []*fnode) string {
	in := map[*fnode]bool{}
	for _, f := range comp {
		in[f] = true
	}
	start := comp[0]
	path := []*fnode{start}
	seen := map[*fnode]bool{start: true}
	for cur := start; ; {
		var next *fnode
		for _, d := range cur.dsts {
			if d == start {
				next = d
				break
			}
			if in[d] && !seen[d] && next == nil {
				next = d
			}
		}
		if next == nil {
			break
		}
		path = append(path, next)
		if next == start {
			break
		}
		seen[next] = true
		cur = next
	}
	parts := make([]string, len(path))
	for i, f := range path {
		parts[i] = f.desc()
	}
	return strings.Join(parts, " → ")
}

// order sorts the live nodes so that every node comes after its sources,
// ignoring the edges that close recurrent cycles; ties go by name.
func (cv *converter) order(live map[*fnode]bool) ([]*fnode, error) {
	pending := map[*fnode]int{}
	var ready []*fnode
	for _, f := range cv.fg.nodes {
		if !live[f] {
			continue
		}
		for _, s := range f.srcs {
			if live[s] && !(cv.closes[s] && cv.loop[f] == s) {
				pending[f]++
			}
		}
		if pending[f] == 0 {
			ready = append(ready, f)
		}
	}
	var out []*fnode
	for len(ready) > 0 {
		f := ready[0]
		ready = ready[1:]
		out = append(out, f)
		for _, d := range f.dsts {
			if !live[d] || cv.closes[f] && cv.loop[d] == f {
				continue
			}
			if pending[d]--; pending[d] == 0 {
				i, _ := slices.BinarySearchFunc(ready, d, func(a, b *fnode) int { return a.order - b.order })
				ready = slices.Insert(ready, i, d)
			}
		}
	}
	if len(out) != len(live) {
		return nil, fmt.Errorf("the graph has a cycle snnc cannot order") // findLoops rules this out
	}
	return out, nil
}

// name returns the IR identifier of a node, unique in the graph.
func (cv *converter) name(f *fnode) string {
	if id, ok := cv.ident[f]; ok {
		return id
	}
	base := identifier(f.name)
	id := base
	for k := 2; cv.taken[id] || id == "input" || id == "output"; k++ {
		id = fmt.Sprintf("%s_%d", base, k)
	}
	cv.taken[id], cv.ident[f] = true, id
	return id
}

// identifier turns a NIR name into an IR identifier: letters, digits, '_'
// and '.', not starting with a digit or '.'.
func identifier(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9' || c == '.':
			if i == 0 {
				b.WriteByte('n')
			}
		default:
			c = '_'
		}
		b.WriteByte(c)
	}
	if b.Len() == 0 {
		return "n"
	}
	return b.String()
}

// args returns the values of f's sources.
func (cv *converter) args(srcs []*fnode) []int {
	out := make([]int, 0, len(srcs))
	for _, s := range srcs {
		out = append(out, cv.value[s])
	}
	return out
}

// emit appends layers for node f: the first reads args, each next one the
// previous; f's value is the last one's output.
func (cv *converter) emit(f *fnode, args []int, mods ...module.Module) {
	for _, m := range mods {
		cv.net.layers = append(cv.net.layers, layer{node: f.name, mod: m, args: args})
		v := len(cv.net.inputs) + len(cv.net.layers) - 1
		args = []int{v}
		cv.value[f] = v
	}
}

// node converts one live node.
func (cv *converter) node(f *fnode) error {
	n := f.node
	p := n.Params
	name := cv.name(f)
	args := cv.args(f.srcs)
	switch {
	case f.isPort():
		if len(args) == 1 {
			cv.value[f] = args[0]
		} else {
			cv.emit(f, args, identity{})
		}
		return nil
	case cv.folded[f]:
		return nil // built by the recurrent layer it feeds
	case cv.closes[f]:
		// The recurrent layer applies the weights to the previous step's
		// spikes; other readers of this node get them applied anew.
		if len(f.dsts) > 1 {
			cv.emit(f, args, linear(name, n))
		}
		return nil
	case cv.loop[f] != nil:
		return cv.recurrent(f)
	case isNeuron(n.Type) || n.Type == TypeThreshold:
		spec, err := cv.neuron(f)
		if err != nil {
			return err
		}
		var mods []module.Module
		if spec.scale != nil {
			mods = append(mods, &module.Scale{Name: name + "." + spec.scaleName, Factor: spec.scale})
		}
		cv.emit(f, args, append(mods, spec.module(name, cv.dt, f.out, nil))...)
		return nil
	}
	switch n.Type {
	case TypeAffine, TypeLinear:
		if len(p["weight"].Shape) != 2 {
			return fmt.Errorf("%s: weight of shape %v (a stack of matrices) is not supported; snnc's Linear takes [out, in]", f.desc(), shape(p["weight"].Shape))
		}
		cv.emit(f, args, linear(name, n))
	case TypeScale:
		factor := p["scale"].Data
		if v, ok := p["scale"].Uniform(); ok {
			factor = []float64{v} // one factor for all elements
		}
		cv.emit(f, args, &module.Scale{Name: name, Factor: factor})
	case TypeConv1d, TypeConv2d:
		mod, err := conv(f, name)
		if err != nil {
			return err
		}
		cv.emit(f, args, mod)
	case TypeSumPool2d, TypeAvgPool2d:
		k, _ := pairOf(p["kernel_size"], 2)
		var s, pad [2]int
		if t, ok := p["stride"]; ok {
			s, _ = pairOf(t, 2)
		}
		if t, ok := p["padding"]; ok {
			pad, _ = pairOf(t, 2)
		}
		if n.Type == TypeSumPool2d {
			cv.emit(f, args, &module.SumPool2d{Kernel: k, Stride: s, Padding: pad})
		} else {
			cv.emit(f, args, &module.AvgPool2d{Kernel: k, Stride: s, Padding: pad})
		}
	case TypeFlatten:
		if len(f.out) != 1 {
			return fmt.Errorf("%s: flattening dims %v..%v gives %v; snnc's Flatten joins all feature dims (start_dim 0, end_dim -1)",
				f.desc(), p["start_dim"].Data[0], p["end_dim"].Data[0], f.out)
		}
		cv.emit(f, args, module.Flatten{})
	case TypeDelay:
		mod, err := cv.delay(f, name)
		if err != nil {
			return err
		}
		cv.emit(f, args, mod)
	default:
		return fmt.Errorf("%s: snnc has no equivalent of node type %s", f.desc(), n.Type)
	}
	return nil
}

// linear converts an Affine or Linear node with a 2-d weight.
func linear(name string, n *Node) *module.Linear {
	w := n.Params["weight"]
	l := &module.Linear{Name: name, Out: w.Shape[0], In: w.Shape[1], Weight: w.Data}
	if b, ok := n.Params["bias"]; ok && n.Type == TypeAffine {
		l.Bias = b.Data
	}
	return l
}

// conv converts a Conv1d or Conv2d node. A bias of zeros is left out.
func conv(f *fnode, name string) (module.Module, error) {
	p := f.node.Params
	dims := 1
	if f.node.Type == TypeConv2d {
		dims = 2
	}
	w := p["weight"]
	groups := int(p["groups"].Data[0])
	stride, _ := pairOf(p["stride"], dims)
	dil, _ := pairOf(p["dilation"], dims)
	pad, msg := convPadding(f.node, dims)
	if msg != "" {
		return nil, fmt.Errorf("%s: %s", f.desc(), msg)
	}
	var bias []float64
	if b, ok := p["bias"]; ok && slices.ContainsFunc(b.Data, func(v float64) bool { return v != 0 }) {
		bias = b.Data
	}
	in, out := w.Shape[1]*groups, w.Shape[0]
	if dims == 1 {
		return &module.Conv1d{Name: name, In: in, Out: out, Kernel: w.Shape[2], Stride: stride[1], Padding: pad[1],
			Dilation: dil[1], Groups: groups, Weight: w.Data, Bias: bias}, nil
	}
	return &module.Conv2d{Name: name, In: in, Out: out, Kernel: [2]int{w.Shape[2], w.Shape[3]}, Stride: stride,
		Padding: pad, Dilation: dil, Groups: groups, Weight: w.Data, Bias: bias}, nil
}

// delay converts a Delay node: each delay in seconds becomes the nearest
// whole number of time steps.
func (cv *converter) delay(f *fnode, name string) (module.Module, error) {
	d := f.node.Params["delay"].Data
	steps := make([]int, len(d))
	var off []string
	distinct := map[int]bool{}
	for i, v := range d {
		k := math.Round(v / cv.dt)
		if k > maxDelaySteps {
			return nil, fmt.Errorf("%s: a delay of %g s is %g steps of %g s; snnc takes at most %d", f.desc(), v, k, cv.dt, maxDelaySteps)
		}
		if math.Abs(v/cv.dt-k) > 1e-6*max(1, k) && len(off) < 3 {
			off = append(off, fmt.Sprintf("%g s", v))
		}
		steps[i] = int(k)
		distinct[steps[i]] = true
	}
	if len(off) > 0 {
		cv.note("%s: delays %s are not whole multiples of dt = %g s; rounded to the nearest step", f.desc(), strings.Join(off, ", "), cv.dt)
	}
	if len(distinct) == 1 {
		return &module.Delay{Steps: steps[0]}, nil
	}
	if len(distinct)*len(steps) > maxElements {
		return nil, fmt.Errorf("%s: %d different delays over %d elements are too many", f.desc(), len(distinct), len(steps))
	}
	return &delayMix{name: name, steps: steps}, nil
}

// maxDelaySteps bounds a delay in time steps.
const maxDelaySteps = 1 << 24

// recurrent converts a neuron node n on a cycle n → l → n with l a Linear
// or Affine node. The layer's input at step t is x[t]·W_inᵀ + z[t−1]·W_recᵀ
// (the recurrent spikes arrive one step later), with the neurons' input
// scale folded into both matrices.
func (cv *converter) recurrent(n *fnode) error {
	l := cv.loop[n]
	spec, err := cv.neuron(n)
	if err != nil {
		return err
	}
	h := n.out[0]
	if h*h > maxElements {
		return fmt.Errorf("%s: a recurrent layer of %d neurons is too large", n.desc(), h)
	}
	scale := make([]float64, h)
	for i := range scale {
		scale[i] = 1
		if spec.scale != nil {
			scale[i] = spec.scale[min(i, len(spec.scale)-1)]
		}
	}
	rowScaled := func(w []float64, cols int) []float64 {
		out := make([]float64, len(w))
		for i := range out {
			out[i] = scale[i/cols] * w[i]
		}
		return out
	}
	diag := func() []float64 {
		d := make([]float64, h*h)
		for i := range h {
			d[i*h+i] = scale[i]
		}
		return d
	}
	wr := l.node.Params["weight"].Data
	var br []float64
	if b, ok := l.node.Params["bias"]; ok && l.node.Type == TypeAffine {
		br = b.Data
	}
	rec := &recurrence{hidden: h, wrec: rowScaled(wr, h)}
	for i := range h {
		rec.autapses = rec.autapses || wr[i*h+i] != 0
	}
	var ff []*fnode
	for _, s := range n.srcs {
		if s != l {
			ff = append(ff, s)
		}
	}
	if len(ff) == 0 {
		return fmt.Errorf("%s gets no input besides its recurrence", n.desc())
	}
	name := cv.name(n)
	args := cv.args(ff)
	var pre []module.Module
	if f := ff[0]; cv.folded[f] {
		fl := linear(cv.name(f), f.node)
		args = cv.args(f.srcs)
		bias := addBias(fl.Bias, br)
		if bias == nil {
			rec.in, rec.win = fl.In, rowScaled(fl.Weight, fl.In)
		} else {
			fl.Bias = bias
			pre = append(pre, fl)
			rec.in, rec.win = h, diag()
		}
	} else {
		rec.in, rec.win = h, diag()
		if addBias(nil, br) != nil {
			eye := make([]float64, h*h)
			for i := range h {
				eye[i*h+i] = 1
			}
			pre = append(pre, &module.Linear{Name: name + ".rec_bias", In: h, Out: h, Weight: eye, Bias: br})
		}
	}
	cv.emit(n, args, append(pre, spec.module(name, cv.dt, n.out, rec))...)
	return nil
}

// addBias returns a + b (either may be nil), or nil if the sum is all
// zeros.
func addBias(a, b []float64) []float64 {
	if a == nil {
		a, b = b, nil
	}
	if a == nil {
		return nil
	}
	sum := slices.Clone(a)
	for i := range b {
		sum[i] += b[i]
	}
	if !slices.ContainsFunc(sum, func(v float64) bool { return v != 0 }) {
		return nil
	}
	return sum
}

// neuronSpec is how a neuron node (or Threshold) becomes a layer: a model,
// its parameters where they are uniform, the per-neuron ones, and the
// scale of its input.
type neuronSpec struct {
	model  string // a functional model, or "threshold" / "integrator"
	params any    // pointer to the model's parameter struct
	bound  []boundParam
	// scale multiplies the input, one value or one per neuron; nil for none.
	scale     []float64
	scaleName string
	method    ir.Surrogate
	alpha     float64
}

// module returns the layer: module.Neuron or module.Recurrent when they
// can express it, a neuronLayer otherwise.
func (s *neuronSpec) module(name string, dt float64, pop []int, rec *recurrence) module.Module {
	if _, err := functional.LookupModel(s.model); err == nil && len(s.bound) == 0 {
		n := module.Neuron{Name: name, Model: s.model, Params: s.params, DT: dt}
		if rec == nil {
			return &n
		}
		return &module.Recurrent{Neuron: n, In: rec.in, Hidden: rec.hidden, InputWeights: rec.win,
			RecurrentWeights: rec.wrec, Autapses: rec.autapses}
	}
	step := func() (*ir.Step, error) {
		switch s.model {
		case "threshold":
			return thresholdStep(s.params.(*thresholdParams).threshold, s.method, s.alpha), nil
		case "integrator":
			return integratorStep(), nil
		}
		m, err := functional.LookupModel(s.model)
		if err != nil {
			return nil, err
		}
		return m.Build(s.params, dt), nil
	}
	return &neuronLayer{name: name, step: step, bound: s.bound, shape: pop, rec: rec}
}

type thresholdParams struct{ threshold float64 }

// neuron works out the layer for a neuron node; docs/nir.md derives each
// mapping.
func (cv *converter) neuron(f *fnode) (*neuronSpec, error) {
	n := f.node
	if mp := mappingForNode(n); mp != nil {
		return cv.mapped(f, mp)
	}
	if model, ok := n.Metadata[metaModel].(string); ok && !(n.Type == TypeCubaLIF && (model == "lif" || model == "lif_recurrent")) {
		cv.note("%s: its metadata names the neuron model %s, which has no %s mapping in this program (nir.RegisterModel); imported as NIR's %s",
			f.desc(), model, n.Type, n.Type)
	}
	p := n.Params
	spec := &neuronSpec{method: functional.Super, alpha: 100}
	if err := surrogateFrom(n.Metadata, spec); err != nil {
		return nil, fmt.Errorf("%s: metadata: %w", f.desc(), err)
	}
	// set returns the value of a parameter uniform over the neurons; a
	// non-uniform one is bound per neuron and the step keeps def.
	set := func(stepParam string, t Tensor, conv func(float64) float64, def float64) float64 {
		if v, ok := t.Uniform(); ok {
			return conv(v)
		}
		vals := make([]float64, len(t.Data))
		for i, v := range t.Data {
			vals[i] = conv(v)
		}
		spec.bound = append(spec.bound, boundParam{name: stepParam, values: vals})
		return def
	}
	id := func(v float64) float64 { return v }
	inv := func(v float64) float64 { return 1 / v }
	cv.checkEuler(f)
	switch n.Type {
	case TypeThreshold:
		spec.model = "threshold"
		spec.params = &thresholdParams{threshold: set("threshold", p["threshold"], id, 0)}
		return spec, nil
	case TypeI:
		spec.model = "integrator"
		spec.scale, spec.scaleName = unitScale(p["r"].Data), "r"
		return spec, nil
	case TypeIF:
		q := functional.DefaultIAFParameters()
		q.VTh = set("v_th", p["v_threshold"], id, q.VTh)
		q.VReset = set("v_reset", p["v_reset"], id, q.VReset)
		q.Method, q.Alpha = spec.method, spec.alpha
		spec.model, spec.params = "iaf", &q
		spec.scale, spec.scaleName = unitScale(p["r"].Data), "r"
	case TypeLI:
		q := functional.DefaultLIBoxParameters()
		q.TauMemInv = set("tau_mem_inv", p["tau"], inv, q.TauMemInv)
		q.VLeak = set("v_leak", p["v_leak"], id, q.VLeak)
		spec.model, spec.params = "li_box", &q
		spec.scale, spec.scaleName = unitScale(p["r"].Data), "r"
	case TypeLIF:
		q := functional.DefaultLIFBoxParameters()
		q.TauMemInv = set("tau_mem_inv", p["tau"], inv, q.TauMemInv)
		q.VLeak = set("v_leak", p["v_leak"], id, q.VLeak)
		q.VTh = set("v_th", p["v_threshold"], id, q.VTh)
		q.VReset = set("v_reset", p["v_reset"], id, q.VReset)
		q.Method, q.Alpha = spec.method, spec.alpha
		spec.model, spec.params = "lif_box", &q
		spec.scale, spec.scaleName = unitScale(p["r"].Data), "r"
	case TypeCubaLI:
		q := functional.DefaultLIParameters()
		q.TauSynInv = set("tau_syn_inv", p["tau_syn"], inv, q.TauSynInv)
		q.TauMemInv = set("tau_mem_inv", p["tau_mem"], inv, q.TauMemInv)
		q.VLeak = set("v_leak", p["v_leak"], id, q.VLeak)
		spec.model, spec.params = "li", &q
		spec.scale, spec.scaleName = cv.synapseScale(p), "syn_in"
	case TypeCubaLIF:
		q := functional.DefaultLIFParameters()
		q.TauSynInv = set("tau_syn_inv", p["tau_syn"], inv, q.TauSynInv)
		q.TauMemInv = set("tau_mem_inv", p["tau_mem"], inv, q.TauMemInv)
		q.VLeak = set("v_leak", p["v_leak"], id, q.VLeak)
		q.VTh = set("v_th", p["v_threshold"], id, q.VTh)
		q.VReset = set("v_reset", p["v_reset"], id, q.VReset)
		q.Method, q.Alpha = spec.method, spec.alpha
		spec.model, spec.params = "lif", &q
		if cv.loop[f] != nil {
			spec.model = "lif_recurrent" // Norse's LIFRecurrent: the reset is detached
		}
		if m, ok := n.Metadata[metaModel].(string); ok && (m == "lif" || m == "lif_recurrent") {
			spec.model = m
		}
		spec.scale, spec.scaleName = cv.synapseScale(p), "syn_in"
	default:
		return nil, fmt.Errorf("%s is not a neuron node", f.desc())
	}
	return spec, nil
}

// synapseScale is the input scale r·w_in·dt/τ_syn that turns NIR's
// current-based synapse into Norse's, whose input jumps the current.
func (cv *converter) synapseScale(p map[string]Tensor) []float64 {
	r, w, tau := p["r"].Data, p["w_in"].Data, p["tau_syn"].Data
	s := make([]float64, len(tau))
	for i := range s {
		s[i] = w[i] * cv.dt / tau[i] * r[i]
	}
	return unitScale(s)
}

// unitScale returns nil when every value is 1 within unitTolerance, one
// value when all are equal, else the values.
func unitScale(s []float64) []float64 {
	s = slices.Clone(s)
	for i, v := range s {
		if math.Abs(v-1) <= unitTolerance {
			s[i] = 1
		}
	}
	if len(s) == 0 {
		return nil
	}
	if v, ok := (Tensor{Data: s}).Uniform(); ok {
		if v == 1 {
			return nil
		}
		return []float64{v}
	}
	return s
}

// checkEuler notes time constants that forward Euler cannot follow at
// this dt: with dt/τ > 1 a decay overshoots zero every step.
func (cv *converter) checkEuler(f *fnode) {
	worst, name := 0.0, ""
	for _, ps := range schemas[f.node.Type] {
		if strings.HasPrefix(ps.name, "tau") {
			if tau := slices.Min(f.node.Params[ps.name].Data); cv.dt/tau > worst {
				worst, name = cv.dt/tau, ps.name
			}
		}
	}
	if worst > 1+1e-6 {
		cv.note("%s: dt/%s = %.3g at dt = %g s; forward Euler overshoots when dt exceeds a time constant (the file was likely made for dt ≤ %.3g s: pass --dt)",
			f.desc(), name, worst, cv.dt, cv.dt/worst)
	}
}

// Metadata keys snnc writes on neuron nodes when the defaults would not
// give back the model it exported.
const (
	metaModel     = "snnc_model"     // the functional model: lif or lif_recurrent for a CubaLIF, or a registered model (RegisterModel)
	metaSurrogate = "snnc_surrogate" // the threshold's surrogate method, e.g. "super"
	metaAlpha     = "snnc_alpha"     // the surrogate's alpha
)

// surrogateFrom reads the surrogate snnc stored in a node's metadata.
func surrogateFrom(m Metadata, spec *neuronSpec) error {
	if s, ok := m[metaSurrogate].(string); ok {
		method, err := ir.ParseSurrogate(s)
		if err != nil {
			return err
		}
		spec.method = method
	}
	if a, ok := m[metaAlpha].(float64); ok {
		spec.alpha = a
	}
	return nil
}
