// Tests of the entry points that take the input as bit-packed spikes
// (ForwardBits and its kin), against those that take it as float32.
// snnc compile copies this file into every package whose input is
// declared spikes as bits_test.go.

package testrt

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// packSpikes packs x [rows][InputSize] of 0/1 values into [rows][InputWords]
// words, input i of a row being bit i%64 of its word i/64.
func packSpikes(x []float32) []uint64 {
	rows := len(x) / InputSize
	b := make([]uint64, rows*InputWords)
	for r := range rows {
		for i, v := range x[r*InputSize : (r+1)*InputSize] {
			if v == 1 {
				b[r*InputWords+i/64] |= 1 << (i % 64)
			}
		}
	}
	return b
}

// TestForwardBits: ForwardBits gives what Forward gives for the same
// spikes, outputs and neuron states bit for bit, over calls that continue
// from each other, with every implementation (those with the spike-list
// kernels list the bits directly, the others unpack them) and the batch
// split over 1 to 3 goroutines.
func TestForwardBits(t *testing.T) { withEach(t, testForwardBits) }

func testForwardBits(t *testing.T) {
	m := newModel(t)
	rng := rand.New(rand.NewPCG(41, 42))
	defer func(rows int) { forwardChunkRows = rows }(forwardChunkRows)
	for _, B := range []int{0, 1, 2, 5} {
		for threads := 1; threads <= 3; threads++ {
			sf, sb := newState(t, m, B), newState(t, m, B)
			noError(t, sf.SetThreads(threads))
			noError(t, sb.SetThreads(threads))
			for call, T := range []int{4, 3, 0, 1} {
				x := randomX(rng, T*B*InputSize)
				yf, yb := make([]float32, T*B*OutputSize), make([]float32, T*B*OutputSize)
				// Forward in one piece, ForwardBits in chunks of one or two
				// steps (listing the bits of the whole call first).
				forwardChunkRows = math.MaxInt
				noError(t, m.Forward(sf, yf, x, T))
				forwardChunkRows = max(1, (1+call%2)*B)
				noError(t, m.ForwardBits(sb, yb, packSpikes(x), T))
				what := fmt.Sprintf("B=%d, %d threads, call %d (T=%d, chunks of %d steps)", B, threads, call, T, chunkSteps(T, B))
				sameBits(t, what+": y", yb, yf)
				for _, name := range StateNames {
					vf, err := sf.NeuronState(name)
					noError(t, err)
					vb, err := sb.NeuronState(name)
					noError(t, err)
					sameBits(t, what+": state "+name, vb, vf)
				}
			}
		}
	}
}

// TestForwardBitsRefused: arguments that do not fit are errors naming the
// entry point and what is wrong (a bit set past InputSize names its row),
// and leave the State as it was.
func TestForwardBitsRefused(t *testing.T) {
	m := newModel(t)
	const B, T = 2, 3
	rng := rand.New(rand.NewPCG(43, 44))
	x := randomX(rng, T*B*InputSize)
	xb := packSpikes(x)
	s := newState(t, m, B)
	y := make([]float32, T*B*OutputSize)
	const op = "ForwardBits"
	refused(t, "short x", m.ForwardBits(s, y, xb[:len(xb)-1], T), op, "T*B*InputWords")
	refused(t, "long x", m.ForwardBits(s, y, append(xb, 0), T), op, "T*B*InputWords")
	refused(t, "short y", m.ForwardBits(s, y[:len(y)-1], xb, T), op, "len(y)")
	refused(t, "T < 0", m.ForwardBits(s, y, xb, -1), op, "T = -1")
	refused(t, "nil Model", (*Model)(nil).ForwardBits(s, y, xb, T), op, "Model")
	refused(t, "nil State", m.ForwardBits(nil, y, xb, T), op, "State")
	refused(t, "huge T", m.ForwardBits(s, y, xb, math.MaxInt), op, "overflows")
	if InputSize%64 != 0 {
		bad := append([]uint64(nil), xb...)
		bad[4*InputWords-1] |= 1 << 63 // row 3: t = 1, b = 1
		refused(t, "a bit past InputSize", m.ForwardBits(s, y, bad, T), op, "x row 3 (t=1, b=1)")
	}
	// The refusals changed nothing: s runs as a new State does.
	want := make([]float32, len(y))
	noError(t, m.Forward(newState(t, m, B), want, x, T))
	noError(t, m.ForwardBits(s, y, xb, T))
	sameBits(t, "y after the refused calls", y, want)
}

// TestForwardBitsNoAllocations: after the first call, ForwardBits on one
// goroutine allocates nothing.
func TestForwardBitsNoAllocations(t *testing.T) {
	m := newModel(t)
	const T, B = 5, 2
	xb := packSpikes(randomX(rand.New(rand.NewPCG(45, 46)), T*B*InputSize))
	y := make([]float32, T*B*OutputSize)
	s := newState(t, m, B)
	noError(t, s.SetThreads(1))
	var err error
	if n := testing.AllocsPerRun(5, func() { err = m.ForwardBits(s, y, xb, T) }); n != 0 {
		t.Errorf("ForwardBits allocates %v times per call", n)
	}
	noError(t, err)
}

// BenchmarkForwardBits is BenchmarkForward with the same spikes given
// bit-packed to ForwardBits.
func BenchmarkForwardBits(b *testing.B) {
	m := newModel(b)
	T, s := *benchSteps, benchState(b, m)
	x, y := packSpikes(benchSpikes(T, s.Batch())), make([]float32, T*s.Batch()*OutputSize)
	for b.Loop() {
		s.Reset()
		if err := m.ForwardBits(s, y, x, T); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/forward")
}
