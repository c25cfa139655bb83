package module_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/snnc/snnc/backend/interp"
	"github.com/snnc/snnc/internal/tensorio"
	"github.com/snnc/snnc/module"
)

var update = flag.Bool("update", false, "rewrite the testdata models and inputs")

const testdata = "../testdata"

// f32 draws n values from gen, rounded to float32 as the weight files
// store them, so a model written and read back is identical.
func f32(n int, gen func() float64) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = float64(float32(gen()))
	}
	return x
}

// poisson encodes rates in [0,1] as spikes with probability rate·pmax per
// step: [T][B][len(rates)].
func poisson(rng *rand.Rand, T, B int, rates []float64, pmax float64) []float64 {
	out := make([]float64, 0, T*B*len(rates))
	for t := 0; t < T; t++ {
		for b := 0; b < B; b++ {
			for _, r := range rates {
				if rng.Float64() < r*pmax {
					out = append(out, 1)
				} else {
					out = append(out, 0)
				}
			}
		}
	}
	return out
}

// digit draws a 28×28 "7": a bar on top and a diagonal stroke.
func digit() []float64 {
	img := make([]float64, 784)
	for x := 6; x < 22; x++ {
		img[6*28+x], img[7*28+x] = 1, 1
	}
	for y := 8; y < 24; y++ {
		x := 21 - (y-8)*10/16
		img[y*28+x], img[y*28+x-1] = 1, 0.7
	}
	return img
}

type testModel struct {
	name   string
	dt     float64
	shape  []int
	layers []module.LayerSpec
	w      map[string][]float64
	input  []float64
	T, B   int
	spikes bool // the input is declared as spikes
}

func raw(s string) json.RawMessage { return json.RawMessage(s) }

func testModels() []testModel {
	rng := rand.New(rand.NewPCG(2026, 11))
	norm := func(mean, std float64) func() float64 {
		return func() float64 { return mean + std*rng.NormFloat64() }
	}
	mnist := testModel{
		name: "mnist_lif", dt: 1e-3, shape: []int{784}, T: 100, B: 1,
		layers: []module.LayerSpec{
			{Type: "linear", Name: "fc1", In: 784, Out: 256, Bias: true},
			{Type: "neuron", Name: "lif1", Model: "lif"},
			{Type: "linear", Name: "fc2", In: 256, Out: 10, Bias: true},
			{Type: "neuron", Name: "readout", Model: "li"},
		},
		w: map[string][]float64{
			"fc1.weight": f32(256*784, norm(0.015, 0.06)), "fc1.bias": f32(256, norm(0, 0.01)),
			"fc2.weight": f32(10*256, norm(0, 0.3)), "fc2.bias": f32(10, norm(0, 0.01)),
		},
	}
	mnist.input = poisson(rng, mnist.T, mnist.B, digit(), 0.2)

	lsnn := testModel{
		name: "lsnn_recurrent", dt: 1e-3, shape: []int{40}, T: 100, B: 2,
		layers: []module.LayerSpec{
			{Type: "recurrent", Name: "lsnn", Model: "lsnn_recurrent", In: 40, Hidden: 64, Params: raw(`{"tau_adapt_inv": 0.05, "beta": 0.2}`)},
			{Type: "linear", Name: "out", In: 64, Out: 4},
			{Type: "neuron", Name: "readout", Model: "li"},
		},
		w: map[string][]float64{
			"lsnn.input_weights":     f32(64*40, norm(0.05, 0.15)),
			"lsnn.recurrent_weights": f32(64*64, norm(0, 0.05)),
			"out.weight":             f32(4*64, norm(0, 0.3)),
		},
	}
	rates := make([]float64, 40)
	for i := range rates {
		rates[i] = 0.5 + 0.5*math.Sin(float64(i)/4)
	}
	lsnn.input = poisson(rng, lsnn.T, lsnn.B, rates, 0.3)

	conv := testModel{
		name: "conv_iaf", dt: 1e-3, shape: []int{1, 12, 12}, T: 20, B: 2,
		layers: []module.LayerSpec{
			{Type: "conv2d", Name: "conv1", In: 1, Out: 4, Kernel: []int{3}, Bias: true},
			{Type: "neuron", Name: "iaf1", Model: "iaf"},
			{Type: "sum_pool2d", Kernel: []int{2}},
			{Type: "flatten"},
			{Type: "linear", Name: "fc", In: 100, Out: 10, Bias: true},
			{Type: "neuron", Name: "lif_out", Model: "lif"},
		},
		w: map[string][]float64{
			"conv1.weight": f32(4*9, norm(0.15, 0.2)), "conv1.bias": f32(4, norm(0, 0.02)),
			"fc.weight": f32(10*100, norm(0.01, 0.1)), "fc.bias": f32(10, norm(0, 0.02)),
		},
	}
	img := make([]float64, 144)
	for i := range img {
		y, x := i/12, i%12
		if x == 3 || x == 8 || y == 6 {
			img[i] = 1
		}
	}
	conv.input = poisson(rng, conv.T, conv.B, img, 0.5)
	// mnist_lif with its input declared as spikes: the same weights and
	// input, and the first product event-driven.
	mnistSpikes := mnist
	mnistSpikes.name, mnistSpikes.spikes = "mnist_lif_spikes", true
	return []testModel{mnist, lsnn, conv, mnistSpikes, mnistRecurrent(), mnistConv()}
}

