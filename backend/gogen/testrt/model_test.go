// Tests of a generated package: the package against the interpreter's
// goldens, every implementation against the generic one, streaming
// against whole sequences, hostile arguments, batches split over
// goroutines, and no allocations per call. snnc compile copies this file
// into every package it writes as model_test.go; table_test.go holds what
// differs from model to model.

package testrt

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

// The checks of a training package: train_test.go sets them; a package
// compiled without --train has no train_test.go and leaves them nil.
var (
	checkTrainAllocations  func(t *testing.T, m *Model, s *State, x, y []float32, T int)
	checkBadTrainArguments func(t *testing.T, m *Model, x, y []float32, huge int)
	checkThreadsTrain      func(t *testing.T, m *Model, rng *rand.Rand, x []float32, B int)
)

// newModel is New, failing the test on an error.
func newModel(tb testing.TB) *Model {
	tb.Helper()
	m, err := New()
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// newState is m.NewState(B), failing the test on an error.
func newState(tb testing.TB, m *Model, B int) *State {
	tb.Helper()
	s, err := m.NewState(B)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// noError fails the test when an entry point returned an error.
func noError(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

// golden reads testdata/golden.bin, written by snnc compile from the
// float32 interpreter.
func golden(t *testing.T) (T, B int, arrays map[string][]float32) {
	t.Helper()
	data, err := os.ReadFile("testdata/golden.bin")
	if err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	if len(data) < 20 || string(data[:8]) != "SNNCGLD1" {
		t.Fatal("testdata/golden.bin: not a golden file")
	}
	T, B = int(le.Uint32(data[8:])), int(le.Uint32(data[12:]))
	count := int(le.Uint32(data[16:]))
	data = data[20:]
	arrays = map[string][]float32{}
	for range count {
		n := int(le.Uint16(data))
		name := string(data[2 : 2+n])
		size := int(le.Uint32(data[2+n:]))
		data = data[6+n:]
		a := make([]float32, size)
		for i := range a {
			a[i] = math.Float32frombits(le.Uint32(data[4*i:]))
		}
		arrays[name] = a
		data = data[4*size:]
	}
	return T, B, arrays
}

// withEach runs f once per kernel implementation this CPU has.
func withEach(t *testing.T, f func(t *testing.T)) {
	defer SetImplementation(Implementation())
	for _, name := range Implementations() {
		if err := SetImplementation(name); err != nil {
			t.Fatal(err)
		}
		t.Run(name, f)
	}
}

// sameBits reports the first index where got and want differ in any bit.
func sameBits(t *testing.T, what string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s[%d] = %g, want %g (bit for bit)", what, i, got[i], want[i])
		}
	}
}

func randomInput(rng *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		if rng.Float64() < 0.3 {
			x[i] = 1
		} else {
			x[i] = rng.Float32() * 0.5
		}
	}
	return x
}

// randomX is randomInput for the network's input: spikes only (the currents
// become 0) when the input is declared as spikes.
func randomX(rng *rand.Rand, n int) []float32 {
	x := randomInput(rng, n)
	if InputSpikes {
		for i := range x {
			if x[i] != 1 {
				x[i] = 0
			}
		}
	}
	return x
}

// An input declared as spikes is checked: a value other than 0 or 1 is an
// error naming the package, the entry point, the index and the value, and
// the state is left as it was. With the batch split over goroutines each
// checks its own entries, and the error still names the first bad value of
// x, wherever it is.
func TestSpikeInputChecked(t *testing.T) {
	if !InputSpikes {
		t.Skip("the input is not declared as spikes")
	}
	m := newModel(t)
	// Every implementation's check (the assembly ones scan whole vectors).
	withEach(t, func(t *testing.T) {
		const T, B = 2, 3
		for n := 1; n <= 3; n++ {
			s := newState(t, m, B)
			noError(t, s.SetThreads(n))
			x, y := make([]float32, T*B*InputSize), make([]float32, T*B*OutputSize)
			late := (B-1)*InputSize + InputSize - 1 // t=0, the last entry (the last part's)
			early := B * InputSize                  // t=1, the first entry (the first part's)
			x[late], x[early] = 2, 0.5
			refused(t, fmt.Sprintf("Forward, %d threads, with two bad values", n), m.Forward(s, y, x, T), "Forward",
				fmt.Sprintf("x[%d] (t=0, b=%d, i=%d) = 2", late, B-1, InputSize-1))
			x[late] = 1
			refused(t, fmt.Sprintf("Forward, %d threads, with one bad value", n), m.Forward(s, y, x, T), "Forward",
				fmt.Sprintf("x[%d] (t=1, b=0, i=0) = 0.5", early))
			x[early] = 0
			noError(t, m.Forward(s, y, x, T))
			want := make([]float32, len(y))
			noError(t, m.Forward(newState(t, m, B), want, x, T))
			sameBits(t, fmt.Sprintf("y after refused calls, %d threads", n), y, want)
			x1 := make([]float32, B*InputSize)
			x1[0] = 2
			refused(t, "Step with x[0] = 2", m.Step(s, y[:B*OutputSize], x1), "Step", "x[0] (t=0, b=0, i=0) = 2")
		}
	})
}

