package ir

import (
	"fmt"
	"strconv"
	"strings"
)

// GraphOp is the operation of a graph Node.
type GraphOp uint8

const (
	GInvalid      GraphOp = iota
	GInput                // a [T][B][shape...] sequence the caller gives
	GParam                // a named tensor of static shape: weights, biases, per-neuron parameters
	GLinear               // x·Wᵀ + b over the last feature dim; args x, W [out][in], optional b [out]
	GConv1d               // args x [C][L], W [out][C/groups][K], optional b
	GConv2d               // args x [C][H][W], W [out][C/groups][KH][KW], optional b
	GFlatten              // all feature dims into one
	GSumPool2d            // sum over Kernel windows of [C][H][W]
	GAvgPool2d            // mean over Kernel windows (zero padding counts)
	GScale                // x·s, s a param of x's feature shape or a scalar
	GAdd                  // elementwise sum of two sequences of one shape
	GDelay                // y[t] = x[t−Delay], 0 for t < Delay
	GNeuron               // Step applied elementwise over time; args the step's inputs, then bound params
	GRecurrent            // recurrent cell: Step's input is x·W_inᵀ + z[t−1]·W_recᵀ; args x, W_in, W_rec, bound params
	GSumTime              // Σ_t x[t]: a [B][shape] batch value
	GMeanTime             // Σ_t x[t] / T
	GMSE                  // mean((x − target)²) over every element; a scalar
	GCrossEntropy         // softmax cross-entropy of batch logits x [B][classes] against labels [B] (class indices)
	GPoisson              // Norse's Poisson encoder: spike where a seeded uniform draw < dt·f_max·x (encode.go)
	numGraphOps
)

func (op GraphOp) String() string {
	if op < numGraphOps {
		return graphOps[op].name
	}
	return fmt.Sprintf("graphop(%d)", uint8(op))
}

// Kind says which dims a graph value has beyond its static Shape.
type Kind uint8

const (
	Static   Kind = iota // Shape only: parameters and scalars
	Sequence             // [T][B][Shape...], T and B given at run time
	Batch                // [B][Shape...]: reductions over time
)

// Type is the kind and static shape of a graph value.
type Type struct {
	Kind  Kind
	Shape []int
}

// Size is the number of elements per time step and batch entry.
func (t Type) Size() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

func (t Type) String() string {
	dims := make([]string, len(t.Shape))
	for i, d := range t.Shape {
		dims[i] = strconv.Itoa(d)
	}
	s := "[" + strings.Join(dims, ",") + "]"
	switch t.Kind {
	case Sequence:
		return "seq" + s
	case Batch:
		return "batch" + s
	}
	return s
}

func (t Type) equal(u Type) bool {
	if t.Kind != u.Kind || len(t.Shape) != len(u.Shape) {
		return false
	}
	for i := range t.Shape {
		if t.Shape[i] != u.Shape[i] {
			return false
		}
	}
	return true
}

// Window holds the geometry attributes of convolutions and pooling, as
// (height, width) pairs; 1-d ops use the width entry.
type Window struct {
	Kernel   [2]int // pooling only; convolutions take it from the weight
	Stride   [2]int
	Padding  [2]int
	Dilation [2]int
	Groups   int
}

// A Node is one value of a Graph.
type Node struct {
	ID   int
	Op   GraphOp
	Args []*Node
	Type Type

	Name     string   // GInput, GParam: the name callers and weight files use
	Window   Window   // GConv1d, GConv2d, GSumPool2d, GAvgPool2d
	Delay    int      // GDelay
	Step     *Step    // GNeuron, GRecurrent
	Bind     []string // GNeuron, GRecurrent: the step params bound to the trailing args
	Autapses bool     // GRecurrent: keep the diagonal of W_rec
	Spikes   bool     // GInput: the caller promises values 0 or 1; runs check it
	Poisson  Poisson  // GPoisson

	// Sched holds the fusion passes' decisions for this node. They never
	// change what the node computes, only how a backend computes it, so
	// the interpreter ignores them.
	Sched Schedule
}

// Schedule is how backends compute a node, as the fusion passes decided.
type Schedule struct {
	// FuseTime (neuron, recurrent): one kernel runs all T time steps with
	// the neurons' state kept in registers or L1 between steps, instead of
	// one kernel call per step.
	FuseTime bool
	// Adjoint (neuron, recurrent): the optimized adjoint step one
	// reverse-time kernel runs for backpropagation; it is one of the
	// graph's Steps. The forward kernel saves only the states it reads.
	Adjoint *Step
	// SpikeInput (linear): the input is spikes, 0 or 1, so the product is
	// an event-driven accumulation of weight columns over active inputs.
	SpikeInput bool
	// Epilogue (linear): the product is computed inside the kernel of its
	// only user, a time-fused neuron layer, one tile of outputs at a time,
	// and the neurons step on the tile while it is in L1: the currents
	// never go to memory.
	Epilogue bool
	// Buffer is where the node's value lives during a forward pass: 0 in
	// a buffer of its own, k > 0 in shared buffer k (nodes sharing one are
	// never live at the same time), BufferOutput in the caller's output.
	Buffer int
}

