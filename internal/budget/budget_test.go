package budget

import (
	"math"
	"testing"
)

func TestTake(t *testing.T) {
	b := New(100)
	if !b.Take(60) || !b.Take(40) {
		t.Fatal("100 bytes of a budget of 100 refused")
	}
	if b.Take(1) {
		t.Fatal("the 101st byte taken")
	}
	if b.Limit() != 100 {
		t.Fatalf("Limit = %d, want 100", b.Limit())
	}
	b = New(10)
	if b.Take(math.MaxUint64) || !b.Take(10) {
		t.Fatal("a refused charge must take nothing")
	}
}

func TestDefaultAndUnlimited(t *testing.T) {
	b := New(0)
	if b.Limit() != Default || b.Take(Default+1) || !b.Take(Default) {
		t.Fatalf("zero limit: want the default of %d bytes", Default)
	}
	u := New(-1)
	if !u.Take(math.MaxUint64) || !u.Take(math.MaxUint64) {
		t.Fatal("a negative limit must not refuse")
	}
}
