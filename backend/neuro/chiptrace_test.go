package neuro

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/snnc/snnc/internal/reftest"
)

// maxTraceFileBytes bounds what one trace file may make the test read.
const maxTraceFileBytes = 512 << 20

func TestChipTraces(t *testing.T) {
	// SNNC_CHIP_REF, or ../shared/reference/neuro; skips without it
	// unless SNNC_REQUIRE_REF=1.
	files := reftest.Chip.Glob(t, "*.json")
	sort.Strings(files)
	var total int64
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			st, err := os.Stat(f)
			if err != nil {
				t.Fatal(err)
			}
			if st.Size() > maxTraceFileBytes {
				t.Fatalf("%d bytes, more than the %d this test reads", st.Size(), maxTraceFileBytes)
			}
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			tr, err := ParseTrace(data)
			if err != nil {
				t.Fatal(err)
			}
			res, err := ReplayTrace(tr)
			if err != nil {
				var mm *TraceMismatch
				if errors.As(err, &mm) {
					t.Fatalf("first mismatch: %v", err)
				}
				t.Fatal(err)
			}
			if res.Compared == 0 {
				t.Fatal("compared no integers")
			}
			total += res.Compared
			t.Logf("%s: %d integers match", res.Kind, res.Compared)
		})
	}
	t.Logf("%d trace files, %d integers compared", len(files), total)
}

func TestChipTraceUnknownKind(t *testing.T) {
	tr, err := ParseTrace([]byte(`{"kind": "loihi3_magic", "T": 1}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ReplayTrace(tr); err == nil {
		t.Fatal("an unknown kind replayed without error")
	}
}

// FuzzReplayTrace feeds mangled traces to the replay: errors are fine,
// panics and runaway allocations are not.
func FuzzReplayTrace(f *testing.F) {
	f.Add([]byte(`{"kind":"lava_lif","T":2,"N":1,"params":{"du":1,"dv":2,"vth":3,"bias_mant":5,"bias_exp":-2},"a_in":[[1],[2]],"u":[[64],[191]]}`))
	f.Add([]byte(`{"kind":"lava_dense","T":2,"N_in":2,"N_out":1,"params":{"weight_exp":-1,"num_weight_bits":7,"sign_mode":"INHIBITORY","num_message_bits":3},"weights_raw":[[-77,3]],"s_in":[[1,2],[0,1]],"a_out":[[0],[-78]]}`))
	f.Add([]byte(`{"kind":"lava_chain","T":1,"N_in":1,"N_out":1,"dense_params":{"weight_exp":0},"lif_params":{"du":0,"dv":0,"vth":1},"weights_raw":[[4]],"s_in":[[1]],"s":[[0]]}`))
	f.Add([]byte(`{"kind":"xylo_v2","T":1,"params":{"weights_in":[[[3,0]]],"weights_out":[[1]],"dash_mem":[1],"dash_syn":[1],"dash_syn_2":[1],"dash_mem_out":[1],"dash_syn_out":[1],"threshold":[1],"threshold_out":[1],"aliases":[[0]]},"input":[[20]],"Spikes":[[1]]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, err := ParseTrace(data)
		if err != nil {
			return
		}
		ReplayTrace(tr)
	})
}

// TestChipTraceHandmade is a trace worked out by hand from targets.md
// §1.1, written the way a driver might: sizes left out, the sign mode as
// str(SignMode.INHIBITORY).
func TestChipTraceHandmade(t *testing.T) {
	// INHIBITORY, 6 bits: 3 clips to 0; −77 rounds toward zero to −76.
	// a_out[1] = (−76·1 + 0·1) >> 1 = −38, a_out[2] = −76 >> 1 = −38.
	src := `{"kind": "lava_dense", "T": 3,
	  "params": {"weight_exp": -1, "num_weight_bits": 6, "sign_mode": "SignMode.INHIBITORY", "num_message_bits": 0},
	  "weights_raw": [[-77, 3]], "weights_effective": [[-76, 0]],
	  "s_in": [[1, 1], [1, 0], [0, 0]], "a_out": [[0], [-38], [-38]]}`
	tr, err := ParseTrace([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	res, err := ReplayTrace(tr)
	if err != nil {
		t.Fatal(err)
	}
	if res.Compared != 2+3 {
		t.Fatalf("compared %d integers, want 5", res.Compared)
	}
	// One wrong integer must be caught and named.
	tr, _ = ParseTrace([]byte(strings.Replace(src, `[-38]]}`, `[-37]]}`, 1)))
	_, err = ReplayTrace(tr)
	var mm *TraceMismatch
	if !errors.As(err, &mm) || mm.Field != "a_out" || mm.T != 2 || mm.Got != -38 || mm.Want != -37 {
		t.Fatalf("mismatch not reported as a_out[t=2]: %v", err)
	}
}

// TestChipTraceDefaults: parameters a xylo_v2 file leaves out take
// Rockpool's defaults (zeros), and Lava's shared registers may come as
// one-element lists.
func TestChipTraceDefaults(t *testing.T) {
	// One hidden neuron, threshold 0 by default: with dash_syn 0 the input
	// is wiped, v stays 0, and v ≥ 0 spikes the maximum 31 times.
	tr, err := ParseTrace([]byte(`{"kind": "xylo_v2", "T": 1,
	  "params": {"weights_in": [[[5, 0]]], "weights_out": [[0]]},
	  "input": [[1]], "Isyn": [[0]], "Vmem": [[0]], "Spikes": [[31]], "Spikes_out": [[1]]}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ReplayTrace(tr); err != nil {
		t.Fatal(err)
	}
	// u = a_in<<6; v = u + 3<<1; only 134 passes vth<<6 = 128.
	tr, err = ParseTrace([]byte(`{"kind": "lava_lif", "T": 1, "N": 2,
	  "params": {"du": [4095], "dv": [0, 0], "vth": 2, "bias_mant": 3, "bias_exp": 1},
	  "a_in": [[1, 2]], "u": [[64, 128]], "v": [[70, 0]], "s": [[0, 1]]}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ReplayTrace(tr); err != nil {
		t.Fatal(err)
	}
	tr, _ = ParseTrace([]byte(`{"kind": "lava_lif", "T": 1, "N": 2, "params": {"du": [1, 2]}, "a_in": [[0, 0]], "u": [[0, 0]]}`))
	if _, err := ReplayTrace(tr); err == nil || !strings.Contains(err.Error(), "shared") {
		t.Fatalf("per-neuron du accepted: %v", err)
	}
}
