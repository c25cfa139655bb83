package interp_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/diff/fd"

	"github.com/snnc/snnc/backend/interp"
	"github.com/snnc/snnc/ir"
	"github.com/snnc/snnc/module"
)

// streamNets are spiking networks with feed-forward and recurrent neuron
// layers, for running a sequence in pieces.
func streamNets(rng *rand.Rand) []struct {
	name string
	net  module.Module
} {
	w := func(n int, lo, hi float64) []float64 { return randSeq(rng, n, lo, hi) }
	return []struct {
		name string
		net  module.Module
	}{
		{"linear-lif-linear-li", module.Sequential{
			&module.Linear{Name: "fc1", In: 4, Out: 6, Weight: w(24, -0.2, 1), Bias: w(6, 0, 0.2)},
			&module.Neuron{Name: "lif", Model: "lif"},
			&module.Linear{Name: "fc2", In: 6, Out: 3, Weight: w(18, -1, 1), Bias: w(3, -0.1, 0.1)},
			&module.Neuron{Name: "li", Model: "li"},
		}},
		{"recurrent-lsnn-lif_refrac", module.Sequential{
			&module.Recurrent{Neuron: module.Neuron{Name: "lsnn", Model: "lsnn_recurrent"}, In: 4, Hidden: 5,
				InputWeights: w(20, -0.2, 1.5), RecurrentWeights: w(25, -0.5, 0.5)},
			&module.Linear{Name: "fc", In: 5, Out: 3, Weight: w(15, 0, 2)},
			&module.Cell{Name: "refrac", Model: "lif_refrac"},
		}},
	}
}

// TestGraphInStreamedPieces runs networks over T steps at once, then one
// step at a time and in chunks, each piece starting from the previous
// piece's FinalStates, and checks that every node's values and states are
// the same.
func TestGraphInStreamedPieces(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for _, tc := range streamNets(rng) {
		t.Run(tc.name, func(t *testing.T) {
			b, err := module.Build("net", tc.net, 4)
			require.NoError(t, err)
			const T, B = 23, 2
			x := randSeq(rng, T*B*4, 0, 1)
			whole, err := interp.RunGraph(b.Graph, &interp.GraphRun{T: T, B: B, Inputs: map[string][]float64{"input": x}, Params: b.Params})
			require.NoError(t, err)
			spikes := 0.0
			for n, states := range whole.States {
				if n.Step.Outputs[0].Name == "z" {
					for _, z := range whole.Values[n] {
						spikes += z
					}
				}
				require.NotEmpty(t, states)
			}
			require.Positive(t, spikes, "the network spikes")

			for _, chunk := range []int{1, 5, T} {
				var init map[*ir.Node]map[string][]float64
				for t0 := 0; t0 < T; t0 += chunk {
					n := min(chunk, T-t0)
					piece, err := interp.RunGraph(b.Graph, &interp.GraphRun{T: n, B: B, Init: init, Params: b.Params,
						Inputs: map[string][]float64{"input": x[t0*B*4 : (t0+n)*B*4]}})
					require.NoError(t, err)
					for _, node := range b.Graph.Nodes {
						if node.Type.Kind != ir.Sequence {
							continue
						}
						row := B * node.Type.Size()
						require.Equal(t, whole.Values[node][t0*row:(t0+n)*row], piece.Values[node], "chunk %d: %v at t=%d", chunk, node, t0)
						for st, traj := range whole.States[node] {
							require.Equal(t, traj[t0*row:(t0+n)*row], piece.States[node][st], "chunk %d: %v state %s at t=%d", chunk, node, st, t0)
						}
					}
					init = piece.FinalStates()
				}
			}
		})
	}
}

