package compiler

import (
	"fmt"
	"math/rand/v2"

	"github.com/snnc/snnc/backend/gogen"
	"github.com/snnc/snnc/backend/interp"
	"github.com/snnc/snnc/ir"
)

// DefaultGoldenMemory is the memory MakeGolden allows its interpreter
// run: 1 GiB.
const DefaultGoldenMemory = 1 << 30

// MakeGolden runs g in the float32 interpreter on a reproducible random
// input of T steps and B batch entries (each input value a spike with
// probability 0.3, else a uniform current in [0, 0.5), or 0 for an input
// declared as spikes), and with grads also
// backpropagates a random normal dy. It refuses a run that would take
// more than DefaultGoldenMemory.
func MakeGolden(g *ir.Graph, params map[string][]float64, T, B int, grads bool) (*gogen.Golden, error) {
	return MakeGoldenWithin(g, params, T, B, grads, DefaultGoldenMemory)
}

// MakeGoldenWithin is MakeGolden with a memory limit of maxBytes.
func MakeGoldenWithin(g *ir.Graph, params map[string][]float64, T, B int, grads bool, maxBytes int64) (*gogen.Golden, error) {
	if len(g.Outputs) != 1 {
		return nil, fmt.Errorf("compiler: graph %s has %d outputs, want 1", g.Name, len(g.Outputs))
	}
	if T < 1 || B < 1 {
		return nil, fmt.Errorf("compiler: golden of graph %s needs T ≥ 1 and B ≥ 1, not T=%d B=%d", g.Name, T, B)
	}
	if err := checkGoldenMemory(g, T, B, grads, maxBytes); err != nil {
		return nil, err
	}
	var in *ir.Node
	for _, n := range g.Nodes {
		if n.Op == ir.GInput {
			in = n
		}
	}
	if in == nil {
		return nil, fmt.Errorf("compiler: graph %s has no input", g.Name)
	}
	rng := rand.New(rand.NewPCG(uint64(T), uint64(B)))
	x := make([]float64, T*B*in.Type.Size())
	for i := range x {
		if rng.Float64() < 0.3 {
			x[i] = 1
		} else if !in.Spikes {
			x[i] = float64(float32(rng.Float64()) * 0.5)
		}
	}
	run := &interp.GraphRun{T: T, B: B, Inputs: map[string][]float64{in.Name: x}, Params: params, Precision: interp.Float32}
	out := g.Outputs[0]
	gd := &gogen.Golden{T: T, B: B}
	if !grads {
		res, err := interp.RunGraph(g, run)
		if err != nil {
			return nil, err
		}
		gd.Arrays = append([]gogen.GoldenArray{{Name: "x", Data: x}, {Name: "y", Data: res.Outputs[out.Name]}}, finalStates(g, res, T, B)...)
		return gd, nil
	}
	dy := make([]float64, T*B*out.Node.Type.Size())
	for i := range dy {
		dy[i] = float64(float32(rng.NormFloat64()))
	}
	res, gr, err := interp.GradGraph(g, run, map[string][]float64{out.Name: dy})
	if err != nil {
		return nil, err
	}
	gd.Arrays = []gogen.GoldenArray{{Name: "x", Data: x}, {Name: "y", Data: res.Outputs[out.Name]}, {Name: "dy", Data: dy}, {Name: "grad.input", Data: gr.Inputs[in.Name]}}
	gd.Arrays = append(gd.Arrays, finalStates(g, res, T, B)...)
	for _, n := range g.Nodes {
		if n.Op == ir.GParam {
			gd.Arrays = append(gd.Arrays, gogen.GoldenArray{Name: "grad." + n.Name, Data: gr.Params[n.Name]})
		}
	}
	return gd, nil
}

// finalStates are every neuron layer's states after the last step, as
// "state.LAYER.STATE" arrays of [B][N] values.
func finalStates(g *ir.Graph, res *interp.GraphResult, T, B int) []gogen.GoldenArray {
	var out []gogen.GoldenArray
	for _, n := range g.Nodes {
		if n.Op != ir.GNeuron && n.Op != ir.GRecurrent {
			continue
		}
		row := B * n.Type.Size()
		for _, st := range n.Step.States {
			traj := res.States[n][st.Name]
			out = append(out, gogen.GoldenArray{Name: "state." + n.Step.Name + "." + st.Name, Data: traj[(T-1)*row:]})
		}
	}
	return out
}

// goldenBytes estimates the memory of a golden run over T steps of B
// batch entries: every node's values and states as float64 (three times
// that with gradients: adjoints and saved states), plus the encoded file.
// It also returns the sequence node with the most values per step.
func goldenBytes(g *ir.Graph, T, B int, grads bool) (float64, *ir.Node) {
	perStep, fixed := 0.0, 0.0
	var largest *ir.Node
	for _, n := range g.Nodes {
		arrays := 1.0
		if n.Step != nil {
			arrays += float64(len(n.Step.States))
		}
		size := float64(n.Type.Size()) * arrays * 8
		switch n.Type.Kind {
		case ir.Sequence:
			perStep += float64(B) * size
			if largest == nil || n.Type.Size() > largest.Type.Size() {
				largest = n
			}
		case ir.Batch:
			fixed += float64(B) * size
		default:
			fixed += size
		}
	}
	total := perStep*float64(T) + fixed
	if grads {
		total *= 3
	}
	return total * 1.5, largest // the golden file and the run's temporaries
}

// checkGoldenMemory refuses a golden run that would take more than
// maxBytes, saying whether fewer steps would do or which layer is too
// large.
func checkGoldenMemory(g *ir.Graph, T, B int, grads bool, maxBytes int64) error {
	need, largest := goldenBytes(g, T, B, grads)
	if need <= float64(maxBytes) {
		return nil
	}
	if one, _ := goldenBytes(g, 1, B, grads); one <= float64(maxBytes) {
		steps := T
		for steps > 1 {
			if n, _ := goldenBytes(g, steps, B, grads); n <= float64(maxBytes) {
				break
			}
			steps /= 2
		}
		return fmt.Errorf("compiler: the golden run of graph %s over %d steps × %d batch entries needs about %.0f MB, more than the limit of %d MB: use fewer golden steps (at most about %d)",
			g.Name, T, B, need/1e6, maxBytes/1e6, steps)
	}
	what := "its parameters"
	if largest != nil {
		name := largest.Name
		if largest.Step != nil {
			name = largest.Step.Name
		}
		what = fmt.Sprintf("%v %s of shape %v (%d values per step and batch entry)", largest.Op, name, largest.Type.Shape, largest.Type.Size())
	}
	return fmt.Errorf("compiler: graph %s is too large for a golden run within %d MB, even of one step: %s", g.Name, maxBytes/1e6, what)
}
