package passes_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/snnc/snnc/ir"
	"github.com/snnc/snnc/passes"
)

// TestPassesOnRandomSteps runs each pass, and the pipeline, over random
// steps full of special constants and negations, and checks on special
// inputs that every output and state is the same bit for bit in float64
// and float32.
func TestPassesOnRandomSteps(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for i := range 300 {
		s := randomStep(rng, fmt.Sprintf("random%d", i))
		require.NoError(t, ir.Verify(s), s.String())
		c := irCase{name: s.Name, g: wrapStep(t, s), step: true}
		out, err := passes.Run(c.g, passes.Options{})
		require.NoError(t, err, s.String())
		checkSame(t, c, c.g, out, rng, true)
		for _, p := range passes.Pipeline {
			out, err := passes.Run(c.g, only(p.Name))
			require.NoError(t, err, s.String())
			checkSame(t, c, c.g, out, rng, true)
		}
		if t.Failed() {
			t.Log(s.String())
			return
		}
	}
}

// randomStep builds a step of random ops over two inputs, a state, a shared
// and a per-neuron parameter, and special constants. Negations, constant
// ±0 and ±1 and repeated subexpressions are common, so that canonicalize,
// constant-fold and cse find work.
func randomStep(rng *rand.Rand, name string) *ir.Step {
	s := ir.NewStep(name)
	pool := []*ir.Value{s.Input("x"), s.Input("y")}
	st := s.State("s", specials[rng.IntN(len(specials))])
	pool = append(pool, st, s.Param("p", specials[rng.IntN(len(specials))]), s.PerNeuronParam("q", 2))
	consts := []float64{0, 1, -1}
	consts = append(consts, specials...)
	pick := func() *ir.Value {
		if rng.IntN(3) == 0 {
			return pool[len(pool)-1-rng.IntN(min(4, len(pool)))] // a recent one
		}
		return pool[rng.IntN(len(pool))]
	}
	ops := []ir.Op{ir.OpAdd, ir.OpSub, ir.OpMul, ir.OpDiv, ir.OpNeg, ir.OpNeg, ir.OpFMA, ir.OpExp, ir.OpTanh,
		ir.OpAbs, ir.OpMin, ir.OpMax, ir.OpRelu, ir.OpSelect, ir.OpDetach, ir.OpCmp, ir.OpThreshold}
	for range 30 {
		var v *ir.Value
		switch r := rng.IntN(10); {
		case r < 3:
			v = s.Const(consts[rng.IntN(len(consts))])
		case r < 4 && len(pool) > 6: // a repeat of an earlier value's op
			w := pool[5+rng.IntN(len(pool)-5)]
			if w.Op.IsLeaf() {
				continue
			}
			v = s.Copy(w, w.Args...)
		default:
			op := ops[rng.IntN(len(ops))]
			args := make([]*ir.Value, op.Arity())
			for k := range args {
				args[k] = pick()
			}
			switch op {
			case ir.OpCmp:
				v = s.Cmp(ir.Pred(1+rng.IntN(6)), args[0], args[1])
			case ir.OpThreshold:
				v = s.Threshold(args[0], ir.Super, 100)
			default:
				v = s.Copy(&ir.Value{Op: op}, args...)
			}
		}
		pool = append(pool, v)
	}
	s.Output("o", pool[len(pool)-1])
	s.Output("o2", pick())
	s.SetNext(st, pick())
	return s
}
