package rt

import (
	"math"
	"testing"

	"github.com/snnc/snnc/backend/interp"
	"github.com/snnc/snnc/ir"
)

// ulps is the distance between a and b in units in the last place.
func ulps(a, b float32) int64 {
	ia, ib := int64(int32(math.Float32bits(a))), int64(int32(math.Float32bits(b)))
	if ia < 0 {
		ia = math.MinInt32 - ia
	}
	if ib < 0 {
		ib = math.MinInt32 - ib
	}
	return max(ia-ib, ib-ia)
}

// TestExp32Accuracy measures exp32 against the correctly rounded e^x on a
// sweep of float32 inputs over [−87, 88] (normal results), and checks the
// ends of the range and the special values.
func TestExp32Accuracy(t *testing.T) {
	worst, at := int64(0), float32(0)
	for bits := uint32(0); bits < 1<<31; bits += 97 {
		for _, x := range []float32{math.Float32frombits(bits), -math.Float32frombits(bits)} {
			if x != x || x < -87 || x > 88 {
				continue
			}
			want := float32(math.Exp(float64(x)))
			if d := ulps(exp32(x), want); d > worst {
				worst, at = d, x
			}
		}
	}
	t.Logf("largest error %d ulp, at x = %g", worst, at)
	if worst > 2 {
		t.Errorf("exp32 is %d ulp off at x = %g, want ≤ 2", worst, at)
	}
	for x, want := range map[float32]float32{0: 1, 89: float32(math.Inf(1)), 200: float32(math.Inf(1)), -104: 0, -1000: 0, float32(math.Inf(-1)): 0} {
		if got := exp32(x); got != want {
			t.Errorf("exp32(%g) = %g, want %g", x, got, want)
		}
	}
	if got := exp32(float32(math.NaN())); got == got {
		t.Errorf("exp32(NaN) = %g", got)
	}
	// Subnormal results stay close to the true value.
	for _, x := range []float32{-88, -90, -95, -100, -103} {
		want := math.Exp(float64(x))
		if got := float64(exp32(x)); math.Abs(got-want) > 2*0x1p-149+want*1e-6 {
			t.Errorf("exp32(%g) = %g, want %g", x, got, want)
		}
	}
}

// TestExp32MatchesInterpreter checks that the interpreter's float32 mode
// computes exp with the same bits.
func TestExp32MatchesInterpreter(t *testing.T) {
	s := ir.NewStep("e")
	s.Output("y", s.Exp(s.Input("x")))
	var xs []float64
	for x := float32(-110); x < 95; x += 0.0137 {
		xs = append(xs, float64(x))
	}
	xs = append(xs, math.NaN(), math.Inf(1), math.Inf(-1), 0, math.Copysign(0, -1))
	res, err := interp.RunStep(s, &interp.StepRun{T: 1, B: 1, N: len(xs), Inputs: map[string][]float64{"x": xs}, Precision: interp.Float32})
	if err != nil {
		t.Fatal(err)
	}
	for i, x := range xs {
		got, want := exp32(float32(x)), float32(res.Outputs["y"][i])
		if math.Float32bits(got) != math.Float32bits(want) && !(got != got && want != want) {
			t.Fatalf("exp32(%g) = %g, the interpreter %g", x, got, want)
		}
	}
}
