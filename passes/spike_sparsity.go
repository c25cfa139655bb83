package passes

import "github.com/snnc/snnc/ir"

// SpikeSparsity marks every linear node whose input is spikes, so that a
// backend computes it as an event-driven accumulation: per row, only the
// weight rows of the active inputs are added (spikes are mostly 0). A value
// is spikes when it is
//
//   - a graph input declared as spikes (the runs check that its values are
//     0 or 1),
//   - the output of a Poisson encoder,
//   - the output of a neuron or recurrent node whose step output is always 0
//     or 1: a threshold, or a select, product, max, min or detach of such
//     values and the constants 0 and 1 (the spike-latency encoder's
//     select(mask, 0, z)),
//
// possibly through flatten or delay, which move spikes without changing
// them.
//
// and when the layer has more than MaxDenseSpikeOutputs outputs. A
// narrower one stays dense: per row, its event-driven sum is one chain of
// dependent vector adds, one per spike, where the dense product's register
// tiles run many rows' chains at once. (Measured: 256 → 10 at 43 % spikes,
// T = 100, B = 32, the dense forward product and weight gradient took
// 1.5 ms less than the event-driven ones; docs/performance.md.)
//
// Invariant: only schedules change; every node computes what it did. (The
// event-driven sum skips terms fma(0, w, acc) = acc, which is exact for
// finite weights; see backend/gogen's linearSpikes.)
func SpikeSparsity(g *ir.Graph) error {
	for _, n := range g.Nodes {
		if n.Op == ir.GLinear {
			n.Sched.SpikeInput = isSpikes(n.Args[0]) && n.Args[1].Type.Shape[0] > MaxDenseSpikeOutputs
		}
	}
	return nil
}

// MaxDenseSpikeOutputs is the most outputs of a product of spikes that
// SpikeSparsity leaves dense: one AVX-512 vector.
const MaxDenseSpikeOutputs = 16

// isSpikes reports whether every value of n is 0 or 1.
func isSpikes(n *ir.Node) bool {
	for n.Op == ir.GFlatten || n.Op == ir.GDelay {
		n = n.Args[0]
	}
	switch n.Op {
	case ir.GInput:
		return n.Spikes
	case ir.GPoisson:
		return true
	case ir.GNeuron, ir.GRecurrent:
		return isSpikeValue(n.Step.Outputs[0].Value)
	}
	return false
}

// isSpikeValue reports whether a step value is 0 or 1 for every lane, by
// its form: a threshold or comparison, the constants 0 and 1, or an
// operation that maps {0, 1} operands into {0, 1}.
func isSpikeValue(v *ir.Value) bool {
	switch v.Op {
	case ir.OpThreshold, ir.OpCmp:
		return true
	case ir.OpConst:
		return v.Const == 0 || v.Const == 1
	case ir.OpDetach:
		return isSpikeValue(v.Args[0])
	case ir.OpSelect: // the condition may be anything
		return isSpikeValue(v.Args[1]) && isSpikeValue(v.Args[2])
	case ir.OpMul, ir.OpMin, ir.OpMax:
		return isSpikeValue(v.Args[0]) && isSpikeValue(v.Args[1])
	}
	return false
}
