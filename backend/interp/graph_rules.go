package interp

import (
	"fmt"

	"github.com/snnc/snnc/ir"
)

// graphRule is how the interpreter runs one graph op.
type graphRule struct {
	// forward returns the node's value, from its arguments' values in
	// m.res.Values.
	forward func(m *graphMachine, n *ir.Node) ([]float64, error)
	// backward adds the node's contributions to its arguments' adjoints
	// (grad returns an argument's, zeroed on first use), given dy =
	// dL/d(node).
	backward func(m *graphMachine, n *ir.Node, dy []float64, grad func(*ir.Node) []float64) error
	// leaf, for an op without backward, says why it has none: its adjoint
	// is a result of GradGraph, not passed on.
	leaf string
}

// graphRules holds every graph op's rule: adding a graph op to ir means
// adding its rule here (TestGraphRulesCoverIR checks that each op has one
// or is listed in notEvaluable).
var graphRules = map[ir.GraphOp]graphRule{
	ir.GInput: {forward: func(m *graphMachine, n *ir.Node) ([]float64, error) {
		return roundAll(m.run.Inputs[n.Name], m.round), nil
	}, leaf: "an input: its adjoint is GraphGrads.Inputs"},
	ir.GParam: {forward: func(m *graphMachine, n *ir.Node) ([]float64, error) {
		return roundAll(m.run.Params[n.Name], m.round), nil
	}, leaf: "a parameter: its adjoint is GraphGrads.Params"},
	ir.GLinear:       {forward: filled(linearRule), backward: linearGradRule},
	ir.GConv1d:       {forward: filled(convRule), backward: convGradRule},
	ir.GConv2d:       {forward: filled(convRule), backward: convGradRule},
	ir.GSumPool2d:    {forward: filled(poolRule), backward: sumPoolGradRule},
	ir.GAvgPool2d:    {forward: filled(poolRule), backward: avgPoolGradRule},
	ir.GFlatten:      {forward: filled(flattenRule), backward: passGradRule},
	ir.GScale:        {forward: filled(scaleRule), backward: scaleGradRule},
	ir.GAdd:          {forward: filled(addRule), backward: addGradRule},
	ir.GDelay:        {forward: filled(delayRule), backward: delayGradRule},
	ir.GNeuron:       {forward: (*graphMachine).neuronForward, backward: (*graphMachine).neuronBackward},
	ir.GRecurrent:    {forward: (*graphMachine).recurrentForward, backward: (*graphMachine).recurrentBackward},
	ir.GSumTime:      {forward: filled(reduceTimeRule), backward: reduceTimeGradRule},
	ir.GMeanTime:     {forward: filled(reduceTimeRule), backward: reduceTimeGradRule},
	ir.GMSE:          {forward: filled(mseRule), backward: mseGradRule},
	ir.GCrossEntropy: {forward: filled(crossEntropyRule), backward: crossEntropyGradRule},
	ir.GPoisson:      {forward: filled(poissonRule), backward: poissonGradRule},
}

// notEvaluable lists the graph ops the interpreter has no rule for, each
// with the reason; RunGraph refuses a graph holding one, naming the op.
// The interpreter is the oracle of every backend, so today the list is
// empty.
var notEvaluable = map[ir.GraphOp]string{}

// ruleOf returns op's rule, or an error naming the op.
func ruleOf(op ir.GraphOp) (graphRule, error) {
	if why, ok := notEvaluable[op]; ok {
		return graphRule{}, fmt.Errorf("the interpreter does not evaluate %v: %s", op, why)
	}
	rule, ok := graphRules[op]
	if !ok || rule.forward == nil {
		return graphRule{}, fmt.Errorf("no interpreter rule for %v", op)
	}
	return rule, nil
}

// isLeaf reports whether op's adjoint stays where it is: GradGraph returns
// it instead of passing it on.
func isLeaf(op ir.GraphOp) bool { return graphRules[op].leaf != "" }

