package nir

import (
	"fmt"
	"math"
	"slices"

	"github.com/snnc/snnc/functional"
	"github.com/snnc/snnc/ir"
	"github.com/snnc/snnc/module"
)

// Export converts a model to a NIR graph: an Input node "input", one node
// per layer named after the layer (three for a recurrent layer), and an
// Output node "output". The graph's metadata records the producer and the
// model's dt, which the synapse weights w_in and the delays depend on.
// docs/nir.md lists the mapping. A model registered with
// functional.Register exports as its RegisterModel mapping says; without
// one the error wraps ErrNoMapping. Layers NIR cannot express (LSNN, AdEx,
// Izhikevich and other neuron models, subtractive reset) are errors naming
// the layer. A model imported from NIR exports its NIR graph unchanged.
func Export(m *module.Model) (*Graph, error) {
	if len(m.Net) == 1 {
		if n, ok := m.Net[0].(*Net); ok {
			g := n.Graph.Clone()
			g.Version = ""
			return g, nil
		}
	}
	dt := m.DT
	if dt == 0 {
		dt = DefaultDT
	}
	e := &exporter{g: NewGraph(), b: module.NewBuilder("export"), dt: dt}
	x, err := e.b.Graph.Input("input", m.InputShape...)
	if err != nil {
		return nil, err
	}
	e.x = x
	e.prev = e.add("input", portNode(TypeInput, m.InputShape))
	if err := e.modules(m.Net); err != nil {
		return nil, err
	}
	out := e.add("output", portNode(TypeOutput, e.x.Type.Shape))
	e.g.Edges = append(e.g.Edges, Edge{e.prev, out})
	e.g.Metadata = Metadata{"producer": "snnc", "dt": dt}
	if m.InputSpikes {
		// NIR has no spike type: the declaration is kept as metadata only.
		e.g.Metadata["input"] = module.InputSpikes
	}
	return e.g, nil
}

// portNode returns an Input or Output node of the given shape.
func portNode(typ string, shape []int) *Node {
	n := NewNode(typ)
	n.Params["shape"] = Ints(shape...)
	return n
}

// exporter walks a model's layers, building them to learn their shapes.
type exporter struct {
	g     *Graph
	b     *module.Builder
	dt    float64
	x     *ir.Node // the current value
	prev  string   // the NIR node producing it
	count int      // layers seen, to name unnamed ones
}

// add adds a node under a name not yet taken and returns the name.
func (e *exporter) add(name string, n *Node) string {
	unique := name
	for k := 2; e.g.Nodes[unique] != nil; k++ {
		unique = fmt.Sprintf("%s_%d", name, k)
	}
	e.g.Nodes[unique] = n
	return unique
}

// chain adds n after the current node.
func (e *exporter) chain(name string, n *Node) {
	name = e.add(name, n)
	e.g.Edges = append(e.g.Edges, Edge{e.prev, name})
	e.prev = name
}

func (e *exporter) modules(seq module.Sequential) error {
	for _, mod := range seq {
		if inner, ok := mod.(module.Sequential); ok {
			if err := e.modules(inner); err != nil {
				return err
			}
			continue
		}
		if err := e.module(mod); err != nil {
			return err
		}
	}
	return nil
}

