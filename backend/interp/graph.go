package interp

import (
	"fmt"
	"math"

	"github.com/snnc/snnc/ir"
)

// GraphRun is what a graph runs over: T time steps of B batch entries.
// Sequences are flat [T][B][shape...], batch values [B][shape...].
type GraphRun struct {
	T, B   int
	Inputs map[string][]float64 // every input of the graph
	Params map[string][]float64 // every param of the graph, C order
	// Init holds, for neuron and recurrent nodes, the [B][N] state before
	// the first step by state name; a state left out starts at its
	// declared Init. A recurrent node also takes its previous output
	// z[−1] under PrevOutput (zero if left out). GraphResult.FinalStates
	// is this map for the next run, so a caller can stream a network one
	// time step (T=1) or one chunk at a time.
	Init      map[*ir.Node]map[string][]float64
	Precision Precision
	// Start is the time step the run's first step is in a longer
	// sequence run in pieces (0 for a whole sequence). Poisson encoders
	// draw by absolute time step, so pieces give the spikes of the whole.
	Start int64
}

// GraphResult holds every node's value after a run.
type GraphResult struct {
	Values  map[*ir.Node][]float64
	States  map[*ir.Node]map[string][]float64 // neuron and recurrent nodes: [T][B][N] state trajectories
	Outputs map[string][]float64
	// OutputStates holds States under the output's name for every output
	// that is a neuron or recurrent node, so the states a network records
	// can be found by name.
	OutputStates map[string]map[string][]float64

	t, b int
	init map[*ir.Node]map[string][]float64
}

// PrevOutput is the key of a recurrent node's output from the step before,
// z[t−1], among its states in GraphRun.Init and GraphResult.FinalStates.
// It is not an identifier, so no state has this name.
const PrevOutput = "output[t-1]"

// FinalStates returns, for every neuron and recurrent node, the state after
// the last time step in the form GraphRun.Init takes; a recurrent node's
// entry also holds its last output. A sequence run in pieces, each piece
// starting from the previous piece's FinalStates, gives the values of the
// whole run, except in delay and time-reduction nodes, which see only
// their own piece.
func (r *GraphResult) FinalStates() map[*ir.Node]map[string][]float64 {
	final := map[*ir.Node]map[string][]float64{}
	for n, states := range r.States {
		row := r.b * n.Type.Size()
		if r.t == 0 {
			// Nothing ran: the state is still the one the run started from.
			final[n] = map[string][]float64{}
			for name, v := range r.init[n] {
				final[n][name] = append([]float64(nil), v...)
			}
			continue
		}
		last := func(x []float64) []float64 { return append([]float64(nil), x[(r.t-1)*row:r.t*row]...) }
		final[n] = map[string][]float64{}
		for name, traj := range states {
			final[n][name] = last(traj)
		}
		if n.Op == ir.GRecurrent {
			final[n][PrevOutput] = last(r.Values[n])
		}
	}
	return final
}

// GraphGrads are the gradients of a loss with respect to a graph's inputs
// and parameters.
type GraphGrads struct {
	Inputs map[string][]float64
	Params map[string][]float64
}

// graphMachine holds one run's values.
type graphMachine struct {
	g     *ir.Graph
	run   *GraphRun
	round func(float64) float64 // identity, or rounding to float32
	// madd is the multiply-add of dot products (linear, conv): acc + a·b
	// in float64, the fused fma(a, b, acc) in float32, the order compiled
	// kernels use so that their products equal this mode's bit for bit.
	madd func(acc, a, b float64) float64
	res  *GraphResult
	// pre holds, per recurrent node, the state before each step, for BPTT.
	pre map[*ir.Node][]map[string][]float64
}

// size is the number of float64 values of a node's value.
func (m *graphMachine) size(n *ir.Node) int {
	switch n.Type.Kind {
	case ir.Sequence:
		return m.run.T * m.run.B * n.Type.Size()
	case ir.Batch:
		return m.run.B * n.Type.Size()
	}
	return n.Type.Size()
}

