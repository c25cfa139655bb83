package passes

import (
	"strings"

	"github.com/snnc/snnc/ir"
)

// FuseSurrogateBackward trims every adjoint step to what one reverse-time
// kernel must compute: the surrogate derivatives, the state adjoints, the
// input gradients and the gradients of the parameters some node binds to a
// graph parameter. Gradients of parameters no node binds (the model's
// constants) are dropped, and DCE then removes the values only they
// needed. The backend's forward kernel saves, per time step, only the
// states the trimmed adjoint step still reads, and the backward kernel
// recomputes the rest from them: for LIF that is v and i, for LI only what
// its gradient depends on.
//
// Invariant: the gradients of inputs and bound parameters are unchanged.
func FuseSurrogateBackward(g *ir.Graph) error {
	bound := map[*ir.Step]map[string]bool{}
	for _, n := range g.Nodes {
		if a := n.Sched.Adjoint; a != nil {
			if bound[a] == nil {
				bound[a] = map[string]bool{}
			}
			for _, p := range n.Bind {
				bound[a][p] = true
			}
		}
	}
	rewriteSteps(g, func(s *ir.Step, _ []*ir.Node) *ir.Step {
		want, isAdjoint := bound[s]
		if !isAdjoint {
			return s
		}
		t := s.Clone()
		kept := t.Outputs[:0]
		for _, o := range t.Outputs {
			if p, ok := strings.CutPrefix(o.Name, ir.GradParam); !ok || want[p] {
				kept = append(kept, o)
			}
		}
		t.Outputs = kept
		return t
	})
	return nil
}
