package lifc

import (
	"bytes"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/snnc/snnc/backend/interp"
	"github.com/snnc/snnc/bench/lifc/snnclif"
	"github.com/snnc/snnc/ir"
	"github.com/snnc/snnc/module"
)

// modelFile is the model snnclif is compiled from; the tests build it for
// other widths N too.
const modelFile = "../models/lif1024.snn.json"

// kernels are the clang kernels under test, by name.
var kernels = []struct {
	name string
	f    func(T, B, N int, x, z, v, i []float32)
}{{"Forward", Forward}, {"ForwardTiled", ForwardTiled}}

// input returns a reproducible [n] input: currents in [-0.5, 1.5), with
// exact zeros and ones mixed in, so that neurons both spike and stay
// silent, voltages cross the threshold from both sides and the negative
// and zero cases of every op occur.
func input(n int, seed uint64) []float32 {
	rng := rand.New(rand.NewPCG(seed, uint64(n)))
	x := make([]float32, n)
	for k := range x {
		switch r := rng.Float64(); {
		case r < 0.1:
			x[k] = 0
		case r < 0.2:
			x[k] = 1
		default:
			x[k] = float32(rng.Float64()*2 - 0.5)
		}
	}
	return x
}

func to64(x []float32) []float64 {
	y := make([]float64, len(x))
	for k, v := range x {
		y[k] = float64(v)
	}
	return y
}

// sameBits fails t unless got and want hold the same float32 bits (want is
// a float32 value widened to float64, as the interpreter returns it).
func sameBits(t *testing.T, what string, got []float32, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for k := range got {
		if math.Float32bits(got[k]) != math.Float32bits(float32(want[k])) {
			t.Fatalf("%s[%d] = %v (%#08x), want %v (%#08x)", what, k,
				got[k], math.Float32bits(got[k]), float32(want[k]), math.Float32bits(float32(want[k])))
		}
	}
}

// interpLIF runs the model file's network with N neurons in the float32
// interpreter (the oracle every compiled package is bit-exact with) from
// the states v0, i0 ([B][N]) and returns the spikes [T][B][N] and the
// final states.
func interpLIF(t *testing.T, T, B, N int, x, v0, i0 []float32) (z, v, i []float64) {
	t.Helper()
	m, err := module.Load(modelFile, 0)
	if err != nil {
		t.Fatal(err)
	}
	b, err := module.Build(m.Name, m.Net, N)
	if err != nil {
		t.Fatal(err)
	}
	var neuron *ir.Node
	for _, n := range b.Graph.Nodes {
		if n.Op == ir.GNeuron {
			neuron = n
		}
	}
	if neuron == nil {
		t.Fatalf("%s has no neuron layer", modelFile)
	}
	res, err := interp.RunGraph(b.Graph, &interp.GraphRun{
		T: T, B: B,
		Inputs:    map[string][]float64{"input": to64(x)},
		Params:    b.Params,
		Init:      map[*ir.Node]map[string][]float64{neuron: {"v": to64(v0), "i": to64(i0)}},
		Precision: interp.Float32,
	})
	if err != nil {
		t.Fatal(err)
	}
	final := res.FinalStates()[neuron]
	return res.Outputs["output"], final["v"], final["i"]
}

// TestForwardMatchesInterpreter checks the clang kernels against the
// float32 interpreter, bit for bit, for widths around the vector width (8)
// and the lane tile (256), from non-zero states, with the sequence fed in
// two calls so that the states carry over.
func TestForwardMatchesInterpreter(t *testing.T) {
	if !Available {
		t.Skip("no AVX2 and FMA")
	}
	for _, N := range []int{1, 7, 8, 9, 31, 255, 256, 257, 1000, 1024, 1031} {
		for _, tb := range [][2]int{{1, 1}, {13, 3}, {40, 2}} {
			T, B := tb[0], tb[1]
			x := input(T*B*N, 1)
			v0, i0 := input(B*N, 2), input(B*N, 3)
			wantZ, wantV, wantI := interpLIF(t, T, B, N, x, v0, i0)
			for _, k := range kernels {
				z := make([]float32, T*B*N)
				v, i := append([]float32(nil), v0...), append([]float32(nil), i0...)
				T1 := T / 2
				k.f(T1, B, N, x[:T1*B*N], z[:T1*B*N], v, i)
				k.f(T-T1, B, N, x[T1*B*N:], z[T1*B*N:], v, i)
				what := fmt.Sprintf("%s N=%d T=%d B=%d: ", k.name, N, T, B)
				sameBits(t, what+"z", z, wantZ)
				sameBits(t, what+"v", v, wantV)
				sameBits(t, what+"i", i, wantI)
				if T*B*N >= 1000 {
					spikes := 0
					for _, s := range z {
						spikes += int(s)
					}
					if spikes == 0 || spikes == len(z) {
						t.Errorf("%s%d spikes of %d: the input exercises only one branch", what, spikes, len(z))
					}
				}
			}
		}
	}
}

