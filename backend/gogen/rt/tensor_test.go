package rt

import (
	"math"
	"testing"
)

func TestMulOK(t *testing.T) {
	half := math.MaxInt>>1 + 1 // 2^62 on 64-bit systems, 2^30 on 32-bit ones
	for _, c := range []struct {
		a, b, want int
		ok         bool
	}{
		{0, 0, 0, true},
		{0, math.MaxInt, 0, true},
		{math.MaxInt, 0, 0, true},
		{1, math.MaxInt, math.MaxInt, true},
		{3, 7, 21, true},
		{half - 1, 2, math.MaxInt - 1, true},
		{half, 2, 0, false}, // wraps to math.MinInt
		{2, half, 0, false},
		{half, half, 0, false}, // wraps to 0
		{math.MaxInt, math.MaxInt, 0, false},
		{-1, 5, 0, false},
		{5, -1, 0, false},
		{-1, -1, 0, false}, // a product of 1 that must not pass
		{math.MinInt, -1, 0, false},
	} {
		got, ok := mulOK(c.a, c.b)
		if ok != c.ok || ok && got != c.want {
			t.Errorf("mulOK(%d, %d) = %d, %v; want %d, %v", c.a, c.b, got, ok, c.want, c.ok)
		}
	}
	if maxValues <= 0 || maxValues > math.MaxInt/4 {
		t.Errorf("maxValues = %d: its byte count must fit in an int", maxValues)
	}
}
