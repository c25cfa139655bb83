package ir_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/snnc/snnc/ir"
)

// TestShapeLimits: shapes whose element count overflows or exceeds
// MaxElements, and too many dimensions, are errors of type inference.
func TestShapeLimits(t *testing.T) {
	for _, tc := range []struct {
		name  string
		shape []int
		want  string
	}{
		{"product overflows int64", []int{16777216, 16777216, 65536}, "more than 134217728 elements"},
		{"4 Gi elements", []int{65536, 65536}, "more than 134217728 elements"},
		{"64 dimensions", make64(), "64 dimensions"},
		{"zero", []int{3, 0}, "dimension ≤ 0"},
		{"negative", []int{-1}, "dimension ≤ 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := ir.NewGraph("g")
			_, err := g.Input("x", tc.shape...)
			require.ErrorContains(t, err, tc.want)
			_, err = g.Param("w", tc.shape...)
			require.ErrorContains(t, err, tc.want)
		})
	}
	g := ir.NewGraph("g")
	_, err := g.Input("x", ir.MaxElements)
	require.NoError(t, err, "exactly MaxElements is allowed")
	_, err = g.Input("y", ir.MaxElements+1)
	require.True(t, errors.Is(err, ir.ErrLimit), "got %v", err)
	_, err = g.Input("z", make([]int, ir.MaxRank+1)...)
	require.Error(t, err)
}

func make64() []int {
	s := make([]int, 64)
	for i := range s {
		s[i] = 2
	}
	return s
}

// TestWindowAndDelayLimits: padding, strides and delays large enough to
// overflow or to allocate without bound are rejected where the node is
// made, before any interpreter or generator sees them.
func TestWindowAndDelayLimits(t *testing.T) {
	win := func(pad int) *ir.Node {
		return &ir.Node{Window: ir.Window{Kernel: [2]int{2, 2}, Stride: [2]int{1, 1}, Padding: [2]int{pad, pad}, Dilation: [2]int{1, 1}, Groups: 1}}
	}
	g := ir.NewGraph("g")
	x, err := g.Input("x", 1, 8, 8)
	require.NoError(t, err)
	w, err := g.Param("w", 1, 1, 3, 3)
	require.NoError(t, err)

	_, err = g.Op(ir.GConv2d, win(1e9), x, w)
	require.True(t, errors.Is(err, ir.ErrLimit), "conv2d padding 1e9: %v", err)
	_, err = g.Op(ir.GSumPool2d, win(1e9), x)
	require.True(t, errors.Is(err, ir.ErrLimit), "sum_pool2d padding 1e9: %v", err)
	// Padding under the per-dimension bound whose output is still too big.
	_, err = g.Op(ir.GSumPool2d, win(20000), x)
	require.True(t, errors.Is(err, ir.ErrLimit), "sum_pool2d output 40001²: %v", err)
	_, err = g.Op(ir.GSumPool2d, win(1), x)
	require.NoError(t, err)

	for _, d := range []int{math.MaxInt, ir.MaxDelay + 1} {
		_, err = g.Op(ir.GDelay, &ir.Node{Delay: d}, x)
		require.True(t, errors.Is(err, ir.ErrLimit), "delay %d: %v", d, err)
	}
	// A delay within MaxDelay that keeps too many values: 2^20 steps of
	// 256 elements.
	wide, err := g.Input("wide", 256)
	require.NoError(t, err)
	_, err = g.Op(ir.GDelay, &ir.Node{Delay: ir.MaxDelay}, wide)
	require.True(t, errors.Is(err, ir.ErrLimit), "delay of 2^28 values: %v", err)
	_, err = g.Op(ir.GDelay, &ir.Node{Delay: ir.MaxDelay}, x)
	require.NoError(t, err, "delay of 2^26 values")
	_, err = g.Op(ir.GDelay, &ir.Node{Delay: -1}, x)
	require.ErrorContains(t, err, "negative delay")
	_, err = g.Op(ir.GDelay, &ir.Node{Delay: 1000}, x)
	require.NoError(t, err)
}

// TestLimitsInTextForm: the parser reports a shape over the limit with the
// line and column of the node.
func TestLimitsInTextForm(t *testing.T) {
	src := "graph g {\n  n1 = input x : seq[65536,65536]\n  output y = n1\n}\n"
	_, err := ir.ParseGraph(src)
	require.Error(t, err)
	require.True(t, strings.Contains(err.Error(), "2:") && strings.Contains(err.Error(), "elements"), "got %v", err)
}
