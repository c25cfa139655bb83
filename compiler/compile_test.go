package compiler_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/snnc/snnc/compiler"
	"github.com/snnc/snnc/module"
)

func lsnn(t *testing.T) *module.Builder {
	m, err := module.Load("../testdata/models/lsnn_recurrent.snn.json", 0)
	require.NoError(t, err)
	b, err := module.Build(m.Name, m.Net, m.InputShape...)
	require.NoError(t, err)
	return b
}

// TestCompileWriteCheck: the driver's whole path, into a directory outside
// any module: the written package passes its own tests against the golden
// the driver computed.
func TestCompileWriteCheck(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command on the generated package")
	}
	b := lsnn(t)
	var log bytes.Buffer
	p, err := compiler.Compile(b.Graph, b.Params, compiler.Options{Package: "lsnnpkg", Source: "lsnn_recurrent.snn.json", Train: true, Log: &log})
	require.NoError(t, err)
	assert.Contains(t, log.String(), "computing the interpreter golden (12 steps × 2 batch entries)")
	assert.Contains(t, p.FileNames(), "testdata/golden.bin")
	assert.Contains(t, string(p.Files["model.go"]), "func (m *Model) Backward(")

	dir := filepath.Join(t.TempDir(), "lsnnpkg")
	require.NoError(t, p.Write(dir))
	assert.FileExists(t, filepath.Join(dir, compiler.ManifestName))
	var out bytes.Buffer
	require.NoError(t, compiler.Check(dir, compiler.CheckOptions{Out: &out}), out.String())
	assert.Contains(t, out.String(), "ok")

	// The directory is the compiler's now: a second compile replaces it,
	// a foreign file stops it.
	inf, err := compiler.Compile(b.Graph, b.Params, compiler.Options{Package: "lsnnpkg"})
	require.NoError(t, err)
	assert.NotContains(t, string(inf.Files["model.go"]), "func (m *Model) Backward(")
	assert.Contains(t, string(inf.Files["model.go"]), "snnc compile from graph lsnn_recurrent.")
	require.NoError(t, inf.Write(dir))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "mine.go"), []byte("package lsnnpkg\n"), 0o644))
	assert.ErrorContains(t, inf.Write(dir), "mine.go was not written by snnc compile")
}

func TestCompileRejects(t *testing.T) {
	b := lsnn(t)
	for _, tc := range []struct {
		name    string
		opt     compiler.Options
		want    string
		passSet bool
	}{
		{"training without autodiff", compiler.Options{Package: "p", Train: true, Disable: []string{"autodiff"}}, "a training compile runs autodiff", true},
		{"unknown pass", compiler.Options{Package: "p", Disable: []string{"nope"}}, `unknown pass "nope"`, true},
		{"required pass", compiler.Options{Package: "p", Disable: []string{"cse", ""}}, "", false},
		{"bad package", compiler.Options{Package: "not-go"}, `package name "not-go" is not a Go identifier`, false},
		{"golden", compiler.Options{Package: "p", GoldenSteps: -1}, "at least one step", false},
	} {
		_, err := compiler.Compile(b.Graph, b.Params, tc.opt)
		if tc.want == "" {
			assert.NoError(t, err, tc.name)
			continue
		}
		require.Error(t, err, tc.name)
		assert.Contains(t, err.Error(), tc.want, tc.name)
		assert.Equal(t, tc.passSet, compiler.IsPassSetError(err), tc.name)
	}
	// Optimize never runs autodiff for inference.
	g, err := compiler.Optimize(b.Graph, false, nil)
	require.NoError(t, err)
	for _, n := range g.Nodes {
		assert.Nil(t, n.Sched.Adjoint, "%v has an adjoint step in an inference compile", n)
	}
	g, err = compiler.Optimize(b.Graph, true, nil)
	require.NoError(t, err)
	adjoints := 0
	for _, n := range g.Nodes {
		if n.Sched.Adjoint != nil {
			adjoints++
		}
	}
	assert.Positive(t, adjoints)
}
