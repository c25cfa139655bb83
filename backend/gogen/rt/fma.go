package rt

import "math"

// fma32 returns x·y + z rounded once to float32.
//
// The product of two float32 values is exact in float64, so s = x·y + z
// rounded to float64 differs from the exact sum by less than half a float64
// ulp. Rounding s to float32 then gives the correctly rounded result unless
// s lies exactly halfway between two float32 values (its 29 low mantissa
// bits are 1 followed by zeros) and the float64 rounding moved it there:
// only then is the exact error consulted. Results below the float32 normal
// range (float64 exponent field under 897) take the same slow path, since
// their halfway points sit elsewhere. The function is small enough to be
// inlined into the kernels' loops.
func fma32(x, y, z float32) float32 {
	s := float64(x)*float64(y) + float64(z)
	if b := math.Float64bits(s); b&(1<<29-1) == 1<<28 || b<<1 < 897<<53 {
		return fma32Slow(x, y, z)
	}
	return float32(s)
}

// fma32Slow is fma32 where rounding through float64 may be off: it uses
// the exact error of the float64 sum to break a tie.
func fma32Slow(x, y, zf float32) float32 {
	p, z := float64(x)*float64(y), float64(zf)
	s := p + z
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