func TestForwardMatchesInterpreter(t *testing.T) {
	T, B, gold := golden(t)
	m := newModel(t)
	withEach(t, func(t *testing.T) {
		y := make([]float32, T*B*OutputSize)
		s := newState(t, m, B)
		noError(t, m.Forward(s, y, gold["x"], T))
		sameBits(t, "y", y, gold["y"])
		// Every neuron state after the last step, as the interpreter left it.
		for _, name := range StateNames {
			v, err := s.NeuronState(name)
			noError(t, err)
			want, ok := gold["state."+name]
			if !ok {
				t.Fatalf("the golden has no final state %s", name)
			}
			sameBits(t, "state "+name, v, want)
		}
		nonzero := 0
		for _, v := range y {
			if v != 0 {
				nonzero++
			}
		}
		t.Logf("%d of %d outputs are nonzero", nonzero, len(y))
	})
}

func TestStepMatchesForward(t *testing.T) {
	m := newModel(t)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, B := range []int{1, 3} {
		const T = 7
		x := randomX(rng, T*B*InputSize)
		want := make([]float32, T*B*OutputSize)
		whole := newState(t, m, B)
		noError(t, m.Forward(whole, want, x, T))
		s := newState(t, m, B)
		got := make([]float32, T*B*OutputSize)
		for t2 := 0; t2 < T; t2++ {
			noError(t, m.Step(s, got[t2*B*OutputSize:(t2+1)*B*OutputSize], x[t2*B*InputSize:(t2+1)*B*InputSize]))
		}
		sameBits(t, "stepped y", got, want)
		for _, name := range StateNames {
			a, err := s.NeuronState(name)
			noError(t, err)
			b, err := whole.NeuronState(name)
			noError(t, err)
			sameBits(t, "stepped state "+name, a, b)
		}
		if _, err := s.NeuronState("no.such"); err == nil {
			t.Error("NeuronState of an unknown name gave no error")
		}
	}
}

// TestForwardChunks checks that Forward's results do not depend on the
// steps of its chunks (chunkSteps): outputs and states, over two calls
// that continue from each other, bit for bit equal with chunks of one
// step, of a few steps, and of the whole call, with one goroutine and with
// the batch split.
func TestForwardChunks(t *testing.T) { withEach(t, testForwardChunks) }

func testForwardChunks(t *testing.T) {
	m := newModel(t)
	rng := rand.New(rand.NewPCG(23, 24))
	defer func(rows int) { forwardChunkRows = rows }(forwardChunkRows)
	const T, B = 9, 3
	x1, x2 := randomX(rng, T*B*InputSize), randomX(rng, 2*B*InputSize)
	run := func(rows, threads int) (y1, y2 []float32, states [][]float32) {
		forwardChunkRows = rows
		s := newState(t, m, B)
		noError(t, s.SetThreads(threads))
		y1, y2 = make([]float32, T*B*OutputSize), make([]float32, 2*B*OutputSize)
		noError(t, m.Forward(s, y1, x1, T))
		noError(t, m.Forward(s, y2, x2, 2))
		for _, name := range StateNames {
			v, err := s.NeuronState(name)
			noError(t, err)
			states = append(states, append([]float32(nil), v...))
		}
		return y1, y2, states
	}
	want1, want2, wantStates := run(math.MaxInt, 1)
	for _, rows := range []int{1, 2 * B, 4*B + 1} {
		for threads := 1; threads <= 2; threads++ {
			y1, y2, states := run(rows, threads)
			what := fmt.Sprintf("chunks of %d steps, %d threads", chunkSteps(T, B), threads)
			sameBits(t, what+": y of the first call", y1, want1)
			sameBits(t, what+": y of the second call", y2, want2)
			for i, name := range StateNames {
				sameBits(t, what+": state "+name, states[i], wantStates[i])
			}
		}
	}
}

