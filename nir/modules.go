package nir

import (
	"fmt"
	"slices"

	"github.com/snnc/snnc/ir"
	"github.com/snnc/snnc/module"
)

// Net is the module an imported NIR graph builds: layers in evaluation
// order, each reading the sum of the values its NIR node receives. As a
// module.Module it builds graphs with one input and one output; Convert
// builds graphs with several.
type Net struct {
	// Graph is the NIR graph the layers come from, after any repairs.
	// Export writes it back.
	Graph *Graph

	inputs  []port
	outputs []port
	layers  []layer
}

// port is a graph input or output: its name in the IR graph, its NIR node
// and its shape; for outputs, the value it names.
type port struct {
	name  string
	node  string
	shape []int
	value int
}

// layer is one module of a Net. Its input is the sum of the values args
// names: value k < len(inputs) is graph input k, later values are the
// outputs of earlier layers in order.
type layer struct {
	node string // the NIR node it implements, for errors
	mod  module.Module
	args []int
}

// Build builds the network on x. It needs a graph with one Input and one
// Output node.
func (n *Net) Build(b *module.Builder, x *ir.Node) (*ir.Node, error) {
	if len(n.inputs) != 1 || len(n.outputs) != 1 {
		return nil, fmt.Errorf("the NIR graph has %d Input and %d Output nodes; a layer needs one of each", len(n.inputs), len(n.outputs))
	}
	outs, err := n.build(b, []*ir.Node{x})
	if err != nil {
		return nil, err
	}
	return outs[0], nil
}

// build adds the layers to b's graph and returns the values of the
// outputs.
func (n *Net) build(b *module.Builder, inputs []*ir.Node) ([]*ir.Node, error) {
	vals := slices.Clone(inputs)
	for _, l := range n.layers {
		x := vals[l.args[0]]
		for _, a := range l.args[1:] {
			var err error
			if x, err = b.Graph.Op(ir.GAdd, nil, x, vals[a]); err != nil {
				return nil, fmt.Errorf("NIR node %s: summing its inputs: %w", l.node, err)
			}
		}
		y, err := l.mod.Build(b, x)
		if err != nil {
			return nil, fmt.Errorf("NIR node %s: %w", l.node, err)
		}
		vals = append(vals, y)
	}
	outs := make([]*ir.Node, len(n.outputs))
	for i, o := range n.outputs {
		outs[i] = vals[o.value]
	}
	return outs, nil
}

// identity passes its input on; it sums the several inputs of a port.
type identity struct{}

func (identity) Build(_ *module.Builder, x *ir.Node) (*ir.Node, error) { return x, nil }

// neuronLayer is a neuron layer that module.Neuron and module.Recurrent
// cannot express: a step outside the functional models (NIR's Threshold
// and I) or parameters that differ between neurons, bound as graph
// parameters of the population's shape.
type neuronLayer struct {
	name  string
	step  func() (*ir.Step, error)
	bound []boundParam
	shape []int
	rec   *recurrence // nil for a feed-forward layer
}

// boundParam is a step parameter with one value per neuron.
type boundParam struct {
	name   string
	values []float64
}

// recurrence holds the weights of a recurrent layer, as module.Recurrent.
type recurrence struct {
	in, hidden int
	win, wrec  []float64
	autapses   bool
}

func (l *neuronLayer) Build(b *module.Builder, x *ir.Node) (*ir.Node, error) {
	s, err := l.step()
	if err != nil {
		return nil, err
	}
	s.Name = l.name
	op, args := ir.GNeuron, []*ir.Node{x}
	if r := l.rec; r != nil {
		win, err := b.Param(l.name+".input_weights", r.win, r.hidden, r.in)
		if err != nil {
			return nil, err
		}
		wrec, err := b.Param(l.name+".recurrent_weights", r.wrec, r.hidden, r.hidden)
		if err != nil {
			return nil, err
		}
		op, args = ir.GRecurrent, append(args, win, wrec)
	}
	var bind []string
	for _, p := range l.bound {
		node, err := b.Param(l.name+"."+p.name, p.values, l.shape...)
		if err != nil {
			return nil, err
		}
		args, bind = append(args, node), append(bind, p.name)
	}
	attrs := &ir.Node{Step: s, Bind: bind}
	if l.rec != nil {
		attrs.Autapses = l.rec.autapses
	}
	return b.Graph.Op(op, attrs, args...)
}

// delayMix delays each element of its input by its own number of steps:
// the sum over the distinct delays k of Delay(x, k) masked to the
// elements delayed by k.
type delayMix struct {
	name  string
	steps []int // per element
}

func (d *delayMix) Build(b *module.Builder, x *ir.Node) (*ir.Node, error) {
	if len(d.steps) != x.Type.Size() {
		return nil, fmt.Errorf("%d delays for an input of shape %v", len(d.steps), x.Type.Shape)
	}
	distinct := slices.Compact(slices.Sorted(slices.Values(d.steps)))
	var sum *ir.Node
	for _, k := range distinct {
		mask := make([]float64, len(d.steps))
		for i, s := range d.steps {
			if s == k {
				mask[i] = 1
			}
		}
		m, err := b.Param(fmt.Sprintf("%s.mask%d", d.name, k), mask, x.Type.Shape...)
		if err != nil {
			return nil, err
		}
		y, err := b.Graph.Op(ir.GDelay, &ir.Node{Delay: k}, x)
		if err != nil {
			return nil, err
		}
		if y, err = b.Graph.Op(ir.GScale, nil, y, m); err != nil {
			return nil, err
		}
		if sum == nil {
			sum = y
		} else if sum, err = b.Graph.Op(ir.GAdd, nil, sum, y); err != nil {
			return nil, err
		}
	}
	return sum, nil
}

// thresholdStep is NIR's Threshold: z = [x > threshold], without state.
// Backward the threshold has the surrogate's derivative.
func thresholdStep(theta float64, method ir.Surrogate, alpha float64) *ir.Step {
	s := ir.NewStep("threshold")
	x := s.Input("x")
	s.Output("z", s.Threshold(s.Sub(x, s.Param("threshold", theta)), method, alpha))
	return s
}

// integratorStep is NIR's I: v ← v + x, starting at 0; the output is the
// new v. The input was scaled by r before.
func integratorStep() *ir.Step {
	s := ir.NewStep("integrator")
	x := s.Input("x")
	v := s.State("v", 0)
	next := s.Add(v, x)
	s.Output("v", next)
	s.SetNext(v, next)
	return s
}