// RunGraph evaluates g forward.
func RunGraph(g *ir.Graph, run *GraphRun) (*GraphResult, error) {
	m, err := newGraphMachine(g, run)
	if err != nil {
		return nil, err
	}
	if err := m.forward(); err != nil {
		return nil, err
	}
	return m.res, nil
}

func newGraphMachine(g *ir.Graph, run *GraphRun) (*graphMachine, error) {
	if err := ir.VerifyGraph(g); err != nil {
		return nil, err
	}
	if run.T < 0 || run.B < 0 {
		return nil, fmt.Errorf("interp: negative size T=%d B=%d", run.T, run.B)
	}
	m := &graphMachine{g: g, run: run, round: func(x float64) float64 { return x }, madd: madd64,
		res: &GraphResult{Values: map[*ir.Node][]float64{}, States: map[*ir.Node]map[string][]float64{}, Outputs: map[string][]float64{},
			OutputStates: map[string]map[string][]float64{}, t: run.T, b: run.B, init: run.Init},
		pre: map[*ir.Node][]map[string][]float64{},
	}
	if run.Precision == Float32 {
		m.round = func(x float64) float64 { return float64(float32(x)) }
		m.madd = madd32
	}
	known := map[string]bool{}
	for _, n := range g.Nodes {
		var src map[string][]float64
		switch n.Op {
		case ir.GInput:
			src = run.Inputs
		case ir.GParam:
			src = run.Params
		default:
			continue
		}
		known[n.Name] = true
		x, ok := src[n.Name]
		if !ok {
			return nil, fmt.Errorf("interp: graph %s: no value for %v %s", g.Name, n.Op, n.Name)
		}
		if len(x) != m.size(n) {
			return nil, fmt.Errorf("interp: graph %s: %v %s has %d values, want %d for %v", g.Name, n.Op, n.Name, len(x), m.size(n), n.Type)
		}
		if n.Spikes {
			if err := CheckSpikes(x, n.Type.Size(), run.B, run.Start); err != nil {
				return nil, fmt.Errorf("interp: graph %s: input %s: %w", g.Name, n.Name, err)
			}
		}
	}
	for name := range run.Inputs {
		if !known[name] {
			return nil, fmt.Errorf("interp: graph %s has no input %q", g.Name, name)
		}
	}
	for name := range run.Params {
		if !known[name] {
			return nil, fmt.Errorf("interp: graph %s has no param %q", g.Name, name)
		}
	}
	if err := m.checkInit(); err != nil {
		return nil, err
	}
	return m, nil
}

// checkInit checks that run.Init names only the graph's neuron and
// recurrent nodes, their states (and a recurrent node's output), with
// [B][N] values each.
func (m *graphMachine) checkInit() error {
	if len(m.run.Init) == 0 {
		return nil
	}
	ours := map[*ir.Node]bool{}
	for _, n := range m.g.Nodes {
		ours[n] = n.Op == ir.GNeuron || n.Op == ir.GRecurrent
	}
	for n, states := range m.run.Init {
		if !ours[n] {
			return fmt.Errorf("interp: graph %s: initial state for %v, which is not one of its neuron or recurrent nodes", m.g.Name, n)
		}
		for name, v := range states {
			prevOutput := n.Op == ir.GRecurrent && name == PrevOutput
			if n.Step.StateIndex(name) < 0 && !prevOutput {
				return fmt.Errorf("interp: graph %s: %v (%s) has no state %q", m.g.Name, n, n.Step.Name, name)
			}
			if want := m.run.B * n.Type.Size(); len(v) != want {
				return fmt.Errorf("interp: graph %s: initial %s of %v has %d values, want B·N = %d", m.g.Name, name, n, len(v), want)
			}
		}
	}
	return nil
}

// initOf returns the initial states of a neuron or recurrent node and, for
// a recurrent node, its previous output (zeros unless given).
func (m *graphMachine) initOf(n *ir.Node) (states map[string][]float64, zPrev []float64) {
	zPrev = make([]float64, m.run.B*n.Type.Size())
	given := m.run.Init[n]
	if len(given) == 0 {
		return nil, zPrev
	}
	states = map[string][]float64{}
	for name, v := range given {
		if name == PrevOutput {
			copy(zPrev, v)
		} else {
			states[name] = v
		}
	}
	return states, zPrev
}

