package passes

import "github.com/snnc/snnc/ir"

// FuseTimesteps marks every neuron and recurrent node to run as one kernel
// over the whole sequence.
//
// Graph values are whole sequences, so a feed-forward linear (or conv) is
// already one product over all T·B rows, hoisted out of any time loop.
// What remains is the neurons: unfused, a backend calls the step kernel
// once per time step; fused, one kernel call runs t = 0..T-1. The
// assembly kernels take their loop nest from kernel.LoopFor, the same for
// every instruction set: per batch entry, a tile of up to 1024 neurons is
// carried through all T steps, so the tile's states stay in L1 between
// steps; a layer of fewer than 32 neurons runs time steps outermost
// instead, its B batch entries independent within a step. The plain-Go
// kernels carry tiles of the same kernel.TileLanes neurons (a smaller
// layer is one tile). Either way each step reads a state
// from its [B][N] slice where it first needs it and writes the next value
// back at the end of the step: states are not held in registers across
// steps. A recurrent node
// cannot run its steps apart from its recurrent product, so for it the
// mark hoists the input product x·W_inᵀ out of the time loop.
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
