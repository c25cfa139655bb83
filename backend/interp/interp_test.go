package interp_test

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/diff/fd"

	"github.com/snnc/snnc/backend/interp"
	"github.com/snnc/snnc/functional"
	"github.com/snnc/snnc/ir"
)

func randSeq(rng *rand.Rand, n int, lo, hi float64) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = lo + (hi-lo)*rng.Float64()
	}
	return x
}

// TestGradFiniteDifferences checks BPTT on the smooth models against central
// finite differences of the loss Σ w·output, with respect to every input
// value, every initial state value and every parameter (one of them given
// per neuron).
func TestGradFiniteDifferences(t *testing.T) {
	for _, step := range []*ir.Step{
		functional.LI(functional.DefaultLIParameters(), 1e-3),
		functional.LIBox(functional.DefaultLIBoxParameters(), 1e-3),
	} {
		t.Run(step.Name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(3, 4))
			const T, B, N = 9, 2, 3
			run := &interp.StepRun{
				T: T, B: B, N: N,
				Inputs: map[string][]float64{"x": randSeq(rng, T*B*N, -1, 1)},
				Init:   map[string][]float64{},
				Params: map[string][]float64{"tau_mem_inv": {90, 100, 110}, "v_leak": {0.3}},
			}
			for _, st := range step.States {
				run.Init[st.Name] = randSeq(rng, B*N, -0.5, 0.5)
			}
			w := randSeq(rng, T*B*N, -1, 1)
			out := step.Outputs[0].Name
			_, grads, err := interp.GradStep(step, run, map[string][]float64{out: w})
			require.NoError(t, err)

			loss := func() float64 {
				res, err := interp.RunStep(step, run)
				require.NoError(t, err)
				l := 0.0
				for i, y := range res.Outputs[out] {
					l += w[i] * y
				}
				return l
			}
			// check perturbs each element of x and compares dL/dx.
			check := func(what string, x, grad []float64) {
				t.Helper()
				num := fd.Gradient(nil, func(p []float64) float64 {
					saved := append([]float64(nil), x...)
					copy(x, p)
					l := loss()
					copy(x, saved)
					return l
				}, append([]float64(nil), x...), &fd.Settings{Formula: fd.Central, Step: 1e-6})
				require.Len(t, grad, len(num), what)
				for i := range num {
					assert.InDelta(t, num[i], grad[i], 1e-6*math.Max(1, math.Abs(num[i])), "%s[%d]", what, i)
				}
			}
			check("x", run.Inputs["x"], grads.Inputs["x"])
			for _, st := range step.States {
				check("initial "+st.Name, run.Init[st.Name], grads.Init[st.Name])
			}
			for name, p := range run.Params {
				check("param "+name, p, grads.Params[name])
			}
			if run.Params["tau_syn_inv"] == nil && step.ParamIndex("tau_syn_inv") >= 0 {
				run.Params["tau_syn_inv"] = []float64{200}
				_, grads, err = interp.GradStep(step, run, map[string][]float64{out: w})
				require.NoError(t, err)
				check("param tau_syn_inv", run.Params["tau_syn_inv"], grads.Params["tau_syn_inv"])
			}
		})
	}
}

// lifF32 is the LIF feed-forward step written by hand in float32, in the
// order the IR gives; every product is rounded before it is added.
func lifF32(x, v, i float32, p functional.LIFParameters, dt float64) (z, vNew, iNew float32) {
	iJ := i + x
	aM := float32(dt) * float32(p.TauMemInv)
	vDec := v + float32(aM*((float32(p.VLeak)-v)+iJ))
	iDec := iJ + float32(float32(-dt)*float32(p.TauSynInv))*iJ
	if vDec-float32(p.VTh) > 0 {
		z = 1
	}
	vNew = float32((1-z)*vDec) + float32(z*float32(p.VReset))
	return z, vNew, iDec
}

