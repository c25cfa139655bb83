package gogen

// gradTolerance bounds compiled gradients against the float32
// interpreter's: max |got − want| ≤ gradTolerance · max |want| per array.
// Both round every operation to float32, but they sum over time, batch and
// neurons in different orders, and the interpreter differentiates op by op
// where the compiled kernel runs the derived adjoint step.
const gradTolerance = 1e-4

// test writes model_test.go: the package against the interpreter's goldens,
// every implementation against the generic one, streaming against whole
// sequences, and no allocations per call.
func (gen *generator) test() string {
	w := &src{}
	w.f(header, gen.opt.Source)
	w.f("package %s\n\n", gen.opt.Package)
	w.f(`import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
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
		t.Fatalf("%%s: %%d values, want %%d", what, len(got), len(want))
	}
	for i := range got {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%%s[%%d] = %%g, want %%g (bit for bit)", what, i, got[i], want[i])
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
// the state is left as it was.
func TestSpikeInputChecked(t *testing.T) {
	if !InputSpikes {
		t.Skip("the input is not declared as spikes")
	}
	m := newModel(t)
	// Every implementation's check (the assembly ones scan whole vectors).
	withEach(t, func(t *testing.T) {
		const T, B = 2, 2
		s := newState(t, m, B)
		x, y := make([]float32, T*B*InputSize), make([]float32, T*B*OutputSize)
		k := len(x) - 1
		x[k] = 0.5
		refused(t, "Forward with x[last] = 0.5", m.Forward(s, y, x, T), "Forward", fmt.Sprintf("x[%%d] (t=%%d, b=%%d, i=%%d) = 0.5", k, T-1, B-1, InputSize-1))
		x[k] = 1
		noError(t, m.Forward(s, y, x, T))
		x1 := make([]float32, B*InputSize)
		x1[0] = 2
		refused(t, "Step with x[0] = 2", m.Step(s, y[:B*OutputSize], x1), "Step", "x[0] (t=0, b=0, i=0) = 2")
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
				t.Fatalf("the golden has no final state %%s", name)
			}
			sameBits(t, "state "+name, v, want)
		}
		nonzero := 0
		for _, v := range y {
			if v != 0 {
				nonzero++
			}
		}
		t.Logf("%%d of %%d outputs are nonzero", nonzero, len(y))
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
		t.Errorf("Forward allocates %%v times per call", n)
	}
	noError(t, err)
	if n := testing.AllocsPerRun(5, func() { err = m.Step(s, y[:B*OutputSize], x[:B*InputSize]) }); n != 0 {
		t.Errorf("Step allocates %%v times per call", n)
	}
	noError(t, err)
`)
	if gen.opt.Train {
		w.f(`	g := m.NewGrads()
	var errBackward error
	if n := testing.AllocsPerRun(5, func() {
		err = m.ForwardTrain(s, y, x, T)
		errBackward = m.Backward(s, g, y)
	}); n != 0 {
		t.Errorf("ForwardTrain and Backward allocate %%v times per call", n)
	}
	noError(t, err)
	noError(t, errBackward)
	o, err := m.NewSGD(1e-3, 0.9)
	noError(t, err)
	loss := Loss{Kind: CrossEntropyMaxTime, Labels: []int32{0, OutputSize - 1}}
	if _, err := m.TrainStep(s, o, x, T, loss); err != nil && strings.Contains(err.Error(), "the loss is") {
		// Outputs that overflow: the step is refused (with an error, which
		// allocates) and there is no step to measure.
		t.Logf("no TrainStep to measure: %%v", err)
		return
	}
	if n := testing.AllocsPerRun(5, func() { _, err = m.TrainStep(s, o, x, T, loss) }); n != 0 {
		t.Errorf("TrainStep allocates %%v times per call", n)
	}
	noError(t, err)
`)
	}
	w.f("}\n\n")
	gen.testBadArguments(w)
	gen.testThreads(w)
	if !gen.opt.Train {
		return w.String()
	}
	gen.testTrain(w)
	w.f("// gradTolerance: max |got − want| ≤ gradTolerance · max |want| per array.\nconst gradTolerance = %g\n\n", gradTolerance)
	w.f("// inputGrad: Backward computes g.Input (snnc compile --input-grad).\nconst inputGrad = %v\n\n", gen.opt.InputGrad)
	w.f("func gradArrays(g *Grads) map[string][]float32 {\n\treturn map[string][]float32{\n")
	if gen.opt.InputGrad {
		w.f("\t\t\"grad.input\": g.Input,\n")
	}
	for _, p := range gen.params {
		w.f("\t\t%q: g.%s,\n", "grad."+p.Name, exported(gen.field[p]))
	}
	w.f("\t}\n}\n\n")
	w.f(`func TestGradientsMatchInterpreter(t *testing.T) {
	T, B, gold := golden(t)
	m := newModel(t)
	withEach(t, func(t *testing.T) {
		s := newState(t, m, B)
		y := make([]float32, T*B*OutputSize)
		noError(t, m.ForwardTrain(s, y, gold["x"], T))
		sameBits(t, "y", y, gold["y"])
		g := m.NewGrads()
		noError(t, m.Backward(s, g, gold["dy"]))
		if !inputGrad && len(g.Input) != 0 {
			t.Errorf("g.Input has %%d values; a package without --input-grad leaves it empty", len(g.Input))
		}
		for name, got := range gradArrays(g) {
			want := gold[name]
			if len(got) != len(want) {
				t.Fatalf("%%s: %%d values, want %%d", name, len(got), len(want))
			}
			scale, worst, at := 0.0, 0.0, 0
			for i := range want {
				scale = max(scale, math.Abs(float64(want[i])))
				if d := math.Abs(float64(got[i] - want[i])); d > worst {
					worst, at = d, i
				}
			}
			t.Logf("%%s: largest error %%.3g of largest gradient %%.3g", name, worst, scale)
			if worst > gradTolerance*scale {
				t.Errorf("%%s[%%d] = %%g, want %%g: error %%.3g is over %%g of the largest gradient %%.3g", name, at, got[at], want[at], worst, gradTolerance, scale)
			}
		}
	})
}
`)
	return w.String()
}

