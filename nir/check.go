package nir

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
)

// maxElements bounds the size of any shape a file declares (2^26 values),
// so that a hostile file cannot make the importer allocate without limit.
const maxElements = 1 << 26

// maxWindow bounds kernel sizes, strides, dilations and paddings.
const maxWindow = 1 << 20

// A Problem is one inconsistency of a graph.
type Problem struct {
	// Nodes are the qualified names of the nodes involved: "x" for node x
	// of the top graph, "sub.x" for node x of the nested graph sub.
	Nodes []string
	// Message says what disagrees, naming the nodes.
	Message string
	// Repairable is set when Repair (snnc's --lenient) can fix it.
	Repairable bool
	// Err is the sentinel error the problem is a case of, for errors.Is:
	// ErrUnknownNodeType, ErrParamShape or ErrParamValue; nil for others.
	Err error
}

func (p Problem) String() string {
	if p.Repairable {
		return p.Message + " (--lenient repairs this)"
	}
	return p.Message
}

// Check reports the inconsistencies of g: edges naming missing nodes,
// missing or malformed parameters, and shapes that disagree along edges
// (a nested graph's Input that does not match what enters it, an Output
// that does not match what it receives, a layer whose weights do not fit
// its input). It does not change g.
func (g *Graph) Check() []Problem {
	c := &checker{}
	c.run(g)
	return c.problems
}

// Repair fixes the inconsistencies that have one unambiguous repair, in
// place, and returns a sentence for each change and the problems that
// remain. It repairs:
//
//   - an edge end naming a missing node, when exactly one node that no
//     edge mentions has a name of which it is a prefix or that is a prefix
//     of it ("lif" for "lif1");
//   - repeated edges, by dropping the repeats;
//   - the shape of an Output node that differs from what it receives, and
//     of a nested graph's Input that differs from what enters it;
//   - the shape of the top graph's Input when every node it feeds wants
//     one other shape;
//   - a Conv's input_shape or a Flatten's input_type that differs from the
//     actual input;
//   - a Flatten that keeps a leading dim (start_dim 1, a PyTorch habit)
//     when what it feeds wants everything flattened.
func (g *Graph) Repair() (changes []string, remaining []Problem) {
	c := &checker{repair: true}
	c.run(g)
	return c.notes, c.problems
}

// checker runs the checks of one graph.
type checker struct {
	repair   bool
	problems []Problem
	notes    []string
	fixes    []func() // repairs found in this pass
	flat     *flatGraph
}

func (c *checker) problem(repairable bool, nodes []string, format string, args ...any) {
	c.problems = append(c.problems, Problem{Nodes: nodes, Message: fmt.Sprintf(format, args...), Repairable: repairable})
}

// note records a change; the same repair found through several nodes is
// told once.
func (c *checker) note(format string, args ...any) {
	if msg := fmt.Sprintf(format, args...); !slices.Contains(c.notes, msg) {
		c.notes = append(c.notes, msg)
	}
}

// run checks g. With repair set, it applies the fixes it finds and checks
// again until nothing more can be fixed.
func (c *checker) run(g *Graph) {
	c.structure(g, "")
	if len(c.problems) > 0 {
		return
	}
	for round := 0; ; round++ {
		c.problems, c.fixes = nil, nil
		c.flat = c.flatten(g)
		if len(c.problems) > 0 {
			return
		}
		c.shapes(c.flat)
		if !c.repair || len(c.fixes) == 0 || round > 8 {
			return
		}
		for _, fix := range c.fixes {
			fix()
		}
	}
}

