package neuro

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/snnc/snnc/ir"
)

// ErrUnsupported marks a network the neuromorphic backend cannot map:
// an op, a neuron model or a parameter the chip has no form for.
var ErrUnsupported = errors.New("not supported by the neuromorphic backend")

// NeuronKind is a neuron model in the terms of docs/targets.md's schema.
type NeuronKind string

const (
	KindCubaLIF NeuronKind = "cuba_lif" // LIF with a synaptic current (Norse's lif)
	KindLIF     NeuronKind = "lif"      // LIF without a synaptic current (lif_box)
	KindIF      NeuronKind = "if"       // integrate-and-fire, no leak (iaf)
	KindLI      NeuronKind = "li"       // leaky integrator readout (li), no spikes
)

// Layer is one neuron population with the weights that feed it, as read
// from a graph: x·Wᵀ (+ b) into the neurons, plus z[t−1]·Recᵀ when
// recurrent. Neuron parameters are per neuron (a shared value repeated).
type Layer struct {
	Name   string
	Kind   NeuronKind
	In, N  int
	W      []float64 // [N][In]
	Bias   []float64 // [N] linear bias (enters the synaptic current), nil if none
	Rec    []float64 // [N][N] recurrent weights, nil if feed-forward
	Node   string    // the graph node, for messages
	Params NeuronParams

	node *ir.Node // the neuron or recurrent node whose output this layer is
}

// NeuronParams are a layer's float neuron parameters, per neuron.
type NeuronParams struct {
	TauSynInv, TauMemInv, VLeak, VTh, VReset []float64
}

// Net is a feed-forward chain of layers read from a graph.
type Net struct {
	Name   string
	DT     float64
	In     int
	Layers []Layer
}

// ExtractNet reads the chain input → (linear [→ scale] → neuron |
// recurrent)+ from a graph built by package module or imported from NIR.
// Anything else fails with an error wrapping ErrUnsupported that names the
// graph node.
func ExtractNet(g *ir.Graph, params map[string][]float64, dt float64) (*Net, error) {
	if len(g.Outputs) != 1 {
		return nil, fmt.Errorf("graph %s has %d outputs; the backend maps one: %w", g.Name, len(g.Outputs), ErrUnsupported)
	}
	net := &Net{Name: g.Name, DT: dt}
	val := func(n *ir.Node) ([]float64, error) {
		if n.Op != ir.GParam {
			return nil, fmt.Errorf("%s: weights must be parameters: %w", n.LongString(), ErrUnsupported)
		}
		v, ok := params[n.Name]
		if !ok || len(v) != n.Type.Size() {
			return nil, fmt.Errorf("%s: no values for parameter %s", n.LongString(), n.Name)
		}
		for i, x := range v {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, fmt.Errorf("parameter %s[%d] is %v; chips take finite values", n.Name, i, x)
			}
		}
		return v, nil
	}
	var pending *Layer // weights read, waiting for their neurons
	var prev *ir.Node  // the value the next weights must read
	for _, n := range g.Nodes {
		switch n.Op {
		case ir.GParam:
			continue
		case ir.GInput:
			if net.In != 0 {
				return nil, fmt.Errorf("%s: a second input: %w", n.LongString(), ErrUnsupported)
			}
			net.In = n.Type.Size()
			prev = n
		case ir.GFlatten:
			if n.Args[0] != prev || pending != nil {
				return nil, fmt.Errorf("%s: flatten between weights and neurons: %w", n.LongString(), ErrUnsupported)
			}
			prev = n
		case ir.GLinear:
			if n.Args[0] != prev || pending != nil || len(n.Args[0].Type.Shape) != 1 {
				return nil, fmt.Errorf("%s: not a chain of linear and neuron layers: %w", n.LongString(), ErrUnsupported)
			}
			w, err := val(n.Args[1])
			if err != nil {
				return nil, err
			}
			l := &Layer{In: n.Args[0].Type.Size(), N: n.Type.Size(), W: append([]float64(nil), w...), Node: n.LongString()}
			if len(n.Args) > 2 {
				b, err := val(n.Args[2])
				if err != nil {
					return nil, err
				}
				l.Bias = append([]float64(nil), b...)
			}
			pending, prev = l, n
		case ir.GScale:
			// NIR imports write w_in factors as a scale after the weights: fold it in.
			if pending == nil || n.Args[0] != prev {
				return nil, fmt.Errorf("%s: a scale not directly after weights: %w", n.LongString(), ErrUnsupported)
			}
			s, err := val(n.Args[1])
			if err != nil {
				return nil, err
			}
			for i := 0; i < pending.N; i++ {
				f := s[0]
				if len(s) == pending.N {
					f = s[i]
				}
				for j := 0; j < pending.In; j++ {
					pending.W[i*pending.In+j] *= f
				}
				if pending.Bias != nil {
					pending.Bias[i] *= f
				}
			}
			prev = n
		case ir.GNeuron, ir.GRecurrent:
			if n.Args[0] != prev {
				return nil, fmt.Errorf("%s: not a chain: %w", n.LongString(), ErrUnsupported)
			}
			l := pending
			if n.Op == ir.GRecurrent {
				if pending != nil {
					return nil, fmt.Errorf("%s: weights before a recurrent layer: %w", n.LongString(), ErrUnsupported)
				}
				win, err := val(n.Args[1])
				if err != nil {
					return nil, err
				}
				wrec, err := val(n.Args[2])
				if err != nil {
					return nil, err
				}
				l = &Layer{In: n.Args[0].Type.Size(), N: n.Type.Size(), W: append([]float64(nil), win...), Rec: append([]float64(nil), wrec...), Node: n.LongString()}
				if !n.Autapses {
					for i := 0; i < l.N; i++ {
						l.Rec[i*l.N+i] = 0
					}
				}
			} else if l == nil {
				return nil, fmt.Errorf("%s: neurons without weights before them: %w", n.LongString(), ErrUnsupported)
			}
			l.Name = n.Step.Name
			l.Node = n.LongString()
			l.node = n
			if err := readNeuron(l, n, val); err != nil {
				return nil, err
			}
			net.Layers = append(net.Layers, *l)
			pending, prev = nil, n
		default:
			return nil, fmt.Errorf("%s: op %v: %w", n.LongString(), n.Op, ErrUnsupported)
		}
	}
	if pending != nil || len(net.Layers) == 0 || g.Outputs[0].Node != prev {
		return nil, fmt.Errorf("graph %s does not end in a neuron layer: %w", g.Name, ErrUnsupported)
	}
	return net, nil
}

