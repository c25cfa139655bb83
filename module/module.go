package module

import (
	"fmt"
	"strconv"

	"github.com/snnc/snnc/functional"
	"github.com/snnc/snnc/ir"
)

// A Module is a layer or a composition of layers. It holds parameters and
// builds IR; it never computes.
type Module interface {
	// Build adds the module's nodes to b's graph, reading x, and returns
	// its output.
	Build(b *Builder, x *ir.Node) (*ir.Node, error)
}

// Builder collects the graph a network builds and the values of its
// parameters, by parameter name.
type Builder struct {
	Graph  *ir.Graph
	Params map[string][]float64
}

// NewBuilder starts a graph called name.
func NewBuilder(name string) *Builder {
	return &Builder{Graph: ir.NewGraph(name), Params: map[string][]float64{}}
}

// Param adds a parameter node called name with the given values.
func (b *Builder) Param(name string, values []float64, shape ...int) (*ir.Node, error) {
	n := 1
	for _, d := range shape {
		n *= d
	}
	if len(values) != n {
		return nil, fmt.Errorf("param %s: %d values for shape %v", name, len(values), shape)
	}
	node, err := b.Graph.Param(name, shape...)
	if err != nil {
		return nil, err
	}
	b.Params[name] = values
	return node, nil
}

// Build turns a network into a graph with one sequence input called
// "input" of the given feature shape and one output called "output".
func Build(name string, m Module, inputShape ...int) (*Builder, error) {
	return BuildWith(name, m, Options{}, inputShape...)
}

// Linear is y = x·Wᵀ + b with Weight in torch layout [Out][In].
type Linear struct {
	Name    string
	In, Out int
	Weight  []float64 // [Out][In]
	Bias    []float64 // [Out], or nil for none
}

func (l *Linear) Build(b *Builder, x *ir.Node) (*ir.Node, error) {
	w, err := b.Param(l.Name+".weight", l.Weight, l.Out, l.In)
	if err != nil {
		return nil, err
	}
	args := []*ir.Node{x, w}
	if l.Bias != nil {
		bias, err := b.Param(l.Name+".bias", l.Bias, l.Out)
		if err != nil {
			return nil, err
		}
		args = append(args, bias)
	}
	return b.Graph.Op(ir.GLinear, nil, args...)
}

// Conv2d is torch.nn.Conv2d over [C][H][W] features; Weight is
// [Out][In/Groups][KH][KW].
type Conv2d struct {
	Name                      string
	In, Out                   int
	Kernel                    [2]int
	Stride, Padding, Dilation [2]int // zero means the default (1, 0, 1)
	Groups                    int    // zero means 1
	Weight, Bias              []float64
}

func (c *Conv2d) Build(b *Builder, x *ir.Node) (*ir.Node, error) {
	return buildConv(b, x, ir.GConv2d, c.Name, c.Weight, c.Bias, []int{c.Out, c.In / max(c.Groups, 1), c.Kernel[0], c.Kernel[1]},
		window(c.Stride, c.Padding, c.Dilation, c.Groups))
}

// Conv1d is torch.nn.Conv1d over [C][L] features; Weight is
// [Out][In/Groups][Kernel].
type Conv1d struct {
	Name                      string
	In, Out, Kernel           int
	Stride, Padding, Dilation int // zero means the default (1, 0, 1)
	Groups                    int
	Weight, Bias              []float64
}

func (c *Conv1d) Build(b *Builder, x *ir.Node) (*ir.Node, error) {
	return buildConv(b, x, ir.GConv1d, c.Name, c.Weight, c.Bias, []int{c.Out, c.In / max(c.Groups, 1), c.Kernel},
		window([2]int{1, c.Stride}, [2]int{0, c.Padding}, [2]int{1, c.Dilation}, c.Groups))
}

func window(stride, padding, dilation [2]int, groups int) ir.Window {
	w := ir.Window{Stride: stride, Padding: padding, Dilation: dilation, Groups: max(groups, 1)}
	for i := range 2 {
		if w.Stride[i] == 0 {
			w.Stride[i] = 1
		}
		if w.Dilation[i] == 0 {
			w.Dilation[i] = 1
		}
	}
	return w
}

func buildConv(b *Builder, x *ir.Node, op ir.GraphOp, name string, weight, bias []float64, wshape []int, win ir.Window) (*ir.Node, error) {
	w, err := b.Param(name+".weight", weight, wshape...)
	if err != nil {
		return nil, err
	}
	args := []*ir.Node{x, w}
	if bias != nil {
		bn, err := b.Param(name+".bias", bias, wshape[0])
		if err != nil {
			return nil, err
		}
		args = append(args, bn)
	}
	return b.Graph.Op(op, &ir.Node{Window: win}, args...)
}

