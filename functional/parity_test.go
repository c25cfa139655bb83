package functional_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/snnc/snnc/backend/interp"
	"github.com/snnc/snnc/functional"
	"github.com/snnc/snnc/internal/reftest"
	"github.com/snnc/snnc/ir"
)

// norseFunctions maps the Norse function a file ran to our model, and says
// how the file's params become the model's parameter JSON.
var norseFunctions = map[string]struct {
	model  string
	params func(raw json.RawMessage) json.RawMessage
}{
	"norse.torch.functional.lif.lif_feed_forward_step":                         {model: "lif"},
	"norse.torch.functional.lif_box.lif_box_feed_forward_step":                 {model: "lif_box"},
	"norse.torch.functional.leaky_integrator.li_feed_forward_step":             {model: "li"},
	"norse.torch.functional.leaky_integrator_box.li_box_feed_forward_step":     {model: "li_box"},
	"norse.torch.functional.iaf.iaf_feed_forward_step":                         {model: "iaf"},
	"norse.torch.functional.lsnn.lsnn_feed_forward_step":                       {model: "lsnn"},
	"norse.torch.functional.lif_adex.lif_adex_feed_forward_step":               {model: "lif_adex"},
	"norse.torch.functional.lif_ex.lif_ex_feed_forward_step":                   {model: "lif_ex"},
	"norse.torch.functional.lif_refrac.lif_refrac_feed_forward_step":           {model: "lif_refrac"},
	"norse.torch.functional.lif_adex_refrac.lif_adex_refrac_feed_forward_step": {model: "lif_adex_refrac"},
	"norse.torch.functional.coba_lif.coba_lif_feed_forward_step":               {model: "coba_lif"},
	"norse.torch.functional.tsodyks_makram.stp_step":                           {model: "stp"},
	"norse.torch.functional.izhikevich.izhikevich_feed_forward_step":           {model: "izhikevich", params: wrapIzhikevich},
}

// wrapIzhikevich turns IzhikevichParameters into a spiking behaviour; the
// file's initial state overrides the behaviour's.
func wrapIzhikevich(raw json.RawMessage) json.RawMessage {
	return json.RawMessage(`{"p":` + string(raw) + `}`)
}

type seq = [][][]float64 // [T][B][N]

type neuronFile struct {
	Model         string                 `json:"model"`
	NorseFunction string                 `json:"norse_function"`
	DT            float64                `json:"dt"`
	T             int                    `json:"T"`
	Batch         int                    `json:"batch"`
	Neurons       int                    `json:"neurons"`
	Params        json.RawMessage        `json:"params"`
	InitialState  map[string][][]float64 `json:"initial_state"`
	Input         seq                    `json:"input"`
	OutputKind    string                 `json:"output_kind"`
	Output        seq                    `json:"output"`
	States        map[string]seq         `json:"states"`
	StateOrder    []string               `json:"state_order"`
	SpikeCount    [][]float64            `json:"spike_count_per_neuron"`
	LossWeights   seq                    `json:"loss_weights"`
	Runs          []surrogateRun         `json:"runs"`
}

type surrogateRun struct {
	Method    string          `json:"method"`
	Alpha     float64         `json:"alpha"`
	Params    json.RawMessage `json:"params"`
	Loss      float64         `json:"loss"`
	Spikes    seq             `json:"spikes"`
	V         seq             `json:"v"`
	I         seq             `json:"i"`
	GradInput seq             `json:"grad_input"`
}

func TestNorseParity(t *testing.T) { checkNorseFolder(t) }

// checkNorseFolder checks every reference file in dir, each against the
// model or network it names.
func checkNorseFolder(t *testing.T) {
	files := reftest.Norse.Glob(t, "*.json")
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			if isNetworkFile(data) {
				require.NoError(t, checkNetworkFile(data))
				return
			}
			var f neuronFile
			require.NoError(t, json.Unmarshal(data, &f))
			if f.Runs != nil {
				checkSurrogateFile(t, &f)
			} else {
				checkNeuronFile(t, &f)
			}
		})
	}
}

// buildStep finds the model a file ran, reads its parameters (rejecting
// names the model does not have) and builds its step.
func buildStep(t *testing.T, norseFunction string, raw json.RawMessage, dt float64) *ir.Step {
	t.Helper()
	fn, _, _ := strings.Cut(norseFunction, " (") // "... (preset ...)"
	entry, ok := norseFunctions[fn]
	require.True(t, ok, "unknown Norse function %q", norseFunction)
	m, err := functional.LookupModel(entry.model)
	require.NoError(t, err)
	if entry.params != nil {
		raw = entry.params(raw)
	}
	p := m.Params()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(p), "params %s", raw)
	return m.Build(p, dt)
}