// shapes validates every node's parameters, infers the shape of every
// value and reports where shapes disagree.
func (c *checker) shapes(fg *flatGraph) {
	for _, f := range fg.nodes {
		f.out = nil
		faults := validate(f.node)
		f.valid = len(faults) == 0
		for _, flt := range faults {
			c.problems = append(c.problems, Problem{Nodes: []string{f.name}, Message: f.desc() + ": " + flt.msg, Err: flt.kind})
		}
	}
	// Propagate shapes to a fixed point: recurrent cycles pass through
	// nodes whose output shape their parameters fix, so this converges.
	for range len(fg.nodes) + 2 {
		changed := false
		for _, f := range fg.nodes {
			out := inferOut(f, commonInput(f))
			if !slices.Equal(out, f.out) || (out == nil) != (f.out == nil) {
				f.out, changed = out, true
			}
		}
		if !changed {
			break
		}
	}
	for _, f := range fg.nodes {
		if f.valid {
			c.checkNode(f)
		}
	}
}

// commonInput returns the shape of f's input if its sources agree on one,
// else nil.
func commonInput(f *fnode) shape {
	var in shape
	for _, s := range f.srcs {
		if s.out == nil {
			continue
		}
		if in == nil {
			in = s.out
		} else if !slices.Equal(in, s.out) {
			return nil
		}
	}
	return in
}

// inferOut is the output shape of f for input in (nil: unknown).
func inferOut(f *fnode, in shape) shape {
	if !f.valid {
		return nil
	}
	switch f.node.Type {
	case TypeInput:
		if f.inner && in != nil {
			return in
		}
		return declaredShape(f.node)
	case TypeOutput:
		if in != nil {
			return in
		}
		return declaredShape(f.node)
	}
	out, _ := outShape(f.node, in)
	return out
}

// declaredShape is the "shape" of an Input or Output node.
func declaredShape(n *Node) shape {
	s, _ := intList(n.Params["shape"])
	return s
}

// checkNode reports the disagreements between f and its sources.
func (c *checker) checkNode(f *fnode) {
	var known []*fnode
	for _, s := range f.srcs {
		if s.out != nil {
			known = append(known, s)
		}
	}
	for _, s := range known[min(1, len(known)):] {
		if !slices.Equal(s.out, known[0].out) {
			parts := make([]string, len(known))
			names := make([]string, len(known)+1)
			for i, k := range known {
				parts[i] = fmt.Sprintf("%s gives %v", k.desc(), k.out)
				names[i] = k.name
			}
			names[len(known)] = f.name
			c.problem(false, names, "%s sums inputs of different shapes: %s", f.desc(), strings.Join(parts, ", "))
			return
		}
	}
	var in shape
	from := ""
	if len(known) > 0 {
		in = known[0].out
		from = " from " + descList(known)
	}
	n := f.node
	switch {
	case n.Type == TypeInput && !f.inner:
		return // edges into it were reported by structure
	case f.isPort():
		declared := declaredShape(n)
		if in == nil || slices.Equal(declared, in) {
			return
		}
		what := "it receives"
		if n.Type == TypeInput {
			what = "what enters the nested graph is"
		}
		c.problem(true, []string{f.name, known[0].name}, "%s has shape %v, but %s %v%s", f.desc(), declared, what, in, from)
		c.fix(func() {
			n.Params["shape"] = Ints(in...)
			c.note("set the shape of %s from %v to %v, the shape it receives%s", f.desc(), declared, in, from)
		})
		return
	}
	if in == nil {
		return
	}
	_, err := outShape(n, in)
	if err == nil {
		return
	}
	names := []string{f.name}
	for _, k := range known {
		names = append(names, k.name)
	}
	msg := fmt.Sprintf("%s: %s%s", f.desc(), err.msg, from)
	if err.msg == "" {
		msg = fmt.Sprintf("%s gets input of shape %v%s, but its parameters want %v", f.desc(), in, from, err.want)
	}
	switch {
	case err.fixOwn != nil:
		c.problem(true, names, "%s", msg)
		fix := err.fixOwn
		c.fix(func() { c.note("%s: %s", f.desc(), fix()) })
	case err.want != nil && len(known) == 1 && c.sourceFix(known[0], err.want):
		c.problem(true, names, "%s", msg)
	default:
		c.problem(false, names, "%s", msg)
	}
}