// module exports one layer.
func (e *exporter) module(mod module.Module) error {
	index := e.count
	e.count++
	in := e.x.Type.Shape
	y, err := mod.Build(e.b, e.x)
	if err != nil {
		return fmt.Errorf("layer %d: %w", index, err)
	}
	e.x = y
	out := y.Type.Shape
	named := func(name, kind string) string {
		if name == "" {
			return fmt.Sprintf("%s_%d", kind, index)
		}
		return name
	}
	switch l := mod.(type) {
	case *module.Linear:
		n := NewNode(TypeLinear)
		n.Params["weight"] = Tensor{Shape: []int{l.Out, l.In}, Data: slices.Clone(l.Weight)}
		if l.Bias != nil {
			n.Type = TypeAffine
			n.Params["bias"] = Vector(l.Bias...)
		}
		e.chain(named(l.Name, "linear"), n)
	case *module.Conv1d:
		n := convNode(TypeConv1d, []int{l.Out, l.In / max(l.Groups, 1), l.Kernel}, l.Weight, l.Bias, l.Groups)
		n.Params["stride"] = Scalar(float64(max(l.Stride, 1)))
		n.Params["padding"] = Scalar(float64(l.Padding))
		n.Params["dilation"] = Scalar(float64(max(l.Dilation, 1)))
		n.Params["input_shape"] = Scalar(float64(in[1]))
		e.chain(named(l.Name, "conv1d"), n)
	case *module.Conv2d:
		n := convNode(TypeConv2d, []int{l.Out, l.In / max(l.Groups, 1), l.Kernel[0], l.Kernel[1]}, l.Weight, l.Bias, l.Groups)
		n.Params["stride"] = Ints(max(l.Stride[0], 1), max(l.Stride[1], 1))
		n.Params["padding"] = Ints(l.Padding[0], l.Padding[1])
		n.Params["dilation"] = Ints(max(l.Dilation[0], 1), max(l.Dilation[1], 1))
		n.Params["input_shape"] = Ints(in[1], in[2])
		e.chain(named(l.Name, "conv2d"), n)
	case module.Flatten, *module.Flatten:
		n := NewNode(TypeFlatten)
		n.Params["start_dim"], n.Params["end_dim"] = Scalar(0), Scalar(-1)
		n.Params["input_type"] = Ints(in...)
		e.chain(named("", "flatten"), n)
	case *module.SumPool2d:
		e.chain(named("", "sum_pool2d"), poolNode(TypeSumPool2d, l.Kernel, l.Stride, l.Padding))
	case *module.AvgPool2d:
		e.chain(named("", "avg_pool2d"), poolNode(TypeAvgPool2d, l.Kernel, l.Stride, l.Padding))
	case *module.Scale:
		n := NewNode(TypeScale)
		if len(l.Factor) == 1 {
			n.Params["scale"] = Fill(in, l.Factor[0])
		} else {
			n.Params["scale"] = Tensor{Shape: slices.Clone(in), Data: slices.Clone(l.Factor)}
		}
		e.chain(named(l.Name, "scale"), n)
	case *module.Delay:
		n := NewNode(TypeDelay)
		n.Params["delay"] = Fill(in, float64(l.Steps)*e.dt)
		e.chain(named("", "delay"), n)
	case *module.Neuron:
		n, err := e.neuron(l, out, false)
		if err != nil {
			return fmt.Errorf("layer %d (%s): %w", index, l.Name, err)
		}
		e.chain(named(l.Name, l.Model), n)
	case *module.Recurrent:
		n, err := e.neuron(&l.Neuron, out, true)
		if err != nil {
			return fmt.Errorf("layer %d (%s): %w", index, l.Name, err)
		}
		name := named(l.Name, l.Model)
		win := NewNode(TypeLinear)
		win.Params["weight"] = Tensor{Shape: []int{l.Hidden, l.In}, Data: slices.Clone(l.InputWeights)}
		wrec := NewNode(TypeLinear)
		w := slices.Clone(l.RecurrentWeights)
		if !l.Autapses {
			for i := range l.Hidden {
				w[i*l.Hidden+i] = 0 // the layer ignores the diagonal
			}
		}
		wrec.Params["weight"] = Tensor{Shape: []int{l.Hidden, l.Hidden}, Data: w}
		e.chain(name+".w_in", win)
		e.chain(name, n)
		rec := e.add(name+".w_rec", wrec)
		e.g.Edges = append(e.g.Edges, Edge{e.prev, rec}, Edge{rec, e.prev})
	case *Net:
		if len(l.inputs) != 1 || len(l.outputs) != 1 {
			return fmt.Errorf("layer %d: an imported NIR graph with %d inputs and %d outputs cannot be a layer", index, len(l.inputs), len(l.outputs))
		}
		n := NewNode(TypeGraph)
		n.Graph = l.Graph.Clone()
		n.Graph.Version = ""
		e.chain(named("", "graph"), n)
	default:
		return fmt.Errorf("layer %d: %T has no NIR equivalent", index, mod)
	}
	return nil
}

// convNode returns a Conv1d or Conv2d node without its window parameters.
// NIR convolutions always have a bias; a layer without one gets zeros.
func convNode(typ string, wshape []int, weight, bias []float64, groups int) *Node {
	n := NewNode(typ)
	n.Params["weight"] = Tensor{Shape: wshape, Data: slices.Clone(weight)}
	if bias == nil {
		n.Params["bias"] = Fill(wshape[:1], 0)
	} else {
		n.Params["bias"] = Vector(bias...)
	}
	n.Params["groups"] = Scalar(float64(max(groups, 1)))
	return n
}

// poolNode returns a SumPool2d or AvgPool2d node; a zero stride means the
// kernel, as in the module.
func poolNode(typ string, kernel, stride, padding [2]int) *Node {
	if stride == [2]int{} {
		stride = kernel
	}
	n := NewNode(typ)
	n.Params["kernel_size"] = Ints(kernel[:]...)
	n.Params["stride"] = Ints(stride[:]...)
	n.Params["padding"] = Ints(padding[:]...)
	return n
}

// params returns a neuron layer's parameters as a T.
func params[T any](n *module.Neuron) (T, error) {
	p := n.Params
	if p == nil {
		m, err := functional.LookupModel(n.Model)
		if err != nil {
			var zero T
			return zero, err
		}
		p = m.Params()
	}
	switch v := p.(type) {
	case *T:
		return *v, nil
	case T:
		return v, nil
	}
	var zero T
	return zero, fmt.Errorf("model %s has parameters of type %T", n.Model, p)
}

