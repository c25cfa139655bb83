package passes

import (
	"math"

	"github.com/snnc/snnc/ir"
)

// CSE (common subexpression elimination) merges, in every step of g, the
// values that compute the same thing: constants with the same bits (so 0
// and −0 stay apart), and the same op with the same attributes on the same
// arguments, in either order for add and mul. Every use of a value then
// refers to the first value equal to it; the later ones are left unused for
// dce to remove.
//
// Invariant: every value computes exactly the number it computed before,
// in float64 and in float32: the interpreter is deterministic, and a + b and
// a·b do not depend on the order of a and b. min and max, whose derivative
// rule favours the first argument at ties, only merge in the same order.
func CSE(g *ir.Graph) error {
	rewriteSteps(g, func(s *ir.Step, _ []*ir.Node) *ir.Step {
		seen := map[valueKey]*ir.Value{}
		return rebuild(s, func(b *ir.Step, v *ir.Value, args []*ir.Value) *ir.Value {
			if v.Op == ir.OpParam {
				return nil // one read per parameter already
			}
			k := keyOf(v, args)
			if w := seen[k]; w != nil {
				return w
			}
			w := copyValue(b, s, v, args)
			seen[k] = w
			return w
		})
	})
	return nil
}

// valueKey is what a value computes: equal keys, equal results.
type valueKey struct {
	op     ir.Op
	pred   ir.Pred
	method ir.Surrogate
	bits   uint64 // OpConst: the constant; OpThreshold: alpha
	args   [3]*ir.Value
}

func keyOf(v *ir.Value, args []*ir.Value) valueKey {
	k := valueKey{op: v.Op, pred: v.Pred, method: v.Method, bits: math.Float64bits(v.Const)}
	copy(k.args[:], args)
	if (v.Op == ir.OpAdd || v.Op == ir.OpMul) && k.args[1].ID < k.args[0].ID {
		k.args[0], k.args[1] = k.args[1], k.args[0]
	}
	return k
}
