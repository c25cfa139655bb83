package lower

import (
	"maps"
	"math"
	"testing"

	"github.com/snnc/snnc/backend/kernel"
)

// TestChoosePins checks that the most read invariants get the pool's top
// registers, ties broken by key so that the output is deterministic, and
// that no more are pinned than registers are free.
func TestChoosePins(t *testing.T) {
	uses := map[string]int{"c:3f800000": 3, "p:tau": 5, "c:00000000": 3, "c:bf800000": 1}
	for _, tc := range []struct {
		free int
		want map[string]Vec
	}{
		{-1, map[string]Vec{}},
		{0, map[string]Vec{}},
		{2, map[string]Vec{"p:tau": 9, "c:00000000": 8}},
		{9, map[string]Vec{"p:tau": 9, "c:00000000": 8, "c:3f800000": 7, "c:bf800000": 6}},
	} {
		if got := choosePins(uses, tc.free, 10); !maps.Equal(got, tc.want) {
			t.Errorf("%d free: pins %v, want %v", tc.free, got, tc.want)
		}
	}
}

// TestInvariantKeys checks that a pinned invariant is found again from
// its key, and that per-neuron parameters, which differ between groups,
// have none.
func TestInvariantKeys(t *testing.T) {
	l := &Lowering{}
	for _, z := range []Invariant{Const(0.5), Const(float32(math.Copysign(0, -1))), Const(1e-45), {Kind: kernel.FromShared, Arg: "p3"}} {
		if got := l.invariantOf(z.Key()); got != z {
			t.Errorf("invariantOf(%q) = %+v, want %+v", z.Key(), got, z)
		}
	}
	if key := (Invariant{Kind: kernel.FromPerNeuron, Arg: "p0"}).Key(); key != "" {
		t.Errorf("per-neuron parameter has key %q", key)
	}
}
