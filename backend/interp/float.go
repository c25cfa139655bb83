package interp

import (
	"math"

	"github.com/snnc/snnc/ir"
)

// Precision selects the arithmetic the interpreter uses.
type Precision int

const (
	// Float64 evaluates every op in float64: the oracle for gradients,
	// finite differences and Norse parity.
	Float64 Precision = iota
	// Float32 rounds every input, parameter, constant and op result to
	// float32, one op at a time and in IR order, with no fused multiply-add
	// except where the IR says fma. Compiled kernels follow the same order,
	// so their spikes equal this mode's exactly. exp is exp32, the
	// sequence of float32 operations vectorized kernels perform (within 2
	// ulp); log and tanh are the float64 results rounded to float32. In graphs, the dot products of
	// linear and convolution layers start from the bias and take one
	// fused multiply-add per term in order of the input index; pooling and
	// reductions over time round after every addition.
	Float32
)

func (p Precision) String() string {
	if p == Float32 {
		return "float32"
	}
	return "float64"
}

type float interface{ ~float32 | ~float64 }

// eval computes op v over lanes: out[i] = v(args[0][i], args[1][i], ...).
func eval[F float](v *ir.Value, out []F, args [][]F) {
	var a, b, c []F
	switch len(args) {
	case 3:
		c = args[2]
		fallthrough
	case 2:
		b = args[1]
		fallthrough
	case 1:
		a = args[0]
	}
	switch v.Op {
	case ir.OpAdd:
		for i := range out {
			out[i] = a[i] + b[i]
		}
	case ir.OpSub:
		for i := range out {
			out[i] = a[i] - b[i]
		}
	case ir.OpMul:
		for i := range out {
			out[i] = a[i] * b[i]
		}
	case ir.OpDiv:
		for i := range out {
			out[i] = a[i] / b[i]
		}
	case ir.OpNeg:
		for i := range out {
			out[i] = -a[i]
		}
	case ir.OpFMA:
		for i := range out {
			out[i] = fma(a[i], b[i], c[i])
		}
	case ir.OpExp:
		_, is32 := any(out[0:0]).([]float32)
		for i := range out {
			if is32 {
				out[i] = F(exp32(float32(a[i])))
			} else {
				out[i] = F(math.Exp(float64(a[i])))
			}
		}
	case ir.OpLog:
		for i := range out {
			out[i] = F(math.Log(float64(a[i])))
		}
	case ir.OpTanh:
		for i := range out {
			out[i] = F(math.Tanh(float64(a[i])))
		}
	case ir.OpSqrt:
		for i := range out {
			out[i] = F(math.Sqrt(float64(a[i])))
		}
	case ir.OpAbs:
		for i := range out {
			out[i] = F(math.Abs(float64(a[i])))
		}
	case ir.OpMin:
		for i := range out {
			out[i] = min(a[i], b[i])
		}
	case ir.OpMax:
		for i := range out {
			out[i] = max(a[i], b[i])
		}
	case ir.OpRelu:
		for i := range out {
			out[i] = max(a[i], 0)
		}
	case ir.OpCmp:
		for i := range out {
			out[i] = bit[F](v.Pred.Holds(float64(a[i]), float64(b[i])))
		}
	case ir.OpSelect:
		for i := range out {
			if a[i] != 0 {
				out[i] = b[i]
			} else {
				out[i] = c[i]
			}
		}
	case ir.OpDetach:
		copy(out, a)
	case ir.OpThreshold:
		for i := range out {
			out[i] = bit[F](a[i] > 0)
		}
	default:
		panic("interp: eval of " + v.LongString())
	}
}

func bit[F float](b bool) F {
	if b {
		return 1
	}
	return 0
}

// fma returns x*y + z rounded once to F.
func fma[F float](x, y, z F) F {
	if _, is32 := any(x).(float32); !is32 {
		return F(math.FMA(float64(x), float64(y), float64(z)))
	}
	return F(fma32(float32(x), float32(y), float32(z)))
}

// fma32 is the float32 fused multiply-add. x*y is exact in float64, and the
// float64 sum s plus its exact error e equal x*y + z; rounding s to float32
// is then correct unless s falls exactly halfway between two float32 values,
// where the sign of e breaks the tie.
func fma32(x, y, z float32) float32 {
	p := float64(x) * float64(y)
	s := p + float64(z)
	bb := s - p
	e := (p - (s - bb)) + (float64(z) - bb)
	r := float32(s)
	if e == 0 || float64(r) == s || math.IsInf(s, 0) || math.IsNaN(s) {
		return r
	}
	other := math.Nextafter32(r, float32(math.Copysign(math.Inf(1), s-float64(r))))
	if float64(r)+float64(other) != 2*s {
		return r // not a tie
	}
	lo, hi := min(r, other), max(r, other)
	if e > 0 {
		return hi
	}
	return lo
}
