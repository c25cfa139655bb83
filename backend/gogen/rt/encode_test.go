package rt

import (
	"testing"

	"github.com/snnc/snnc/ir"
)

// The generated packages' Poisson encoder draws what the interpreter's
// does (ir.PoissonUniform), element by element, across calls that continue
// the time count.
func TestPoissonMatchesIR(t *testing.T) {
	const T, B, n, seed = 3, 2, 5, 12345
	x := make([]float32, T*B*n)
	for i := range x {
		x[i] = float32(i%7) / 7
	}
	y := make([]float32, len(x))
	const rate = float32(0.5)
	poisson(y[:B*n], x[:B*n], 1, B, 0, n, 10, seed, rate)
	poisson(y[B*n:], x[B*n:], T-1, B, 0, n, 11, seed, rate)
	spikes := 0
	for k := range y {
		ti, b, i := k/(B*n), k/n%B, k%n
		u := ir.PoissonUniform(seed, int64(10+ti), b, i)
		want := float32(0)
		if float32(u) < rate*x[k] {
			want = 1
		}
		if y[k] != want {
			t.Fatalf("y[%d] = %v, want %v (draw %v, rate·x %v)", k, y[k], want, u, rate*x[k])
		}
		spikes += int(y[k])
	}
	if spikes == 0 || spikes == len(y) {
		t.Fatalf("%d spikes of %d: the test does not tell 0 from 1", spikes, len(y))
	}
}

// A part of a batch (entries b0 …, as a goroutine's share) draws what the
// whole batch draws for those entries.
func TestPoissonBatchOffset(t *testing.T) {
	const T, B, n, seed = 4, 5, 3, 99
	x := make([]float32, T*B*n)
	for i := range x {
		x[i] = 0.5
	}
	whole := make([]float32, len(x))
	poisson(whole, x, T, B, 0, n, 0, seed, 1)
	const b0, bn = 2, 3
	part := make([]float32, T*bn*n)
	poisson(part, x[:len(part)], T, bn, b0, n, 0, seed, 1)
	for t2 := range T {
		for b := range bn {
			for i := range n {
				if got, want := part[(t2*bn+b)*n+i], whole[(t2*B+b0+b)*n+i]; got != want {
					t.Fatalf("t=%d b=%d i=%d: part drew %v, whole batch %v", t2, b0+b, i, got, want)
				}
			}
		}
	}
}

func TestFirstNonSpike(t *testing.T) {
	if i := firstNonSpike([]float32{0, 1, 1, 0}); i != -1 {
		t.Errorf("firstNonSpike of spikes = %d, want -1", i)
	}
	if i := firstNonSpike([]float32{0, 1, 0.5, 2}); i != 2 {
		t.Errorf("firstNonSpike = %d, want 2", i)
	}
	if i := firstNonSpike([]float32{0, -0.0, 1, 2}); i != 3 {
		t.Errorf("firstNonSpike = %d, want 3 (-0 is 0)", i)
	}
}
