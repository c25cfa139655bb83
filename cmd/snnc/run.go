package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/snnc/snnc/backend/interp"
	"github.com/snnc/snnc/functional"
	"github.com/snnc/snnc/internal/tensorio"
	"github.com/snnc/snnc/ir"
)

func cmdRun(args []string, stdout io.Writer) error {
	fs := newFlags("run", "run MODEL --input X.npy [--output Y.npy] [--record DIR] [--dt DT]", stdout)
	input := fs.String("input", "", "input sequence (.npy, float32 or float64, C order)")
	output := fs.String("output", "", "write the network's output sequence here (.npy)")
	record := fs.String("record", "", "write every layer's output and states as .npy files into this directory")
	dt := fs.Float64("dt", 0, "time step in seconds (default: the model file's)")
	target := fs.String("target", "", "emulate the model bit-accurately on a chip (see snnc map) instead of the interpreter")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"run needs one MODEL file"}
	}
	if *input == "" {
		return usageError{"run needs --input X.npy"}
	}
	m, b, err := loadGraph(pos[0], *dt)
	if err != nil {
		return err
	}
	x, T, B, err := readInput(*input, m.InputShape)
	if err != nil {
		return err
	}
	if *target != "" {
		return runOnTarget(stdout, m, b, *target, x, T, B)
	}
	res, err := interp.RunGraph(b.Graph, &interp.GraphRun{T: T, B: B, Inputs: map[string][]float64{"input": x}, Params: b.Params})
	if err != nil {
		return err
	}
	out := b.Graph.Outputs[0].Node
	fmt.Fprintf(stdout, "%s: %d time steps × %d batch, input %v, dt %g s\n", m.Name, T, B, m.InputShape, m.DT)
	summarize(stdout, b.Graph, res, T, B)
	if *output != "" {
		if err := tensorio.SaveFile(*output, seqTensor("output", res.Values[out], T, B, out.Type.Shape)); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s [%d][%d]%s\n", *output, T, B, dims(out.Type.Shape))
	}
	if *record != "" {
		n, err := writeRecord(*record, b.Graph, res, T, B)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "recorded %d arrays in %s\n", n, *record)
	}
	return nil
}

// readInput reads [T][B][shape...] or [T][shape...] (B = 1).
func readInput(path string, shape []int) ([]float64, int, int, error) {
	ts, err := tensorio.LoadFile(path)
	if err != nil {
		return nil, 0, 0, err
	}
	if len(ts) != 1 {
		return nil, 0, 0, fmt.Errorf("%s: holds %d arrays, want one input sequence", path, len(ts))
	}
	t := ts[0]
	feat := fmt.Sprint(shape)
	switch {
	case len(t.Shape) == len(shape)+2 && fmt.Sprint(t.Shape[2:]) == feat:
		return t.Data, t.Shape[0], t.Shape[1], nil
	case len(t.Shape) == len(shape)+1 && fmt.Sprint(t.Shape[1:]) == feat:
		return t.Data, t.Shape[0], 1, nil
	}
	return nil, 0, 0, fmt.Errorf("%s: shape %v does not fit the model's input: want [T][B]%s or [T]%s", path, t.Shape, dims(shape), dims(shape))
}

func dims(shape []int) string {
	s := make([]string, len(shape))
	for i, d := range shape {
		s[i] = fmt.Sprintf("[%d]", d)
	}
	return strings.Join(s, "")
}

func seqTensor(name string, data []float64, T, B int, shape []int) *tensorio.Tensor {
	return &tensorio.Tensor{Name: name, Shape: append([]int{T, B}, shape...), DType: tensorio.Float32, Data: data}
}

// summarize prints, for every neuron layer, its spike count and rate, and
// for the output the class each batch entry picks.
func summarize(w io.Writer, g *ir.Graph, res *interp.GraphResult, T, B int) {
	for _, n := range g.Nodes {
		if n.Op != ir.GNeuron && n.Op != ir.GRecurrent {
			continue
		}
		out := n.Step.Outputs[0].Name
		vals := res.Values[n]
		if out != "z" {
			fmt.Fprintf(w, "  %-12s %-8s output %s (not spikes)\n", n.Step.Name, dims(n.Type.Shape), out)
			continue
		}
		spikes := 0.0
		for _, v := range vals {
			spikes += v
		}
		rate := 0.0
		if len(vals) > 0 {
			rate = spikes / float64(len(vals))
		}
		fmt.Fprintf(w, "  %-12s %-8s %8.0f spikes, rate %.4f per neuron-step\n", n.Step.Name, dims(n.Type.Shape), spikes, rate)
	}
	out := g.Outputs[0].Node
	if out.Type.Kind != ir.Sequence || len(out.Type.Shape) != 1 {
		return
	}
	// Readout: spikes are counted, voltages taken at their maximum over time.
	k := out.Type.Shape[0]
	spiking := out.Op == ir.GNeuron && out.Step.Outputs[0].Name == "z"
	vals := res.Values[out]
	for b := 0; b < B; b++ {
		score := make([]float64, k)
		for c := range score {
			for t := 0; t < T; t++ {
				v := vals[(t*B+b)*k+c]
				if spiking {
					score[c] += v
				} else if t == 0 || v > score[c] {
					score[c] = v
				}
			}
		}
		best := 0
		for c := range score {
			if score[c] > score[best] {
				best = c
			}
		}
		how := "max voltage"
		if spiking {
			how = "spike count"
		}
		fmt.Fprintf(w, "  batch %d: class %d (%s %.4g)\n", b, best, how, score[best])
	}
}

// writeRecord writes every computed node's value, and every neuron layer's
// states, as .npy files named after the layer.
func writeRecord(dir string, g *ir.Graph, res *interp.GraphResult, T, B int) (int, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	count := 0
	save := func(name string, data []float64, shape []int) error {
		count++
		return tensorio.SaveFile(filepath.Join(dir, name+".npy"), seqTensor(name, data, T, B, shape))
	}
	for _, n := range g.Nodes {
		if n.Type.Kind != ir.Sequence || n.Op == ir.GInput {
			continue
		}
		name := fmt.Sprintf("%02d_%v", n.ID, n.Op)
		if n.Step != nil {
			name = fmt.Sprintf("%02d_%s", n.ID, n.Step.Name)
		}
		if err := save(name, res.Values[n], n.Type.Shape); err != nil {
			return count, err
		}
		states := res.States[n]
		keys := make([]string, 0, len(states))
		for k := range states {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if err := save(name+"."+k, states[k], n.Type.Shape); err != nil {
				return count, err
			}
		}
	}
	return count, nil
}

func cmdModels(args []string, stdout io.Writer) error {
	fs := newFlags("models", "models", stdout)
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	for _, name := range functional.ModelNames() {
		m, _ := functional.LookupModel(name)
		fmt.Fprintf(stdout, "%-22s %s\n", name, m.Summary)
	}
	return nil
}