// fix records a repair to apply after this pass.
func (c *checker) fix(f func()) {
	if c.repair {
		c.fixes = append(c.fixes, f)
	}
}

// sourceFix looks for a repair of src that gives its consumers the shape
// want: the top graph's Input, when everything it feeds wants that shape,
// or a Flatten that kept a leading dim.
func (c *checker) sourceFix(src *fnode, want shape) bool {
	n := src.node
	switch {
	case n.Type == TypeInput && !src.inner:
		for _, d := range src.dsts {
			if d.valid && !d.isPort() {
				if w := wantedInput(d.node); w != nil && !slices.Equal(w, want) {
					return false
				}
			}
		}
		old := declaredShape(n)
		c.fix(func() {
			n.Params["shape"] = Ints(want...)
			c.note("set the shape of %s from %v to %v, the shape every node it feeds wants", src.desc(), old, want)
		})
		return true
	case n.Type == TypeFlatten:
		in := commonInput(src)
		if in == nil || len(want) != 1 || size(in) != want[0] {
			return false
		}
		c.fix(func() {
			n.Params["start_dim"], n.Params["end_dim"] = Scalar(0), Scalar(-1)
			c.note("%s: flatten all dims (start_dim 0, end_dim -1) of its input %v, as the node it feeds wants %v", src.desc(), in, want)
		})
		return true
	}
	return false
}

// wantedInput is the input shape n's parameters imply, or nil.
func wantedInput(n *Node) shape {
	if param, ok := isElementwise(n.Type); ok {
		if t := n.Params[param]; size(t.Shape) != 1 || len(t.Shape) > 1 {
			return shape(t.Shape)
		}
		return nil
	}
	if isNeuron(n.Type) {
		return population(n)
	}
	if n.Type == TypeAffine || n.Type == TypeLinear {
		w := n.Params["weight"].Shape
		return append(shape(slices.Clone(w[:len(w)-2])), w[len(w)-1])
	}
	return nil
}

func descList(fs []*fnode) string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = f.desc()
	}
	return strings.Join(parts, " and ")
}

// shapeErr says why an input shape does not fit a node.
type shapeErr struct {
	// msg says what does not fit; empty when the input is simply not the
	// shape want.
	msg string
	// want is the input shape the node's parameters imply, if they do.
	want shape
	// fixOwn, if set, repairs the node's own declaration (a Conv's
	// input_shape, a Flatten's input_type) and says what it changed.
	fixOwn func() string
}

// outShape computes the output shape of a validated node for the input
// shape in (nil: unknown). The output may be known even when the input
// does not fit, so that checking can go on downstream.
func outShape(n *Node, in shape) (shape, *shapeErr) {
	p := n.Params
	mismatch := func(want shape) *shapeErr {
		if in == nil || slices.Equal(in, want) {
			return nil
		}
		return &shapeErr{want: want}
	}
	if param, ok := isElementwise(n.Type); ok {
		t := p[param]
		if size(t.Shape) == 1 && len(t.Shape) <= 1 {
			return in, nil
		}
		return shape(t.Shape), mismatch(t.Shape)
	}
	if isNeuron(n.Type) {
		pop := population(n)
		return pop, mismatch(pop)
	}
	switch n.Type {
	case TypeAffine, TypeLinear:
		w := p["weight"].Shape
		want := append(slices.Clone(w[:len(w)-2]), w[len(w)-1])
		return shape(w[:len(w)-1]), mismatch(want)
	case TypeConv1d, TypeConv2d:
		return convOut(n, in)
	case TypeSumPool2d, TypeAvgPool2d:
		if in == nil {
			return nil, nil
		}
		if len(in) != 3 {
			return nil, &shapeErr{msg: fmt.Sprintf("gets input of shape %v; pooling wants [C,H,W]", in)}
		}
		k, _ := pairOf(p["kernel_size"], 2)
		s, pad := k, [2]int{}
		if t, ok := p["stride"]; ok {
			s, _ = pairOf(t, 2)
		}
		if t, ok := p["padding"]; ok {
			pad, _ = pairOf(t, 2)
		}
		out := shape{in[0], 0, 0}
		for d := range 2 {
			o, err := windowOut(in[1+d], k[d], s[d], pad[d], 1)
			if err != "" {
				return nil, &shapeErr{msg: fmt.Sprintf("input %v: %s", in, err)}
			}
			out[1+d] = o
		}
		return out, nil
	case TypeFlatten:
		return flattenOut(n, in)
	}
	return nil, nil
}