// Flatten joins all feature dims into one, as torch.nn.Flatten does on
// [T·B][features...].
type Flatten struct{}

func (Flatten) Build(b *Builder, x *ir.Node) (*ir.Node, error) {
	return b.Graph.Op(ir.GFlatten, nil, x)
}

// SumPool2d sums over windows (Norse's LPPool2d(1), NIR's SumPool2d).
type SumPool2d struct{ Kernel, Stride, Padding [2]int }

func (p *SumPool2d) Build(b *Builder, x *ir.Node) (*ir.Node, error) {
	return b.Graph.Op(ir.GSumPool2d, &ir.Node{Window: poolWindow(p.Kernel, p.Stride, p.Padding)}, x)
}

// AvgPool2d averages over windows (torch.nn.AvgPool2d, padding counted).
type AvgPool2d struct{ Kernel, Stride, Padding [2]int }

func (p *AvgPool2d) Build(b *Builder, x *ir.Node) (*ir.Node, error) {
	return b.Graph.Op(ir.GAvgPool2d, &ir.Node{Window: poolWindow(p.Kernel, p.Stride, p.Padding)}, x)
}

// poolWindow fills the defaults: the stride is the kernel, as in torch.
func poolWindow(kernel, stride, padding [2]int) ir.Window {
	if stride == [2]int{} {
		stride = kernel
	}
	return ir.Window{Kernel: kernel, Stride: stride, Padding: padding, Dilation: [2]int{1, 1}, Groups: 1}
}

// Scale multiplies by Factor: one value, or one per feature.
type Scale struct {
	Name   string
	Factor []float64
}

func (s *Scale) Build(b *Builder, x *ir.Node) (*ir.Node, error) {
	shape := []int{}
	if len(s.Factor) != 1 {
		shape = x.Type.Shape
	}
	f, err := b.Param(s.Name+".factor", s.Factor, shape...)
	if err != nil {
		return nil, err
	}
	return b.Graph.Op(ir.GScale, nil, x, f)
}

// Delay shifts the sequence by Steps time steps, filling with zeros.
type Delay struct{ Steps int }

func (d *Delay) Build(b *Builder, x *ir.Node) (*ir.Node, error) {
	return b.Graph.Op(ir.GDelay, &ir.Node{Delay: d.Steps}, x)
}

// Neuron applies a functional model over time: Norse's sequence modules
// (LIF, LI, LSNN, ...). Params is a pointer to the model's parameter
// struct; nil means Norse's defaults. A readout layer is a Neuron too:
// Model "li" outputs the leaky integrator's voltage, not spikes.
type Neuron struct {
	Name   string
	Model  string
	Params any
	DT     float64
}

func (n *Neuron) step() (*ir.Step, error) {
	m, err := functional.LookupModel(n.Model)
	if err != nil {
		return nil, err
	}
	p := n.Params
	if p == nil {
		p = m.Params()
	}
	dt := n.DT
	if dt == 0 {
		dt = 1e-3
	}
	s := m.Build(p, dt)
	if n.Name != "" {
		s.Name = n.Name
	}
	return s, nil
}

func (n *Neuron) Build(b *Builder, x *ir.Node) (*ir.Node, error) {
	s, err := n.step()
	if err != nil {
		return nil, err
	}
	if len(s.Inputs) != 1 {
		return nil, fmt.Errorf("neuron %s: model %s has %d inputs; a sequence layer feeds one", n.Name, n.Model, len(s.Inputs))
	}
	return b.Graph.Op(ir.GNeuron, &ir.Node{Step: s}, x)
}

// Custom is a neuron layer whose step the program built itself (with
// functional.Lift or ir.NewStep), for programs that never read model files
// and so need not register a model. The step must have one input, fed the
// layer's input, and one output; Build applies a copy, named Name if set,
// so one step may serve several layers.
type Custom struct {
	Name string
	Step *ir.Step
}

func (c *Custom) Build(b *Builder, x *ir.Node) (*ir.Node, error) {
	if c.Step == nil {
		return nil, fmt.Errorf("custom layer %s has no step", c.Name)
	}
	s := c.Step.Clone()
	if c.Name != "" {
		s.Name = c.Name
	}
	if err := ir.Verify(s); err != nil {
		return nil, fmt.Errorf("custom layer %s: %w", c.Name, err)
	}
	if len(s.Inputs) != 1 || len(s.Outputs) != 1 {
		return nil, fmt.Errorf("custom layer %s: step %s has %d inputs and %d outputs; a layer feeds one and keeps one", c.Name, s.Name, len(s.Inputs), len(s.Outputs))
	}
	return b.Graph.Op(ir.GNeuron, &ir.Node{Step: s}, x)
}

