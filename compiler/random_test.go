package compiler

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/snnc/snnc/functional"
	"github.com/snnc/snnc/module"
	"github.com/snnc/snnc/passes"
)

// TestRandomNetworks is a differential test of the whole compiler: it
// draws random networks (linear, recurrent, delay, scale, conv2d and
// pooling layers; widths 1, 7, 17 and 33; every registered model with one
// input; 1 to 20 time steps, 1 to 5 batch entries; training on and off;
// random sets of disabled passes), compiles each into a package and runs
// the package's own tests, which compare it with the float32 interpreter:
// forward outputs and states bit for bit, gradients within the packages'
// tolerance, streaming against whole sequences.
//
// SNNC_RANDOM_NETWORKS sets how many networks (default 16) and
// SNNC_RANDOM_SEED the first seed (default 1); network k uses seed+k, so a
// failure names the seed that reproduces it alone:
//
//	SNNC_RANDOM_SEED=1234 SNNC_RANDOM_NETWORKS=1 go test ./compiler -run RandomNetworks -v
//
// docs/testing.md describes a long campaign.
func TestRandomNetworks(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles and tests a Go package per network")
	}
	count, seed := envInt(t, "SNNC_RANDOM_NETWORKS", 16), envInt(t, "SNNC_RANDOM_SEED", 1)
	var models []testModel
	rejected := 0
	for k := range count {
		m, desc, nrej := randomNetwork(t, uint64(seed+k))
		rejected += nrej
		t.Logf("seed %d: %s", seed+k, desc)
		models = append(models, m)
	}
	t.Logf("%d networks; the pipeline rejected %d random pass sets on the way", count, rejected)
	compileAndTest(t, models)
}

func envInt(t *testing.T, name string, def int) int {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < 0 {
		t.Fatalf("%s=%q: want a number ≥ 0", name, s)
	}
	return v
}

// singleInputModels lists the registered models whose step takes one
// input, the ones a sequence layer can feed.
func singleInputModels(t *testing.T) []string {
	var names []string
	for _, name := range functional.ModelNames() {
		m, err := functional.LookupModel(name)
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Build(m.Params(), 1e-3).Inputs) == 1 {
			names = append(names, name)
		}
	}
	return names
}