// BufferOutput is the Schedule.Buffer of a node computed straight into the
// caller's output.
const BufferOutput = -1

// String returns "n12".
func (n *Node) String() string { return "n" + strconv.Itoa(n.ID) }

// LongString returns the node's line in the text form.
func (n *Node) LongString() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%v = %v", n, n.Op)
	switch n.Op {
	case GInput, GParam:
		b.WriteString(" " + n.Name)
		if n.Spikes {
			b.WriteString(" spikes=true")
		}
	case GPoisson:
		b.WriteString(" " + n.Poisson.attrs())
	case GConv1d, GConv2d:
		w := n.Window
		fmt.Fprintf(&b, " stride=%s padding=%s dilation=%s groups=%d", pair(w.Stride), pair(w.Padding), pair(w.Dilation), w.Groups)
	case GSumPool2d, GAvgPool2d:
		w := n.Window
		fmt.Fprintf(&b, " kernel=%s stride=%s padding=%s", pair(w.Kernel), pair(w.Stride), pair(w.Padding))
	case GDelay:
		fmt.Fprintf(&b, " %d", n.Delay)
	case GLinear:
		if n.Sched.SpikeInput {
			b.WriteString(" spike_input=true")
		}
		if n.Sched.Epilogue {
			b.WriteString(" epilogue=true")
		}
	case GNeuron, GRecurrent:
		name := "<nil>"
		if n.Step != nil {
			name = n.Step.Name
		}
		b.WriteString(" " + name)
		if n.Op == GRecurrent {
			fmt.Fprintf(&b, " autapses=%v", n.Autapses)
		}
		if n.Sched.FuseTime {
			b.WriteString(" fuse_time=true")
		}
		if n.Sched.Adjoint != nil {
			b.WriteString(" adjoint=" + n.Sched.Adjoint.Name)
		}
	}
	bound := len(n.Args) - len(n.Bind)
	for k, a := range n.Args {
		name := "<nil>"
		if a != nil {
			name = a.String()
		}
		if k >= bound && bound >= 0 {
			fmt.Fprintf(&b, " %s=%s", n.Bind[k-bound], name)
		} else {
			b.WriteString(" " + name)
		}
	}
	switch {
	case n.Sched.Buffer == BufferOutput:
		b.WriteString(" buffer=out")
	case n.Sched.Buffer > 0:
		fmt.Fprintf(&b, " buffer=%d", n.Sched.Buffer)
	}
	b.WriteString(" : " + n.Type.String())
	return b.String()
}

func pair(p [2]int) string { return fmt.Sprintf("%dx%d", p[0], p[1]) }

// GraphOutput is a named result of a graph.
type GraphOutput struct {
	Name string
	Node *Node
}

// A Graph is a network: tensor operations over time. Nodes are in
// definition order, arguments before their users.
type Graph struct {
	Name    string
	Steps   []*Step // the neuron dynamics its neuron and recurrent nodes apply
	Nodes   []*Node
	Outputs []GraphOutput

	nextID int
}

// NewGraph returns an empty graph called name.
func NewGraph(name string) *Graph { return &Graph{Name: name, nextID: 1} }

// add appends a node after inferring its type; errors name the node.
func (g *Graph) add(n *Node) (*Node, error) {
	n.ID = g.nextID
	t, err := inferType(n)
	if err != nil {
		return nil, fmt.Errorf("ir: graph %s: %s: %w", g.Name, n.LongString(), err)
	}
	n.Type = t
	g.nextID++
	g.Nodes = append(g.Nodes, n)
	return n, nil
}

// Input adds a sequence input of the given feature shape.
func (g *Graph) Input(name string, shape ...int) (*Node, error) {
	return g.add(&Node{Op: GInput, Name: name, Type: Type{Kind: Sequence, Shape: shape}})
}

// BatchInput adds an input with one value per batch entry, such as labels.
func (g *Graph) BatchInput(name string, shape ...int) (*Node, error) {
	return g.add(&Node{Op: GInput, Name: name, Type: Type{Kind: Batch, Shape: shape}})
}

// Param adds a parameter tensor of the given shape.
func (g *Graph) Param(name string, shape ...int) (*Node, error) {
	return g.add(&Node{Op: GParam, Name: name, Type: Type{Kind: Static, Shape: shape}})
}

// Op adds a node computing op of args; n carries the attributes (Window,
// Delay, Step, Bind, Autapses) and may be nil for ops without any.
func (g *Graph) Op(op GraphOp, attrs *Node, args ...*Node) (*Node, error) {
	n := &Node{}
	if attrs != nil {
		*n = *attrs
	}
	n.Op, n.Args = op, args
	if n.Step != nil {
		g.addStep(n.Step)
	}
	return g.add(n)
}

