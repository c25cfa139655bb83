package passes

import (
	"maps"
	"slices"

	"github.com/snnc/snnc/ir"
)

// PlanBuffers decides where each node's value lives during a forward pass,
// so that a compiled model needs few and small buffers and allocates none
// after the first call. Values whose lifetimes do not overlap share a
// buffer: a value lives from its node to its last user (through flatten,
// which is a view of its argument, not a copy; a product fused into a
// neuron kernel is used where that kernel runs). The graph's output is
// computed straight into the caller's output, and products fused into
// their neuron kernel (fuse-linear-epilogue) need none.
//
// Training graphs (any node with an adjoint step) keep every value in a
// buffer of its own: the backward pass reads the forward values again.
//
// Invariant: only schedules change; every node computes what it did, and
// no two values live at the same time share a buffer.
func PlanBuffers(g *ir.Graph) error {
	for _, n := range g.Nodes {
		n.Sched.Buffer = 0
		if n.Sched.Adjoint != nil {
			return nil
		}
	}
	index := make(map[*ir.Node]int, len(g.Nodes))
	for i, n := range g.Nodes {
		index[n] = i
	}
	// owner is the node whose buffer holds n's value: n itself, or the
	// argument a flatten views.
	owner := func(n *ir.Node) *ir.Node {
		for n.Op == ir.GFlatten {
			n = n.Args[0]
		}
		return n
	}
	last := map[*ir.Node]int{}
	for i, n := range g.Nodes {
		for _, a := range n.Args {
			last[owner(a)] = i
			// A product fused into n's kernel reads its own arguments
			// while n writes its output: they live until n.
			if a.Sched.Epilogue {
				for _, aa := range a.Args {
					last[owner(aa)] = i
				}
			}
		}
	}
	outputs := map[*ir.Node]bool{}
	for _, o := range g.Outputs {
		outputs[owner(o.Node)] = true
	}
	var free []int // buffers no live value holds
	nextBuffer := 1
	busyUntil := map[int]int{} // buffer → index of its value's last use
	for i, n := range g.Nodes {
		// Release the buffers whose values were last used before node i:
		// a node must not write where its own arguments still are.
		for _, b := range slices.Sorted(maps.Keys(busyUntil)) {
			if busyUntil[b] < i {
				free = append(free, b)
				delete(busyUntil, b)
			}
		}
		switch {
		case n.Op == ir.GInput || n.Op == ir.GParam || n.Op == ir.GFlatten || n.Sched.Epilogue:
			continue // no buffer of its own: the caller's, a view, or never stored
		case outputs[n]:
			// A single output goes to the caller; with several, each keeps
			// its own buffer.
			if len(g.Outputs) == 1 {
				n.Sched.Buffer = ir.BufferOutput
			}
			continue
		}
		end, used := last[n]
		if !used {
			continue // dead: DCE removes it; a buffer of its own is harmless
		}
		var b int
		if len(free) > 0 {
			b, free = free[len(free)-1], free[:len(free)-1]
		} else {
			b = nextBuffer
			nextBuffer++
		}
		n.Sched.Buffer = b
		busyUntil[b] = end
	}
	return nil
}
