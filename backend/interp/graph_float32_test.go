package interp_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/snnc/snnc/backend/interp"
	"github.com/snnc/snnc/ir"
	"github.com/snnc/snnc/module"
)

// float32GradTol bounds |g32 − g64| / max|g64| for each gradient tensor of
// the network below. Float32 rounds every op to 2⁻²⁴ ≈ 6e-8 relative; over
// 20 steps of BPTT the errors add up, and the SuperSpike surrogate
// 1/(100·|v − v_th| + 1)² magnifies the voltage's rounding error by up to
// 200/(100·|v − v_th| + 1) near the threshold. Over these seeds the worst
// case is about 3e-5.
const float32GradTol = 1e-4

// TestGraphGradFloat32 checks that BPTT in float32 mode agrees with
// float64 on linear → LIF → linear → LI: the same spikes, and gradients of
// every weight, bias and the input within float32GradTol.
func TestGraphGradFloat32(t *testing.T) {
	for seed := range uint64(10) {
		rng := rand.New(rand.NewPCG(31, seed))
		w := func(n int, lo, hi float64) []float64 { return randSeq(rng, n, lo, hi) }
		b, err := module.Build("net", module.Sequential{
			&module.Linear{Name: "fc1", In: 4, Out: 6, Weight: w(24, -0.2, 1), Bias: w(6, 0, 0.2)},
			&module.Neuron{Name: "lif", Model: "lif"},
			&module.Linear{Name: "fc2", In: 6, Out: 3, Weight: w(18, -1, 1), Bias: w(3, -0.1, 0.1)},
			&module.Neuron{Name: "li", Model: "li"},
		}, 4)
		require.NoError(t, err)
		const T, B = 20, 2
		x, lossWeights := w(T*B*4, 0, 1), w(T*B*3, -1, 1)
		var res [2]*interp.GraphResult
		var grads [2]*interp.GraphGrads
		for k, p := range []interp.Precision{interp.Float64, interp.Float32} {
			run := &interp.GraphRun{T: T, B: B, Inputs: map[string][]float64{"input": x}, Params: b.Params, Precision: p}
			res[k], grads[k], err = interp.GradGraph(b.Graph, run, map[string][]float64{"output": lossWeights})
			require.NoError(t, err)
		}
		spikes := 0.0
		for _, n := range b.Graph.Nodes {
			if n.Op == ir.GNeuron && n.Step.Outputs[0].Name == "z" {
				// A voltage within rounding of the threshold could flip a
				// spike and change the gradients for real; these seeds have
				// none.
				require.Equal(t, res[0].Values[n], res[1].Values[n], "seed %d: spikes", seed)
				for _, z := range res[0].Values[n] {
					spikes += z
				}
			}
		}
		require.Positive(t, spikes, "seed %d: the LIF layer spikes", seed)
		requireRelClose := func(what string, want, got []float64) {
			t.Helper()
			scale := 0.0
			for _, v := range want {
				scale = math.Max(scale, math.Abs(v))
			}
			require.Positive(t, scale, "seed %d: %s is all zeros", seed, what)
			for i := range want {
				if d := math.Abs(got[i] - want[i]); !(d <= float32GradTol*scale) {
					t.Fatalf("seed %d: %s[%d]: float32 %v, float64 %v (|diff| %.3g > %g·%.3g)", seed, what, i, got[i], want[i], d, float32GradTol, scale)
				}
			}
		}
		requireRelClose("output", res[0].Outputs["output"], res[1].Outputs["output"])
		requireRelClose("d input", grads[0].Inputs["input"], grads[1].Inputs["input"])
		for name, g := range grads[0].Params {
			requireRelClose("d "+name, g, grads[1].Params[name])
		}
	}
}