func TestImplementationsAgree(t *testing.T) {
	m := newModel(t)
	rng := rand.New(rand.NewPCG(3, 4))
	for _, B := range []int{1, 2, 5} {
		for _, T := range []int{0, 1, 9} {
			x := randomX(rng, T*B*InputSize)
			want := make([]float32, T*B*OutputSize)
			SetImplementation("generic")
			noError(t, m.Forward(newState(t, m, B), want, x, T))
			withEach(t, func(t *testing.T) {
				y := make([]float32, T*B*OutputSize)
				noError(t, m.Forward(newState(t, m, B), y, x, T))
				sameBits(t, "y", y, want)
			})
		}
	}
}

func TestNoAllocations(t *testing.T) {
	m := newModel(t)
	const T, B = 5, 2
	x := randomX(rand.New(rand.NewPCG(5, 6)), T*B*InputSize)
	y := make([]float32, T*B*OutputSize)
	s := newState(t, m, B)
	noError(t, s.SetThreads(1)) // goroutines allocate; one thread must not
	var err error
	if n := testing.AllocsPerRun(5, func() { err = m.Forward(s, y, x, T) }); n != 0 {
		t.Errorf("Forward allocates %v times per call", n)
	}
	noError(t, err)
	if n := testing.AllocsPerRun(5, func() { err = m.Step(s, y[:B*OutputSize], x[:B*InputSize]) }); n != 0 {
		t.Errorf("Step allocates %v times per call", n)
	}
	noError(t, err)
	if checkTrainAllocations != nil {
		checkTrainAllocations(t, m, s, x, y, T)
	}
}

// refused checks that err is the error of entry point op, prefixed with
// the package name, and that it names what it should.
func refused(t *testing.T, call string, err error, op, names string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error", call)
		return
	}
	prefix := packageName + ": " + op + ": "
	if msg := err.Error(); !strings.HasPrefix(msg, prefix) || !strings.Contains(msg, names) {
		t.Errorf("%s: error %q; want it to start with %q and name %q", call, msg, prefix, names)
	}
}

// TestBadArguments runs with every implementation: the refusals come
// before any kernel runs, the calls that follow them do not.
func TestBadArguments(t *testing.T) { withEach(t, testBadArguments) }

