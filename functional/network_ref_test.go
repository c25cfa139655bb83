package functional_test

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tinyRun is a run of the README's tiny network, Linear(4→6) → LIF →
// Linear(6→3) → LI with Norse's default parameters: sequences [T][B][N],
// weights in torch's [out][in] layout.
type tinyRun struct {
	W1, W2                    [][]float64
	B1, B2                    []float64
	Input, LossWeights        [][][]float64
	Lin1, Spikes, Lin2, LIV   [][][]float64
	LIFV, LIFI, LIStateV, LII [][][]float64
	Loss                      float64
	GradW1, GradW2            [][]float64
	GradB1, GradB2            []float64
	GradInput                 [][][]float64
	SpikeCount                [][]float64
	LIFParams, LIParams       map[string]any
}

// tinyNetwork computes a run of the tiny network with plain float64 loops
// written from Norse's equations: the forward pass and, by hand, BPTT of
// loss = Σ li_v·loss_weights with the SuperSpike surrogate. It shares no
// code with module or interp, so a file built from it tests the schema and
// the checker against independently computed values. They are not Norse's
// values: until Norse's tiny_network.json arrives, nothing here checks us
// against Norse itself.
func tinyNetwork(seed uint64) *tinyRun {
	const T, B, In, H, O = 20, 2, 4, 6, 3
	const dt = 1e-3
	// Norse's LIFParameters() and LIParameters().
	const tauSynInv, tauMemInv, vLeak, vTh, vReset, alpha = 200.0, 100.0, 0.0, 1.0, 0.0, 100.0
	rng := rand.New(rand.NewPCG(3001, seed))
	uniform := func(lo, hi float64) float64 { return lo + (hi-lo)*rng.Float64() }
	matrix := func(rows, cols int, lo, hi float64) [][]float64 {
		m := make([][]float64, rows)
		for r := range m {
			m[r] = make([]float64, cols)
			for c := range m[r] {
				m[r][c] = uniform(lo, hi)
			}
		}
		return m
	}
	seq := func(n int, lo, hi float64) [][][]float64 {
		s := make([][][]float64, T)
		for t := range s {
			s[t] = matrix(B, n, lo, hi)
		}
		return s
	}
	r := &tinyRun{
		W1: matrix(H, In, -0.2, 1), B1: matrix(1, H, 0, 0.3)[0],
		W2: matrix(O, H, -1, 1), B2: matrix(1, O, -0.1, 0.1)[0],
		Input: seq(In, 0, 1), LossWeights: seq(O, -1, 1),
		Lin1: seq(H, 0, 0), Spikes: seq(H, 0, 0), Lin2: seq(O, 0, 0), LIV: seq(O, 0, 0),
		LIFV: seq(H, 0, 0), LIFI: seq(H, 0, 0), LIStateV: seq(O, 0, 0), LII: seq(O, 0, 0),
		GradW1: matrix(H, In, 0, 0), GradW2: matrix(O, H, 0, 0), GradB1: make([]float64, H), GradB2: make([]float64, O),
		GradInput: seq(In, 0, 0), SpikeCount: matrix(B, H, 0, 0),
		LIFParams: map[string]any{"tau_syn_inv": tauSynInv, "tau_mem_inv": tauMemInv, "v_leak": vLeak, "v_th": vTh, "v_reset": vReset, "method": "super", "alpha": alpha},
		LIParams:  map[string]any{"tau_syn_inv": tauSynInv, "tau_mem_inv": tauMemInv, "v_leak": vLeak},
	}
	am, as := dt*tauMemInv, -dt*tauSynInv
	// The LIF's voltage before the reset and its current after the jump,
	// for the backward pass.
	vDec, iJump := seq(H, 0, 0), seq(H, 0, 0)

	for b := 0; b < B; b++ {
		v, i := make([]float64, H), make([]float64, H) // v starts at v_leak = 0
		lv, li := make([]float64, O), make([]float64, O)
		for t := 0; t < T; t++ {
			for h := 0; h < H; h++ {
				y := r.B1[h]
				for k := 0; k < In; k++ {
					y += r.Input[t][b][k] * r.W1[h][k]
				}
				r.Lin1[t][b][h] = y
				// lif_feed_forward_step
				ij := i[h] + y
				vd := v[h] + am*((vLeak-v[h])+ij)
				var z float64
				if vd-vTh > 0 {
					z = 1
				}
				v[h] = (1-z)*vd + z*vReset
				i[h] = ij + as*ij
				vDec[t][b][h], iJump[t][b][h] = vd, ij
				r.Spikes[t][b][h], r.LIFV[t][b][h], r.LIFI[t][b][h] = z, v[h], i[h]
				r.SpikeCount[b][h] += z
			}
			for o := 0; o < O; o++ {
				y := r.B2[o]
				for h := 0; h < H; h++ {
					y += r.Spikes[t][b][h] * r.W2[o][h]
				}
				r.Lin2[t][b][o] = y
				// li_feed_forward_step
				ij := li[o] + y
				lv[o] = lv[o] + am*((vLeak-lv[o])+ij)
				li[o] = ij + as*ij
				r.LIV[t][b][o], r.LIStateV[t][b][o], r.LII[t][b][o] = lv[o], lv[o], li[o]
				r.Loss += lv[o] * r.LossWeights[t][b][o]
			}
		}
	}

	superSpike := func(x float64) float64 { d := alpha*math.Abs(x) + 1; return 1 / (d * d) }
	for b := 0; b < B; b++ {
		// Gradients reaching each state after step t from later steps.
		gv, gi := make([]float64, H), make([]float64, H)
		glv, gli := make([]float64, O), make([]float64, O)
		for t := T - 1; t >= 0; t-- {
			gz := make([]float64, H)
			for o := 0; o < O; o++ {
				gvNew := r.LossWeights[t][b][o] + glv[o] // v_new is the output and the next state
				gj := gvNew*am + gli[o]*(1+as)
				glv[o], gli[o] = gvNew*(1-am), gj
				r.GradB2[o] += gj
				for h := 0; h < H; h++ {
					r.GradW2[o][h] += gj * r.Spikes[t][b][h]
					gz[h] += gj * r.W2[o][h]
				}
			}
			for h := 0; h < H; h++ {
				z, vd := r.Spikes[t][b][h], vDec[t][b][h]
				// v_new = (1−z)·v_dec + z·v_reset; the gradient flows through z.
				gzAll := gz[h] + gv[h]*(vReset-vd)
				gvd := gv[h]*(1-z) + gzAll*superSpike(vd-vTh)
				gj := gvd*am + gi[h]*(1+as)
				gv[h], gi[h] = gvd*(1-am), gj
				r.GradB1[h] += gj
				for k := 0; k < In; k++ {
					r.GradW1[h][k] += gj * r.Input[t][b][k]
					r.GradInput[t][b][k] += gj * r.W1[h][k]
				}
			}
		}
	}
	return r
}

