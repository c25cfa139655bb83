package nir

import (
	"maps"
	"slices"
)

// The node types NIR serializes, as they appear in a node's "type" dataset.
const (
	TypeAffine    = "Affine"
	TypeAvgPool2d = "AvgPool2d"
	TypeConv1d    = "Conv1d"
	TypeConv2d    = "Conv2d"
	TypeCubaLI    = "CubaLI"
	TypeCubaLIF   = "CubaLIF"
	TypeDelay     = "Delay"
	TypeFlatten   = "Flatten"
	TypeI         = "I"
	TypeIF        = "IF"
	TypeInput     = "Input"
	TypeLI        = "LI"
	TypeLIF       = "LIF"
	TypeLinear    = "Linear"
	TypeGraph     = "NIRGraph"
	TypeOutput    = "Output"
	TypeScale     = "Scale"
	TypeSumPool2d = "SumPool2d"
	TypeThreshold = "Threshold"
)

// A Graph is a NIR graph: named nodes and the edges between them. The top
// graph of a file and every nested NIRGraph node are Graphs.
type Graph struct {
	// Nodes maps node names to nodes. Names are opaque strings; real files
	// use names such as "0", "lif1" and "lif1.w_rec".
	Nodes map[string]*Node
	// Edges are in file order. An edge into a node adds to its input;
	// several edges into one node are summed.
	Edges []Edge
	// Metadata is the graph's optional metadata group.
	Metadata Metadata
	// Version is the root "version" dataset of the file the graph was read
	// from (the writer's NIR package version), "" if there was none or for
	// nested graphs. Write stores WriterVersion when it is empty.
	Version string
}

// An Edge connects the output of node From to the input of node To. Inside
// a graph that holds nested graphs, an end may also be written "G.X": node
// X of the nested graph G.
type Edge struct{ From, To string }

// A Node is one NIR node: its type, its parameters and, for NIRGraph nodes,
// the nested graph.
type Node struct {
	Type string
	// Params holds the numeric datasets of the node, such as "tau" or
	// "weight", as float64 tensors. Integer parameters (shapes, strides,
	// groups, dims) are integral values.
	Params map[string]Tensor
	// Strings holds string-valued datasets other than "type", such as a
	// convolution's padding "same".
	Strings map[string]string
	// Graph is the nested graph of a NIRGraph node, nil otherwise.
	Graph *Graph
	// Metadata is the node's optional metadata group.
	Metadata Metadata
	// Defaulted names the parameters the file lacked and Read filled with
	// their documented defaults (v_reset = 0, w_in = 1), in schema order.
	Defaulted []string
}

// A Tensor is an n-dimensional array of values in row-major order. A
// scalar has an empty Shape and one value.
type Tensor struct {
	Shape []int
	Data  []float64
}

// Metadata is a metadata group. Values are string, bool, int64, float64,
// Array, or Metadata for a subgroup.
type Metadata map[string]any

// An Array is an n-dimensional metadata array. Data is a slice of one of
// the element types an HDF5 file can hold: []float64, []float32, []int64,
// []int32, []int16, []int8, []uint64, []uint32, []uint16, []uint8, []bool
// or []string.
type Array struct {
	Shape []int
	Data  any
}

// NewGraph returns an empty graph.
func NewGraph() *Graph { return &Graph{Nodes: map[string]*Node{}} }

// NewNode returns a node of the given type without parameters.
func NewNode(typ string) *Node {
	return &Node{Type: typ, Params: map[string]Tensor{}, Strings: map[string]string{}}
}

// Names returns the node names in byte-wise order, the order in which
// HDF5 lists them.
func (g *Graph) Names() []string { return slices.Sorted(maps.Keys(g.Nodes)) }

// Sources returns the names of the nodes with an edge into name, in edge
// order.
func (g *Graph) Sources(name string) []string {
	var out []string
	for _, e := range g.Edges {
		if e.To == name {
			out = append(out, e.From)
		}
	}
	return out
}

