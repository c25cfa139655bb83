package ir

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Verify checks that s is well formed: names are unique identifiers, every
// value has its op's arity and attributes, arguments are defined before use
// and belong to s, leaves read declared names, every state has a next value,
// and there is at least one output. Errors name the offending value.
func Verify(s *Step) error {
	if s == nil {
		return errors.New("ir: nil step")
	}
	fail := func(format string, args ...any) error {
		return fmt.Errorf("ir: step %s: %s", s.Name, fmt.Sprintf(format, args...))
	}
	if !isIdent(s.Name) {
		return fmt.Errorf("ir: step name %q is not an identifier", s.Name)
	}
	declared := map[string]string{}
	declare := func(kind, name string) error {
		if !isIdent(name) {
			return fail("%s name %q is not an identifier", kind, name)
		}
		if prev, dup := declared[name]; dup {
			return fail("%s %s: the name is already a %s", kind, name, prev)
		}
		declared[name] = kind
		return nil
	}
	for _, n := range s.Inputs {
		if err := declare("input", n); err != nil {
			return err
		}
	}
	for _, st := range s.States {
		if err := declare("state", st.Name); err != nil {
			return err
		}
	}
	for _, p := range s.Params {
		if err := declare("param", p.Name); err != nil {
			return err
		}
	}

	defined := make(map[*Value]bool, len(s.Values))
	ids := make(map[int]bool, len(s.Values))
	leaves := map[string]bool{}
	for _, v := range s.Values {
		if v == nil {
			return fail("nil value in Values")
		}
		if v.ID <= 0 || ids[v.ID] {
			return fail("%s: ID %d is not positive or not unique", v.LongString(), v.ID)
		}
		ids[v.ID] = true
		if v.Op == OpInvalid || v.Op >= numOps {
			return fail("%s: invalid op", v.LongString())
		}
		if len(v.Args) != v.Op.Arity() {
			return fail("%s: %v takes %d arguments, got %d", v.LongString(), v.Op, v.Op.Arity(), len(v.Args))
		}
		for _, a := range v.Args {
			if a == nil || !defined[a] {
				return fail("%s: argument %v is not defined before it", v.LongString(), a)
			}
		}
		switch v.Op {
		case OpInput, OpState, OpParam:
			kind := v.Op.String()
			if declared[v.Name] != kind {
				return fail("%s: no %s called %q is declared", v.LongString(), kind, v.Name)
			}
			if leaves[v.Name] {
				return fail("%s: %s %s is read by two values", v.LongString(), kind, v.Name)
			}
			leaves[v.Name] = true
		case OpCmp:
			if v.Pred == PredInvalid || v.Pred >= numPreds {
				return fail("%s: invalid predicate", v.LongString())
			}
		case OpThreshold:
			if !v.Method.Valid() {
				return fail("%s: invalid surrogate method", v.LongString())
			}
		}
		defined[v] = true
	}
	for _, st := range s.States {
		if st.Next == nil {
			return fail("state %s has no next value", st.Name)
		}
		if !defined[st.Next] {
			return fail("next %s = %v: the value is not defined in the step", st.Name, st.Next)
		}
	}
	if len(s.Outputs) == 0 {
		return fail("no outputs")
	}
	outs := map[string]bool{}
	for _, o := range s.Outputs {
		if !isIdent(o.Name) || outs[o.Name] {
			return fail("output name %q is not an identifier or not unique", o.Name)
		}
		outs[o.Name] = true
		if o.Value == nil || !defined[o.Value] {
			return fail("output %s = %v: the value is not defined in the step", o.Name, o.Value)
		}
	}
	return nil
}