// population is the neurons' shape: that of the node's parameters.
func population(n *Node) shape {
	specs, _ := schemaOf(n.Type)
	for _, ps := range specs {
		if t, ok := n.Params[ps.name]; ok {
			return shape(t.Shape)
		}
	}
	return nil
}

// convOut is the output shape of a Conv1d or Conv2d node.
func convOut(n *Node, in shape) (shape, *shapeErr) {
	p := n.Params
	dims := 1
	if n.Type == TypeConv2d {
		dims = 2
	}
	w := p["weight"].Shape
	groups := int(p["groups"].Data[0])
	var declared shape
	if t, ok := p["input_shape"]; ok {
		declared, _ = intList(t)
	}
	var fixOwn func() string
	if in != nil && declared != nil && len(in) == dims+1 && !slices.Equal(in[1:], declared) {
		actual := slices.Clone(in[1:])
		fixOwn = func() string {
			if dims == 1 {
				p["input_shape"] = Scalar(float64(actual[0]))
			} else {
				p["input_shape"] = Ints(actual...)
			}
			return fmt.Sprintf("set input_shape from %v to %v, the input's spatial shape", declared, actual)
		}
	}
	if in == nil && declared != nil {
		in = append(shape{w[1] * groups}, declared...)
	}
	if in == nil {
		return nil, nil
	}
	want := shape{w[1] * groups}
	if len(in) != dims+1 || in[0] != want[0] {
		return nil, &shapeErr{msg: fmt.Sprintf("gets input of shape %v; its weight %v with groups=%d wants %d channels and %d spatial dims",
			in, shape(w), groups, want[0], dims)}
	}
	stride, _ := pairOf(p["stride"], dims)
	dil, _ := pairOf(p["dilation"], dims)
	pad, err := convPadding(n, dims)
	if err != "" {
		return nil, &shapeErr{msg: err}
	}
	out := shape{w[0]}
	for d := range dims {
		k := 2 - dims + d // 1-d convolutions use the second entry of pairs
		o, err := windowOut(in[1+d], w[2+d], stride[k], pad[k], dil[k])
		if err != "" {
			return nil, &shapeErr{msg: fmt.Sprintf("input %v: %s", in, err)}
		}
		out = append(out, o)
	}
	if fixOwn != nil {
		return out, &shapeErr{msg: fmt.Sprintf("input_shape is %v, but the input is %v", declared, in), fixOwn: fixOwn}
	}
	return out, nil
}

// convPadding returns a convolution's padding as (height, width) pairs;
// 1-d convolutions use the width entry. "same" pads symmetrically and
// needs an even total padding, d·(k−1), in every dim.
func convPadding(n *Node, dims int) ([2]int, string) {
	switch mode := n.Strings["padding"]; mode {
	case "":
		pad, _ := pairOf(n.Params["padding"], dims)
		return pad, ""
	case "valid":
		return [2]int{}, ""
	case "same":
		w := n.Params["weight"].Shape
		dil, _ := pairOf(n.Params["dilation"], dims)
		var pad [2]int
		for d := range dims {
			k := 2 - dims + d
			total := dil[k] * (w[2+d] - 1)
			if total%2 != 0 {
				return pad, fmt.Sprintf(`padding "same" with kernel %d and dilation %d pads unevenly (%d+%d), which snnc's symmetric padding cannot express`,
					w[2+d], dil[k], total/2, total-total/2)
			}
			pad[k] = total / 2
		}
		return pad, ""
	default:
		return [2]int{}, fmt.Sprintf("padding %q is neither a number, \"same\" nor \"valid\"", mode)
	}
}