// modelShapes says how a step's declarations identify a neuron model: the
// step name is the layer's, so the model is recognised by what it declares.
var modelShapes = []struct {
	kind   NeuronKind
	output string
	states string // sorted, comma-separated
	params string
}{
	{KindCubaLIF, "z", "i,v", "tau_mem_inv,tau_syn_inv,v_leak,v_reset,v_th"},
	{KindLI, "v", "i,v", "tau_mem_inv,tau_syn_inv,v_leak"},
	{KindLIF, "z", "v", "tau_mem_inv,v_leak,v_reset,v_th"},
	{KindIF, "z", "v", "v_reset,v_th"},
}

func readNeuron(l *Layer, n *ir.Node, val func(*ir.Node) ([]float64, error)) error {
	s := n.Step
	var states, names []string
	for _, st := range s.States {
		states = append(states, st.Name)
	}
	for _, p := range s.Params {
		names = append(names, p.Name)
	}
	sort.Strings(states)
	sort.Strings(names)
	out := ""
	if len(s.Outputs) == 1 {
		out = s.Outputs[0].Name
	}
	for _, m := range modelShapes {
		if m.output == out && m.states == strings.Join(states, ",") && m.params == strings.Join(names, ",") {
			l.Kind = m.kind
		}
	}
	if l.Kind == "" {
		return fmt.Errorf("%s: neuron model with states [%s] and params [%s] (only LIF, LIF box, IAF and LI map to chips): %w",
			n.LongString(), strings.Join(states, " "), strings.Join(names, " "), ErrUnsupported)
	}
	bound := len(n.Args) - len(n.Bind)
	get := func(name string, def float64) ([]float64, error) {
		out := make([]float64, l.N)
		for k, b := range n.Bind {
			if b == name {
				v, err := val(n.Args[bound+k])
				if err != nil {
					return nil, err
				}
				if len(v) != 1 && len(v) != l.N {
					return nil, fmt.Errorf("%s: %s has %d values for %d neurons", n.LongString(), name, len(v), l.N)
				}
				for i := range out {
					out[i] = v[min(i, len(v)-1)]
				}
				return out, checkFinite(n, name, out)
			}
		}
		for i := range out {
			out[i] = def
		}
		return out, checkFinite(n, name, out)
	}
	p := &l.Params
	var err error
	for _, f := range []struct {
		name string
		dst  *[]float64
		def  float64
	}{
		{"tau_syn_inv", &p.TauSynInv, math.Inf(1)}, // no synaptic current: the input passes in one step
		{"tau_mem_inv", &p.TauMemInv, 0},
		{"v_leak", &p.VLeak, 0},
		{"v_th", &p.VTh, math.Inf(1)},
		{"v_reset", &p.VReset, 0},
	} {
		def := f.def
		if i := s.ParamIndex(f.name); i >= 0 {
			def = s.Params[i].Default
		}
		if *f.dst, err = get(f.name, def); err != nil {
			return err
		}
	}
	return nil
}

func checkFinite(n *ir.Node, name string, v []float64) error {
	for _, x := range v {
		if math.IsNaN(x) {
			return fmt.Errorf("%s: %s is NaN", n.LongString(), name)
		}
	}
	return nil
}

// shared returns v's common value, or false when neurons differ.
func shared(v []float64) (float64, bool) {
	for _, x := range v[1:] {
		if x != v[0] {
			return v[0], false
		}
	}
	return v[0], true
}