// mnistRecurrent is a recurrent LIF classifier of MNIST spikes: 784 inputs,
// 128 recurrently connected LIF neurons, a linear readout into 10 leaky
// integrators. Its own generator keeps the other models' weights fixed.
func mnistRecurrent() testModel {
	rng := rand.New(rand.NewPCG(2026, 12))
	norm := func(mean, std float64) func() float64 {
		return func() float64 { return mean + std*rng.NormFloat64() }
	}
	m := testModel{
		name: "mnist_rlif_spikes", dt: 1e-3, shape: []int{784}, T: 100, B: 1, spikes: true,
		layers: []module.LayerSpec{
			{Type: "recurrent", Name: "rlif", Model: "lif_recurrent", In: 784, Hidden: 128},
			{Type: "linear", Name: "fc", In: 128, Out: 10, Bias: true},
			{Type: "neuron", Name: "readout", Model: "li"},
		},
		w: map[string][]float64{
			"rlif.input_weights":     f32(128*784, norm(0.005, 0.04)),
			"rlif.recurrent_weights": f32(128*128, norm(0, 0.05)),
			"fc.weight":              f32(10*128, norm(0, 0.1)),
			"fc.bias":                f32(10, norm(0, 0.01)),
		},
	}
	m.input = poisson(rng, m.T, m.B, digit(), 0.2)
	return m
}

// mnistConv is a convolutional classifier of MNIST spikes: a 5×5
// convolution of stride 2 into 8 channels of LIF neurons ([8 12 12]), 2×2
// sum pooling ([8 6 6]), and a linear readout into 10 leaky integrators.
func mnistConv() testModel {
	rng := rand.New(rand.NewPCG(2026, 13))
	norm := func(mean, std float64) func() float64 {
		return func() float64 { return mean + std*rng.NormFloat64() }
	}
	m := testModel{
		name: "mnist_conv_spikes", dt: 1e-3, shape: []int{1, 28, 28}, T: 100, B: 1, spikes: true,
		layers: []module.LayerSpec{
			{Type: "conv2d", Name: "conv1", In: 1, Out: 8, Kernel: []int{5}, Stride: []int{2}, Bias: true},
			{Type: "neuron", Name: "lif1", Model: "lif"},
			{Type: "sum_pool2d", Kernel: []int{2}},
			{Type: "flatten"},
			{Type: "linear", Name: "fc", In: 8 * 36, Out: 10, Bias: true},
			{Type: "neuron", Name: "readout", Model: "li"},
		},
		w: map[string][]float64{
			"conv1.weight": f32(8*25, norm(0.05, 0.2)), "conv1.bias": f32(8, norm(0, 0.01)),
			"fc.weight": f32(10*8*36, norm(0, 0.03)), "fc.bias": f32(10, norm(0, 0.01)),
		},
	}
	m.input = poisson(rng, m.T, m.B, digit(), 0.2)
	return m
}

// TestTestdataModels checks that the shipped models load, run, and equal
// the models the generator builds; with -update it rewrites them.
func TestTestdataModels(t *testing.T) {
	for _, tm := range testModels() {
		t.Run(tm.name, func(t *testing.T) {
			m, err := module.New(tm.name, tm.dt, tm.shape, tm.layers, tm.w)
			require.NoError(t, err)
			m.InputSpikes = tm.spikes
			path := filepath.Join(testdata, "models", tm.name+".snn.json")
			inPath := filepath.Join(testdata, "inputs", tm.name+".npy")
			if *update {
				require.NoError(t, module.Save(path, m))
				require.NoError(t, tensorio.SaveFile(inPath, &tensorio.Tensor{Name: "input", Shape: append([]int{tm.T, tm.B}, tm.shape...), DType: tensorio.Float32, Data: tm.input}))
			}
			loaded, err := module.Load(path, 0)
			require.NoError(t, err)
			ins, err := tensorio.LoadFile(inPath)
			require.NoError(t, err)
			require.Equal(t, tm.input, ins[0].Data, "the shipped input is the generator's")

			want := runModel(t, m, tm.input, tm.T, tm.B)
			got := runModel(t, loaded, tm.input, tm.T, tm.B)
			require.Equal(t, want, got, "module → file → module changed the outputs")
			require.Equal(t, tm.spikes, loaded.InputSpikes, "input declared as spikes")
			for layer, spikes := range got {
				if spikes[0] == "z" {
					require.False(t, strings.HasPrefix(spikes[1], "0 "), "layer %d never spikes", layer)
				}
			}
		})
	}
}

// runModel runs m and returns, per graph node in order, its first step
// output's name (for neuron layers) and a digest of its values.
func runModel(t *testing.T, m *module.Model, x []float64, T, B int) [][2]string {
	t.Helper()
	b, err := m.Build()
	require.NoError(t, err)
	res, err := interp.RunGraph(b.Graph, &interp.GraphRun{T: T, B: B, Inputs: map[string][]float64{"input": x}, Params: b.Params})
	require.NoError(t, err)
	var out [][2]string
	for _, n := range b.Graph.Nodes {
		kind := ""
		if n.Step != nil {
			kind = n.Step.Outputs[0].Name
		}
		sum := 0.0
		for _, v := range res.Values[n] {
			sum += v
		}
		out = append(out, [2]string{kind, fmt.Sprintf("%v %x", sum, res.Values[n])})
	}
	return out
}