// flattenOut is the output shape of a Flatten node.
func flattenOut(n *Node, in shape) (shape, *shapeErr) {
	p := n.Params
	var declared shape
	if t, ok := p["input_type"]; ok {
		declared, _ = intList(t)
	}
	var fixOwn func() string
	if in != nil && declared != nil && !slices.Equal(in, declared) {
		actual := slices.Clone(in)
		fixOwn = func() string {
			p["input_type"] = Ints(actual...)
			return fmt.Sprintf("set input_type from %v to %v, the actual input", declared, actual)
		}
	}
	if in == nil {
		in = declared
	}
	if in == nil {
		return nil, nil
	}
	start, end := int(p["start_dim"].Data[0]), int(p["end_dim"].Data[0])
	r := len(in)
	if start < 0 {
		start += r
	}
	if end < 0 {
		end += r
	}
	if start < 0 || end >= r || start > end {
		return nil, &shapeErr{msg: fmt.Sprintf("start_dim %v and end_dim %v do not fit an input of shape %v",
			p["start_dim"].Data[0], p["end_dim"].Data[0], in)}
	}
	out := append(slices.Clone(in[:start]), size(in[start:end+1]))
	out = append(out, in[end+1:]...)
	if fixOwn != nil {
		return out, &shapeErr{msg: fmt.Sprintf("input_type is %v, but the input is %v", declared, in), fixOwn: fixOwn}
	}
	return out, nil
}

// windowOut is PyTorch's output length of a window over n elements, or why
// the window does not fit.
func windowOut(n, k, stride, pad, dil int) (int, string) {
	span := dil*(k-1) + 1
	if n+2*pad < span {
		return 0, fmt.Sprintf("a window of %d (kernel %d, dilation %d) does not fit %d elements with padding %d", span, k, dil, n, pad)
	}
	return (n+2*pad-span)/stride + 1, ""
}

// A fault is one thing wrong with a node's parameters: a message and the
// sentinel error it is a case of, if any.
type fault struct {
	msg  string
	kind error
}