// filled turns a rule that writes into a zeroed value of the node's size
// into a forward rule.
func filled(f func(m *graphMachine, n *ir.Node, out []float64) error) func(*graphMachine, *ir.Node) ([]float64, error) {
	return func(m *graphMachine, n *ir.Node) ([]float64, error) {
		out := make([]float64, m.size(n))
		if err := f(m, n, out); err != nil {
			return nil, err
		}
		return out, nil
	}
}

// bias is the value of a product node's optional bias, or nil.
func (m *graphMachine) bias(n *ir.Node) []float64 {
	if len(n.Args) == 3 {
		return m.arg(n, 2)
	}
	return nil
}

func linearRule(m *graphMachine, n *ir.Node, out []float64) error {
	linearForward(m.arg(n, 0), m.arg(n, 1), m.bias(n), out, n.Args[1].Type.Shape[0], n.Args[1].Type.Shape[1], m.madd)
	return nil
}

func linearGradRule(m *graphMachine, n *ir.Node, dy []float64, grad func(*ir.Node) []float64) error {
	out, in := n.Args[1].Type.Shape[0], n.Args[1].Type.Shape[1]
	var db []float64
	if len(n.Args) == 3 {
		db = grad(n.Args[2])
	}
	linearBackward(m.arg(n, 0), m.arg(n, 1), dy, grad(n.Args[0]), grad(n.Args[1]), db, out, in, m.round)
	return nil
}

func convRule(m *graphMachine, n *ir.Node, out []float64) error {
	convForwardWith(convGeom(n), m.rows(n), m.arg(n, 0), m.arg(n, 1), m.bias(n), out, m.madd)
	return nil
}

func convGradRule(m *graphMachine, n *ir.Node, dy []float64, grad func(*ir.Node) []float64) error {
	var db []float64
	if len(n.Args) == 3 {
		db = grad(n.Args[2])
	}
	convBackward(convGeom(n), m.rows(n), m.arg(n, 0), m.arg(n, 1), dy, grad(n.Args[0]), grad(n.Args[1]), db)
	return nil
}

func poolRule(m *graphMachine, n *ir.Node, out []float64) error {
	poolForwardWith(convGeom(n), m.rows(n), m.arg(n, 0), out, n.Op == ir.GAvgPool2d, m.round)
	return nil
}

func sumPoolGradRule(m *graphMachine, n *ir.Node, dy []float64, grad func(*ir.Node) []float64) error {
	sumPoolBackward(convGeom(n), m.rows(n), dy, grad(n.Args[0]))
	return nil
}

func avgPoolGradRule(m *graphMachine, n *ir.Node, dy []float64, grad func(*ir.Node) []float64) error {
	avgPoolBackward(convGeom(n), m.rows(n), dy, grad(n.Args[0]))
	return nil
}

func flattenRule(m *graphMachine, n *ir.Node, out []float64) error {
	copy(out, m.arg(n, 0))
	return nil
}

// passGradRule passes dy on to the only argument unchanged.
func passGradRule(m *graphMachine, n *ir.Node, dy []float64, grad func(*ir.Node) []float64) error {
	addTo(grad(n.Args[0]), dy, m.round)
	return nil
}

func scaleRule(m *graphMachine, n *ir.Node, out []float64) error {
	x, s := m.arg(n, 0), m.arg(n, 1)
	for i := range out {
		out[i] = m.round(x[i] * s[i%len(s)])
	}
	return nil
}

func scaleGradRule(m *graphMachine, n *ir.Node, dy []float64, grad func(*ir.Node) []float64) error {
	r := m.round
	x, s := m.arg(n, 0), m.arg(n, 1)
	dx, ds := grad(n.Args[0]), grad(n.Args[1])
	for i, g := range dy {
		dx[i] = r(dx[i] + r(g*s[i%len(s)]))
		ds[i%len(s)] = r(ds[i%len(s)] + r(g*x[i]))
	}
	return nil
}

func addRule(m *graphMachine, n *ir.Node, out []float64) error {
	a, b := m.arg(n, 0), m.arg(n, 1)
	for i := range out {
		out[i] = m.round(a[i] + b[i])
	}
	return nil
}