// Clone returns a deep copy of g.
func (g *Graph) Clone() *Graph {
	if g == nil {
		return nil
	}
	c := &Graph{Nodes: make(map[string]*Node, len(g.Nodes)), Edges: slices.Clone(g.Edges),
		Metadata: g.Metadata.Clone(), Version: g.Version}
	for name, n := range g.Nodes {
		c.Nodes[name] = n.Clone()
	}
	return c
}

// Clone returns a deep copy of n.
func (n *Node) Clone() *Node {
	c := &Node{Type: n.Type, Params: make(map[string]Tensor, len(n.Params)), Strings: maps.Clone(n.Strings),
		Graph: n.Graph.Clone(), Metadata: n.Metadata.Clone(), Defaulted: slices.Clone(n.Defaulted)}
	if c.Strings == nil {
		c.Strings = map[string]string{}
	}
	for k, t := range n.Params {
		c.Params[k] = t.Clone()
	}
	return c
}

// Clone returns a deep copy of t.
func (t Tensor) Clone() Tensor {
	return Tensor{Shape: slices.Clone(t.Shape), Data: slices.Clone(t.Data)}
}

// Scalar returns a one-element tensor of shape [].
func Scalar(v float64) Tensor { return Tensor{Shape: []int{}, Data: []float64{v}} }

// Vector returns a 1-d tensor holding values.
func Vector(values ...float64) Tensor {
	return Tensor{Shape: []int{len(values)}, Data: slices.Clone(values)}
}

// Fill returns a tensor of the given shape with every element v.
func Fill(shape []int, v float64) Tensor {
	data := make([]float64, size(shape))
	for i := range data {
		data[i] = v
	}
	return Tensor{Shape: slices.Clone(shape), Data: data}
}

// Ints returns a 1-d tensor of integers, as NIR stores shapes and strides.
func Ints(values ...int) Tensor {
	t := Tensor{Shape: []int{len(values)}, Data: make([]float64, len(values))}
	for i, v := range values {
		t.Data[i] = float64(v)
	}
	return t
}

// Uniform reports whether every element of t equals the first, and returns
// that value.
func (t Tensor) Uniform() (float64, bool) {
	if len(t.Data) == 0 {
		return 0, false
	}
	for _, v := range t.Data[1:] {
		if v != t.Data[0] {
			return t.Data[0], false
		}
	}
	return t.Data[0], true
}

// Clone returns a deep copy of m; Array data is copied too.
func (m Metadata) Clone() Metadata {
	if m == nil {
		return nil
	}
	c := make(Metadata, len(m))
	for k, v := range m {
		switch v := v.(type) {
		case Metadata:
			c[k] = v.Clone()
		case Array:
			c[k] = Array{Shape: slices.Clone(v.Shape), Data: cloneSlice(v.Data)}
		default:
			c[k] = v
		}
	}
	return c
}

func cloneSlice(data any) any {
	switch d := data.(type) {
	case []float64:
		return slices.Clone(d)
	case []float32:
		return slices.Clone(d)
	case []int64:
		return slices.Clone(d)
	case []int32:
		return slices.Clone(d)
	case []int16:
		return slices.Clone(d)
	case []int8:
		return slices.Clone(d)
	case []uint64:
		return slices.Clone(d)
	case []uint32:
		return slices.Clone(d)
	case []uint16:
		return slices.Clone(d)
	case []uint8:
		return slices.Clone(d)
	case []bool:
		return slices.Clone(d)
	case []string:
		return slices.Clone(d)
	}
	return data
}