// validate checks a node's parameters against its type's schema and
// returns what is wrong, one fault each.
func validate(n *Node) []fault {
	specs, ok := schemaOf(n.Type)
	if !ok {
		return []fault{{unknownType(n), ErrUnknownNodeType}}
	}
	var faults []fault
	// The parameters of a neuron are one value per neuron: a missing or
	// malformed one is a shape problem.
	var kind error
	if isNeuron(n.Type) {
		kind = ErrParamShape
	}
	bad := func(format string, args ...any) { faults = append(faults, fault{fmt.Sprintf(format, args...), kind}) }
	if _, builtin := schemas[n.Type]; !builtin {
		// A node type of a model's own has exactly its parameters.
		for _, name := range slices.Sorted(maps.Keys(n.Params)) {
			if !slices.ContainsFunc(specs, func(ps paramSpec) bool { return ps.name == name }) {
				bad("parameter %s is not one of %s's (%s)", name, n.Type, specNames(specs))
			}
		}
		for _, name := range slices.Sorted(maps.Keys(n.Strings)) {
			bad("%s is a string; %s's parameters are numbers", name, n.Type)
		}
	}
	for _, ps := range specs {
		t, ok := n.Params[ps.name]
		_, isString := n.Strings[ps.name]
		switch {
		case isString && ps.kind != intOrStringParam:
			bad("%s is a string; it must be a number", ps.name)
		case !ok && !isString && !ps.optional:
			bad("parameter %s is missing", ps.name)
		case ok && size(t.Shape) != len(t.Data):
			bad("%s has %d values for shape %v", ps.name, len(t.Data), t.Shape)
		case ok && ps.kind != floatParam:
			for _, v := range t.Data {
				if v != math.Trunc(v) || math.Abs(v) > maxElements {
					bad("%s holds %v, which is not an integer in range", ps.name, v)
					break
				}
			}
		}
	}
	if len(faults) > 0 {
		return faults
	}
	p := n.Params
	switch {
	case n.Type == TypeInput || n.Type == TypeOutput:
		s, ok := intList(p["shape"])
		if !ok || !validShape(s) {
			bad("shape %v is not a list of positive sizes of at most %d values", p["shape"].Data, maxElements)
		}
	case n.Type == TypeAffine || n.Type == TypeLinear:
		w := p["weight"].Shape
		if len(w) < 2 || !validShape(w) {
			bad("weight has shape %v; it must be [..., out, in]", shape(w))
		} else if b, ok := p["bias"]; ok && !slices.Equal(b.Shape, w[:len(w)-1]) {
			bad("bias has shape %v, but weight %v has %d outputs", shape(b.Shape), shape(w), w[len(w)-2])
		}
	case n.Type == TypeConv1d || n.Type == TypeConv2d:
		for _, m := range validateConv(n) {
			bad("%s", m)
		}
	case n.Type == TypeSumPool2d || n.Type == TypeAvgPool2d:
		for _, name := range []string{"kernel_size", "stride", "padding"} {
			t, ok := p[name]
			if !ok {
				continue
			}
			v, ok := pairOf(t, 2)
			lo := 1
			if name == "padding" {
				lo = 0
			}
			if !ok || v[0] < lo || v[1] < lo || v[0] > maxWindow || v[1] > maxWindow {
				bad("%s %v must be one or two integers from %d to %d", name, t.Data, lo, maxWindow)
			}
		}
	case n.Type == TypeFlatten:
		if len(p["start_dim"].Data) != 1 || len(p["end_dim"].Data) != 1 {
			bad("start_dim and end_dim must be single integers")
		}
		if t, ok := p["input_type"]; ok {
			if s, ok := intList(t); !ok || !validShape(s) {
				bad("input_type %v is not a list of positive sizes", t.Data)
			}
		}
	case n.Type == TypeDelay:
		for _, v := range p["delay"].Data {
			if !(v >= 0) || math.IsInf(v, 0) {
				bad("delay %v must be a finite number of seconds ≥ 0", v)
				break
			}
		}
	}
	if param, ok := isElementwise(n.Type); ok && !validShape(p[param].Shape) {
		bad("%s has shape %v", param, shape(p[param].Shape))
	}
	if isNeuron(n.Type) {
		faults = append(faults, validateNeuron(n)...)
	}
	return faults
}

// unknownType says that n's type is not one snnc knows, and for a node
// snnc wrote for a registered model, what reads it.
func unknownType(n *Node) string {
	if model, ok := n.Metadata[metaModel].(string); ok {
		return fmt.Sprintf("unknown node type %q: snnc wrote it for the registered neuron model %s, which this program has no NIR mapping for (a program that imports the model's package, whose init calls nir.RegisterModel, reads it)",
			n.Type, model)
	}
	return fmt.Sprintf("unknown node type %q (NIR has %s; other types need a mapping registered with nir.RegisterModel)", n.Type, strings.Join(Types, ", "))
}

// validateNeuron checks that a neuron node's parameters share one shape
// and that the time constants of NIR's neurons are positive (a mapping's
// FromNIR checks the values of a node type of a model's own).
func validateNeuron(n *Node) []fault {
	var faults []fault
	pop := population(n)
	specs, _ := schemaOf(n.Type)
	_, builtin := schemas[n.Type]
	for _, ps := range specs {
		t := n.Params[ps.name]
		if !slices.Equal(t.Shape, pop) {
			faults = append(faults, fault{fmt.Sprintf("%s has shape %v, but %s has %v: a neuron's parameters share one shape",
				ps.name, shape(t.Shape), specs[0].name, pop), ErrParamShape})
			continue
		}
		if builtin && strings.HasPrefix(ps.name, "tau") {
			for _, v := range t.Data {
				if !(v > 0) || math.IsInf(v, 0) {
					faults = append(faults, fault{fmt.Sprintf("%s holds %v; time constants must be positive", ps.name, v), ErrParamValue})
					break
				}
			}
		}
	}
	if len(faults) == 0 && !validShape(pop) {
		faults = append(faults, fault{fmt.Sprintf("parameters of shape %v do not describe a population of 1 to %d neurons", pop, maxElements), ErrParamShape})
	}
	return faults
}

