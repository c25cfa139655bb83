package passes

import (
	"cmp"
	"slices"

	"github.com/snnc/snnc/ir"
)

// This file holds what the step-level passes share: rewriting a step by
// copying it value by value into a new one (steps are never changed in
// place, so a step that several nodes share is rewritten once and the
// original stays valid), and replacing the steps of a graph.

// A rewriteFunc decides what stands for the original value v in the new
// step b, whose arguments are already rewritten into args. It returns a
// value of b, nil to copy v unchanged, or omit to leave v out.
type rewriteFunc func(b *ir.Step, v *ir.Value, args []*ir.Value) *ir.Value

// omit is returned by a rewriteFunc to leave a value out of the new step.
// Nothing the new step keeps may use it; the builder panics if it does.
var omit = new(ir.Value)

// rebuild returns a copy of s in which every value (except the reads of
// inputs and states, which are always copied) is replaced by what f returns.
// Values keep their order, so their IDs are 1, 2, ... in that order.
// Declarations keep their order; a parameter whose read f replaced is no
// longer declared, and one that s declares without reading stays declared.
func rebuild(s *ir.Step, f rewriteFunc) *ir.Step {
	b := ir.NewStep(s.Name)
	val := make(map[*ir.Value]*ir.Value, len(s.Values))
	for _, v := range s.Values {
		args := make([]*ir.Value, len(v.Args)) // the new value keeps it
		for k, a := range v.Args {
			args[k] = val[a]
		}
		if v.Op == ir.OpInput || v.Op == ir.OpState {
			val[v] = copyValue(b, s, v, args)
			continue
		}
		nv := f(b, v, args)
		if nv == nil {
			nv = copyValue(b, s, v, args)
		}
		val[v] = nv
	}
	// Declarations s makes without reading them.
	for _, name := range s.Inputs {
		b.Input(name)
	}
	for _, st := range s.States {
		b.State(st.Name, st.Init)
	}
	for _, p := range s.Params {
		if s.Leaf(ir.OpParam, p.Name) == nil {
			declareParam(b, p)
		}
	}
	for _, o := range s.Outputs {
		b.Output(o.Name, val[o.Value])
	}
	for _, st := range s.States {
		b.SetNext(b.Leaf(ir.OpState, st.Name), val[st.Next])
	}
	b.Inputs = sortedLike(b.Inputs, s.Inputs, func(n string) string { return n })
	b.States = sortedLike(b.States, s.States, func(st ir.StateVar) string { return st.Name })
	b.Params = sortedLike(b.Params, s.Params, func(p ir.ParamVar) string { return p.Name })
	return b
}

// copyValue adds to b a value computing what v computes in s, from args.
func copyValue(b, s *ir.Step, v *ir.Value, args []*ir.Value) *ir.Value {
	switch v.Op {
	case ir.OpInput:
		return b.Input(v.Name)
	case ir.OpState:
		return b.State(v.Name, s.States[s.StateIndex(v.Name)].Init)
	case ir.OpParam:
		return declareParam(b, s.Params[s.ParamIndex(v.Name)])
	case ir.OpConst:
		return b.Const(v.Const)
	}
	return b.Copy(v, args...)
}

func declareParam(b *ir.Step, p ir.ParamVar) *ir.Value {
	if p.PerNeuron {
		return b.PerNeuronParam(p.Name, p.Default)
	}
	return b.Param(p.Name, p.Default)
}

// sortedLike orders decls (named by name) as the same names are ordered in
// like.
func sortedLike[T any](decls, like []T, name func(T) string) []T {
	pos := make(map[string]int, len(like))
	for i, d := range like {
		pos[name(d)] = i
	}
	slices.SortStableFunc(decls, func(a, b T) int { return cmp.Compare(pos[name(a)], pos[name(b)]) })
	return decls
}

// rewriteSteps replaces every step of g by what f returns for it, once per
// step however many nodes use it, and points those nodes at the result. A
// node uses a step it applies, and the adjoint step of its schedule: both
// see the node's parameter bindings, since an adjoint step declares the
// forward step's parameters under the same names.
func rewriteSteps(g *ir.Graph, f func(s *ir.Step, users []*ir.Node) *ir.Step) {
	users := map[*ir.Step][]*ir.Node{}
	for _, n := range g.Nodes {
		if n.Step != nil {
			users[n.Step] = append(users[n.Step], n)
		}
		if n.Sched.Adjoint != nil {
			users[n.Sched.Adjoint] = append(users[n.Sched.Adjoint], n)
		}
	}
	renamed := make(map[*ir.Step]*ir.Step, len(g.Steps))
	for i, s := range g.Steps {
		t := f(s, users[s])
		g.Steps[i], renamed[s] = t, t
	}
	for _, n := range g.Nodes {
		if t, ok := renamed[n.Step]; ok {
			n.Step = t
		}
		if t, ok := renamed[n.Sched.Adjoint]; ok {
			n.Sched.Adjoint = t
		}
	}
}
