package ir_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"gonum.org/v1/gonum/diff/fd"

	"github.com/snnc/snnc/ir"
)

// generating gives, for each surrogate, the smooth function whose derivative
// the surrogate is (up to a constant).
var generating = map[ir.Surrogate]func(x, a float64) float64{
	ir.Super:       func(x, a float64) float64 { return x / (1 + a*math.Abs(x)) },
	ir.FastSigmoid: func(x, a float64) float64 { return x / (1 + a*math.Abs(x)) },
	ir.Heaviside:   func(x, a float64) float64 { return 0 },
	ir.Triangle: func(x, a float64) float64 {
		// a·∫relu(1−|u|)du from 0 to x.
		ax := math.Min(math.Abs(x), 1)
		return math.Copysign(a*(ax-ax*ax/2), x)
	},
	ir.Tanh:      func(x, a float64) float64 { return math.Tanh(a*x) / a },
	ir.Circ:      func(x, a float64) float64 { return a * x / math.Sqrt(a*a+x*x) },
	ir.HeaviErfc: func(x, a float64) float64 { return math.Erf(a*x) / a * math.Sqrt(math.Pi) / 1.7724539041519165 },
	ir.ATan:      func(x, a float64) float64 { return math.Atan(math.Pi/2*a*x) / math.Pi },
}

func TestSurrogateDerivatives(t *testing.T) {
	for m, f := range generating {
		for _, alpha := range []float64{0.3, 2, 5, 100} {
			for _, x := range []float64{-2, -0.7, -0.013, 0.002, 0.01, 0.4, 0.99, 1.5, 3} {
				if m == ir.Triangle && math.Abs(math.Abs(x)-1) < 1e-3 {
					continue // the kink
				}
				h := 1e-6 / math.Max(1, alpha)
				num := fd.Derivative(func(x float64) float64 { return f(x, alpha) }, x, &fd.Settings{Formula: fd.Central, Step: h})
				got := m.Derivative(x, alpha)
				assert.InDelta(t, num, got, 1e-5*math.Max(1, math.Abs(num)), "%v alpha=%v x=%v", m, alpha, x)
			}
		}
	}
	assert.Len(t, generating, 8, "every surrogate has a generating function")
}

func TestSurrogateNames(t *testing.T) {
	for _, name := range []string{"super", "heaviside", "triangle", "tanh", "circ", "heavi_erfc", "atan", "fast_sigmoid"} {
		m, err := ir.ParseSurrogate(name)
		assert.NoError(t, err)
		assert.Equal(t, name, m.String())
	}
	_, err := ir.ParseSurrogate("adjoint")
	assert.ErrorContains(t, err, `unknown surrogate method "adjoint"`)
}
