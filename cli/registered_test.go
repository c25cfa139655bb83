package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/snnc/snnc/functional"
	"github.com/snnc/snnc/ir"
)

// clipParameters are the parameters of a model this test registers, as a
// program that builds its own snnc would.
type clipParameters struct {
	Gain float64 `json:"gain"`
}

func init() {
	functional.MustRegister("test_cli_clip", "integrator clipped at 1, spiking at 1", func() clipParameters { return clipParameters{Gain: 0.5} },
		func(p clipParameters, dt float64) *ir.Step {
			return functional.Lift("test_cli_clip", "x", "z", []functional.StateVar{{Name: "s", Init: 0}}, func(s *ir.Step, x *ir.Value, st []*ir.Value) (*ir.Value, []*ir.Value) {
				next := s.Min(s.Add(st[0], s.Mul(s.Param("gain", p.Gain), x)), s.Const(1))
				z := functional.Threshold(s, s.Sub(next, s.Const(0.999)), functional.Super, 100)
				return z, []*ir.Value{s.Sub(next, z)}
			})
		})
}

// TestRegisteredModels: a model registered by the program that calls Main
// is listed by models, named by model files that run and compile, and
// benchmarked by bench --neuron, like a built-in one.
func TestRegisteredModels(t *testing.T) {
	code, stdout, _ := snnc("models")
	require.Equal(t, 0, code)
	assert.Contains(t, stdout, "test_cli_clip")

	dir := t.TempDir()
	model := filepath.Join(dir, "clip.snn.json")
	require.NoError(t, os.WriteFile(model, []byte(`{"snnc_model": 1, "dt": 0.001, "input_shape": [784],
  "layers": [{"type": "neuron", "name": "clip", "model": "test_cli_clip", "params": {"gain": 0.7}}]}`), 0o644))
	code, stdout, stderr := snnc("run", model, "--input", mnistInput)
	require.Equal(t, 0, code, stderr)
	assert.Regexp(t, `clip +\[784\] +[1-9][0-9]* spikes`, stdout)

	code, _, stderr = snnc("compile", model, "-o", filepath.Join(dir, "clippkg"))
	require.Equal(t, 0, code, stderr)
	src, err := os.ReadFile(filepath.Join(dir, "clippkg", "model.go"))
	require.NoError(t, err)
	assert.True(t, strings.Contains(string(src), "clip.s"), "the package names the layer's state")

	code, _, stderr = snnc("run", model, "--input", mnistInput, "--dt", "0.001")
	require.Equal(t, 0, code, stderr)
	bad := filepath.Join(dir, "bad.snn.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"snnc_model": 1, "dt": 0.001, "input_shape": [4],
  "layers": [{"type": "neuron", "name": "clip", "model": "test_cli_clip", "params": {"tau": 1}}]}`), 0o644))
	code, _, stderr = snnc("run", bad, "--input", mnistInput)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, `unknown field "tau"`)
}