func (m *graphMachine) forward() error {
	for _, n := range m.g.Nodes {
		out, err := m.eval(n)
		if err != nil {
			return fmt.Errorf("interp: graph %s: %s: %w", m.g.Name, n.LongString(), err)
		}
		m.res.Values[n] = out
	}
	for _, o := range m.g.Outputs {
		m.res.Outputs[o.Name] = m.res.Values[o.Node]
		if st, ok := m.res.States[o.Node]; ok {
			m.res.OutputStates[o.Name] = st
		}
	}
	return nil
}

func (m *graphMachine) arg(n *ir.Node, k int) []float64 { return m.res.Values[n.Args[k]] }

// rows is the number of [features] rows of a node's value.
func (m *graphMachine) rows(n *ir.Node) int {
	if n.Type.Kind == ir.Batch {
		return m.run.B
	}
	return m.run.T * m.run.B
}

// eval computes n's value by its op's rule (graphRules).
func (m *graphMachine) eval(n *ir.Node) ([]float64, error) {
	rule, err := ruleOf(n.Op)
	if err != nil {
		return nil, err
	}
	return rule.forward(m, n)
}

// linearForward computes y[r][o] = b[o] + Σ_i x[r][i]·w[o][i]: the sum
// starts with the bias (or 0) and takes the products in order of i through
// madd.
func linearForward(x, w, b, y []float64, out, in int, madd func(acc, a, b float64) float64) {
	rows := len(y) / max(out, 1)
	for row := 0; row < rows; row++ {
		xr := x[row*in : row*in+in]
		for o := 0; o < out; o++ {
			acc := 0.0
			if b != nil {
				acc = b[o]
			}
			wo := w[o*in : o*in+in]
			for i, xi := range xr {
				acc = madd(acc, xi, wo[i])
			}
			y[row*out+o] = acc
		}
	}
}

// crossEntropy returns mean_b(logsumexp(x_b) − x_b[label_b]) and its
// gradient with respect to x.
func crossEntropy(x, labels []float64, B, classes int) (float64, []float64, error) {
	grad := make([]float64, len(x))
	loss := 0.0
	for b := 0; b < B; b++ {
		l := labels[b]
		if l != math.Trunc(l) || l < 0 || int(l) >= classes {
			return 0, nil, fmt.Errorf("label %v of batch entry %d is not a class index in [0, %d)", l, b, classes)
		}
		row := x[b*classes : b*classes+classes]
		mx := math.Inf(-1)
		for _, v := range row {
			mx = math.Max(mx, v)
		}
		sum := 0.0
		for _, v := range row {
			sum += math.Exp(v - mx)
		}
		loss += mx + math.Log(sum) - row[int(l)]
		for c, v := range row {
			grad[b*classes+c] = math.Exp(v-mx) / sum / float64(B)
		}
		grad[b*classes+int(l)] -= 1 / float64(B)
	}
	if B > 0 {
		loss /= float64(B)
	}
	return loss, grad, nil
}

func convGeom(n *ir.Node) ConvGeom {
	x := n.Args[0].Type.Shape
	w := n.Window
	g := ConvGeom{InC: x[0], OutC: n.Type.Shape[0], Groups: max(w.Groups, 1), InH: 1,
		SH: w.Stride[0], SW: w.Stride[1], PH: w.Padding[0], PW: w.Padding[1], DH: max(w.Dilation[0], 1), DW: max(w.Dilation[1], 1)}
	switch n.Op {
	case ir.GConv1d:
		ws := n.Args[1].Type.Shape
		g.InW, g.KH, g.KW, g.SH, g.PH, g.DH = x[1], 1, ws[2], 1, 0, 1
	case ir.GConv2d:
		ws := n.Args[1].Type.Shape
		g.InH, g.InW, g.KH, g.KW = x[1], x[2], ws[2], ws[3]
	default: // pooling
		g.InH, g.InW, g.KH, g.KW, g.DH, g.DW, g.Groups = x[1], x[2], w.Kernel[0], w.Kernel[1], 1, 1, 1
	}
	return g
}

