package ir

import "slices"

// Clone returns a deep copy of s: new values with the same IDs, ops,
// attributes and argument structure, and copies of the declarations, so
// that changing the copy cannot affect s.
func (s *Step) Clone() *Step {
	c := NewStep(s.Name)
	c.nextID = s.nextID
	c.Inputs = slices.Clone(s.Inputs)
	c.States = slices.Clone(s.States)
	c.Params = slices.Clone(s.Params)
	val := make(map[*Value]*Value, len(s.Values))
	for _, v := range s.Values {
		nv := *v
		nv.Args = make([]*Value, len(v.Args))
		for k, a := range v.Args {
			nv.Args[k] = val[a]
		}
		val[v] = &nv
		c.Values = append(c.Values, &nv)
		c.owned[&nv] = true
		if v.Op == OpInput || v.Op == OpState || v.Op == OpParam {
			c.leaves[v.Op.String()+" "+v.Name] = &nv
		}
	}
	for k := range c.States {
		c.States[k].Next = val[c.States[k].Next]
	}
	for _, o := range s.Outputs {
		c.Outputs = append(c.Outputs, Output{Name: o.Name, Value: val[o.Value]})
	}
	return c
}

// Clone returns a deep copy of g: its steps are cloned and its nodes copied
// with the same IDs, attributes and argument structure, so that passes can
// rewrite the copy without affecting g.
func (g *Graph) Clone() *Graph {
	c := &Graph{Name: g.Name, nextID: g.nextID}
	steps := make(map[*Step]*Step, len(g.Steps))
	for _, s := range g.Steps {
		steps[s] = s.Clone()
		c.Steps = append(c.Steps, steps[s])
	}
	nodes := make(map[*Node]*Node, len(g.Nodes))
	for _, n := range g.Nodes {
		nn := *n // attributes by value; a slice or map attribute needs its own copy below
		nn.Args = make([]*Node, len(n.Args))
		for k, a := range n.Args {
			nn.Args[k] = nodes[a]
		}
		nn.Type.Shape = slices.Clone(n.Type.Shape)
		nn.Bind = slices.Clone(n.Bind)
		if t, ok := steps[n.Step]; ok {
			nn.Step = t
		}
		if t, ok := steps[n.Sched.Adjoint]; ok {
			nn.Sched.Adjoint = t
		}
		if t, ok := steps[n.Sched.Adjoint]; ok {
			nn.Sched.Adjoint = t
		}
		nodes[n] = &nn
		c.Nodes = append(c.Nodes, &nn)
	}
	for _, o := range g.Outputs {
		c.Outputs = append(c.Outputs, GraphOutput{Name: o.Name, Node: nodes[o.Node]})
	}
	return c
}
