package passes

import (
	"fmt"
	"strconv"

	"github.com/snnc/snnc/ir"
)

// BackwardStep turns a forward step into its adjoint step, mechanically from
// each op's derivative rule (ir.Op.Grad). Running the adjoint step from
// t = T-1 down to 0 is backpropagation through time.
//
// The adjoint step of a forward step with inputs X, states S, params P and
// outputs O has
//
//	inputs   X, then S (the forward state at the start of step t), then
//	         grad.out.o for every output o (dL/do at step t)
//	states   grad.state.s for every state s: dL/ds at the end of step t
//	         when step t begins, dL/ds at its start when it ends; 0 at first
//	params   P, unchanged
//	outputs  grad.in.x for every input x, then grad.param.p for every
//	         param p (this step's contribution; the runner sums it over
//	         time, batch and, for a shared parameter, neurons)
//
// The forward values the rules need are recomputed inside the adjoint step
// from the inputs and states, so nothing but the forward states has to be
// saved. The invariant: for any run, the adjoint step gives the same
// gradients as differentiating the forward step directly.
func BackwardStep(fwd *ir.Step) (*ir.Step, error) {
	if err := ir.Verify(fwd); err != nil {
		return nil, err
	}
	b := ir.NewStep(fwd.Name + "_backward")
	taken := map[string]bool{}
	claim := func(name string) error {
		if taken[name] {
			return fmt.Errorf("autodiff: step %s: the adjoint step would declare %q twice; rename the forward declaration", fwd.Name, name)
		}
		taken[name] = true
		return nil
	}
	for _, n := range fwd.Inputs {
		if err := claim(n); err != nil {
			return nil, err
		}
	}
	for _, st := range fwd.States {
		if err := claim(st.Name); err != nil {
			return nil, err
		}
	}
	for _, p := range fwd.Params {
		if err := claim(p.Name); err != nil {
			return nil, err
		}
	}
	for _, o := range fwd.Outputs {
		if err := claim(ir.GradOutput + o.Name); err != nil {
			return nil, err
		}
	}
	for _, st := range fwd.States {
		if err := claim(ir.GradState + st.Name); err != nil {
			return nil, err
		}
	}

	// Declarations in the documented order.
	for _, n := range fwd.Inputs {
		b.Input(n)
	}
	for _, st := range fwd.States {
		b.Input(st.Name)
	}
	dOut := make([]*ir.Value, len(fwd.Outputs))
	for k, o := range fwd.Outputs {
		dOut[k] = b.Input(ir.GradOutput + o.Name)
	}
	dState := make([]*ir.Value, len(fwd.States))
	for k, st := range fwd.States {
		dState[k] = b.State(ir.GradState+st.Name, 0)
	}

	// Recompute the forward values.
	val := make(map[*ir.Value]*ir.Value, len(fwd.Values))
	for _, v := range fwd.Values {
		switch v.Op {
		case ir.OpInput:
			val[v] = b.Input(v.Name)
		case ir.OpState:
			val[v] = b.Input(v.Name)
		case ir.OpParam:
			p := fwd.Params[fwd.ParamIndex(v.Name)]
			if p.PerNeuron {
				val[v] = b.PerNeuronParam(p.Name, p.Default)
			} else {
				val[v] = b.Param(p.Name, p.Default)
			}
		case ir.OpConst:
			val[v] = b.Const(v.Const)
		default:
			args := make([]*ir.Value, len(v.Args))
			for k, a := range v.Args {
				args[k] = val[a]
			}
			val[v] = b.Copy(v, args...)
		}
	}
	// Parameters the forward step declares but never reads still get an
	// (all-zero) gradient output, so declare them too.
	for _, p := range fwd.Params {
		if b.Leaf(ir.OpParam, p.Name) == nil {
			if p.PerNeuron {
				b.PerNeuronParam(p.Name, p.Default)
			} else {
				b.Param(p.Name, p.Default)
			}
		}
	}

	// Seed the adjoints and sweep the forward values in reverse.
	adj := map[*ir.Value]*ir.Value{}
	accumulate := func(v, g *ir.Value) {
		if prev := adj[v]; prev != nil {
			adj[v] = b.Add(prev, g)
		} else {
			adj[v] = g
		}
	}
	for k, o := range fwd.Outputs {
		accumulate(o.Value, dOut[k])
	}
	for k, st := range fwd.States {
		accumulate(st.Next, dState[k])
	}
	for i := len(fwd.Values) - 1; i >= 0; i-- {
		v := fwd.Values[i]
		dy := adj[v]
		if dy == nil || v.Op.IsLeaf() {
			continue
		}
		args := make([]*ir.Value, len(v.Args))
		for k, a := range v.Args {
			args[k] = val[a]
		}
		for k, g := range v.Op.Grad()(b, v, args, val[v], dy) {
			if g != nil {
				accumulate(v.Args[k], g)
			}
		}
	}

	adjointOf := func(leaf *ir.Value) *ir.Value {
		if leaf != nil && adj[leaf] != nil {
			return adj[leaf]
		}
		return b.Const(0)
	}
	for _, n := range fwd.Inputs {
		b.Output(ir.GradInput+n, adjointOf(fwd.Leaf(ir.OpInput, n)))
	}
	for _, p := range fwd.Params {
		b.Output(ir.GradParam+p.Name, adjointOf(fwd.Leaf(ir.OpParam, p.Name)))
	}
	for k, st := range fwd.States {
		b.SetNext(dState[k], adjointOf(fwd.Leaf(ir.OpState, st.Name)))
	}
	b.Prune()
	if err := ir.Verify(b); err != nil {
		return nil, fmt.Errorf("autodiff: %w", err)
	}
	return b, nil
}

// Autodiff gives every neuron and recurrent node the adjoint of its step
// (BackwardStep), added to the graph's steps, so that backends can
// backpropagate through the whole graph: products, convolutions, pooling
// and reductions have fixed gradient rules in the backends, and neuron
// layers run their adjoint step backwards in time. Nodes applying one step
// share its adjoint step, named <step>_backward; nodes that already have
// one keep it.
//
// Invariant: only schedules and the set of steps change; every node
// computes what it did, and the adjoint step's gradients equal those of
// direct BPTT through the node's step.
func Autodiff(g *ir.Graph) error {
	adjoint := map[*ir.Step]*ir.Step{}
	for _, n := range g.Nodes {
		if (n.Op != ir.GNeuron && n.Op != ir.GRecurrent) || n.Sched.Adjoint != nil {
			continue
		}
		a, ok := adjoint[n.Step]
		if !ok {
			var err error
			if a, err = BackwardStep(n.Step); err != nil {
				return err
			}
			a.Name = uniqueStepName(g, n.Step.Name+"_backward")
			g.Steps = append(g.Steps, a)
			adjoint[n.Step] = a
		}
		n.Sched.Adjoint = a
	}
	return nil
}

// uniqueStepName returns name, or name with a numeric suffix, so that no
// step of g is called that.
func uniqueStepName(g *ir.Graph, name string) string {
	base := name
	for i := 2; g.StepByName(name) != nil; i++ {
		name = base + "_" + strconv.Itoa(i)
	}
	return name
}