// file lays the run out in the README's schema. nestedWeights writes
// {"linear1": {"weight": ...}} instead of {"linear1.weight": ...} and
// flatHidden writes {"hidden.li_v": ...} instead of {"hidden": {"li_v":
// ...}}; the table can be read either way.
func (r *tinyRun) file(nestedWeights, flatHidden bool) map[string]any {
	f := map[string]any{
		"model":           "norse.torch.SequentialState(torch.nn.Linear(4,6), norse.torch.LIF(p, record_states=True), torch.nn.Linear(6,3), norse.torch.LI(p, record_states=True), return_hidden=True)",
		"modules":         []string{"torch.nn.Linear(4, 6)", "norse.torch.LIF(p, record_states=True)", "torch.nn.Linear(6, 3)", "norse.torch.LI(p, record_states=True)"},
		"meta":            map[string]any{"dtype": "float64", "layout": "[time][batch][neuron]", "note": "written by snnc's tests from a hand-written float64 loop, not by Norse"},
		"dt":              1e-3,
		"T":               len(r.Input),
		"batch":           len(r.Input[0]),
		"seed":            3001,
		"input":           r.Input,
		"lif_states":      map[string]any{"v": r.LIFV, "i": r.LIFI},
		"li_states":       map[string]any{"v": r.LIStateV, "i": r.LII},
		"loss_weights":    r.LossWeights,
		"loss":            r.Loss,
		"loss_definition": "loss = sum_{t,b,k} li_v[t][b][k] * loss_weights[t][b][k]",
		"grads": map[string]any{
			"linear1.weight": r.GradW1, "linear1.bias": r.GradB1,
			"linear2.weight": r.GradW2, "linear2.bias": r.GradB2,
			"input": r.GradInput,
		},
		"lif_params":      r.LIFParams,
		"li_params":       r.LIParams,
		"lif_spike_count": r.SpikeCount,
	}
	if nestedWeights {
		f["linear1"] = map[string]any{"weight": r.W1, "bias": r.B1}
		f["linear2"] = map[string]any{"weight": r.W2, "bias": r.B2}
	} else {
		f["linear1.weight"], f["linear1.bias"] = r.W1, r.B1
		f["linear2.weight"], f["linear2.bias"] = r.W2, r.B2
	}
	hidden := map[string]any{"linear1_out": r.Lin1, "lif_spikes": r.Spikes, "linear2_out": r.Lin2, "li_v": r.LIV}
	if flatHidden {
		for k, v := range hidden {
			f["hidden."+k] = v
		}
	} else {
		f["hidden"] = hidden
	}
	return f
}

