package rt

import "math"

// exp32 is e^x in float32, computed by a fixed sequence of float32
// operations that the assembly kernels repeat lane by lane, so that every
// implementation (and the interpreter's float32 mode, which uses the same
// sequence) gives the same bits. Its error against the correctly rounded
// e^x is at most 2 ulp for normal results (measured over every float32 in
// [−87, 88]; see the tests).
//
//   - x is clamped to [−104, 89]: beyond it e^x is 0 or +Inf in float32.
//   - n = round-to-even(x·log2(e)), r = x − n·ln2 in two fused steps
//     (Cody–Waite: ln2 = ln2Hi + ln2Lo, ln2Hi exact in few bits), so
//     |r| ≤ ln2/2 + tiny.
//   - e^r by its Taylor polynomial of degree 7, Horner's rule with fused
//     multiply-adds.
//   - e^x = e^r · 2^⌊n/2⌋ · 2^(n−⌊n/2⌋): two multiplications by exact
//     powers of two, so results near the overflow and underflow ends
//     (subnormals included) round correctly.
//   - NaN stays NaN.
func exp32(x float32) float32 {
	if x != x {
		return x
	}
	x = min(max(x, -104), 89)
	n := float32(math.RoundToEven(float64(float32(x * log2e))))
	r := fma32(n, -ln2Hi, x)
	r = fma32(n, -ln2Lo, r)
	p := float32(1.0 / 5040)
	p = fma32(p, r, 1.0/720)
	p = fma32(p, r, 1.0/120)
	p = fma32(p, r, 1.0/24)
	p = fma32(p, r, 1.0/6)
	p = fma32(p, r, 0.5)
	p = fma32(p, r, 1)
	p = fma32(p, r, 1)
	k := int32(n)
	k1 := k >> 1
	return float32(float32(p*pow2(k1)) * pow2(k-k1))
}

// Constants of exp32, as float32 values.
const (
	log2e = float32(1.44269504088896340736)
	ln2Hi = float32(0.693145751953125) // 15 significant bits: n·ln2Hi is exact
	ln2Lo = float32(1.428606765330187045e-06)
)

// pow2 is 2^k for k in [−126, 127].
func pow2(k int32) float32 { return math.Float32frombits(uint32(k+127) << 23) }
