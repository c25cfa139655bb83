package rt

import (
	"math"
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
	negZero := float32(math.Copysign(0, -1))
	if i := firstNonSpike([]float32{0, 1, 1, 0, negZero}); i != -1 {
		t.Errorf("firstNonSpike of spikes = %d, want -1", i)
	}
	if i := firstNonSpike([]float32{0, 1, 0.5, 2}); i != 2 {
		t.Errorf("firstNonSpike = %d, want 2", i)
	}
	if i := firstNonSpike([]float32{0, negZero, 1, 2}); i != 3 {
		t.Errorf("firstNonSpike = %d, want 3 (-0 is 0)", i)
	}
	// Every value class that is not a spike, at every position of chunks
	// of several lengths (odd ones exercise the unpaired last value), after
	// a long run of spikes.
	bad := []float32{-1, 2, 0.5, float32(math.Inf(1)), float32(math.NaN()), math.SmallestNonzeroFloat32,
		math.Float32frombits(spikeOneBits + 1), math.Float32frombits(spikeOneBits - 1), math.Float32frombits(1 << 31 >> 1)}
	for _, n := range []int{1, 2, 3, 1023, 1024, 1025, 3000} {
		for _, at := range []int{0, n / 2, n - 1} {
			for _, v := range bad {
				x := make([]float32, n)
				for i := range x {
					x[i] = float32(i % 3 % 2)
				}
				x[at] = v
				if i := firstNonSpike(x); i != at {
					t.Fatalf("n=%d: %v at %d: firstNonSpike = %d", n, v, at, i)
				}
				if at > 0 {
					x[at-1] = negZero
					if i := firstNonSpike(x); i != at {
						t.Fatalf("n=%d: -0 at %d, %v at %d: firstNonSpike = %d", n, at-1, v, at, i)
					}
				}
			}
		}
	}
}
