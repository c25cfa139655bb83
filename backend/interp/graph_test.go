package interp_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/diff/fd"

	"github.com/snnc/snnc/backend/interp"
	"github.com/snnc/snnc/functional"
	"github.com/snnc/snnc/ir"
	"github.com/snnc/snnc/module"
)

// smoothNets are networks without thresholds, so finite differences see
// the same gradient BPTT computes.
func smoothNets(rng *rand.Rand) map[string]struct {
	net   module.Module
	shape []int
} {
	w := func(n int) []float64 { return randSeq(rng, n, -0.5, 0.5) }
	li := func(name string) *module.Neuron {
		p := functional.DefaultLIParameters()
		return &module.Neuron{Name: name, Model: "li", Params: &p}
	}
	return map[string]struct {
		net   module.Module
		shape []int
	}{
		"linear-li-linear-li": {module.Sequential{
			&module.Linear{Name: "fc1", In: 4, Out: 6, Weight: w(24), Bias: w(6)}, li("li1"),
			&module.Linear{Name: "fc2", In: 6, Out: 3, Weight: w(18), Bias: w(3)}, li("li2"),
		}, []int{4}},
		"conv-pool-flatten-linear": {module.Sequential{
			&module.Conv2d{Name: "c", In: 2, Out: 3, Kernel: [2]int{2, 2}, Padding: [2]int{1, 1}, Weight: w(3 * 2 * 4), Bias: w(3)},
			li("li1"), &module.AvgPool2d{Kernel: [2]int{2, 2}}, &module.Flatten{},
			&module.Scale{Name: "s", Factor: []float64{1.5}},
			&module.Linear{Name: "fc", In: 3 * 2 * 2, Out: 2, Weight: w(24)}, &module.Delay{Steps: 1}, li("li2"),
		}, []int{2, 3, 3}},
		"recurrent-li_box": {module.Sequential{
			&module.Recurrent{Neuron: module.Neuron{Name: "rec", Model: "li_box"}, In: 3, Hidden: 4, InputWeights: w(12), RecurrentWeights: w(16)},
		}, []int{3}},
		"conv1d-li": {module.Sequential{
			&module.Conv1d{Name: "c1", In: 2, Out: 2, Kernel: 2, Stride: 2, Padding: 1, Weight: w(8), Bias: w(2)}, li("li1"),
		}, []int{2, 5}},
	}
}

// TestGraphGradFiniteDifferences checks whole-network BPTT against finite
// differences of L = Σ w·output for the input and every parameter.
func TestGraphGradFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for name, tc := range smoothNets(rng) {
		t.Run(name, func(t *testing.T) {
			b, err := module.Build("net", tc.net, tc.shape...)
			require.NoError(t, err)
			const T, B = 6, 2
			size := 1
			for _, d := range tc.shape {
				size *= d
			}
			run := &interp.GraphRun{T: T, B: B, Inputs: map[string][]float64{"input": randSeq(rng, T*B*size, -1, 1)}, Params: b.Params}
			res, err := interp.RunGraph(b.Graph, run)
			require.NoError(t, err)
			w := randSeq(rng, len(res.Outputs["output"]), -1, 1)
			_, grads, err := interp.GradGraph(b.Graph, run, map[string][]float64{"output": w})
			require.NoError(t, err)
			loss := func() float64 {
				res, err := interp.RunGraph(b.Graph, run)
				require.NoError(t, err)
				l := 0.0
				for i, y := range res.Outputs["output"] {
					l += w[i] * y
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
			for pname, p := range b.Params {
				check(pname, p, grads.Params[pname])
			}
		})
	}
}

// TestGraphLosses checks the loss nodes' gradients by finite differences.
func TestGraphLosses(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	b := module.NewBuilder("loss")
	x, err := b.Graph.Input("x", 3)
	require.NoError(t, err)
	target, err := b.Graph.Input("target", 3)
	require.NoError(t, err)
	labels, err := b.Graph.BatchInput("labels")
	require.NoError(t, err)
	mse, err := b.Graph.Op(ir.GMSE, nil, x, target)
	require.NoError(t, err)
	sum, err := b.Graph.Op(ir.GSumTime, nil, x)
	require.NoError(t, err)
	ce, err := b.Graph.Op(ir.GCrossEntropy, nil, sum, labels)
	require.NoError(t, err)
	b.Graph.Output("mse", mse)
	b.Graph.Output("ce", ce)
	const T, B = 4, 2
	run := &interp.GraphRun{T: T, B: B, Inputs: map[string][]float64{
		"x": randSeq(rng, T*B*3, -1, 1), "target": randSeq(rng, T*B*3, -1, 1), "labels": {2, 0},
	}}
	for _, out := range []string{"mse", "ce"} {
		_, grads, err := interp.GradGraph(b.Graph, run, map[string][]float64{out: {1}})
		require.NoError(t, err)
		x := run.Inputs["x"]
		num := fd.Gradient(nil, func(p []float64) float64 {
			saved := append([]float64(nil), x...)
			copy(x, p)
			defer copy(x, saved)
			res, err := interp.RunGraph(b.Graph, run)
			require.NoError(t, err)
			return res.Outputs[out][0]
		}, append([]float64(nil), x...), nil)
		for i := range num {
			assert.InDelta(t, num[i], grads.Inputs["x"][i], 1e-6, "%s: dx[%d]", out, i)
		}
	}
	run.Inputs["labels"] = []float64{3, 0}
	_, err = interp.RunGraph(b.Graph, run)
	assert.ErrorContains(t, err, "label 3 of batch entry 0 is not a class index in [0, 3)")
}
