package cli

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestCompilePassSets: a pass set a compile cannot honour is a usage error
// with the reason, before anything is written: a training compile runs
// autodiff, and the inference-only passes do not run in one.
func TestCompilePassSets(t *testing.T) {
	out := filepath.Join(t.TempDir(), "pkg")
	code, _, stderr := snnc("compile", "../testdata/models/mnist_lif.snn.json", "--train", "--disable", "autodiff", "-o", out)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "a training compile runs autodiff")
	_, err := os.Stat(out)
	assert.True(t, os.IsNotExist(err), "the output directory was created")

	code, _, stderr = snnc("dump", "../testdata/models/mnist_lif.snn.json", "--train", "--after", "plan-buffers")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "cannot stop after plan-buffers: it does not run in a training compile")

	out = filepath.Join(t.TempDir(), "pkg")
	code, _, stderr = snnc("compile", "../testdata/models/mnist_lif.snn.json", "--disable", "nope", "-o", out)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `unknown pass "nope"`)
	_, err = os.Stat(out)
	assert.True(t, os.IsNotExist(err), "the output directory was created")
}
