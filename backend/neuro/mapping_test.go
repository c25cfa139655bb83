package neuro

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/snnc/snnc/module"
)

// signNet is a chain of dense layers whose weights are ±1/in (no weight
// rounds to zero, so synapse counts are exact), LIF hidden layers and an
// LI readout.
func signNet(t *testing.T, sizes ...int) *Net {
	t.Helper()
	rng := rand.New(rand.NewPCG(uint64(len(sizes)), uint64(sizes[0])))
	var seq module.Sequential
	for k := 0; k+1 < len(sizes); k++ {
		in, out := sizes[k], sizes[k+1]
		w := make([]float64, in*out)
		for i := range w {
			w[i] = 4 / float64(in)
			if rng.IntN(2) == 0 {
				w[i] = -w[i]
			}
		}
		name := string(rune('a' + k))
		seq = append(seq, &module.Linear{Name: "fc_" + name, In: in, Out: out, Weight: w})
		model := "lif"
		if k+2 == len(sizes) {
			model = "li"
		}
		seq = append(seq, &module.Neuron{Name: "layer_" + name, Model: model, DT: 1e-3})
	}
	b, err := module.Build("sign", seq, sizes[0])
	if err != nil {
		t.Fatal(err)
	}
	net, err := ExtractNet(b.Graph, b.Params, 1e-3)
	if err != nil {
		t.Fatal(err)
	}
	return net
}

func with(t *testing.T, name string, edit func(*Target)) *Target {
	t.Helper()
	tg := *mustTarget(t, name)
	edit(&tg)
	return &tg
}

func p64(v int64) *int64 { return &v }
func pint(v int) *int    { return &v }

// TestMappingLimitEdges compiles networks that fit a limit exactly and
// one unit over it.
func TestMappingLimitEdges(t *testing.T) {
	loihi := func(edit func(*Target)) *Target { return with(t, "loihi2", edit) }
	for _, tc := range []struct {
		name      string
		net       *Net
		target    *Target
		limit     string // "" when it must fit
		wantCores int
	}{
		{"neurons per core exact", signNet(t, 4, 64, 2), loihi(func(tg *Target) { tg.Core.Neurons = p64(64) }), "", 2},
		{"neurons per core one over splits", signNet(t, 4, 65, 2), loihi(func(tg *Target) { tg.Core.Neurons = p64(64) }), "", 3},
		{"cores exact", signNet(t, 4, 64, 2), loihi(func(tg *Target) { tg.Core.Neurons = p64(64); tg.Topology.Cores = pint(2) }), "", 2},
		{"cores one over", signNet(t, 4, 65, 2), loihi(func(tg *Target) { tg.Core.Neurons = p64(64); tg.Topology.Cores = pint(2) }), "topology.cores", 0},
		{"input axons exact", signNet(t, 4096, 2, 2), mustTarget(t, "loihi2"), "", 2},
		{"input axons one over", signNet(t, 4097, 2, 2), mustTarget(t, "loihi2"), "core.input_axons", 0},
		// Each axon's list takes roundup64(10 + n·8) bits: layer_a 4 axons ×
		// 64 = 256, layer_b 6 axons × 64 = 384, even for a single neuron.
		{"synapse memory exact", signNet(t, 4, 6, 2), loihi(func(tg *Target) { tg.Core.SynapseMemBits = p64(384) }), "", 2},
		{"synapse memory one over", signNet(t, 4, 6, 2), loihi(func(tg *Target) { tg.Core.SynapseMemBits = p64(383) }), "core.synapse_mem_bits", 0},
		// 10 neurons routing to the next layer's single core: 10 output axons.
		{"output axons exact", signNet(t, 4, 10, 2), loihi(func(tg *Target) { tg.Core.OutputAxons = p64(10) }), "", 2},
		{"output axons one over", signNet(t, 4, 10, 2), loihi(func(tg *Target) { tg.Core.OutputAxons = p64(9) }), "core.output_axons", 0},
		{"xylo inputs exact", signNet(t, 16, 8, 2), mustTarget(t, "xylo-audio2"), "", 1},
		{"xylo inputs one over", signNet(t, 17, 8, 2), mustTarget(t, "xylo-audio2"), "topology.max_inputs", 0},
		{"xylo outputs exact", signNet(t, 4, 8, 8), mustTarget(t, "xylo-audio2"), "", 1},
		{"xylo outputs one over", signNet(t, 4, 8, 9), mustTarget(t, "xylo-audio2"), "topology.max_outputs", 0},
		{"xylo hidden exact", signNet(t, 4, 1000, 2), mustTarget(t, "xylo-audio2"), "", 1},
		{"xylo hidden one over", signNet(t, 4, 1001, 2), mustTarget(t, "xylo-audio2"), "core.neurons", 0},
		{"xylo fan-out exact", signNet(t, 4, 8, 64, 2), mustTarget(t, "xylo-audio2"), "", 1},
		{"xylo fan-out one over", signNet(t, 4, 8, 65, 2), mustTarget(t, "xylo-audio2"), "core.max_fanout", 0},
		{"xylo synapses exact", signNet(t, 4, 10, 20, 2), with(t, "xylo-audio2", func(tg *Target) { tg.Core.SynapsesTotal = p64(200) }), "", 1},
		{"xylo synapses one over", signNet(t, 4, 10, 20, 2), with(t, "xylo-audio2", func(tg *Target) { tg.Core.SynapsesTotal = p64(199) }), "core.synapses_total", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Compile(tc.net, tc.target)
			if tc.limit == "" {
				if err != nil {
					t.Fatal(err)
				}
				if len(p.Mapping.Cores) != tc.wantCores {
					t.Fatalf("%d cores, want %d", len(p.Mapping.Cores), tc.wantCores)
				}
				return
			}
			var le *LimitError
			if !errors.As(err, &le) {
				t.Fatalf("want a LimitError naming %s, got %v", tc.limit, err)
			}
			if le.Limit != tc.limit || le.Need <= le.Have {
				t.Fatalf("%v (limit %s, need %d, have %d)", err, le.Limit, le.Need, le.Have)
			}
		})
	}
}