// testBadArguments writes TestBadArguments: every entry point with hostile
// sizes (T·B overflowing int with empty slices, negative T and B, slices
// one value short or long, a nil or zero Model or State; with --train nil
// and short Grads, Backward before any ForwardTrain, after one of T = 0,
// after Forward or Reset, and with another Model), each of which must give
// an error naming the package, the entry point and the argument, and leave
// the State as it was. A State of B = 0 must run any T at once.
func (gen *generator) testBadArguments(w *src) {
	pkg := gen.opt.Package
	w.f(`// refused checks that err is the error of entry point op, prefixed with
// the package name, and that it names what it should.
func refused(t *testing.T, call string, err error, op, names string) {
	t.Helper()
	if err == nil {
		t.Errorf("%%s: no error", call)
		return
	}
	prefix := %q + ": " + op + ": "
	if msg := err.Error(); !strings.HasPrefix(msg, prefix) || !strings.Contains(msg, names) {
		t.Errorf("%%s: error %%q; want it to start with %%q and name %%q", call, msg, prefix, names)
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
		refused(t, fmt.Sprintf("NewState(%%d)", b), err, "NewState", "B")
		if st != nil {
			t.Errorf("NewState(%%d) returned a State with its error", b)
		}
	}

	for _, c := range []struct {
		call       string
		err        error
		op, names  string
	}{
		{"Forward(T=huge, B=2, empty slices)", m.Forward(s, nil, nil, huge), "Forward", fmt.Sprintf("T*B*InputSize overflows (T=%%d, B=2)", huge)},
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
		t.Errorf("Batch() = %%d, nil State %%d; want %%d and 0", s.Batch(), (*State)(nil).Batch(), B)
	}
	(*State)(nil).Reset() // must not panic
	for _, n := range []int{0, -1, math.MinInt} {
		refused(t, fmt.Sprintf("SetThreads(%%d)", n), s.SetThreads(n), "SetThreads", "n = ")
	}
	refused(t, "SetThreads on a nil State", (*State)(nil).SetThreads(1), "SetThreads", "State")
	refused(t, "SetThreads on a zero State", (&State{}).SetThreads(1), "SetThreads", "State")
	if s.Threads() < 1 || (*State)(nil).Threads() != 0 {
		t.Errorf("Threads() = %%d, nil State %%d; want >= 1 and 0", s.Threads(), (*State)(nil).Threads())
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
`, pkg)
	if gen.opt.Train {
		w.f(`	testBadTrainArguments(t, m, x, y, huge)
}

func testBadTrainArguments(t *testing.T, m *Model, x, y []float32, huge int) {
	const B, T = 2, 3
	g := m.NewGrads()
	dy := randomInput(rand.New(rand.NewPCG(13, 14)), T*B*OutputSize)
	s := newState(t, m, B)
	refused(t, "Backward before any ForwardTrain", m.Backward(s, g, dy), "Backward", "no ForwardTrain")
	refused(t, "ForwardTrain(T=huge, B=2, empty slices)", m.ForwardTrain(s, nil, nil, huge), "ForwardTrain", "T*B*InputSize overflows")
	refused(t, "ForwardTrain(T=-1)", m.ForwardTrain(s, nil, nil, -1), "ForwardTrain", "T = -1")
	refused(t, "ForwardTrain with x one short", m.ForwardTrain(s, y, x[:len(x)-1], T), "ForwardTrain", "len(x)")
	refused(t, "ForwardTrain with y one short", m.ForwardTrain(s, y[:len(y)-1], x, T), "ForwardTrain", "len(y)")
	refused(t, "ForwardTrain with a nil State", m.ForwardTrain(nil, y, x, T), "ForwardTrain", "State")
	refused(t, "Backward after refused ForwardTrains", m.Backward(s, g, dy), "Backward", "no ForwardTrain")

	noError(t, m.ForwardTrain(s, nil, nil, 0))
	refused(t, "Backward after a ForwardTrain of T = 0", m.Backward(s, g, nil), "Backward", "T = 0")

	noError(t, m.ForwardTrain(s, y, x, T))
	refused(t, "Backward with nil Grads", m.Backward(s, nil, dy), "Backward", "g is nil")
	refused(t, "Backward with dy one short", m.Backward(s, g, dy[:len(dy)-1]), "Backward", "len(dy)")
	refused(t, "Backward with dy one long", m.Backward(s, g, append(dy[:len(dy):len(dy)], 0)), "Backward", "len(dy)")
	refused(t, "Backward with nil dy", m.Backward(s, g, nil), "Backward", "len(dy)")
	refused(t, "Backward on another Model", newModel(t).Backward(s, g, dy), "Backward", "another Model")
	refused(t, "Backward on a nil Model", (*Model)(nil).Backward(s, g, dy), "Backward", "Model")
	refused(t, "Backward on a zero Model", (&Model{}).Backward(s, g, dy), "Backward", "Model")
	refused(t, "Backward with a nil State", m.Backward(nil, g, dy), "Backward", "State")
	refused(t, "Backward with a zero State", m.Backward(&State{}, g, dy), "Backward", "State")
`)
		for _, p := range gen.params {
			f := exported(gen.field[p])
			w.f("\t{\n\t\tshort := m.NewGrads()\n\t\tshort.%s = short.%s[:len(short.%s)-1]\n", f, f, f)
			w.f("\t\trefused(t, \"Backward with g.%s one short\", m.Backward(s, short, dy), \"Backward\", \"len(g.%s)\")\n", f, f)
			w.f("\t\tshort.%s = nil\n", f)
			w.f("\t\trefused(t, \"Backward with a nil g.%s\", m.Backward(s, short, dy), \"Backward\", \"len(g.%s)\")\n\t}\n", f, f)
		}
		w.f(`	// The refused calls kept the tape: Backward now gives what it gives on
	// a fresh State.
	noError(t, m.Backward(s, g, dy))
	fresh, gFresh := newState(t, m, B), m.NewGrads()
	noError(t, m.ForwardTrain(fresh, y, x, T))
	noError(t, m.Backward(fresh, gFresh, dy))
	for name, got := range gradArrays(g) {
		sameBits(t, name+" after refused calls", got, gradArrays(gFresh)[name])
	}

	noError(t, m.Forward(s, y, x, T))
	refused(t, "Backward after Forward", m.Backward(s, g, dy), "Backward", "no ForwardTrain")
	noError(t, m.ForwardTrain(s, y, x, T))
	s.Reset()
	refused(t, "Backward after Reset", m.Backward(s, g, dy), "Backward", "no ForwardTrain")

	s0 := newState(t, m, 0)
	noError(t, m.ForwardTrain(s0, nil, nil, huge))
	noError(t, m.Backward(s0, g, nil))
	if len(g.Input) != 0 {
		t.Errorf("Backward(B=0): len(g.Input) = %%d, want 0", len(g.Input))
	}
	testBadTrainStep(t, m, x, huge)
}

`)
	} else {
		w.f("}\n\n")
	}
}