// validateConv checks a convolution's weight and window parameters.
func validateConv(n *Node) []string {
	var msgs []string
	bad := func(format string, args ...any) { msgs = append(msgs, fmt.Sprintf(format, args...)) }
	p := n.Params
	dims := 1
	if n.Type == TypeConv2d {
		dims = 2
	}
	w := p["weight"].Shape
	if len(w) != dims+2 || !validShape(w) {
		return []string{fmt.Sprintf("weight has shape %v; it must be [out, in/groups%s]", shape(w), strings.Repeat(", k", dims))}
	}
	if b, ok := p["bias"]; ok && !slices.Equal(b.Shape, w[:1]) {
		bad("bias has shape %v, but the weight has %d output channels", shape(b.Shape), w[0])
	}
	if g := p["groups"].Data; len(g) != 1 || g[0] < 1 || w[0]%int(g[0]) != 0 || w[1]*int(g[0]) > maxElements {
		bad("groups %v must be one positive integer dividing the %d output channels", g, w[0])
	}
	for _, name := range []string{"stride", "dilation"} {
		v, ok := pairOf(p[name], dims)
		if !ok || v[0] < 1 || v[1] < 1 || v[0] > maxWindow || v[1] > maxWindow {
			bad("%s %v must be %s from 1 to %d", name, p[name].Data, plural(dims == 1, "an integer", "one or two integers"), maxWindow)
		}
	}
	if mode := n.Strings["padding"]; mode == "" {
		v, ok := pairOf(p["padding"], dims)
		if !ok || v[0] < 0 || v[1] < 0 || v[0] > maxWindow || v[1] > maxWindow {
			bad("padding %v must be %s from 0 to %d, \"same\" or \"valid\"", p["padding"].Data, plural(dims == 1, "an integer", "one or two integers"), maxWindow)
		}
	} else if mode == "same" {
		if s, ok := pairOf(p["stride"], dims); ok && (s[0] != 1 || s[1] != 1) {
			bad("padding \"same\" needs stride 1 (as in PyTorch), not %v", p["stride"].Data)
		}
	}
	if t, ok := p["input_shape"]; ok {
		s, ok := intList(t)
		if !ok || len(s) != dims || !validShape(s) {
			bad("input_shape %v must be %d positive size%s", t.Data, dims, plural(dims == 1, "", "s"))
		}
	}
	return msgs
}

// validShape reports whether every dim is positive and the total size is
// at most maxElements.
func validShape(s []int) bool {
	n := 1
	for _, d := range s {
		if d <= 0 || d > maxElements || n > maxElements/d {
			return false
		}
		n *= d
	}
	return true
}

// intList returns an integer tensor's values; a scalar gives one value.
func intList(t Tensor) (shape, bool) {
	if len(t.Shape) > 1 {
		return nil, false
	}
	out := make(shape, len(t.Data))
	for i, v := range t.Data {
		if v != math.Trunc(v) || math.Abs(v) > maxElements {
			return nil, false
		}
		out[i] = int(v)
	}
	return out, true
}

// pairOf returns a window parameter as a (height, width) pair: a scalar
// (or a one-element array) fills both entries, two values are (h, w). For
// 1-d windows (dims = 1) only one value is allowed and both entries hold it.
func pairOf(t Tensor, dims int) ([2]int, bool) {
	v, ok := intList(t)
	switch {
	case !ok:
		return [2]int{}, false
	case len(v) == 1:
		return [2]int{v[0], v[0]}, true
	case len(v) == 2 && dims == 2:
		return [2]int{v[0], v[1]}, true
	}
	return [2]int{}, false
}