// neuron exports a neuron layer of population shape pop: lif_box → LIF,
// li_box → LI, iaf → IF, lif and lif_recurrent → CubaLIF, li → CubaLI,
// each with r = 1, and a registered model as its mapping says. The
// CubaLIF/CubaLI synapse weight is w_in = τ_syn/dt, under which NIR's
// synapse, discretized as docs/nir.md says, is Norse's.
func (e *exporter) neuron(l *module.Neuron, pop []int, recurrent bool) (*Node, error) {
	dt := l.DT
	if dt == 0 {
		dt = e.dt
	}
	fill := func(v float64) Tensor { return Fill(pop, v) }
	tau := func(inv float64, name string) (Tensor, error) {
		if !(inv > 0) || math.IsInf(inv, 0) {
			return Tensor{}, fmt.Errorf("%s = %v: NIR needs a positive, finite time constant", name, inv)
		}
		return fill(inverse(inv)), nil
	}
	var n *Node
	var method ir.Surrogate
	var alpha float64
	switch l.Model {
	case "lif_box":
		p, err := params[functional.LIFBoxParameters](l)
		if err != nil {
			return nil, err
		}
		if p.ResetMethod == functional.ResetSubtract {
			return nil, fmt.Errorf("reset_subtract has no NIR equivalent: NIR neurons reset to v_reset")
		}
		n = NewNode(TypeLIF)
		if n.Params["tau"], err = tau(p.TauMemInv, "tau_mem_inv"); err != nil {
			return nil, err
		}
		n.Params["r"], n.Params["v_leak"] = fill(1), fill(p.VLeak)
		n.Params["v_threshold"], n.Params["v_reset"] = fill(p.VTh), fill(p.VReset)
		method, alpha = p.Method, p.Alpha
	case "li_box":
		p, err := params[functional.LIBoxParameters](l)
		if err != nil {
			return nil, err
		}
		n = NewNode(TypeLI)
		if n.Params["tau"], err = tau(p.TauMemInv, "tau_mem_inv"); err != nil {
			return nil, err
		}
		n.Params["r"], n.Params["v_leak"] = fill(1), fill(p.VLeak)
	case "iaf":
		p, err := params[functional.IAFParameters](l)
		if err != nil {
			return nil, err
		}
		n = NewNode(TypeIF)
		n.Params["r"], n.Params["v_threshold"], n.Params["v_reset"] = fill(1), fill(p.VTh), fill(p.VReset)
		method, alpha = p.Method, p.Alpha
	case "lif", "lif_recurrent":
		p, err := params[functional.LIFParameters](l)
		if err != nil {
			return nil, err
		}
		n = NewNode(TypeCubaLIF)
		if err := e.synapse(n, p.TauSynInv, p.TauMemInv, dt, tau); err != nil {
			return nil, err
		}
		n.Params["v_leak"], n.Params["v_threshold"], n.Params["v_reset"] = fill(p.VLeak), fill(p.VTh), fill(p.VReset)
		method, alpha = p.Method, p.Alpha
		if def := map[bool]string{false: "lif", true: "lif_recurrent"}[recurrent]; l.Model != def {
			n.Metadata = Metadata{metaModel: l.Model}
		}
	case "li":
		p, err := params[functional.LIParameters](l)
		if err != nil {
			return nil, err
		}
		n = NewNode(TypeCubaLI)
		if err := e.synapse(n, p.TauSynInv, p.TauMemInv, dt, tau); err != nil {
			return nil, err
		}
		n.Params["v_leak"] = fill(p.VLeak)
	default:
		if mp := mappingOf(l.Model); mp != nil {
			return mp.node(l, pop, dt)
		}
		return nil, unmappedModel(l.Model)
	}
	if method != 0 && (method != functional.Super || alpha != 100) {
		if n.Metadata == nil {
			n.Metadata = Metadata{}
		}
		n.Metadata[metaSurrogate], n.Metadata[metaAlpha] = method.String(), alpha
	}
	return n, nil
}

// synapse sets the CubaLIF/CubaLI time constants, r = 1 and w_in = τ_syn/dt.
func (e *exporter) synapse(n *Node, synInv, memInv, dt float64, tau func(float64, string) (Tensor, error)) error {
	syn, err := tau(synInv, "tau_syn_inv")
	if err != nil {
		return err
	}
	mem, err := tau(memInv, "tau_mem_inv")
	if err != nil {
		return err
	}
	n.Params["tau_syn"], n.Params["tau_mem"] = syn, mem
	n.Params["r"] = Fill(syn.Shape, 1)
	n.Params["w_in"] = Fill(syn.Shape, syn.Data[0]/dt)
	return nil
}

// inverse returns 1/x, nudged by one ulp where that makes 1/inverse(x)
// give back exactly x, so that exported time constants import unchanged.
func inverse(x float64) float64 {
	t := 1 / x
	for _, c := range []float64{t, math.Nextafter(t, math.Inf(1)), math.Nextafter(t, math.Inf(-1))} {
		if 1/c == x {
			return c
		}
	}
	return t
}
