package neuro

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTargetBuiltins(t *testing.T) {
	names := BuiltinTargetNames()
	want := []string{"loihi2", "speck", "truenorth", "xylo-audio2"}
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Fatalf("builtin targets %v, want %v", names, want)
	}
	for _, n := range names {
		tg, err := BuiltinTarget(n)
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		if tg.Name != n {
			t.Errorf("%s.json names itself %q", n, tg.Name)
		}
	}
	l, _ := BuiltinTarget("loihi2")
	if *l.Core.Neurons != 8192 || l.Synapse.WeightStep != 2 || l.Neuron.Decay.Offset.I != 1 || l.Neuron.Threshold.Compare != "gt" {
		t.Errorf("loihi2 fields not as in docs/targets.md §7.1: %+v", l.Core)
	}
	x, _ := BuiltinTarget("xylo-audio2")
	if *x.Core.MaxFanout != 64 || *x.Topology.MaxInputs != 16 || x.Neuron.Reset != "subtract" {
		t.Errorf("xylo-audio2 fields not as in docs/targets.md §7.2")
	}
	if _, err := BuiltinTarget("loihi9"); err == nil || !strings.Contains(err.Error(), "loihi2") {
		t.Errorf("unknown target error should list the known ones, got %v", err)
	}
}

func TestTargetBadFiles(t *testing.T) {
	good, err := builtinTargets.ReadFile("testdata/targets/loihi2.json")
	if err != nil {
		t.Fatal(err)
	}
	src := string(good)
	for _, tc := range []struct {
		name, old, new, want string
	}{
		{"syntax", `"neurons": 8192,`, `"neurons": 8192,,`, "loihi2.json:9:22:"},
		{"type", `"neurons": 8192`, `"neurons": "many"`, "loihi2.json:9:22:"},
		{"unknown field", `"neurons": 8192`, `"neurones": 8192`, "loihi2.json:9:5: core.neurones: unknown field"},
		{"enum", `"pool": "per_core"`, `"pool": "shared"`, `loihi2.json:6:`},
		{"negative limit", `"neurons": 8192`, `"neurons": -1`, "core.neurons: -1 must be at least 1"},
		{"schema", `"snnc.target/v0"`, `"snnc.target/v9"`, "loihi2.json:2:3: schema:"},
		{"provenance tag", `"A 1M neurons`, `"X 1M neurons`, "provenance.core.neurons"},
		{"missing provenance", `"core.neurons": "A 1M neurons / 128 cores (P Loihi 2 brief)",`, ``, "core.neurons: has no provenance"},
		{"weight range", `"weight_max": 254`, `"weight_max": 4000`, "synapse.weight_max: range"},
		{"trailing", "\n}\n", "\n}\n{}", "text after the target object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := strings.Replace(src, tc.old, tc.new, 1)
			if bad == src {
				t.Fatalf("the test's edit %q did not apply", tc.old)
			}
			_, err := ParseTarget("loihi2.json", []byte(bad))
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

func TestTargetSeveralErrors(t *testing.T) {
	good, _ := builtinTargets.ReadFile("testdata/targets/xylo-audio2.json")
	bad := strings.Replace(strings.Replace(string(good), `"reset": "subtract"`, `"reset": "sometimes"`, 1), `"compare": "ge"`, `"compare": "gte"`, 1)
	_, err := ParseTarget("x.json", []byte(bad))
	if err == nil || !strings.Contains(err.Error(), "neuron.reset") || !strings.Contains(err.Error(), "neuron.threshold.compare") {
		t.Fatalf("want both problems reported, got %v", err)
	}
}

func TestLoadTargetFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "mine.json")
	good, _ := builtinTargets.ReadFile("testdata/targets/loihi2.json")
	mine := strings.Replace(string(good), `"name": "loihi2"`, `"name": "loihi2-small"`, 1)
	mine = strings.Replace(mine, `"neurons": 8192`, `"neurons": 64`, 1)
	if err := os.WriteFile(p, []byte(mine), 0o644); err != nil {
		t.Fatal(err)
	}
	tg, err := LoadTarget(p)
	if err != nil {
		t.Fatal(err)
	}
	if tg.Name != "loihi2-small" || *tg.Core.Neurons != 64 {
		t.Fatalf("read %s with %d neurons", tg.Name, *tg.Core.Neurons)
	}
	if err := os.WriteFile(p, make([]byte, maxTargetBytes+10), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadTarget(p); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("oversized file: %v", err)
	}
}

func FuzzParseTarget(f *testing.F) {
	for _, n := range BuiltinTargetNames() {
		b, _ := builtinTargets.ReadFile("testdata/targets/" + n + ".json")
		f.Add(b)
	}
	f.Add([]byte(`{"core": {"neurons": [1, {"x": 2}]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		tg, err := ParseTarget("f.json", b)
		if err == nil && tg.Core.Neurons == nil {
			t.Fatal("accepted a target without core.neurons")
		}
	})
}

func TestTargetDatapathFixed(t *testing.T) {
	for _, tc := range []struct{ target, old, new, want string }{
		{"loihi2", `"shift": 6, "compare": "gt"`, `"shift": 5, "compare": "gt"`, "neuron.threshold.shift: 5, but the loihi2 emulator computes 6"},
		{"xylo-audio2", `"reset": "subtract"`, `"reset": "zero"`, "neuron.reset: zero, but the xylo-audio2 emulator computes subtract"},
	} {
		good, _ := builtinTargets.ReadFile("testdata/targets/" + tc.target + ".json")
		src := strings.Replace(string(good), tc.old, tc.new, 1)
		if src == string(good) {
			t.Fatalf("edit %q did not apply", tc.old)
		}
		tg, err := ParseTarget(tc.target+".json", []byte(src))
		if err != nil {
			t.Fatal(err) // a valid file: only the emulator objects
		}
		_, err = Compile(signNet(t, 4, 6, 2), tg)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.target+".json:") {
			t.Errorf("%s: %v", tc.target, err)
		}
	}
}