func checkNeuronFile(t *testing.T, f *neuronFile) {
	step := buildStep(t, f.NorseFunction, f.Params, f.DT)
	require.Len(t, step.Inputs, 1)
	require.Len(t, step.Outputs, 1)
	run := &interp.StepRun{
		T: f.T, B: f.Batch, N: f.Neurons,
		Inputs: map[string][]float64{step.Inputs[0]: flat3(t, f.Input, f.T, f.Batch, f.Neurons)},
		Init:   map[string][]float64{},
	}
	for name, init := range f.InitialState {
		run.Init[name] = flat2(t, init, f.Batch, f.Neurons)
	}
	for _, name := range f.StateOrder {
		require.GreaterOrEqual(t, step.StateIndex(name), 0, "model %s has no state %q", step.Name, name)
	}
	require.Len(t, step.States, len(f.StateOrder), "state count")
	res, err := interp.RunStep(step, run)
	require.NoError(t, err)

	out := res.Outputs[step.Outputs[0].Name]
	want := flat3(t, f.Output, f.T, f.Batch, f.Neurons)
	if f.OutputKind == "spikes" {
		requireExact(t, "spikes", want, out, f.Batch, f.Neurons)
		counts := make([]float64, f.Batch*f.Neurons)
		for i, z := range out {
			counts[i%len(counts)] += z
		}
		requireExact(t, "spike_count_per_neuron", flat2(t, f.SpikeCount, f.Batch, f.Neurons), counts, f.Batch, f.Neurons)
	} else {
		requireClose(t, "output", want, out, 1e-12, f.Batch, f.Neurons)
	}
	for name, traj := range f.States {
		got, ok := res.States[name]
		require.True(t, ok, "model %s has no state %q", step.Name, name)
		requireClose(t, "state "+name, flat3(t, traj, f.T, f.Batch, f.Neurons), got, 1e-12, f.Batch, f.Neurons)
	}
}

func checkSurrogateFile(t *testing.T, f *neuronFile) {
	require.NotEmpty(t, f.Runs)
	x := flat3(t, f.Input, f.T, f.Batch, f.Neurons)
	weights := flat3(t, f.LossWeights, f.T, f.Batch, f.Neurons)
	for _, r := range f.Runs {
		t.Run(r.Method, func(t *testing.T) {
			step := buildStep(t, f.NorseFunction, r.Params, f.DT)
			run := &interp.StepRun{T: f.T, B: f.Batch, N: f.Neurons, Inputs: map[string][]float64{step.Inputs[0]: x}, Init: map[string][]float64{}}
			for name, init := range f.InitialState {
				run.Init[name] = flat2(t, init, f.Batch, f.Neurons)
			}
			res, grads, err := interp.GradStep(step, run, map[string][]float64{"z": weights})
			require.NoError(t, err)
			requireExact(t, "spikes", flat3(t, r.Spikes, f.T, f.Batch, f.Neurons), res.Outputs["z"], f.Batch, f.Neurons)
			requireClose(t, "v", flat3(t, r.V, f.T, f.Batch, f.Neurons), res.States["v"], 1e-12, f.Batch, f.Neurons)
			requireClose(t, "i", flat3(t, r.I, f.T, f.Batch, f.Neurons), res.States["i"], 1e-12, f.Batch, f.Neurons)
			loss := 0.0
			for i, z := range res.Outputs["z"] {
				loss += z * weights[i]
			}
			require.InDelta(t, r.Loss, loss, 1e-10, "loss")
			requireClose(t, "grad_input", flat3(t, r.GradInput, f.T, f.Batch, f.Neurons), grads.Inputs["x"], 1e-10, f.Batch, f.Neurons)
		})
	}
}

func flat3(t *testing.T, x seq, T, B, N int) []float64 {
	t.Helper()
	require.Len(t, x, T, "time steps")
	out := make([]float64, 0, T*B*N)
	for _, step := range x {
		out = append(out, flat2(t, step, B, N)...)
	}
	return out
}

func flat2(t *testing.T, x [][]float64, B, N int) []float64 {
	t.Helper()
	require.Len(t, x, B, "batch")
	out := make([]float64, 0, B*N)
	for _, row := range x {
		require.Len(t, row, N, "neurons")
		out = append(out, row...)
	}
	return out
}

// where names index i of a [T][B][N] sequence.
func where(i, B, N int) string {
	return fmt.Sprintf("[t=%d][b=%d][n=%d]", i/(B*N), i/N%B, i%N)
}

func requireExact(t *testing.T, what string, want, got []float64, B, N int) {
	t.Helper()
	require.Len(t, got, len(want), what)
	for i := range want {
		if want[i] != got[i] {
			t.Fatalf("%s%s = %v, Norse %v", what, where(i, B, N), got[i], want[i])
		}
	}
}

func requireClose(t *testing.T, what string, want, got []float64, tol float64, B, N int) {
	t.Helper()
	require.Len(t, got, len(want), what)
	for i := range want {
		if d := math.Abs(want[i] - got[i]); !(d <= tol) {
			t.Fatalf("%s%s = %v, Norse %v (|diff| %.3g > %g)", what, where(i, B, N), got[i], want[i], d, tol)
		}
	}
}
