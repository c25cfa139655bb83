package passes_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/snnc/snnc/ir"
	"github.com/snnc/snnc/module"
	"github.com/snnc/snnc/passes"
)

// checkBuffers fails if two values that live at the same time share a
// buffer. A value lives from its node to its last reader; a linear fused
// into a neuron kernel reads its arguments where the neuron runs, and a
// flatten is read where its users read it.
func checkBuffers(t *testing.T, name string, g *ir.Graph) {
	t.Helper()
	index := map[*ir.Node]int{}
	for i, n := range g.Nodes {
		index[n] = i
	}
	owner := func(n *ir.Node) *ir.Node {
		for n.Op == ir.GFlatten {
			n = n.Args[0]
		}
		return n
	}
	end := map[*ir.Node]int{}
	var read func(a *ir.Node, at int)
	read = func(a *ir.Node, at int) {
		end[owner(a)] = max(end[owner(a)], at)
		if a.Sched.Epilogue {
			for _, aa := range a.Args {
				read(aa, at)
			}
		}
	}
	for i, n := range g.Nodes {
		for _, a := range n.Args {
			read(a, i)
		}
	}
	for _, n := range g.Nodes {
		for _, m := range g.Nodes {
			if n == m || n.Sched.Buffer <= 0 || n.Sched.Buffer != m.Sched.Buffer {
				continue
			}
			// m is written at index[m]; n must be dead by then or born after.
			if index[n] < index[m] && end[n] >= index[m] {
				t.Errorf("%s: %v and %v share buffer %d, but %v is still read by %v, after %v is written",
					name, n, m, n.Sched.Buffer, n, g.Nodes[end[n]], m)
			}
		}
	}
}

// TestPlanBuffersLifetimes runs the whole inference pipeline on the test
// models and on layers whose fused products read a value one buffer could
// otherwise be shared with (a narrow layer feeding a wide one: the wide
// output would overwrite the narrow input rows the fused product still
// reads).
func TestPlanBuffersLifetimes(t *testing.T) {
	cases := append(graphCases(t), modelCases(t)...)
	lin := func(name string, in, out int) *module.Linear {
		return &module.Linear{Name: name, In: in, Out: out, Weight: make([]float64, in*out)}
	}
	b, err := module.Build("narrow_wide", module.Sequential{
		lin("fc1", 33, 1), &module.Neuron{Name: "a", Model: "lif"},
		lin("fc2", 1, 64), &module.Neuron{Name: "b", Model: "lif"},
		lin("fc3", 64, 7), &module.Neuron{Name: "c", Model: "lif"},
	}, 33)
	require.NoError(t, err)
	cases = append(cases, irCase{name: "narrow_wide", g: b.Graph, params: b.Params})
	fused := 0
	for _, c := range cases {
		// Without spike-sparsity every product of spikes is dense, and
		// fuse-linear-epilogue fuses those too.
		for _, off := range [][]string{{"autodiff", "fuse-surrogate-backward"}, {"autodiff", "fuse-surrogate-backward", "spike-sparsity"}} {
			g, err := passes.Run(c.g, passes.Options{Disable: off})
			require.NoError(t, err)
			for _, n := range g.Nodes {
				if n.Sched.Epilogue {
					fused++
				}
			}
			checkBuffers(t, c.name, g)
		}
	}
	require.Positive(t, fused, "no case fuses a product into its neuron kernel")
}
