package passes_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/snnc/snnc/ir"
	"github.com/snnc/snnc/passes"
)

// TestConstantFoldMatchesInterpreter folds every op on every combination of
// special constants and checks that each folded step computes what the
// unfolded one does, bit for bit, in float64 and float32 mode: the folding
// evaluator and the interpreter agree, and folds happen only where one
// constant serves both precisions.
func TestConstantFoldMatchesInterpreter(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	type opCase struct {
		name  string
		arity int
		build func(s *ir.Step, args []*ir.Value) *ir.Value
	}
	var ops []opCase
	for _, op := range []ir.Op{ir.OpAdd, ir.OpSub, ir.OpMul, ir.OpDiv, ir.OpNeg, ir.OpFMA, ir.OpExp, ir.OpLog,
		ir.OpTanh, ir.OpSqrt, ir.OpAbs, ir.OpMin, ir.OpMax, ir.OpRelu, ir.OpSelect, ir.OpDetach} {
		ops = append(ops, opCase{op.String(), op.Arity(), func(s *ir.Step, a []*ir.Value) *ir.Value {
			return s.Copy(&ir.Value{Op: op}, a...)
		}})
	}
	for _, p := range []ir.Pred{ir.PredGT, ir.PredGE, ir.PredLT, ir.PredLE, ir.PredEQ, ir.PredNE} {
		ops = append(ops, opCase{"cmp_" + p.String(), 2, func(s *ir.Step, a []*ir.Value) *ir.Value { return s.Cmp(p, a[0], a[1]) }})
	}
	ops = append(ops, opCase{"threshold", 1, func(s *ir.Step, a []*ir.Value) *ir.Value { return s.Threshold(a[0], ir.Super, 100) }})

	for _, op := range ops {
		t.Run(op.name, func(t *testing.T) {
			s := ir.NewStep("fold_" + op.name)
			s.Input("x")
			total := 0
			var combos func(prefix []float64)
			combos = func(prefix []float64) {
				if len(prefix) == op.arity {
					args := make([]*ir.Value, len(prefix))
					for k, c := range prefix {
						args[k] = s.Const(c)
					}
					total++
					s.Output(fmt.Sprintf("o%d", total), op.build(s, args))
					return
				}
				for _, c := range specials {
					combos(append(prefix, c))
				}
			}
			combos(nil)
			c := irCase{name: s.Name, g: wrapStep(t, s), step: true}
			out, err := passes.Run(c.g, only("constant-fold"))
			require.NoError(t, err)
			checkSame(t, c, c.g, out, rng, true)
			folded := 0
			for _, o := range out.Steps[0].Outputs {
				if o.Value.Op == ir.OpConst {
					folded++
				}
			}
			if op.name == "exp" {
				// float32 mode's exp is the kernels' own sequence, which
				// constant-fold does not repeat.
				assert.Zero(t, folded)
			} else {
				assert.Greater(t, folded, total/4, "%d of %d folded", folded, total)
			}
			t.Logf("%d of %d folded", folded, total)
		})
	}
}