// verifySchedule checks that a node's schedule fits its op and that its
// adjoint step, if any, is a graph step declared as the adjoint of the
// node's step (inputs X, S, grad.out.O; states grad.state.S).
func verifySchedule(n *Node, steps map[*Step]bool) error {
	neuron := n.Op == GNeuron || n.Op == GRecurrent
	switch {
	case n.Sched.FuseTime && !neuron:
		return errors.New("only neuron and recurrent nodes fuse time steps")
	case n.Sched.SpikeInput && n.Op != GLinear:
		return errors.New("only linear nodes take spike input")
	case n.Sched.Epilogue && n.Op != GLinear:
		return errors.New("only linear nodes fuse into a neuron kernel")
	case n.Sched.Buffer != 0 && (n.Op == GInput || n.Op == GParam || n.Op == GFlatten):
		return fmt.Errorf("%v nodes have no buffer of their own", n.Op)
	case n.Sched.Buffer < BufferOutput:
		return fmt.Errorf("bad buffer %d", n.Sched.Buffer)
	case n.Sched.Adjoint == nil:
		return nil
	case !neuron:
		return errors.New("only neuron and recurrent nodes have an adjoint step")
	case !steps[n.Sched.Adjoint]:
		return fmt.Errorf("adjoint step %s is not one of the graph's steps", n.Sched.Adjoint.Name)
	}
	fwd, adj := n.Step, n.Sched.Adjoint
	var want []string
	want = append(want, fwd.Inputs...)
	for _, st := range fwd.States {
		want = append(want, st.Name)
	}
	for _, o := range fwd.Outputs {
		want = append(want, GradOutput+o.Name)
	}
	if !slices.Equal(adj.Inputs, want) {
		return fmt.Errorf("adjoint step %s has inputs %v, want %v", adj.Name, adj.Inputs, want)
	}
	if len(adj.States) != len(fwd.States) {
		return fmt.Errorf("adjoint step %s has %d states, want %d", adj.Name, len(adj.States), len(fwd.States))
	}
	for k, st := range fwd.States {
		if adj.States[k].Name != GradState+st.Name {
			return fmt.Errorf("adjoint step %s: state %d is %s, want %s", adj.Name, k, adj.States[k].Name, GradState+st.Name)
		}
	}
	for _, o := range adj.Outputs {
		if !strings.HasPrefix(o.Name, GradInput) && !strings.HasPrefix(o.Name, GradParam) {
			return fmt.Errorf("adjoint step %s: output %s is not a gradient", adj.Name, o.Name)
		}
	}
	return nil
}

// VerifyGraph checks that g is well formed: its steps verify and have
// distinct names, node IDs are unique, arguments are defined before use,
// input and parameter names are unique identifiers, every node's type is
// the one its op and arguments give, outputs name nodes of g, and
// schedules fit their nodes.
func VerifyGraph(g *Graph) error {
	if g == nil {
		return errors.New("ir: nil graph")
	}
	if !isIdent(g.Name) {
		return fmt.Errorf("ir: graph name %q is not an identifier", g.Name)
	}
	fail := func(format string, args ...any) error {
		return fmt.Errorf("ir: graph %s: %s", g.Name, fmt.Sprintf(format, args...))
	}
	steps := map[*Step]bool{}
	stepNames := map[string]bool{}
	for _, s := range g.Steps {
		if err := Verify(s); err != nil {
			return fail("%v", err)
		}
		if stepNames[s.Name] {
			return fail("two steps are called %s", s.Name)
		}
		stepNames[s.Name], steps[s] = true, true
	}
	defined := map[*Node]bool{}
	ids := map[int]bool{}
	names := map[string]bool{}
	for _, n := range g.Nodes {
		if n == nil {
			return fail("nil node")
		}
		if n.ID <= 0 || ids[n.ID] {
			return fail("%s: ID %d is not positive or not unique", n.LongString(), n.ID)
		}
		ids[n.ID] = true
		for _, a := range n.Args {
			if a == nil || !defined[a] {
				return fail("%s: argument %v is not defined before it", n.LongString(), a)
			}
		}
		if n.Op == GInput || n.Op == GParam {
			if names[n.Name] {
				return fail("%s: another input or param is called %s", n.LongString(), n.Name)
			}
			names[n.Name] = true
		}
		if (n.Op == GNeuron || n.Op == GRecurrent) && !steps[n.Step] {
			return fail("%s: its step is not one of the graph's steps", n.LongString())
		}
		if err := verifySchedule(n, steps); err != nil {
			return fail("%s: %v", n.LongString(), err)
		}
		t, err := inferType(n)
		if err != nil {
			return fail("%s: %v", n.LongString(), err)
		}
		if !t.equal(n.Type) {
			return fail("%s: the type should be %v", n.LongString(), t)
		}
		defined[n] = true
	}
	if len(g.Outputs) == 0 {
		return fail("no outputs")
	}
	outs := map[string]bool{}
	for _, o := range g.Outputs {
		if !isIdent(o.Name) || outs[o.Name] {
			return fail("output name %q is not an identifier or not unique", o.Name)
		}
		outs[o.Name] = true
		if !defined[o.Node] {
			return fail("output %s = %v: not a node of the graph", o.Name, o.Node)
		}
	}
	return nil
}
