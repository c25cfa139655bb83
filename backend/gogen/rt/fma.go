package rt

import "math"

// fma32 returns x·y + z rounded once to float32.
//
// The product of two float32 values is exact in float64, so s = x·y + z
// rounded to float64 differs from the exact sum by less than half a float64
// ulp. Rounding s to float32 then gives the correctly rounded result unless
// s lies exactly halfway between two float32 values (its 29 low mantissa
// bits are 1 followed by zeros) and the float64 rounding moved it there:
// only then is the exact error consulted. Float32 subnormal results take
// the same slow path, since their halfway points sit elsewhere.
func fma32(x, y, z float32) float32 {
	p := float64(x) * float64(y)
	s := p + float64(z)
	bits := math.Float64bits(s)
	if bits&(1<<29-1) != 1<<28 && math.Abs(s) >= 0x1p-126 {
		return float32(s)
	}
	return fma32Slow(p, float64(z), s)
}

// fma32Slow rounds p + z to float32 given s = p + z rounded to float64,
// using the exact error of that sum to break a tie.
func fma32Slow(p, z, s float64) float32 {
	bb := s - p
	e := (p - (s - bb)) + (z - bb)
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