// randomNetwork draws one network from seed. It returns the model, a one
// line description and how many pass sets the pipeline rejected before one
// was accepted (each rejection is checked to be passes.ErrPassSet).
func randomNetwork(t *testing.T, seed uint64) (testModel, string, int) {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	widths := []int{1, 7, 17, 33}
	models := singleInputModels(t)
	pick := func(xs []int) int { return xs[rng.IntN(len(xs))] }
	normal := func(n int, scale float64) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = rng.NormFloat64() * scale
		}
		return v
	}
	var desc []string
	var net module.Sequential
	layer := 0
	name := func() string { layer++; return fmt.Sprintf("l%d", layer) }
	neuron := func() {
		model := models[rng.IntN(len(models))]
		net = append(net, &module.Neuron{Name: name(), Model: model})
		desc = append(desc, model)
	}

	var input []int
	size := 0 // features of a vector, or 0 while the value is an image
	if rng.IntN(3) == 0 {
		// conv2d → neuron → (pool) → flatten
		c, h, w := 1+rng.IntN(2), pick(widths[1:]), pick(widths[1:3])
		input = []int{c, h, w}
		oc, k, stride, pad := 1+rng.IntN(3), 1+rng.IntN(3), 1+rng.IntN(2), rng.IntN(2)
		conv := &module.Conv2d{Name: name(), In: c, Out: oc, Kernel: [2]int{k, k}, Stride: [2]int{stride, stride}, Padding: [2]int{pad, pad},
			Weight: normal(oc*c*k*k, 3/math.Sqrt(float64(c*k*k)))}
		if rng.IntN(2) == 0 {
			conv.Bias = normal(oc, 0.5)
		}
		net = append(net, conv)
		h, w = (h+2*pad-k)/stride+1, (w+2*pad-k)/stride+1
		desc = append(desc, fmt.Sprintf("conv2d %d→%d k%d s%d p%d", c, oc, k, stride, pad))
		neuron()
		if h >= 2 && w >= 2 && rng.IntN(2) == 0 {
			if rng.IntN(2) == 0 {
				net = append(net, &module.SumPool2d{Kernel: [2]int{2, 2}})
				desc = append(desc, "sum_pool2d")
			} else {
				net = append(net, &module.AvgPool2d{Kernel: [2]int{2, 2}})
				desc = append(desc, "avg_pool2d")
			}
			h, w = h/2, w/2
		}
		net = append(net, module.Flatten{})
		size = oc * h * w
	} else {
		size = pick(widths)
		input = []int{size}
	}
	for blocks := 1 + rng.IntN(3); blocks > 0; blocks-- {
		switch rng.IntN(5) {
		case 0, 1: // linear → neuron
			out := pick(widths)
			lin := &module.Linear{Name: name(), In: size, Out: out, Weight: normal(out*size, 3/math.Sqrt(float64(size)))}
			if rng.IntN(2) == 0 {
				lin.Bias = normal(out, 0.5)
			}
			net = append(net, lin)
			desc = append(desc, fmt.Sprintf("linear %d→%d", size, out))
			size = out
			neuron()
		case 2: // recurrent
			out := pick(widths)
			model := models[rng.IntN(len(models))]
			net = append(net, &module.Recurrent{Neuron: module.Neuron{Name: name(), Model: model}, In: size, Hidden: out,
				InputWeights: normal(out*size, 3/math.Sqrt(float64(size))), RecurrentWeights: normal(out*out, 1/math.Sqrt(float64(out)))})
			desc = append(desc, fmt.Sprintf("recurrent %s %d→%d", model, size, out))
			size = out
		case 3:
			d := rng.IntN(4)
			net = append(net, &module.Delay{Steps: d})
			desc = append(desc, fmt.Sprintf("delay %d", d))
		case 4:
			n := 1
			if rng.IntN(2) == 0 {
				n = size
			}
			net = append(net, &module.Scale{Name: name(), Factor: normal(n, 1)})
			desc = append(desc, fmt.Sprintf("scale [%d]", n))
		}
	}
	// Spike inputs and encoders, from their own generator so that the
	// networks drawn above stay those of earlier versions: a Poisson
	// encoder in front, or the input declared as spikes (the golden input
	// is then 0 or 1).
	var opt module.Options
	switch enc := rand.New(rand.NewPCG(seed, 0xe4c0de)); enc.IntN(4) {
	case 0:
		p := &module.PoissonEncoder{FMax: float64(100 * (1 + enc.IntN(10))), Seed: enc.Uint64()}
		net = append(module.Sequential{p}, net...)
		desc = append([]string{fmt.Sprintf("poisson f_max=%g seed=%d", p.FMax, p.Seed)}, desc...)
	case 1:
		opt.InputSpikes = true
		desc = append([]string{"input spikes"}, desc...)
	}
	b, err := module.BuildWith(fmt.Sprintf("rnd%d", seed), net, opt, input...)
	if err != nil {
		t.Fatalf("seed %d: %s: %v", seed, strings.Join(desc, " → "), err)
	}

	m := testModel{name: b.Graph.Name, g: b.Graph, params: b.Params, T: 1 + rng.IntN(20), B: 1 + rng.IntN(5), infer: rng.IntN(3) == 0}
	var optional []string
	for _, p := range passes.Pipeline {
		if p.Optional {
			optional = append(optional, p.Name)
		}
	}
	rejected := 0
	for {
		var off []string
		if m.infer {
			off = append(off, "autodiff", "fuse-surrogate-backward") // as compile without --train
		}
		for _, p := range optional {
			if rng.IntN(4) == 0 && !slices.Contains(off, p) {
				off = append(off, p)
			}
		}
		_, err := passOptions(!m.infer, off)
		if err == nil {
			m.disable = off
			break
		}
		if !errors.Is(err, passes.ErrPassSet) {
			t.Fatalf("seed %d: pass set %v: %v is not ErrPassSet", seed, off, err)
		}
		rejected++
	}
	mode := "train"
	if m.infer {
		mode = "infer"
	}
	return m, fmt.Sprintf("%v → %s; T=%d B=%d %s; off: %s", input, strings.Join(desc, " → "), m.T, m.B, mode, strings.Join(m.disable, ",")), rejected
}
