package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestCompileRejectsImpossiblePassSets: a pass set the pipeline cannot
// honour is a usage error with the reason, and nothing is written.
func TestCompileRejectsImpossiblePassSets(t *testing.T) {
	out := filepath.Join(t.TempDir(), "pkg")
	code, _, stderr := snnc("compile", "../../testdata/models/mnist_lif.snn.json", "--train", "--disable", "autodiff", "-o", out)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "in a training compile plan-buffers needs autodiff")
	_, err := os.Stat(out)
	assert.True(t, os.IsNotExist(err), "the output directory was created")

	code, _, stderr = snnc("dump", "../../testdata/models/mnist_lif.snn.json", "--train", "--after", "plan-buffers", "--disable", "autodiff")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "needs autodiff")
}
