package interp

import (
	"fmt"

	"github.com/snnc/snnc/ir"
)

// GradGraph runs g forward and backpropagates through every layer and
// through time. seed holds dL/d(output) for the outputs the loss depends
// on; a scalar loss output (mse, cross_entropy) is seeded with [1]. It
// returns the forward result and the gradients for every input and param.
func GradGraph(g *ir.Graph, run *GraphRun, seed map[string][]float64) (*GraphResult, *GraphGrads, error) {
	m, err := newGraphMachine(g, run)
	if err != nil {
		return nil, nil, err
	}
	if err := m.forward(); err != nil {
		return nil, nil, err
	}
	adj := map[*ir.Node][]float64{}
	grad := func(n *ir.Node) []float64 {
		if adj[n] == nil {
			adj[n] = make([]float64, m.size(n))
		}
		return adj[n]
	}
	for name, s := range seed {
		var node *ir.Node
		for _, o := range g.Outputs {
			if o.Name == name {
				node = o.Node
			}
		}
		if node == nil {
			return nil, nil, fmt.Errorf("interp: graph %s has no output %q to seed", g.Name, name)
		}
		if len(s) != m.size(node) {
			return nil, nil, fmt.Errorf("interp: seed %s has %d values, want %d", name, len(s), m.size(node))
		}
		d := grad(node)
		for i := range s {
			d[i] += s[i]
		}
	}
	for k := len(g.Nodes) - 1; k >= 0; k-- {
		n := g.Nodes[k]
		if adj[n] == nil || isLeaf(n.Op) {
			continue
		}
		if err := m.backward(n, adj[n], grad); err != nil {
			return nil, nil, fmt.Errorf("interp: graph %s: %s: %w", g.Name, n.LongString(), err)
		}
	}
	grads := &GraphGrads{Inputs: map[string][]float64{}, Params: map[string][]float64{}}
	for _, n := range g.Nodes {
		switch n.Op {
		case ir.GInput:
			grads.Inputs[n.Name] = grad(n)
		case ir.GParam:
			grads.Params[n.Name] = grad(n)
		}
	}
	return m.res, grads, nil
}

// backward adds n's contributions to its arguments' adjoints, given dy, by
// its op's gradient rule (graphRules).
func (m *graphMachine) backward(n *ir.Node, dy []float64, grad func(*ir.Node) []float64) error {
	rule, err := ruleOf(n.Op)
	if err != nil {
		return err
	}
	if rule.backward == nil {
		return fmt.Errorf("no gradient rule for %v", n.Op)
	}
	return rule.backward(m, n, dy, grad)
}

// linearBackward adds dx = dy·W, dW = dyᵀ·x and db = Σ dy.
func linearBackward(x, w, dy, dx, dw, db []float64, out, in int, r func(float64) float64) {
	rows := len(dy) / max(out, 1)
	for row := 0; row < rows; row++ {
		xr, dxr := x[row*in:row*in+in], dx[row*in:row*in+in]
		for o := 0; o < out; o++ {
			g := dy[row*out+o]
			if g == 0 {
				continue
			}
			wo, dwo := w[o*in:o*in+in], dw[o*in:o*in+in]
			for i := range xr {
				dxr[i] = r(dxr[i] + r(g*wo[i]))
				dwo[i] = r(dwo[i] + r(g*xr[i]))
			}
			if db != nil {
				db[o] = r(db[o] + g)
			}
		}
	}
}

func addTo(dst, src []float64, r func(float64) float64) {
	for i := range src {
		dst[i] = r(dst[i] + src[i])
	}
}

// addParamGrads adds a step's parameter gradients to its bound params.
func addParamGrads(n *ir.Node, lead int, sg *StepGrads, grad func(*ir.Node) []float64, r func(float64) float64) {
	for k, name := range n.Bind {
		addTo(grad(n.Args[lead+k]), sg.Params[name], r)
	}
}

func (m *graphMachine) neuronBackward(n *ir.Node, dy []float64, grad func(*ir.Node) []float64) error {
	s := n.Step
	_, sg, err := GradStep(s, m.neuronRun(n), map[string][]float64{s.Outputs[0].Name: dy})
	if err != nil {
		return err
	}
	for k, name := range s.Inputs {
		addTo(grad(n.Args[k]), sg.Inputs[name], m.round)
	}
	addParamGrads(n, len(s.Inputs), sg, grad, m.round)
	return nil
}

// recurrentBackward is BPTT through the recurrent cell, one step at a time
// from the last: the gradient reaching z[t−1] through W_rec joins the
// gradient from the layers above before step t−1 is differentiated.
func (m *graphMachine) recurrentBackward(n *ir.Node, dy []float64, grad func(*ir.Node) []float64) error {
	s := n.Step
	T, B, H := m.run.T, m.run.B, n.Type.Shape[0]
	in := n.Args[0].Type.Shape[0]
	x, win, wrec := m.arg(n, 0), m.arg(n, 1), recurrentWeights(n, m.arg(n, 2))
	z := m.res.Values[n]
	dx, dwin, dwrec := grad(n.Args[0]), grad(n.Args[1]), grad(n.Args[2])
	params := m.stepParams(n, 3)
	dz := append([]float64(nil), dy...) // grows by the recurrent contributions
	var carried map[string][]float64
	cur, rec := make([]float64, B*H), make([]float64, B*H)
	_, zInit := m.initOf(n)
	for t := T - 1; t >= 0; t-- {
		zPrev := zInit
		if t > 0 {
			zPrev = z[(t-1)*B*H : t*B*H]
		}
		linearForward(x[t*B*in:(t+1)*B*in], win, nil, cur, H, in, m.madd)
		linearForward(zPrev, wrec, nil, rec, H, H, m.madd)
		for i := range cur {
			cur[i] = m.round(cur[i] + rec[i])
		}
		_, sg, err := GradStepFrom(s, &StepRun{T: 1, B: B, N: H, Inputs: map[string][]float64{s.Inputs[0]: append([]float64(nil), cur...)},
			Init: m.pre[n][t], Params: params, Precision: m.run.Precision},
			map[string][]float64{s.Outputs[0].Name: dz[t*B*H : (t+1)*B*H]}, carried)
		if err != nil {
			return err
		}
		carried = sg.Init
		dcur := sg.Inputs[s.Inputs[0]]
		linearBackward(x[t*B*in:(t+1)*B*in], win, dcur, dx[t*B*in:(t+1)*B*in], dwin, nil, H, in, m.round)
		dzPrev := make([]float64, B*H)
		linearBackward(zPrev, wrec, dcur, dzPrev, dwrec, nil, H, H, m.round)
		if t > 0 {
			addTo(dz[(t-1)*B*H:t*B*H], dzPrev, m.round)
		}
		addParamGrads(n, 3, sg, grad, m.round)
	}
	if !n.Autapses {
		for i := 0; i < H; i++ {
			dwrec[i*H+i] = 0 // as Norse's hook does
		}
	}
	return nil
}