// madd64 is acc + a·b with the product rounded first (the conversion keeps
// the compiler from fusing it).
func madd64(acc, a, b float64) float64 { return acc + float64(a*b) }

// madd32 is the float32 fused multiply-add fma(a, b, acc), rounded once.
func madd32(acc, a, b float64) float64 {
	return float64(fma32(float32(a), float32(b), float32(acc)))
}

func roundAll(x []float64, r func(float64) float64) []float64 {
	out := append([]float64(nil), x...)
	roundInPlace(out, r)
	return out
}

func roundInPlace(x []float64, r func(float64) float64) {
	for i := range x {
		x[i] = r(x[i])
	}
}

// stepParams gathers the values of a neuron node's bound parameters.
func (m *graphMachine) stepParams(n *ir.Node, lead int) map[string][]float64 {
	ps := map[string][]float64{}
	for k, name := range n.Bind {
		ps[name] = m.arg(n, lead+k)
	}
	return ps
}

// neuronRun is the step run a neuron node makes over the whole sequence.
func (m *graphMachine) neuronRun(n *ir.Node) *StepRun {
	s := n.Step
	init, _ := m.initOf(n)
	run := &StepRun{T: m.run.T, B: m.run.B, N: n.Type.Size(), Inputs: map[string][]float64{},
		Init: init, Params: m.stepParams(n, len(s.Inputs)), Precision: m.run.Precision}
	for k, name := range s.Inputs {
		run.Inputs[name] = m.arg(n, k)
	}
	return run
}

func (m *graphMachine) neuronForward(n *ir.Node) ([]float64, error) {
	s := n.Step
	res, err := RunStep(s, m.neuronRun(n))
	if err != nil {
		return nil, err
	}
	m.res.States[n] = res.States
	return res.Outputs[s.Outputs[0].Name], nil
}

// recurrentWeights returns W_rec with the diagonal zeroed unless the node
// keeps autapses, as Norse's recurrent cells do.
func recurrentWeights(n *ir.Node, w []float64) []float64 {
	if n.Autapses {
		return w
	}
	h := n.Type.Shape[0]
	w = append([]float64(nil), w...)
	for i := 0; i < h; i++ {
		w[i*h+i] = 0
	}
	return w
}

// recurrentForward runs the cell one time step at a time: the step's input
// is x[t]·W_inᵀ + z[t−1]·W_recᵀ, z[−1] = 0.
func (m *graphMachine) recurrentForward(n *ir.Node) ([]float64, error) {
	s := n.Step
	T, B, H := m.run.T, m.run.B, n.Type.Shape[0]
	in := n.Args[0].Type.Shape[0]
	x, win, wrec := m.arg(n, 0), m.arg(n, 1), recurrentWeights(n, m.arg(n, 2))
	params := m.stepParams(n, 3)
	out := make([]float64, T*B*H)
	states := map[string][]float64{}
	for _, st := range s.States {
		states[st.Name] = make([]float64, T*B*H)
	}
	init, zPrev := m.initOf(n)
	cur, rec := make([]float64, B*H), make([]float64, B*H)
	for t := 0; t < T; t++ {
		linearForward(x[t*B*in:(t+1)*B*in], win, nil, cur, H, in, m.madd)
		linearForward(zPrev, wrec, nil, rec, H, H, m.madd)
		for i := range cur {
			cur[i] = m.round(cur[i] + rec[i])
		}
		m.pre[n] = append(m.pre[n], init)
		res, err := RunStep(s, &StepRun{T: 1, B: B, N: H, Inputs: map[string][]float64{s.Inputs[0]: append([]float64(nil), cur...)},
			Init: init, Params: params, Precision: m.run.Precision})
		if err != nil {
			return nil, err
		}
		z := res.Outputs[s.Outputs[0].Name]
		copy(out[t*B*H:], z)
		copy(zPrev, z)
		init = map[string][]float64{}
		for name, v := range res.States {
			copy(states[name][t*B*H:], v)
			init[name] = v
		}
	}
	m.res.States[n] = states
	return out, nil
}