func writeJSON(t *testing.T, path string, v any) []byte {
	t.Helper()
	data, err := json.Marshal(v)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, data, 0o644))
	return data
}

// TestNorseNetworkSchema writes tiny_network.json files in the README's
// whole-network schema (the file is not in the reference folder yet) and
// checks them the way TestNorseParity checks Norse's files, through
// SNNC_NORSE_REF. The values come from tinyNetwork, not from Norse.
func TestNorseNetworkSchema(t *testing.T) {
	r := tinyNetwork(1)
	spikes := 0.0
	for _, row := range r.SpikeCount {
		for _, c := range row {
			spikes += c
		}
	}
	require.Positive(t, spikes, "the LIF layer spikes")
	for _, layout := range []struct {
		name                      string
		nestedWeights, flatHidden bool
	}{{"flat weights, nested hidden", false, false}, {"nested weights, flat hidden", true, true}} {
		t.Run(layout.name, func(t *testing.T) {
			dir := t.TempDir()
			writeJSON(t, filepath.Join(dir, "tiny_network.json"), r.file(layout.nestedWeights, layout.flatHidden))
			t.Setenv("SNNC_NORSE_REF", dir)
			checkNorseFolder(t)
		})
	}
}

// TestNorseNetworkMismatch checks that the whole-network checker reports a
// value that is off, a network it does not know and a missing field.
func TestNorseNetworkMismatch(t *testing.T) {
	for _, tc := range []struct {
		name    string
		corrupt func(r *tinyRun, f map[string]any)
		want    string
	}{
		{"weight gradient", func(r *tinyRun, f map[string]any) { r.GradW1[2][1] += 1e-8 }, "grads.linear1.weight[2][1] = "},
		{"input gradient", func(r *tinyRun, f map[string]any) { r.GradInput[19][1][3] -= 1e-9 }, "grads.input[19][1][3] = "},
		{"spike", func(r *tinyRun, f map[string]any) { r.Spikes[5][0][4] = 1 - r.Spikes[5][0][4] }, "hidden.lif_spikes[5][0][4] = "},
		{"state", func(r *tinyRun, f map[string]any) { r.LII[7][1][2] += 1e-11 }, "li_states.i[7][1][2] = "},
		{"loss", func(r *tinyRun, f map[string]any) { f["loss"] = r.Loss + 1e-9 }, "loss = "},
		{"spike count", func(r *tinyRun, f map[string]any) { r.SpikeCount[1][0]++ }, "lif_spike_count[1][0] = "},
		{"network", func(r *tinyRun, f map[string]any) {
			f["model"] = "norse.torch.SequentialState(torch.nn.Linear(4,6), norse.torch.LSNN(p), torch.nn.Linear(6,3), norse.torch.LI(p))"
		}, "unsupported network [Linear LSNN Linear LI]"},
		{"missing field", func(r *tinyRun, f map[string]any) { delete(f, "li_states") }, `no field "li_states.v"`},
		{"parameter name", func(r *tinyRun, f map[string]any) { f["li_params"] = map[string]any{"tau_mem": 100} }, `li_params: json: unknown field "tau_mem"`},
		{"field twice", func(r *tinyRun, f map[string]any) { f["hidden.li_v"] = r.LIV }, `field "hidden.li_v" is given twice`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tinyNetwork(1)
			f := r.file(false, false)
			tc.corrupt(r, f)
			data, err := json.Marshal(f)
			require.NoError(t, err)
			require.True(t, isNetworkFile(data))
			assert.ErrorContains(t, checkNetworkFile(data), tc.want)
		})
	}
}
