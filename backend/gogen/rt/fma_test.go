package rt

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// exactFMA32 rounds x·y + z to float32 through an exact big.Float sum.
func exactFMA32(x, y, z float32) float32 {
	p := new(big.Float).SetPrec(200).Mul(big.NewFloat(float64(x)), big.NewFloat(float64(y)))
	s := new(big.Float).SetPrec(200).Add(p, big.NewFloat(float64(z)))
	f, _ := s.Float32()
	return f
}

func TestFMA32(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	check := func(x, y, z float32) {
		t.Helper()
		if got, want := fma32(x, y, z), exactFMA32(x, y, z); math.Float32bits(got) != math.Float32bits(want) {
			t.Fatalf("fma32(%g, %g, %g) = %g, want %g", x, y, z, got, want)
		}
	}
	for range 200000 {
		x := float32(rng.NormFloat64())
		y := float32(rng.NormFloat64())
		z := float32(rng.NormFloat64())
		check(x, y, z)
		// Near-cancellation and tiny results exercise the subnormal path.
		check(x, y, -float32(float64(x)*float64(y)))
		check(x*1e-20, y*1e-20, z*1e-39)
	}
	// Ties: x·y has bits below float32 precision and z places the sum
	// exactly halfway, with the remaining product bits breaking the tie.
	for range 100000 {
		m := 1 + rng.Uint32N(1<<12)
		x := float32(1<<12 + m)
		y := float32(1<<12 + 2*rng.Uint32N(1<<11) + 1)
		z := float32(rng.Uint32N(1<<24)) * 0x1p10
		check(x, y, z)
		check(x, -y, z)
		check(x*0x1p-140, y, z*0x1p-140)
	}
}
