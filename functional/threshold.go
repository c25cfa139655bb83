package functional

import (
	"fmt"

	"github.com/snnc/snnc/ir"
)

// The surrogate methods a threshold can use backward. Forward they are all
// the Heaviside step x > 0. See ir.Surrogate for each derivative formula.
const (
	Super       = ir.Super       // 1/(alpha·|x|+1)², Norse's default, alpha 100
	Heaviside   = ir.Heaviside   // no gradient
	Triangle    = ir.Triangle    // alpha·relu(1−|x|)
	Tanh        = ir.Tanh        // 1 − tanh²(alpha·x)
	Circ        = ir.Circ        // alpha³/(alpha²+x²)^(3/2)
	HeaviErfc   = ir.HeaviErfc   // 2·exp(−(alpha·x)²)/√π
	ATan        = ir.ATan        // (alpha/2)/(1+(π/2·alpha·x)²), snnTorch's atan
	FastSigmoid = ir.FastSigmoid // 1/(alpha·|x|+1)², snnTorch's fast_sigmoid
)

// Threshold returns Θ(x) = [x > 0] (x == 0 gives no spike). Backward it has
// the derivative of the surrogate method, with alpha as that method defines.
func Threshold(s *ir.Step, x *ir.Value, method ir.Surrogate, alpha float64) *ir.Value {
	return s.Threshold(x, method, alpha)
}

// ResetMethod chooses how a neuron's voltage resets after a spike (Norse's
// reset.py). In files it is written "reset_value" or "reset_subtract".
type ResetMethod uint8

const (
	ResetValue    ResetMethod = iota // (1−z)·v + z·v_reset
	ResetSubtract                    // (1−z)·v + z·(v − v_th)
)

// Apply returns the voltage after a spike z at voltage v.
func (r ResetMethod) Apply(s *ir.Step, z, v, vReset, vTh *ir.Value) *ir.Value {
	if r == ResetSubtract {
		return s.Add(s.Mul(s.Sub(s.Const(1), z), v), s.Mul(z, s.Sub(v, vTh)))
	}
	return s.Add(s.Mul(s.Sub(s.Const(1), z), v), s.Mul(z, vReset))
}

func (r ResetMethod) String() string {
	if r == ResetSubtract {
		return "reset_subtract"
	}
	return "reset_value"
}

// MarshalText writes the method's Norse name.
func (r ResetMethod) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText reads "reset_value" or "reset_subtract".
func (r *ResetMethod) UnmarshalText(b []byte) error {
	switch string(b) {
	case "reset_value":
		*r = ResetValue
	case "reset_subtract":
		*r = ResetSubtract
	default:
		return fmt.Errorf("unknown reset method %q (want reset_value or reset_subtract)", b)
	}
	return nil
}

// resetValue is Norse's reset_value, (1−z)·v + z·v_reset.
func resetValue(s *ir.Step, z, v, vReset *ir.Value) *ir.Value {
	return ResetValue.Apply(s, z, v, vReset, nil)
}
