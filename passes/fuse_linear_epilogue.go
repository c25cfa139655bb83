package passes

import "github.com/snnc/snnc/ir"

// FuseLinearEpilogue marks every linear node whose only user is a
// time-fused neuron layer with one input, in an inference graph, so that
// the neuron kernel computes the product itself: for each tile of output
// neurons and each time step it computes the tile's currents (starting from
// the bias, one fused multiply-add per input in order, as the linear does)
// and steps the neurons on them while they are in L1. The currents are
// never written to memory and read back.
//
// Training graphs are left alone, since backpropagation reads the currents
// again; so are graph outputs and products of spikes, which are computed
// event-driven instead.
//
// Invariant: only schedules change; every node computes what it did.
func FuseLinearEpilogue(g *ir.Graph) error {
	users := map[*ir.Node][]*ir.Node{}
	for _, n := range g.Nodes {
		n.Sched.Epilogue = false
		if n.Sched.Adjoint != nil {
			return nil
		}
		for _, a := range n.Args {
			users[a] = append(users[a], n)
		}
	}
	for _, o := range g.Outputs {
		users[o.Node] = append(users[o.Node], nil) // an output has an outside user
	}
	for _, n := range g.Nodes {
		if n.Op != ir.GLinear || n.Sched.SpikeInput || n.Type.Kind != ir.Sequence || len(users[n]) != 1 {
			continue
		}
		u := users[n][0]
		if u != nil && u.Op == ir.GNeuron && u.Sched.FuseTime && len(u.Step.Inputs) == 1 && u.Args[0] == n {
			n.Sched.Epilogue = true
		}
	}
	return nil
}