// Recurrent is a recurrent neuron layer (Norse's LIFRecurrent, LSNNRecurrent,
// ...): the model's input at step t is x[t]·W_inᵀ + z[t−1]·W_recᵀ. Without
// Autapses the diagonal of W_rec is held at zero, as in Norse.
type Recurrent struct {
	Neuron
	In, Hidden       int
	InputWeights     []float64 // [Hidden][In]
	RecurrentWeights []float64 // [Hidden][Hidden]
	Autapses         bool
}

func (r *Recurrent) Build(b *Builder, x *ir.Node) (*ir.Node, error) {
	s, err := r.step()
	if err != nil {
		return nil, err
	}
	win, err := b.Param(r.Name+".input_weights", r.InputWeights, r.Hidden, r.In)
	if err != nil {
		return nil, err
	}
	wrec, err := b.Param(r.Name+".recurrent_weights", r.RecurrentWeights, r.Hidden, r.Hidden)
	if err != nil {
		return nil, err
	}
	return b.Graph.Op(ir.GRecurrent, &ir.Node{Step: s, Autapses: r.Autapses}, x, win, wrec)
}

// Sequential feeds each layer's output to the next, as torch's Sequential
// and Norse's SequentialState do; the states live in the run, not in the
// module.
type Sequential []Module

func (seq Sequential) Build(b *Builder, x *ir.Node) (*ir.Node, error) {
	var err error
	for i, m := range seq {
		if x, err = m.Build(b, x); err != nil {
			return nil, &LayerError{Index: i, Err: err}
		}
	}
	return x, nil
}

// LayerError is an error of one layer of a Sequential or SequentialState,
// so that a model file can point at the layer's place in the file.
type LayerError struct {
	Index int // counting from 0
	Err   error
}

func (e *LayerError) Error() string { return fmt.Sprintf("layer %d: %v", e.Index, e.Err) }
func (e *LayerError) Unwrap() error { return e.Err }

// HiddenPrefix begins the names of the graph outputs SequentialState adds.
const HiddenPrefix = "hidden."

// SequentialState is Sequential that also makes every layer's output a
// graph output, as Norse's SequentialState does with return_hidden=True
// and record_states=True on its neuron layers. Layer k's output is called
// "hidden.NAME" after the layer's Name, or "hidden.k" (counting from 0) for
// a layer without one (flatten, pooling, delay, nested networks). The
// states a neuron or recurrent layer recorded are in
// interp.GraphResult.OutputStates under the same name.
type SequentialState []Module

func (seq SequentialState) Build(b *Builder, x *ir.Node) (*ir.Node, error) {
	for i, m := range seq {
		y, err := m.Build(b, x)
		if err != nil {
			return nil, &LayerError{Index: i, Err: err}
		}
		name := layerName(m)
		if name == "" {
			name = strconv.Itoa(i)
		}
		name = HiddenPrefix + name
		for _, o := range b.Graph.Outputs {
			if o.Name == name {
				return nil, fmt.Errorf("layer %d: the graph already has an output %s", i, name)
			}
		}
		b.Graph.Output(name, y)
		x = y
	}
	return x, nil
}

// layerName is the Name of a layer that has one, else "".
func layerName(m Module) string {
	switch l := m.(type) {
	case *Linear:
		return l.Name
	case *Conv1d:
		return l.Name
	case *Conv2d:
		return l.Name
	case *Scale:
		return l.Name
	case *Neuron:
		return l.Name
	case *Cell:
		return l.Name
	case *Recurrent:
		return l.Name
	case *Custom:
		return l.Name
	case *Lift:
		return layerName(l.Module)
	}
	return ""
}

// Lift applies a stateless module at every time step, as Norse's Lift
// does. Graph operations on sequences already act on each time step on its
// own, so Lift builds Module unchanged. It refuses modules that carry
// anything from one step to the next (neuron, recurrent and delay layers,
// reductions over time): Norse's Lift would restart their state at every
// step, and their layers here never do.
type Lift struct{ Module Module }

func (l *Lift) Build(b *Builder, x *ir.Node) (*ir.Node, error) {
	first := len(b.Graph.Nodes)
	y, err := l.Module.Build(b, x)
	if err != nil {
		return nil, err
	}
	for _, n := range b.Graph.Nodes[first:] {
		switch n.Op {
		case ir.GNeuron, ir.GRecurrent, ir.GDelay, ir.GSumTime, ir.GMeanTime:
			return nil, fmt.Errorf("lift: %v carries state across time steps; use it without Lift", n.Op)
		}
	}
	return y, nil
}
