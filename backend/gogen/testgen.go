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
	"sync"
	"testing"
)

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

func TestForwardMatchesInterpreter(t *testing.T) {
	T, B, gold := golden(t)
	m := New()
	withEach(t, func(t *testing.T) {
		y := make([]float32, T*B*OutputSize)
		m.Forward(m.NewState(B), y, gold["x"], T)
		sameBits(t, "y", y, gold["y"])
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
	m := New()
	rng := rand.New(rand.NewPCG(1, 2))
	for _, B := range []int{1, 3} {
		const T = 7
		x := randomInput(rng, T*B*InputSize)
		want := make([]float32, T*B*OutputSize)
		m.Forward(m.NewState(B), want, x, T)
		s := m.NewState(B)
		got := make([]float32, T*B*OutputSize)
		for t := 0; t < T; t++ {
			m.Step(s, got[t*B*OutputSize:(t+1)*B*OutputSize], x[t*B*InputSize:(t+1)*B*InputSize])
		}
		sameBits(t, "stepped y", got, want)
	}
}

func TestImplementationsAgree(t *testing.T) {
	m := New()
	rng := rand.New(rand.NewPCG(3, 4))
	for _, B := range []int{1, 2, 5} {
		for _, T := range []int{0, 1, 9} {
			x := randomInput(rng, T*B*InputSize)
			want := make([]float32, T*B*OutputSize)
			SetImplementation("generic")
			m.Forward(m.NewState(B), want, x, T)
			withEach(t, func(t *testing.T) {
				y := make([]float32, T*B*OutputSize)
				m.Forward(m.NewState(B), y, x, T)
				sameBits(t, "y", y, want)
			})
		}
	}
}

func TestNoAllocations(t *testing.T) {
	m := New()
	const T, B = 5, 2
	x := randomInput(rand.New(rand.NewPCG(5, 6)), T*B*InputSize)
	y := make([]float32, T*B*OutputSize)
	s := m.NewState(B)
	if n := testing.AllocsPerRun(5, func() { m.Forward(s, y, x, T) }); n != 0 {
		t.Errorf("Forward allocates %%v times per call", n)
	}
	if n := testing.AllocsPerRun(5, func() { m.Step(s, y[:B*OutputSize], x[:B*InputSize]) }); n != 0 {
		t.Errorf("Step allocates %%v times per call", n)
	}
`)
	if gen.opt.Train {
		w.f(`	g := m.NewGrads()
	if n := testing.AllocsPerRun(5, func() {
		m.ForwardTrain(s, y, x, T)
		m.Backward(s, g, y)
	}); n != 0 {
		t.Errorf("ForwardTrain and Backward allocate %%v times per call", n)
	}
`)
	}
	w.f("}\n\n")
	w.f(`// BenchmarkForward times Forward over T = 32 steps of B = 8 batch entries
// with every implementation the CPU runs.
func BenchmarkForward(b *testing.B) {
	m := New()
	const T, B = 32, 8
	x := randomInput(rand.New(rand.NewPCG(7, 8)), T*B*InputSize)
	y := make([]float32, T*B*OutputSize)
	s := m.NewState(B)
	defer SetImplementation(Implementation())
	for _, impl := range Implementations() {
		SetImplementation(impl)
		b.Run("impl="+impl, func(b *testing.B) {
			b.SetBytes(int64(4 * len(x)))
			for b.Loop() {
				s.Reset()
				m.Forward(s, y, x, T)
			}
		})
	}
}

`)
	w.f(`// BenchmarkForwardGoroutines runs one large batch (T = 32, B = 256) split
// between 1 or 2 goroutines, each with its own State and part of the
// batch, sharing the Model.
func BenchmarkForwardGoroutines(b *testing.B) {
	m := New()
	const T, B = 32, 256
	rng := rand.New(rand.NewPCG(9, 10))
	for _, g := range []int{1, 2} {
		per := B / g
		xs, ys, ss := make([][]float32, g), make([][]float32, g), make([]*State, g)
		for i := range g {
			xs[i] = randomInput(rng, T*per*InputSize)
			ys[i] = make([]float32, T*per*OutputSize)
			ss[i] = m.NewState(per)
		}
		b.Run(fmt.Sprintf("goroutines=%%d", g), func(b *testing.B) {
			b.SetBytes(int64(4 * T * B * InputSize))
			for b.Loop() {
				var wg sync.WaitGroup
				for i := range g {
					wg.Go(func() {
						ss[i].Reset()
						m.Forward(ss[i], ys[i], xs[i], T)
					})
				}
				wg.Wait()
			}
		})
	}
}

`)
	if !gen.opt.Train {
		return w.String()
	}
	w.f("// gradTolerance: max |got − want| ≤ gradTolerance · max |want| per array.\nconst gradTolerance = %g\n\n", gradTolerance)
	w.f("func gradArrays(g *Grads) map[string][]float32 {\n\treturn map[string][]float32{\n\t\t\"grad.input\": g.Input,\n")
	for _, p := range gen.params {
		w.f("\t\t%q: g.%s,\n", "grad."+p.Name, exported(gen.field[p]))
	}
	w.f("\t}\n}\n\n")
	w.f(`func TestGradientsMatchInterpreter(t *testing.T) {
	T, B, gold := golden(t)
	m := New()
	withEach(t, func(t *testing.T) {
		s := m.NewState(B)
		y := make([]float32, T*B*OutputSize)
		m.ForwardTrain(s, y, gold["x"], T)
		sameBits(t, "y", y, gold["y"])
		g := m.NewGrads()
		m.Backward(s, g, gold["dy"])
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
