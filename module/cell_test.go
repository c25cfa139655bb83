package module_test

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/snnc/snnc/backend/interp"
	"github.com/snnc/snnc/functional"
	"github.com/snnc/snnc/module"
)

// TestCellStepsEqualSequence runs every model one time step at a time
// through its Cell, carrying the state by hand, and checks that the outputs
// and states equal the sequence module's run over all T steps (for the
// two-input recurrent CoBa step, which no sequence layer feeds, the step's
// own run over T).
func TestCellStepsEqualSequence(t *testing.T) {
	const T, B, N = 30, 2, 5
	for _, name := range functional.ModelNames() {
		t.Run(name, func(t *testing.T) {
			s, err := (&module.Cell{Name: name, Model: name}).Step()
			require.NoError(t, err)
			inputs := map[string][]float64{}
			for k, in := range s.Inputs {
				inputs[in] = cellInput(name, uint64(k), T*B*N)
			}
			out := s.Outputs[0].Name
			var wantOut []float64
			var wantStates map[string][]float64
			if len(s.Inputs) == 1 {
				b, err := module.Build("seq", &module.Neuron{Name: name, Model: name}, N)
				require.NoError(t, err)
				res, err := interp.RunGraph(b.Graph, &interp.GraphRun{T: T, B: B, Inputs: map[string][]float64{"input": inputs[s.Inputs[0]]}, Params: b.Params})
				require.NoError(t, err)
				wantOut, wantStates = res.Outputs["output"], res.OutputStates["output"]
			} else {
				res, err := interp.RunStep(s, &interp.StepRun{T: T, B: B, N: N, Inputs: inputs})
				require.NoError(t, err)
				wantOut, wantStates = res.Outputs[out], res.States
			}
			require.Len(t, wantStates, len(s.States))

			var state map[string][]float64 // nil: every state starts at its declared Init
			row := B * N
			for k := 0; k < T; k++ {
				now := map[string][]float64{}
				for in, x := range inputs {
					now[in] = x[k*row : (k+1)*row]
				}
				res, err := interp.RunStep(s, &interp.StepRun{T: 1, B: B, N: N, Inputs: now, Init: state})
				require.NoError(t, err)
				require.Equal(t, wantOut[k*row:(k+1)*row], res.Outputs[out], "output at t=%d", k)
				for st, traj := range wantStates {
					require.Equal(t, traj[k*row:(k+1)*row], res.States[st], "state %s at t=%d", st, k)
				}
				state = res.States
			}
		})
	}
}

// cellInput is a random input that makes the model's neurons move: currents
// for most models, a larger drive for Izhikevich, spikes for STP.
func cellInput(model string, seed uint64, n int) []float64 {
	rng := rand.New(rand.NewPCG(5, seed))
	x := make([]float64, n)
	for i := range x {
		switch model {
		case "stp":
			if rng.Float64() < 0.3 {
				x[i] = 1
			}
		case "izhikevich":
			x[i] = 20 * rng.Float64()
		default:
			x[i] = 0.8 * rng.Float64()
		}
	}
	return x
}

// TestCellBuildsNeuronLayer checks that a Cell in a network is the same
// layer as a Neuron with the same fields.
func TestCellBuildsNeuronLayer(t *testing.T) {
	p := functional.DefaultLIFParameters()
	p.VTh = 0.5
	cell, err := module.Build("net", &module.Cell{Name: "lif", Model: "lif", Params: &p, DT: 2e-3}, 3)
	require.NoError(t, err)
	neuron, err := module.Build("net", &module.Neuron{Name: "lif", Model: "lif", Params: &p, DT: 2e-3}, 3)
	require.NoError(t, err)
	require.Equal(t, graphText(t, neuron), graphText(t, cell))
}

func graphText(t *testing.T, b *module.Builder) string {
	t.Helper()
	var sb strings.Builder
	require.NoError(t, b.Graph.Print(&sb))
	return sb.String()
}
