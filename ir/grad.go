package ir

// A GradRule builds, into s, the adjoint contributions of one op's arguments
// from the adjoint dy of its result: entry k is the contribution to args[k],
// or nil where the op passes no gradient. v is the forward value (for its
// attributes); args and y are the forward argument and result values as they
// appear in s, which reverse-mode autodiff recomputes there.
type GradRule func(s *Step, v *Value, args []*Value, y, dy *Value) []*Value

// gradRules is the derivative of every op. The conventions at points where
// the derivative is not defined follow PyTorch: relu'(0) = 0, |x|'(0) = 0,
// and at ties min and max send the gradient to their first argument.
var gradRules = [numOps]GradRule{
	OpAdd: func(s *Step, v *Value, a []*Value, y, dy *Value) []*Value {
		return []*Value{dy, dy}
	},
	OpSub: func(s *Step, v *Value, a []*Value, y, dy *Value) []*Value {
		return []*Value{dy, s.Neg(dy)}
	},
	OpMul: func(s *Step, v *Value, a []*Value, y, dy *Value) []*Value {
		return []*Value{s.Mul(dy, a[1]), s.Mul(dy, a[0])}
	},
	OpDiv: func(s *Step, v *Value, a []*Value, y, dy *Value) []*Value {
		// d(a/b)/db = −a/b² = −y/b.
		return []*Value{s.Div(dy, a[1]), s.Neg(s.Div(s.Mul(dy, y), a[1]))}
	},
	OpNeg: func(s *Step, v *Value, a []*Value, y, dy *Value) []*Value {
		return []*Value{s.Neg(dy)}
	},
	OpFMA: func(s *Step, v *Value, a []*Value, y, dy *Value) []*Value {
		return []*Value{s.Mul(dy, a[1]), s.Mul(dy, a[0]), dy}
	},
	OpExp: func(s *Step, v *Value, a []*Value, y, dy *Value) []*Value {
		return []*Value{s.Mul(dy, y)}
	},
	OpLog: func(s *Step, v *Value, a []*Value, y, dy *Value) []*Value {
		return []*Value{s.Div(dy, a[0])}
	},
	OpTanh: func(s *Step, v *Value, a []*Value, y, dy *Value) []*Value {
		return []*Value{s.Mul(dy, s.Sub(s.Const(1), s.Mul(y, y)))}
	},
	OpSqrt: func(s *Step, v *Value, a []*Value, y, dy *Value) []*Value {
		return []*Value{s.Div(dy, s.Mul(s.Const(2), y))}
	},
	OpAbs: func(s *Step, v *Value, a []*Value, y, dy *Value) []*Value {
		zero := s.Const(0)
		neg := s.Select(s.Cmp(PredLT, a[0], zero), s.Neg(dy), zero)
		return []*Value{s.Select(s.Cmp(PredGT, a[0], zero), dy, neg)}
	},
	OpMin: func(s *Step, v *Value, a []*Value, y, dy *Value) []*Value {
		first := s.Cmp(PredLE, a[0], a[1])
		zero := s.Const(0)
		return []*Value{s.Select(first, dy, zero), s.Select(first, zero, dy)}
	},
	OpMax: func(s *Step, v *Value, a []*Value, y, dy *Value) []*Value {
		first := s.Cmp(PredGE, a[0], a[1])
		zero := s.Const(0)
		return []*Value{s.Select(first, dy, zero), s.Select(first, zero, dy)}
	},
	OpRelu: func(s *Step, v *Value, a []*Value, y, dy *Value) []*Value {
		zero := s.Const(0)
		return []*Value{s.Select(s.Cmp(PredGT, a[0], zero), dy, zero)}
	},
	OpCmp: func(s *Step, v *Value, a []*Value, y, dy *Value) []*Value {
		return []*Value{nil, nil}
	},
	OpSelect: func(s *Step, v *Value, a []*Value, y, dy *Value) []*Value {
		zero := s.Const(0)
		return []*Value{nil, s.Select(a[0], dy, zero), s.Select(a[0], zero, dy)}
	},
	OpDetach: func(s *Step, v *Value, a []*Value, y, dy *Value) []*Value {
		return []*Value{nil}
	},
	OpThreshold: func(s *Step, v *Value, a []*Value, y, dy *Value) []*Value {
		return []*Value{v.Method.buildAdjoint(s, a[0], dy, v.Const)}
	},
}

// Grad returns the derivative rule of op, or nil for leaves.
func (op Op) Grad() GradRule {
	if op < numOps {
		return gradRules[op]
	}
	return nil
}