// TestGraphInitErrors checks that initial states must belong to the
// graph's neuron nodes, name their states and have B·N values.
func TestGraphInitErrors(t *testing.T) {
	b, err := module.Build("net", module.Sequential{
		&module.Linear{Name: "fc", In: 2, Out: 3, Weight: make([]float64, 6)},
		&module.Neuron{Name: "lif", Model: "lif"},
	}, 2)
	require.NoError(t, err)
	fc, lif := b.Graph.Nodes[2], b.Graph.Nodes[3]
	require.Equal(t, ir.GNeuron, lif.Op)
	for want, init := range map[string]map[*ir.Node]map[string][]float64{
		"which is not one of its neuron or recurrent nodes": {fc: {"v": make([]float64, 6)}},
		`has no state "z"`:                           {lif: {"z": make([]float64, 6)}},
		`has no state "output[t-1]"`:                 {lif: {interp.PrevOutput: make([]float64, 6)}},
		"initial v of n4 has 3 values, want B·N = 6": {lif: {"v": make([]float64, 3)}},
	} {
		_, err := interp.RunGraph(b.Graph, &interp.GraphRun{T: 1, B: 2, Init: init, Params: b.Params,
			Inputs: map[string][]float64{"input": make([]float64, 4)}})
		assert.ErrorContains(t, err, want)
	}
}

// TestGraphGradWithInit checks BPTT from given initial states against
// finite differences. The smooth neuron below is not linear, so its
// gradients depend on the state it starts from; the recurrent layer's
// given z[−1] enters the gradient of its recurrent weights.
func TestGraphGradWithInit(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	w := func(n int, lo, hi float64) []float64 { return randSeq(rng, n, lo, hi) }
	// v ← v + ½·tanh(x − v), output v: smooth, so finite differences see
	// the gradient BPTT computes.
	smooth := ir.NewStep("smooth")
	v := smooth.State("v", 0)
	next := smooth.Add(v, smooth.Mul(smooth.Const(0.5), smooth.Tanh(smooth.Sub(smooth.Input("x"), v))))
	smooth.Output("y", next)
	smooth.SetNext(v, next)

	b := module.NewBuilder("net")
	x, err := b.Graph.Input("input", 3)
	require.NoError(t, err)
	y, err := (&module.Linear{Name: "fc", In: 3, Out: 4, Weight: w(12, -1, 1), Bias: w(4, -0.5, 0.5)}).Build(b, x)
	require.NoError(t, err)
	sm, err := b.Graph.Op(ir.GNeuron, &ir.Node{Step: smooth}, y)
	require.NoError(t, err)
	rec, err := (&module.Recurrent{Neuron: module.Neuron{Name: "rec", Model: "li_box"}, In: 4, Hidden: 2,
		InputWeights: w(8, -1, 1), RecurrentWeights: w(4, -1, 1)}).Build(b, sm)
	require.NoError(t, err)
	b.Graph.Output("output", rec)

	const T, B = 5, 2
	run := &interp.GraphRun{T: T, B: B, Params: b.Params,
		Inputs: map[string][]float64{"input": w(T*B*3, -1, 1)},
		Init: map[*ir.Node]map[string][]float64{
			sm:  {"v": w(B*4, -2, 2)},
			rec: {"v": w(B*2, -1, 1), interp.PrevOutput: w(B*2, -1, 1)},
		},
	}
	res, err := interp.RunGraph(b.Graph, run)
	require.NoError(t, err)
	seed := w(len(res.Outputs["output"]), -1, 1)
	_, grads, err := interp.GradGraph(b.Graph, run, map[string][]float64{"output": seed})
	require.NoError(t, err)
	loss := func() float64 {
		res, err := interp.RunGraph(b.Graph, run)
		require.NoError(t, err)
		l := 0.0
		for i, y := range res.Outputs["output"] {
			l += seed[i] * y
		}
		return l
	}
	check := func(what string, x, grad []float64) {
		num := fd.Gradient(nil, func(p []float64) float64 {
			saved := append([]float64(nil), x...)
			copy(x, p)
			defer copy(x, saved)
			return loss()
		}, append([]float64(nil), x...), &fd.Settings{Formula: fd.Central, Step: 1e-6})
		for i := range num {
			assert.InDelta(t, num[i], grad[i], 1e-6*math.Max(1, math.Abs(num[i])), "%s[%d]", what, i)
		}
	}
	check("input", run.Inputs["input"], grads.Inputs["input"])
	for name, p := range b.Params {
		check(name, p, grads.Params[name])
	}
}