// TestFloat32ModeOrder checks that float32 mode rounds after every op, in IR
// order, by comparing it bit for bit with the LIF step written in float32.
func TestFloat32ModeOrder(t *testing.T) {
	p := functional.DefaultLIFParameters()
	step := functional.LIF(p, 1e-3)
	rng := rand.New(rand.NewPCG(5, 6))
	const T, B, N = 200, 1, 17
	x := randSeq(rng, T*B*N, -0.2, 1.5)
	res, err := interp.RunStep(step, &interp.StepRun{T: T, B: B, N: N, Inputs: map[string][]float64{"x": x}, Precision: interp.Float32})
	require.NoError(t, err)
	spikes := 0
	for n := 0; n < N; n++ {
		var v, i float32
		for tt := 0; tt < T; tt++ {
			var z float32
			z, v, i = lifF32(float32(x[tt*N+n]), v, i, p, 1e-3)
			k := tt*N + n
			require.Equal(t, float64(z), res.Outputs["z"][k], "z[%d][%d]", tt, n)
			require.Equal(t, float64(v), res.States["v"][k], "v[%d][%d]", tt, n)
			require.Equal(t, float64(i), res.States["i"][k], "i[%d][%d]", tt, n)
			spikes += int(z)
		}
	}
	require.Greater(t, spikes, 0)
}

// fma32Exact is x*y+z rounded once to float32, computed with big.Float.
func fma32Exact(x, y, z float32) float32 {
	p := new(big.Float).SetPrec(200).Mul(big.NewFloat(float64(x)), big.NewFloat(float64(y)))
	p.Add(p, big.NewFloat(float64(z)))
	f, _ := p.Float32()
	return f
}

func TestFMAFloat32(t *testing.T) {
	s := ir.NewStep("fma")
	a, b, c := s.Input("a"), s.Input("b"), s.Input("c")
	s.Output("y", s.FMA(a, b, c))
	rng := rand.New(rand.NewPCG(7, 8))
	const n = 20000
	in := map[string][]float64{"a": make([]float64, n), "b": make([]float64, n), "c": make([]float64, n)}
	for i := 0; i < n; i++ {
		x := float32(rng.NormFloat64())
		y := float32(rng.NormFloat64())
		z := -x * y // cancellation, where a second rounding would show
		if i%3 == 0 {
			z = float32(rng.NormFloat64())
		}
		if i%5 == 0 {
			// A tie case: x*y exactly halfway between float32 values before z.
			x, y, z = 1+0x1p-23, 1+0x1p-1, 0x1p-25
		}
		in["a"][i], in["b"][i], in["c"][i] = float64(x), float64(y), float64(z)
	}
	res, err := interp.RunStep(s, &interp.StepRun{T: n, B: 1, N: 1, Inputs: in, Precision: interp.Float32})
	require.NoError(t, err)
	for i := 0; i < n; i++ {
		want := fma32Exact(float32(in["a"][i]), float32(in["b"][i]), float32(in["c"][i]))
		require.Equal(t, float64(want), res.Outputs["y"][i], "fma(%v, %v, %v)", in["a"][i], in["b"][i], in["c"][i])
	}
}

func TestRunErrors(t *testing.T) {
	step := functional.LIF(functional.DefaultLIFParameters(), 1e-3)
	for _, tc := range []struct {
		name string
		run  interp.StepRun
		want string
	}{
		{"missing input", interp.StepRun{T: 1, B: 1, N: 1}, "input x not given"},
		{"short input", interp.StepRun{T: 2, B: 1, N: 1, Inputs: map[string][]float64{"x": {1}}}, "input x has 1 values, want T·B·N = 2"},
		{"unknown param", interp.StepRun{T: 1, B: 1, N: 1, Inputs: map[string][]float64{"x": {1}}, Params: map[string][]float64{"tau": {1}}}, "no param \"tau\""},
		{"param length", interp.StepRun{T: 1, B: 1, N: 3, Inputs: map[string][]float64{"x": {1, 2, 3}}, Params: map[string][]float64{"v_th": {1, 2}}}, "param v_th has 2 values, want 1 or N = 3"},
		{"init length", interp.StepRun{T: 1, B: 1, N: 1, Inputs: map[string][]float64{"x": {1}}, Init: map[string][]float64{"v": {1, 2}}}, "initial state v has 2 values"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := interp.RunStep(step, &tc.run)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}