// addStep registers a step, renaming it if another step has its name.
func (g *Graph) addStep(s *Step) {
	for _, t := range g.Steps {
		if t == s {
			return
		}
	}
	base, k := s.Name, 2
	for g.StepByName(s.Name) != nil {
		s.Name = fmt.Sprintf("%s_%d", base, k)
		k++
	}
	g.Steps = append(g.Steps, s)
}

// StepByName returns the graph's step called name, or nil.
func (g *Graph) StepByName(name string) *Step {
	for _, s := range g.Steps {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// Output adds a named result.
func (g *Graph) Output(name string, n *Node) { g.Outputs = append(g.Outputs, GraphOutput{name, n}) }

// NodeByName returns the input or parameter node called name, or nil.
func (g *Graph) NodeByName(name string) *Node {
	for _, n := range g.Nodes {
		if (n.Op == GInput || n.Op == GParam) && n.Name == name {
			return n
		}
	}
	return nil
}

// inferType computes a node's type from its op, attributes and arguments,
// or says why they do not fit together.
func inferType(n *Node) (Type, error) {
	t, err := inferOp(n)
	if err != nil {
		return Type{}, err
	}
	return t, checkShape(t.Shape)
}

// inferNeuron checks a neuron or recurrent node against its step.
func inferNeuron(n *Node) (Type, error) {
	s := n.Step
	if s == nil {
		return Type{}, fmt.Errorf("%v without a step", n.Op)
	}
	lead := len(s.Inputs)
	if n.Op == GRecurrent {
		if len(s.Inputs) != 1 {
			return Type{}, fmt.Errorf("recurrent step %s must have one input, has %d", s.Name, len(s.Inputs))
		}
		lead = 3
	}
	if len(n.Args) != lead+len(n.Bind) {
		return Type{}, fmt.Errorf("%v %s takes %d arguments and %d bound params, got %d arguments", n.Op, s.Name, lead, len(n.Bind), len(n.Args))
	}
	x := n.Args[0].Type
	if x.Kind != Sequence {
		return Type{}, fmt.Errorf("argument 1 (%v) must be a sequence, not %v", n.Args[0], x)
	}
	out := x
	if n.Op == GNeuron {
		for k := 1; k < lead; k++ {
			if !n.Args[k].Type.equal(x) {
				return Type{}, fmt.Errorf("step inputs %v and %v differ in shape", x, n.Args[k].Type)
			}
		}
	} else {
		win, wrec := n.Args[1].Type, n.Args[2].Type
		if len(x.Shape) != 1 || win.Kind != Static || len(win.Shape) != 2 || win.Shape[1] != x.Shape[0] {
			return Type{}, fmt.Errorf("input weight %v does not fit input %v", win, x)
		}
		h := win.Shape[0]
		if wrec.Kind != Static || len(wrec.Shape) != 2 || wrec.Shape[0] != h || wrec.Shape[1] != h {
			return Type{}, fmt.Errorf("recurrent weight %v must be [%d][%d]", wrec, h, h)
		}
		out = Type{Sequence, []int{h}}
	}
	for k, name := range n.Bind {
		if s.ParamIndex(name) < 0 {
			return Type{}, fmt.Errorf("step %s has no param %q to bind", s.Name, name)
		}
		p := n.Args[lead+k].Type
		if p.Kind != Static || (p.Size() != 1 && !(Type{Sequence, p.Shape}).equal(out)) {
			return Type{}, fmt.Errorf("param %s: %v must be a scalar or of the neurons' shape %v", name, p, out.Shape)
		}
	}
	return out, nil
}

// windowOut is PyTorch's output length of a window over n elements.
func windowOut(n, k, stride, pad, dil int) (int, error) {
	if k <= 0 || stride <= 0 || pad < 0 || dil <= 0 {
		return 0, fmt.Errorf("kernel %d, stride %d, padding %d, dilation %d: sizes must be positive (padding ≥ 0)", k, stride, pad, dil)
	}
	if err := checkWindow(k, stride, pad, dil); err != nil {
		return 0, err
	}
	// In int64: every term is at most MaxElements, so nothing overflows
	// even where int has 32 bits.
	span := int64(dil)*int64(k-1) + 1
	padded := int64(n) + 2*int64(pad)
	if padded < span {
		return 0, fmt.Errorf("kernel %d with dilation %d does not fit %d elements with padding %d", k, dil, n, pad)
	}
	out := (padded-span)/int64(stride) + 1
	if out > MaxElements {
		return 0, fmt.Errorf("window output of %d elements is more than %d: %w", out, MaxElements, ErrLimit)
	}
	return int(out), nil
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
