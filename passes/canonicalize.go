package passes

import (
	"math"

	"github.com/snnc/snnc/ir"
)

// Canonicalize puts every step of g into canonical form, so that later
// passes and backends match fewer shapes:
//
//   - a constant argument of add, mul, fma's product or cmp comes second
//     (cmp mirrors its predicate: 1 > x becomes x < 1);
//   - x·1, 1·x, x/1, x − 0 and x + (−0) become x;
//   - x·(−1), x/(−1) and (−0) − x become −x;
//   - −(−x) becomes x; x − (−y) becomes x + y; x + (−y) and (−y) + x
//     become x − y;
//   - a spike (threshold, maybe detached) or comparison result times +0
//     becomes +0;
//   - min(x, x), max(x, x) and select(c, x, x) become x.
//
// Invariant: every value left computes exactly the number it computed
// before, bit for bit, in float64 and in float32, for every input
// including ±0, ±Inf and NaN (a NaN stays a NaN; its payload and sign are
// not kept). Only rewrites that are exact in IEEE arithmetic are made:
// there is no reassociation or distribution, and x + 0 stays, because
// −0 + 0 is +0. Derivatives stay the same as real numbers: min and max
// keep their argument order, since at ties their derivative rule favours
// the first.
func Canonicalize(g *ir.Graph) error {
	rewriteSteps(g, func(s *ir.Step, _ []*ir.Node) *ir.Step {
		return rebuild(s, canonicalValue)
	})
	return nil
}

// canonicalValue is the canonical form of v with the (canonical) arguments
// args, made in b. Values it creates are put in canonical form too.
func canonicalValue(b *ir.Step, v *ir.Value, args []*ir.Value) *ir.Value {
	if v.Op.IsLeaf() {
		return nil
	}
	switch v.Op {
	case ir.OpAdd, ir.OpMul, ir.OpFMA:
		if isConst(args[0]) && !isConst(args[1]) {
			args[0], args[1] = args[1], args[0]
		}
	case ir.OpCmp:
		if isConst(args[0]) && !isConst(args[1]) {
			return canonicalValue(b, &ir.Value{Op: ir.OpCmp, Pred: mirror[v.Pred]}, []*ir.Value{args[1], args[0]})
		}
	}
	op := func(op ir.Op, args ...*ir.Value) *ir.Value {
		return canonicalValue(b, &ir.Value{Op: op}, args)
	}
	negZero := math.Copysign(0, -1)
	var x, y *ir.Value
	switch len(args) {
	case 2, 3:
		y = args[1]
		fallthrough
	case 1:
		x = args[0]
	}
	switch v.Op {
	case ir.OpMul:
		switch {
		case isConstBits(y, 1):
			return x
		case isConstBits(y, -1):
			return op(ir.OpNeg, x)
		case isConstBits(y, 0) && isBit(x):
			return y
		}
	case ir.OpDiv:
		switch {
		case isConstBits(y, 1):
			return x
		case isConstBits(y, -1):
			return op(ir.OpNeg, x)
		}
	case ir.OpAdd:
		switch {
		case isConstBits(y, negZero):
			return x
		case y.Op == ir.OpNeg:
			return op(ir.OpSub, x, y.Args[0])
		case x.Op == ir.OpNeg:
			return op(ir.OpSub, y, x.Args[0])
		}
	case ir.OpSub:
		switch {
		case isConstBits(y, 0):
			return x
		case isConstBits(x, negZero):
			return op(ir.OpNeg, y)
		case y.Op == ir.OpNeg:
			return op(ir.OpAdd, x, y.Args[0])
		}
	case ir.OpNeg:
		if x.Op == ir.OpNeg {
			return x.Args[0]
		}
	case ir.OpMin, ir.OpMax:
		if x == y {
			return x
		}
	case ir.OpSelect:
		if args[1] == args[2] {
			return args[1]
		}
	}
	return b.Copy(v, args...)
}

// mirror is the predicate that holds for (b, a) when p holds for (a, b).
var mirror = map[ir.Pred]ir.Pred{
	ir.PredGT: ir.PredLT, ir.PredGE: ir.PredLE, ir.PredLT: ir.PredGT,
	ir.PredLE: ir.PredGE, ir.PredEQ: ir.PredEQ, ir.PredNE: ir.PredNE,
}

func isConst(v *ir.Value) bool { return v.Op == ir.OpConst }

// isConstBits reports whether v is the constant c, telling −0 from +0.
func isConstBits(v *ir.Value, c float64) bool {
	return v != nil && v.Op == ir.OpConst && math.Float64bits(v.Const) == math.Float64bits(c)
}

// isBit reports whether v is always +0 or 1: a spike or a comparison, or
// one detached.
func isBit(v *ir.Value) bool {
	for v.Op == ir.OpDetach {
		v = v.Args[0]
	}
	return v.Op == ir.OpThreshold || v.Op == ir.OpCmp
}
