package passes

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/snnc/snnc/ir"
)

// TestRunVerifiesAfterEveryPass: a pass that breaks the graph, or fails, is
// named in the error.
func TestRunVerifiesAfterEveryPass(t *testing.T) {
	g, err := ir.ParseGraph(`graph g {
  step s {
    input x
    v1 = input x
    output z = v1
  }
  n1 = input x : seq[2]
  n2 = neuron s n1 : seq[2]
  output y = n2
}`)
	require.NoError(t, err)
	pass := func(name string, f func(*ir.Graph) error) Pass {
		return Pass{Name: name, Summary: "s", Doc: "d.", Run: f}
	}
	table := []Pass{
		pass("fine", func(*ir.Graph) error { return nil }),
		pass("drop-outputs", func(g *ir.Graph) error { g.Outputs = nil; return nil }),
	}
	_, err = run(table, g, Options{})
	require.Error(t, err)
	assert.Equal(t, "passes: after drop-outputs: ir: graph g: no outputs", err.Error())

	table[1] = pass("break-step", func(g *ir.Graph) error { g.Steps[0].Outputs = nil; return nil })
	_, err = run(table, g, Options{})
	require.Error(t, err)
	assert.Equal(t, "passes: after break-step: ir: graph g: ir: step s: no outputs", err.Error())

	table[1] = pass("fail", func(*ir.Graph) error { return errors.New("boom") })
	_, err = run(table, g, Options{})
	require.Error(t, err)
	assert.Equal(t, "passes: fail: boom", err.Error())

	_, err = run(table, g, Options{StopAfter: "fine"})
	require.NoError(t, err, "the failing pass comes after the stop")
	assert.Len(t, g.Outputs, 1, "the broken passes worked on a copy")
	assert.Len(t, g.Steps[0].Outputs, 1)
}

// TestSharedStepRewrittenOnce: two nodes that apply one step still apply one
// (rewritten) step afterwards.
func TestSharedStepRewrittenOnce(t *testing.T) {
	g, err := ir.ParseGraph(`graph g {
  step s {
    input x
    param p = 2
    v1 = input x
    v2 = param p
    v3 = const 3
    v4 = mul v2 v3
    v5 = mul v1 v4
    output z = v5
  }
  n1 = input x : seq[2]
  n2 = neuron s n1 : seq[2]
  n3 = neuron s n2 : seq[2]
  output y = n3
}`)
	require.NoError(t, err)
	out, err := Run(g, Options{Disable: []string{"autodiff"}})
	require.NoError(t, err)
	require.Len(t, out.Steps, 1)
	assert.Same(t, out.Steps[0], out.Nodes[1].Step)
	assert.Same(t, out.Steps[0], out.Nodes[2].Step)
	assert.Equal(t, `step s {
  input x
  v1 = input x
  v2 = const 6
  v3 = mul v1 v2
  output z = v3
}
`, out.Steps[0].String())
}