func testBadArguments(t *testing.T) {
	m := newModel(t)
	const B, T = 2, 3
	s := newState(t, m, B)
	// 2^62 on 64-bit systems (2^30 on 32-bit ones): T*B wraps around to
	// a negative number, T*B*InputSize to 0 for some input sizes.
	huge := math.MaxInt>>1 + 1
	x, y := randomX(rand.New(rand.NewPCG(11, 12)), T*B*InputSize), make([]float32, T*B*OutputSize)
	x1, y1 := x[:B*InputSize], y[:B*OutputSize]

	long := append(append([]byte(nil), weightsBin...), 0, 0, 0, 0)
	_, err := fromWeights(long)
	refused(t, "New with a value too many in weights.bin", err, "New", "weights.bin")
	if len(weightsBin) >= 4 {
		_, err = fromWeights(weightsBin[:len(weightsBin)-4])
		refused(t, "New with a value missing in weights.bin", err, "New", "weights.bin")
	}

	for _, b := range []int{-1, math.MinInt, huge, math.MaxInt} {
		st, err := m.NewState(b)
		refused(t, fmt.Sprintf("NewState(%d)", b), err, "NewState", "B")
		if st != nil {
			t.Errorf("NewState(%d) returned a State with its error", b)
		}
	}

	for _, c := range []struct {
		call      string
		err       error
		op, names string
	}{
		{"Forward(T=huge, B=2, empty slices)", m.Forward(s, nil, nil, huge), "Forward", fmt.Sprintf("T*B*InputSize overflows (T=%d, B=2)", huge)},
		{"Forward(T=MaxInt, empty slices)", m.Forward(s, nil, nil, math.MaxInt), "Forward", "overflows"},
		{"Forward(T=-1)", m.Forward(s, nil, nil, -1), "Forward", "T = -1"},
		{"Forward with T*B*widestRow over maxValues", m.Forward(s, nil, nil, maxValues/(B*widestRow)+1), "Forward", "widest layer"},
		{"Forward(T=MinInt)", m.Forward(s, nil, nil, math.MinInt), "Forward", "T = "},
		{"Forward with x one short", m.Forward(s, y, x[:len(x)-1], T), "Forward", "len(x)"},
		{"Forward with x one long", m.Forward(s, y, append(x[:len(x):len(x)], 0), T), "Forward", "len(x)"},
		{"Forward with y one short", m.Forward(s, y[:len(y)-1], x, T), "Forward", "len(y)"},
		{"Forward with y one long", m.Forward(s, append(y[:len(y):len(y)], 0), x, T), "Forward", "len(y)"},
		{"Forward with nil slices", m.Forward(s, nil, nil, T), "Forward", "len(x)"},
		{"Forward with T too large for x", m.Forward(s, y, x, T+1), "Forward", "len(x)"},
		{"Forward on a nil Model", (*Model)(nil).Forward(s, y, x, T), "Forward", "Model"},
		{"Forward on a zero Model", (&Model{}).Forward(s, y, x, T), "Forward", "Model"},
		{"Forward with a nil State", m.Forward(nil, y, x, T), "Forward", "State"},
		{"Forward with a zero State", m.Forward(&State{}, y, x, T), "Forward", "State"},
		{"Step with empty slices", m.Step(s, nil, nil), "Step", "len(x)"},
		{"Step with x one short", m.Step(s, y1, x1[:len(x1)-1]), "Step", "len(x)"},
		{"Step with y one short", m.Step(s, y1[:len(y1)-1], x1), "Step", "len(y)"},
		{"Step with a whole sequence", m.Step(s, y, x), "Step", "len(x)"},
		{"Step on a nil Model", (*Model)(nil).Step(s, y1, x1), "Step", "Model"},
		{"Step with a nil State", m.Step(nil, y1, x1), "Step", "State"},
	} {
		refused(t, c.call, c.err, c.op, c.names)
	}
	if s.Batch() != B || (*State)(nil).Batch() != 0 {
		t.Errorf("Batch() = %d, nil State %d; want %d and 0", s.Batch(), (*State)(nil).Batch(), B)
	}
	(*State)(nil).Reset() // must not panic
	for _, n := range []int{0, -1, math.MinInt} {
		refused(t, fmt.Sprintf("SetThreads(%d)", n), s.SetThreads(n), "SetThreads", "n = ")
	}
	refused(t, "SetThreads on a nil State", (*State)(nil).SetThreads(1), "SetThreads", "State")
	refused(t, "SetThreads on a zero State", (&State{}).SetThreads(1), "SetThreads", "State")
	if s.Threads() < 1 || (*State)(nil).Threads() != 0 {
		t.Errorf("Threads() = %d, nil State %d; want >= 1 and 0", s.Threads(), (*State)(nil).Threads())
	}

	// The refused calls left s as NewState made it.
	want := make([]float32, len(y))
	noError(t, m.Forward(newState(t, m, B), want, x, T))
	noError(t, m.Forward(s, y, x, T))
	sameBits(t, "y after refused calls", y, want)

	// No batch entries: nothing to compute however long the sequence, and
	// at once (a loop over T would not end).
	s0 := newState(t, m, 0)
	noError(t, m.Forward(s0, nil, nil, huge))
	noError(t, m.Step(s0, nil, nil))
	refused(t, "Forward(B=0) with a nonempty x", m.Forward(s0, nil, x, huge), "Forward", "len(x)")
	if checkBadTrainArguments != nil {
		checkBadTrainArguments(t, m, x, y, huge)
	}
}

func TestThreads(t *testing.T) {
	m := newModel(t)
	const B = 5
	rng := rand.New(rand.NewPCG(21, 22))
	x1, x2 := randomX(rng, 4*B*InputSize), randomX(rng, 3*B*InputSize)
	var want1, want2 []float32
	var wantStates [][]float32
	for n := 1; n <= 3; n++ {
		s := newState(t, m, B)
		noError(t, s.SetThreads(n))
		y1, y2 := make([]float32, 4*B*OutputSize), make([]float32, 3*B*OutputSize)
		noError(t, m.Forward(s, y1, x1, 4))
		noError(t, m.Forward(s, y2, x2, 3))
		var states [][]float32
		for _, name := range StateNames {
			v, err := s.NeuronState(name)
			noError(t, err)
			states = append(states, append([]float32(nil), v...))
		}
		if n == 1 {
			want1, want2, wantStates = y1, y2, states
			continue
		}
		sameBits(t, fmt.Sprintf("y of the first call, %d threads", n), y1, want1)
		sameBits(t, fmt.Sprintf("y of the second call, %d threads", n), y2, want2)
		for i, name := range StateNames {
			sameBits(t, fmt.Sprintf("state %s, %d threads", name, n), states[i], wantStates[i])
		}
	}
	if checkThreadsTrain != nil {
		checkThreadsTrain(t, m, rng, x1, B)
	}
}