// TestForwardMatchesSnnclif checks the clang kernels against every
// implementation of the compiled package this CPU runs (generic, avx2,
// avx512), bit for bit, over three calls that continue one sequence.
func TestForwardMatchesSnnclif(t *testing.T) {
	if !Available {
		t.Skip("no AVX2 and FMA")
	}
	defer snnclif.SetImplementation(snnclif.Implementation())
	const N = snnclif.InputSize
	m, err := snnclif.New()
	if err != nil {
		t.Fatal(err)
	}
	for _, tb := range [][2]int{{1, 1}, {5, 3}, {100, 4}} {
		T, B := tb[0], tb[1]
		x := input(3*T*B*N, 4)
		chunk := func(y []float32, c int) []float32 { return y[c*T*B*N : (c+1)*T*B*N] }
		for _, k := range kernels {
			want := make([]float32, len(x))
			v, i := make([]float32, B*N), make([]float32, B*N)
			for c := 0; c < 3; c++ {
				k.f(T, B, N, chunk(x, c), chunk(want, c), v, i)
			}
			for _, impl := range snnclif.Implementations() {
				if err := snnclif.SetImplementation(impl); err != nil {
					t.Fatal(err)
				}
				s, err := m.NewState(B)
				if err != nil {
					t.Fatal(err)
				}
				got := make([]float32, len(x))
				for c := 0; c < 3; c++ {
					if err := m.Forward(s, chunk(got, c), chunk(x, c), T); err != nil {
						t.Fatal(err)
					}
				}
				for n := range got {
					if math.Float32bits(got[n]) != math.Float32bits(want[n]) {
						t.Fatalf("T=%d B=%d: snnclif %s y[%d] = %v, clang %s %v", T, B, impl, n, got[n], k.name, want[n])
					}
				}
			}
		}
	}
}

// TestForwardChecksLengths checks that the kernels panic on slices of the
// wrong length instead of running past their ends.
func TestForwardChecksLengths(t *testing.T) {
	for _, k := range kernels {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s with a short z did not panic", k.name)
				}
			}()
			k.f(2, 1, 8, make([]float32, 16), make([]float32, 15), make([]float32, 8), make([]float32, 8))
		}()
	}
}

// TestSnnclifUpToDate compiles the model again and compares the result
// with the committed snnclif, so that the benchmarks time the kernels
// snnc emits today; `go generate ./bench/lifc` rewrites the package.
func TestSnnclifUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles the model (-short)")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	dir := filepath.Join(t.TempDir(), "snnclif")
	cmd := exec.Command(gobin, "run", "../../cmd/snnc", "compile", modelFile, "-o", dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("snnc compile: %v\n%s", err, out)
	}
	files := map[string]bool{} // in either directory
	for _, d := range []string{dir, "snnclif"} {
		err := filepath.WalkDir(d, func(path string, e os.DirEntry, err error) error {
			if err == nil && !e.IsDir() {
				rel, _ := filepath.Rel(d, path)
				files[rel] = true
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range slices.Sorted(maps.Keys(files)) {
		want, err1 := os.ReadFile(filepath.Join(dir, f))
		got, err2 := os.ReadFile(filepath.Join("snnclif", f))
		if err1 != nil || err2 != nil || !bytes.Equal(got, want) {
			t.Errorf("bench/lifc/snnclif/%s differs from what snnc compile writes now; run go generate ./bench/lifc", f)
		}
	}
}
