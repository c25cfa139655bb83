package interp

import "math"

// exp32 is the float32 mode's e^x: not float32(math.Exp(x)) but a fixed
// sequence of float32 operations, the one compiled kernels perform lane by
// lane (vectorized, where no correctly rounded exp exists), so that both
// give the same bits. Within 2 ulp of the correctly rounded e^x.
//
// Clamp x to [−104, 89]; n = round-to-even(x·log2 e); r = x − n·ln2 with
// ln2 split in a 15-bit head and a tail, each step one fused multiply-add;
// e^r by the degree-7 Taylor polynomial (Horner, fused multiply-adds);
// scale by 2^⌊n/2⌋ and then by 2^(n−⌊n/2⌋), each an exact power of two.
func exp32(x float32) float32 {
	if math.IsNaN(float64(x)) {
		return x
	}
	x = min(max(x, -104), 89)
	const log2e, ln2Hi, ln2Lo = float32(1.44269504088896340736), float32(0.693145751953125), float32(1.428606765330187045e-06)
	n := float32(math.RoundToEven(float64(float32(x * log2e))))
	r := fma32(n, -ln2Hi, x)
	r = fma32(n, -ln2Lo, r)
	p := float32(1.0 / 5040)
	for _, c := range [...]float32{1.0 / 720, 1.0 / 120, 1.0 / 24, 1.0 / 6, 0.5, 1, 1} {
		p = fma32(p, r, c)
	}
	k := int32(n)
	half := k >> 1
	scale := func(k int32) float32 { return math.Float32frombits(uint32(k+127) << 23) }
	return float32(float32(p*scale(half)) * scale(k-half))
}
