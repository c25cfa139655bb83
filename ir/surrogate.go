package ir

import (
	"fmt"
	"math"
)

// A Surrogate names the derivative a threshold uses in the backward pass.
// Forward, every method is the Heaviside step Θ(x) = [x > 0]; x == 0 does not
// spike. The derivatives below are dΘ/dx as the backward pass sees it.
type Surrogate uint8

const (
	SurrogateInvalid Surrogate = iota

	// Super is SuperSpike (Norse "super", the default):
	//	dΘ/dx = 1 / (alpha·|x| + 1)²
	// the derivative of x / (1 + alpha·|x|). alpha is the sharpness (Norse 100).
	Super

	// Heaviside has no gradient: dΘ/dx = 0 (Norse "heaviside").
	Heaviside

	// Triangle (Norse "triangle"):
	//	dΘ/dx = alpha · relu(1 − |x|)
	// alpha is the height; the width is fixed at |x| < 1.
	Triangle

	// Tanh is HeaviTanh (Norse "tanh"):
	//	dΘ/dx = 1 − tanh²(alpha·x)
	// the derivative of tanh(alpha·x)/alpha. alpha is the sharpness.
	Tanh

	// Circ is HeaviCirc (Norse "circ"):
	//	dΘ/dx = alpha³ / (alpha² + x²)^(3/2)
	// the derivative of alpha·x / √(alpha² + x²). alpha is the width.
	Circ

	// HeaviErfc (Norse "heavi_erfc"):
	//	dΘ/dx = 2·exp(−(alpha·x)²) / √π
	// the derivative of erf(alpha·x)/alpha. √π is the float32 value Norse
	// computes, 1.7724539041519165.
	HeaviErfc

	// ATan is snnTorch's arctangent surrogate ("atan"):
	//	dΘ/dx = (alpha/2) / (1 + (π/2·alpha·x)²)
	// the derivative of atan(π/2·alpha·x)/π. snnTorch's default alpha is 2.
	ATan

	// FastSigmoid is snnTorch's fast sigmoid ("fast_sigmoid"):
	//	dΘ/dx = 1 / (alpha·|x| + 1)²
	// the same derivative as Super, with snnTorch's default slope 25.
	FastSigmoid

	numSurrogates
)

var surrogateNames = [numSurrogates]string{
	"invalid", "super", "heaviside", "triangle", "tanh", "circ", "heavi_erfc", "atan", "fast_sigmoid",
}

// sqrtPiF32 is √π rounded to float32, as Norse's HeaviErfc computes it with
// torch.as_tensor(np.pi).sqrt().
const sqrtPiF32 = float64(float32(1.7724538509055159))

// String returns the method's name, as Norse spells it.
func (m Surrogate) String() string {
	if m < numSurrogates {
		return surrogateNames[m]
	}
	return fmt.Sprintf("surrogate(%d)", uint8(m))
}

// Valid reports whether m is one of the defined methods.
func (m Surrogate) Valid() bool { return m > SurrogateInvalid && m < numSurrogates }

// ParseSurrogate returns the method called name ("super", "tanh", ...).
func ParseSurrogate(name string) (Surrogate, error) {
	for m := Super; m < numSurrogates; m++ {
		if surrogateNames[m] == name {
			return m, nil
		}
	}
	return SurrogateInvalid, fmt.Errorf("unknown surrogate method %q (want one of %v)", name, surrogateNames[1:])
}

// Derivative returns dΘ/dx at x in float64, from the formulas above.
func (m Surrogate) Derivative(x, alpha float64) float64 {
	switch m {
	case Super, FastSigmoid:
		d := alpha*math.Abs(x) + 1
		return 1 / (d * d)
	case Triangle:
		return alpha * math.Max(1-math.Abs(x), 0)
	case Tanh:
		t := math.Tanh(alpha * x)
		return 1 - t*t
	case Circ:
		q := alpha*alpha + x*x
		return alpha * alpha * alpha / (q * math.Sqrt(q))
	case HeaviErfc:
		ax := alpha * x
		return 2 * math.Exp(-(ax * ax)) / sqrtPiF32
	case ATan:
		u := math.Pi / 2 * alpha * x
		return alpha / 2 / (1 + u*u)
	}
	return 0
}

// buildAdjoint adds to s the ops computing dy·dΘ/dx at x, or returns nil when
// the method has no gradient. The op order follows Norse's backward functions.
func (m Surrogate) buildAdjoint(s *Step, x, dy *Value, alpha float64) *Value {
	c := s.Const
	switch m {
	case Super, FastSigmoid: // dy / (alpha·|x| + 1)²
		d := s.Add(s.Mul(c(alpha), s.Abs(x)), c(1))
		return s.Div(dy, s.Mul(d, d))
	case Triangle: // dy·alpha·relu(1 − |x|)
		return s.Mul(s.Mul(dy, c(alpha)), s.Relu(s.Sub(c(1), s.Abs(x))))
	case Tanh: // dy·(1 − tanh²(alpha·x))
		t := s.Tanh(s.Mul(x, c(alpha)))
		return s.Mul(dy, s.Sub(c(1), s.Mul(t, t)))
	case Circ: // dy·alpha³ / (q·√q), q = alpha² + x²
		q := s.Add(c(alpha*alpha), s.Mul(x, x))
		return s.Div(s.Mul(dy, c(alpha*alpha*alpha)), s.Mul(q, s.Sqrt(q)))
	case HeaviErfc: // dy·2·exp(−(alpha·x)²)/√π
		ax := s.Mul(c(alpha), x)
		return s.Mul(dy, s.Div(s.Mul(c(2), s.Exp(s.Neg(s.Mul(ax, ax)))), c(sqrtPiF32)))
	case ATan: // dy·(alpha/2) / (1 + (π/2·alpha·x)²)
		u := s.Mul(c(math.Pi/2*alpha), x)
		return s.Div(s.Mul(dy, c(alpha/2)), s.Add(c(1), s.Mul(u, u)))
	}
	return nil
}

// MarshalText writes the method's name, so parameter structs read and write
// it as in Norse ("method": "super").
func (m Surrogate) MarshalText() ([]byte, error) {
	if !m.Valid() {
		return nil, fmt.Errorf("invalid surrogate method %d", uint8(m))
	}
	return []byte(m.String()), nil
}

// UnmarshalText reads a method name.
func (m *Surrogate) UnmarshalText(b []byte) error {
	v, err := ParseSurrogate(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}
