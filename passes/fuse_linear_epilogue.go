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
// event-driven instead. So are products the fused kernel computes slower
// than the separate product and neuron kernels (epilogueFits).
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
		if n.Op != ir.GLinear || n.Sched.SpikeInput || n.Type.Kind != ir.Sequence || len(users[n]) != 1 || !epilogueFits(n) {
			continue
		}
		u := users[n][0]
		if u != nil && u.Op == ir.GNeuron && u.Sched.FuseTime && len(u.Step.Inputs) == 1 && u.Args[0] == n {
			n.Sched.Epilogue = true
		}
	}
	return nil
}

// Which products the fused kernel computes faster. It takes, for every
// batch entry and time step, each tile of outputs through all the inputs
// in one chain of dependent multiply-adds per vector, reading the tile's
// weights again for every row; the product kernel runs register tiles of
// many rows, each weight read once per tile. Fusing saves writing the
// currents and reading them back, which pays only while the weights are
// few and the chains short and many. Measured (Zen 5, AVX-512, T = 100, B
// = 1 and 32; docs/performance.md, "Fused products"): 1 to 16 inputs into
// 64 to 256 neurons are faster fused at B = 32 (up to 1.8×; 16 → 256 is 10
// % slower at B = 1); 32 or more inputs, 1024 neurons, or 16 neurons are
// slower (784 → 256: 4×, 256 → 10: 7×).
const (
	epilogueMaxIn  = 16
	epilogueMinOut = 64
	epilogueMaxOut = 256
)

// epilogueFits reports whether the fused kernel computes linear node n's
// product faster than the product kernel (the measurements above).
func epilogueFits(n *ir.Node) bool {
	w := n.Args[1].Type.Shape // [out][in]
	return len(w) == 2 && w[1] <= epilogueMaxIn && w[0] >= epilogueMinOut && w[0] <= epilogueMaxOut
}
