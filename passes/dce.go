package passes

import "github.com/snnc/snnc/ir"

// DCE (dead code elimination) removes what g's outputs do not depend on:
//
//   - nodes no output depends on, parameters included; inputs stay, since
//     callers give them;
//   - steps no remaining node applies or has as its adjoint step;
//   - in every step, values that no output and no next state depends on.
//     The reads of inputs, states and parameters stay, so that a step's
//     declarations do not change.
//
// Invariant: every node and every step value left computes exactly what it
// computed before, so the graph's outputs and every state trajectory are
// unchanged.
func DCE(g *ir.Graph) error {
	live := map[*ir.Node]bool{}
	for _, o := range g.Outputs {
		live[o.Node] = true
	}
	for i := len(g.Nodes) - 1; i >= 0; i-- {
		if n := g.Nodes[i]; live[n] {
			for _, a := range n.Args {
				live[a] = true
			}
		}
	}
	used := map[*ir.Step]bool{}
	kept := g.Nodes[:0]
	for _, n := range g.Nodes {
		if live[n] || n.Op == ir.GInput {
			kept = append(kept, n)
			used[n.Step] = true
			used[n.Sched.Adjoint] = true
		}
	}
	clear(g.Nodes[len(kept):])
	g.Nodes = kept
	steps := g.Steps[:0]
	for _, s := range g.Steps {
		if used[s] {
			steps = append(steps, s)
		}
	}
	clear(g.Steps[len(steps):])
	g.Steps = steps

	rewriteSteps(g, func(s *ir.Step, _ []*ir.Node) *ir.Step {
		live := liveValues(s)
		return rebuild(s, func(b *ir.Step, v *ir.Value, args []*ir.Value) *ir.Value {
			if !live[v] {
				return omit
			}
			return nil
		})
	})
	return nil
}

// liveValues returns the values of s that an output or a next state depends
// on, and the reads of its declarations.
func liveValues(s *ir.Step) map[*ir.Value]bool {
	live := make(map[*ir.Value]bool, len(s.Values))
	for _, o := range s.Outputs {
		live[o.Value] = true
	}
	for _, st := range s.States {
		live[st.Next] = true
	}
	// Arguments precede their users, so one backward sweep finds them all.
	for i := len(s.Values) - 1; i >= 0; i-- {
		v := s.Values[i]
		if v.Op == ir.OpInput || v.Op == ir.OpState || v.Op == ir.OpParam {
			live[v] = true
		}
		if live[v] {
			for _, a := range v.Args {
				live[a] = true
			}
		}
	}
	return live
}