// size is the number of elements of a shape (1 for a scalar).
func size(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// paramKind says how a parameter is stored.
type paramKind uint8

const (
	floatParam       paramKind = iota // a float array of any shape
	intParam                          // an integer scalar or array
	intOrStringParam                  // an integer, an integer pair or "same"/"valid" (conv padding)
)

// paramSpec describes one parameter of a node type.
type paramSpec struct {
	name     string
	kind     paramKind
	optional bool
	// hasDefault parameters that are missing are filled by Read with def
	// in the shape of the node's other neuron parameters.
	hasDefault bool
	def        float64
}

// schemas lists the parameters of every node type except NIRGraph, in the
// order `snnc nir info` shows them.
var schemas = map[string][]paramSpec{
	TypeInput:     {{name: "shape", kind: intParam}},
	TypeOutput:    {{name: "shape", kind: intParam}},
	TypeAffine:    {{name: "weight"}, {name: "bias"}},
	TypeLinear:    {{name: "weight"}},
	TypeScale:     {{name: "scale"}},
	TypeConv1d:    convSpec,
	TypeConv2d:    convSpec,
	TypeSumPool2d: poolSpec,
	TypeAvgPool2d: poolSpec,
	TypeFlatten: {{name: "start_dim", kind: intParam}, {name: "end_dim", kind: intParam},
		{name: "input_type", kind: intParam, optional: true}},
	TypeDelay:     {{name: "delay"}},
	TypeThreshold: {{name: "threshold"}},
	TypeI:         {{name: "r"}},
	TypeIF:        {{name: "r"}, {name: "v_threshold"}, vReset},
	TypeLI:        {{name: "tau"}, {name: "r"}, {name: "v_leak"}},
	TypeLIF:       {{name: "tau"}, {name: "r"}, {name: "v_leak"}, {name: "v_threshold"}, vReset},
	TypeCubaLI:    {{name: "tau_syn"}, {name: "tau_mem"}, {name: "r"}, {name: "v_leak"}, wIn},
	TypeCubaLIF: {{name: "tau_syn"}, {name: "tau_mem"}, {name: "r"}, {name: "v_leak"}, {name: "v_threshold"},
		vReset, wIn},
}

var (
	convSpec = []paramSpec{{name: "weight"}, {name: "bias", optional: true},
		{name: "stride", kind: intParam}, {name: "padding", kind: intOrStringParam},
		{name: "dilation", kind: intParam}, {name: "groups", kind: intParam},
		{name: "input_shape", kind: intParam, optional: true}}
	poolSpec = []paramSpec{{name: "kernel_size", kind: intParam},
		{name: "stride", kind: intParam, optional: true}, {name: "padding", kind: intParam, optional: true}}
	// v_reset arrived in NIR 1.0.6 and w_in on 2023-10-19; older files
	// reset to 0 and weigh the input by 1.
	vReset = paramSpec{name: "v_reset", optional: true, hasDefault: true, def: 0}
	wIn    = paramSpec{name: "w_in", optional: true, hasDefault: true, def: 1}
)

// Types lists the 19 node types NIR serializes, sorted.
var Types = []string{TypeAffine, TypeAvgPool2d, TypeConv1d, TypeConv2d, TypeCubaLI, TypeCubaLIF, TypeDelay,
	TypeFlatten, TypeI, TypeIF, TypeInput, TypeLI, TypeLIF, TypeLinear, TypeGraph, TypeOutput, TypeScale,
	TypeSumPool2d, TypeThreshold}

// isNeuron reports whether typ is a neuron type, NIR's or a registered
// one of a model's own: every parameter is one value per neuron and the
// input has the neurons' shape.
func isNeuron(typ string) bool {
	switch typ {
	case TypeI, TypeIF, TypeLI, TypeLIF, TypeCubaLI, TypeCubaLIF:
		return true
	}
	_, ok := customSchema(typ)
	return ok
}

// isElementwise reports whether typ acts on each input element with a
// parameter of the input's shape (or a scalar).
func isElementwise(typ string) (param string, ok bool) {
	switch typ {
	case TypeScale:
		return "scale", true
	case TypeDelay:
		return "delay", true
	case TypeThreshold:
		return "threshold", true
	}
	return "", false
}

// intParams reports whether the parameter name of node type typ holds
// integers, as the writer must store them.
func intParams(typ, name string) bool {
	for _, p := range schemas[typ] {
		if p.name == name {
			return p.kind != floatParam
		}
	}
	return false
}
