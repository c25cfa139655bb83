package ir_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/snnc/snnc/ir"
)

// TestGraphClone: a clone prints the same, verifies, shares no step, value
// or node with the original, and changing it leaves the original alone.
func TestGraphClone(t *testing.T) {
	for _, g := range testdataGraphs(t) {
		text := g.String()
		c := g.Clone()
		require.NoError(t, ir.VerifyGraph(c))
		assert.Equal(t, text, c.String())
		for i, s := range c.Steps {
			assert.NotSame(t, g.Steps[i], s)
			for k, v := range s.Values {
				assert.NotSame(t, g.Steps[i].Values[k], v)
				for _, a := range v.Args {
					assert.True(t, s.Owns(a))
				}
			}
		}
		for i, n := range c.Nodes {
			assert.NotSame(t, g.Nodes[i], n)
			if n.Step != nil {
				assert.Contains(t, c.Steps, n.Step)
			}
		}
		// New values and nodes in the clone get fresh IDs and stay there.
		s := c.Steps[0]
		s.Output("extra", s.Const(2))
		c.Output("extra", c.Nodes[0])
		require.NoError(t, ir.VerifyGraph(c))
		assert.Equal(t, text, g.String())
	}
}