func addGradRule(m *graphMachine, n *ir.Node, dy []float64, grad func(*ir.Node) []float64) error {
	addTo(grad(n.Args[0]), dy, m.round)
	addTo(grad(n.Args[1]), dy, m.round)
	return nil
}

func delayRule(m *graphMachine, n *ir.Node, out []float64) error {
	row := m.run.B * n.Type.Size()
	if shift := n.Delay * row; shift < len(out) {
		copy(out[shift:], m.arg(n, 0)[:len(out)-shift])
	}
	return nil
}

func delayGradRule(m *graphMachine, n *ir.Node, dy []float64, grad func(*ir.Node) []float64) error {
	row := m.run.B * n.Type.Size()
	if shift := n.Delay * row; shift < len(dy) {
		dx := grad(n.Args[0])
		addTo(dx[:len(dy)-shift], dy[shift:], m.round)
	}
	return nil
}

// reduceTimeRule is sum_time, and mean_time, which divides the sum by T.
func reduceTimeRule(m *graphMachine, n *ir.Node, out []float64) error {
	r := m.round
	for i, v := range m.arg(n, 0) {
		out[i%len(out)] = r(out[i%len(out)] + v)
	}
	if n.Op == ir.GMeanTime && m.run.T > 0 {
		for i := range out {
			out[i] = r(out[i] / float64(m.run.T))
		}
	}
	return nil
}

func reduceTimeGradRule(m *graphMachine, n *ir.Node, dy []float64, grad func(*ir.Node) []float64) error {
	r := m.round
	dx := grad(n.Args[0])
	scale := 1.0
	if n.Op == ir.GMeanTime && m.run.T > 0 {
		scale = 1 / float64(m.run.T)
	}
	for i := range dx {
		dx[i] = r(dx[i] + r(dy[i%len(dy)]*scale))
	}
	return nil
}

func mseRule(m *graphMachine, n *ir.Node, out []float64) error {
	r := m.round
	x, y := m.arg(n, 0), m.arg(n, 1)
	sum := 0.0
	for i := range x {
		d := r(x[i] - y[i])
		sum = r(sum + r(d*d))
	}
	if len(x) > 0 {
		out[0] = r(sum / float64(len(x)))
	}
	return nil
}

func mseGradRule(m *graphMachine, n *ir.Node, dy []float64, grad func(*ir.Node) []float64) error {
	r := m.round
	x, y := m.arg(n, 0), m.arg(n, 1)
	dx, dt := grad(n.Args[0]), grad(n.Args[1])
	c := 2 * dy[0] / float64(max(len(x), 1))
	for i := range x {
		d := r(c * r(x[i]-y[i]))
		dx[i] = r(dx[i] + d)
		dt[i] = r(dt[i] - d)
	}
	return nil
}

func crossEntropyRule(m *graphMachine, n *ir.Node, out []float64) error {
	loss, _, err := crossEntropy(m.arg(n, 0), m.arg(n, 1), m.run.B, n.Args[0].Type.Shape[0])
	if err != nil {
		return err
	}
	out[0] = m.round(loss)
	return nil
}

func crossEntropyGradRule(m *graphMachine, n *ir.Node, dy []float64, grad func(*ir.Node) []float64) error {
	_, g, err := crossEntropy(m.arg(n, 0), m.arg(n, 1), m.run.B, n.Args[0].Type.Shape[0])
	if err != nil {
		return err
	}
	dx := grad(n.Args[0])
	for i := range g {
		dx[i] = m.round(dx[i] + m.round(g[i]*dy[0]))
	}
	return nil
}

func poissonRule(m *graphMachine, n *ir.Node, out []float64) error {
	poissonForward(n.Poisson, m.arg(n, 0), out, m.run.B, n.Type.Size(), m.run.Start, m.round)
	return nil
}

// poissonGradRule: Norse's encoder compares a random draw with the rate;
// the comparison has no gradient, so the input's gradient is 0.
func poissonGradRule(*graphMachine, *ir.Node, []float64, func(*ir.Node) []float64) error {
	return nil
}
