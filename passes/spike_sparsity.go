package passes

import "github.com/snnc/snnc/ir"

// SpikeSparsity marks every linear node whose input is spikes, so that a
// backend computes it as an event-driven accumulation: per row, only the
// weight rows of the active inputs are added (spikes are mostly 0). A value
// is spikes when it is the output of a neuron or recurrent node whose step
// output is a threshold (always 0 or 1), possibly through flatten or delay,
// which move spikes without changing them.
//
// Invariant: only schedules change; every node computes what it did. (The
// event-driven sum skips terms fma(0, w, acc) = acc, which is exact for
// finite weights; see backend/gogen's linearSpikes.)
func SpikeSparsity(g *ir.Graph) error {
	for _, n := range g.Nodes {
		if n.Op == ir.GLinear {
			n.Sched.SpikeInput = isSpikes(n.Args[0])
		}
	}
	return nil
}

// isSpikes reports whether every value of n is 0 or 1 because a threshold
// produced it.
func isSpikes(n *ir.Node) bool {
	for n.Op == ir.GFlatten || n.Op == ir.GDelay {
		n = n.Args[0]
	}
	if n.Op != ir.GNeuron && n.Op != ir.GRecurrent {
		return false
	}
	return n.Step.Outputs[0].Value.Op == ir.OpThreshold
}
