package passes

import (
	"math"

	"github.com/snnc/snnc/ir"
)

// ConstantFold replaces, in every step of g, the values known before the
// step runs by constants:
//
//   - the read of a shared parameter that no node applying the step binds
//     to a graph parameter: every such node runs the step with the declared
//     default, so the read becomes that constant and the step no longer
//     declares the parameter (a step no node applies keeps its parameters);
//   - an op whose arguments are all constants, such as dt·tau_mem_inv;
//   - a select whose condition is a constant, by the argument it selects.
//
// Invariant: every value left computes exactly the number it computed
// before, bit for bit, in both of the interpreter's modes: float64, and
// float32, which rounds every constant, parameter and op result to float32.
// A constant is one float64 number that float32 mode rounds, so an op is
// folded only if its float64 result, rounded to float32, is the result
// float32 mode computes from the rounded arguments. For the basic
// operations of float32-exact operands that always holds, but constants
// such as dt = 0.001 are not float32-exact: where the two modes disagree
// the op stays as it is. NaN results are not folded.
func ConstantFold(g *ir.Graph) error {
	rewriteSteps(g, func(s *ir.Step, users []*ir.Node) *ir.Step {
		known := map[string]bool{}
		if len(users) > 0 {
			for _, p := range s.Params {
				known[p.Name] = !p.PerNeuron
			}
		}
		for _, n := range users {
			for _, name := range n.Bind {
				known[name] = false
			}
		}
		return foldStep(s, known)
	})
	return nil
}

// foldStep folds s, treating the params in known as their defaults.
func foldStep(s *ir.Step, known map[string]bool) *ir.Step {
	return rebuild(s, func(b *ir.Step, v *ir.Value, args []*ir.Value) *ir.Value {
		switch v.Op {
		case ir.OpParam:
			if known[v.Name] {
				return b.Const(s.Params[s.ParamIndex(v.Name)].Default)
			}
			return nil
		case ir.OpConst:
			return nil
		case ir.OpSelect:
			if c, ok := constValue(args[0]); ok {
				// float32 mode tests float32(c) != 0, which is 0 for
				// tiny c.
				if taken := c != 0; taken == (float32(c) != 0) {
					if taken {
						return args[1]
					}
					return args[2]
				}
			}
		}
		if c, ok := foldConst(v, args); ok {
			return b.Const(c)
		}
		return nil
	})
}

// foldConst returns the constant that v computes from args, if they are all
// constants and the float64 and float32 modes agree on it.
func foldConst(v *ir.Value, args []*ir.Value) (float64, bool) {
	a64 := make([]float64, len(args))
	a32 := make([]float32, len(args))
	for k, a := range args {
		c, ok := constValue(a)
		if !ok {
			return 0, false
		}
		a64[k], a32[k] = c, float32(c)
	}
	r64, ok64 := evalConst(v, a64)
	r32, ok32 := evalConst(v, a32)
	if !ok64 || !ok32 || math.IsNaN(r64) || math.Float32bits(float32(r64)) != math.Float32bits(r32) {
		return 0, false
	}
	return r64, true
}

// constValue returns the constant v holds, if it is one.
func constValue(v *ir.Value) (float64, bool) {
	if v.Op == ir.OpConst {
		return v.Const, true
	}
	return 0, false
}

// evalConst computes v's op on the arguments a the way the interpreter's F
// mode does (backend/interp/float.go), or reports that it cannot. The tests
// check the two agree, op by op, on special values.
func evalConst[F float32 | float64](v *ir.Value, a []F) (F, bool) {
	switch v.Op {
	case ir.OpAdd:
		return a[0] + a[1], true
	case ir.OpSub:
		return a[0] - a[1], true
	case ir.OpMul:
		return a[0] * a[1], true
	case ir.OpDiv:
		return a[0] / a[1], true
	case ir.OpNeg:
		return -a[0], true
	case ir.OpFMA:
		return fmaConst(a[0], a[1], a[2])
	case ir.OpExp:
		// float32 mode computes exp by its own operation sequence (the
		// kernels'), which this package does not repeat: leave it.
		return 0, false
	case ir.OpLog:
		return F(math.Log(float64(a[0]))), true
	case ir.OpTanh:
		return F(math.Tanh(float64(a[0]))), true
	case ir.OpSqrt:
		return F(math.Sqrt(float64(a[0]))), true
	case ir.OpAbs:
		return F(math.Abs(float64(a[0]))), true
	case ir.OpMin:
		return min(a[0], a[1]), true
	case ir.OpMax:
		return max(a[0], a[1]), true
	case ir.OpRelu:
		return max(a[0], 0), true
	case ir.OpCmp:
		return bit[F](v.Pred.Holds(float64(a[0]), float64(a[1]))), true
	case ir.OpSelect:
		if a[0] != 0 {
			return a[1], true
		}
		return a[2], true
	case ir.OpDetach:
		return a[0], true
	case ir.OpThreshold:
		return bit[F](a[0] > 0), true
	}
	return 0, false
}

// fmaConst is x·y + z rounded once. In float32 it is computed only where
// that is easy to get right: x·y of float32 numbers is exact in float64, so
// if the float64 sum is exact too (its TwoSum error is 0), rounding it to
// float32 is the fused result.
func fmaConst[F float32 | float64](x, y, z F) (F, bool) {
	if _, is32 := any(x).(float32); !is32 {
		return F(math.FMA(float64(x), float64(y), float64(z))), true
	}
	p, c := float64(x)*float64(y), float64(z)
	s := p + c
	bb := s - p
	if math.IsInf(s, 0) || math.IsNaN(s) || (p-(s-bb))+(c-bb) != 0 {
		return 0, false
	}
	return F(s), true
}

func bit[F float32 | float64](b bool) F {
	if b {
		return 1
	}
	return 0
}
