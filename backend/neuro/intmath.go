package neuro

// Integer helpers shared by the emulators. Everything is int64 so that
// 32-bit platforms compute the same values; the widths the chips use are
// applied explicitly.

// trunc0 is a right shift that rounds toward zero: sign(x)·(|x| >> k).
// Go's >> on signed integers floors, which is not what Loihi's decay does.
func trunc0(x int64, k uint) int64 {
	if x < 0 {
		return -((-x) >> k)
	}
	return x >> k
}

// wrap32 is two's-complement wrap-around to 32 bits (numpy int32 arithmetic).
func wrap32(x int64) int64 { return int64(int32(x)) }

// wrap16 is two's-complement wrap-around to 16 bits (a C++ int16_t store).
func wrap16(x int64) int64 { return int64(int16(x)) }

// sat clamps x to [lo, hi].
func sat(x, lo, hi int64) int64 {
	if x < lo {
		return lo
	}
	if x > hi {
		return hi
	}
	return x
}

// sat16 clamps to int16, as xylosim's safe_add does.
func sat16(x int64) int64 { return sat(x, -1<<15, 1<<15-1) }

// shiftExp is a left shift for e > 0 and an arithmetic (floor) right shift
// by −e otherwise, as Lava applies weight and bias exponents.
func shiftExp(x int64, e int) int64 {
	if e > 0 {
		return x << uint(e)
	}
	return x >> uint(-e)
}
