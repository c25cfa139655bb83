package passes

import "github.com/snnc/snnc/ir"

// FuseTimesteps marks every neuron and recurrent node to run as one kernel
// over the whole sequence.
//
// Graph values are whole sequences, so a feed-forward linear (or conv) is
// already one product over all T·B rows, hoisted out of any time loop.
// What remains is the neurons: unfused, a backend calls the step kernel
// once per time step and the state makes a round trip through memory each
// time; fused, one kernel runs t = 0..T-1 for a tile of neurons whose state
// stays in registers or L1, reading the state once and writing it once. A
// recurrent node cannot run its steps apart from its recurrent product, so
// for it the mark hoists the input product x·W_inᵀ out of the time loop.
//
// Invariant: only schedules change; every node computes what it did.
func FuseTimesteps(g *ir.Graph) error {
	for _, n := range g.Nodes {
		if n.Op == ir.GNeuron || n.Op == ir.GRecurrent {
			n.Sched.FuseTime = true
		}
	}
	return nil
}
