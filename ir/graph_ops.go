package ir

import "fmt"

// graphOpInfo declares a graph op once: its name in the text form, the
// attributes of its Node that it reads (the parser accepts no others), and
// its type rule. The interpreter (backend/interp) and the generator
// (backend/gogen) keep their own table of rules per op, and test it against
// GraphOps.
type graphOpInfo struct {
	name  string
	attrs attrSet
	infer func(n *Node, c argCheck) (Type, error)
}

// attrSet is a set of the text form's node attributes.
type attrSet uint16

const (
	attrWindow     attrSet = 1 << iota // stride, padding, dilation
	attrKernel                         // pooling's kernel (convolutions take it from the weight)
	attrGroups                         // convolution groups
	attrDelay                          // the delay in steps (written as the op's first operand)
	attrStep                           // step name, bound params, adjoint, fuse_time
	attrAutapses                       // recurrent self-connections
	attrSpikeInput                     // products: spike_input, epilogue
	attrPoisson                        // the Poisson encoder's f_max, dt and seed
)

var graphOps = [numGraphOps]graphOpInfo{
	GInvalid:      {name: "invalid", infer: func(*Node, argCheck) (Type, error) { return Type{}, fmt.Errorf("invalid op") }},
	GInput:        {name: "input", infer: inferInput},
	GParam:        {name: "param", infer: inferParam},
	GLinear:       {name: "linear", attrs: attrSpikeInput, infer: inferLinear},
	GConv1d:       {name: "conv1d", attrs: attrWindow | attrGroups, infer: inferConv},
	GConv2d:       {name: "conv2d", attrs: attrWindow | attrGroups, infer: inferConv},
	GFlatten:      {name: "flatten", infer: inferFlatten},
	GSumPool2d:    {name: "sum_pool2d", attrs: attrWindow | attrKernel, infer: inferPool},
	GAvgPool2d:    {name: "avg_pool2d", attrs: attrWindow | attrKernel, infer: inferPool},
	GScale:        {name: "scale", infer: inferScale},
	GAdd:          {name: "add", infer: inferAdd},
	GDelay:        {name: "delay", attrs: attrDelay, infer: inferDelay},
	GNeuron:       {name: "neuron", attrs: attrStep, infer: func(n *Node, _ argCheck) (Type, error) { return inferNeuron(n) }},
	GRecurrent:    {name: "recurrent", attrs: attrStep | attrAutapses, infer: func(n *Node, _ argCheck) (Type, error) { return inferNeuron(n) }},
	GSumTime:      {name: "sum_time", infer: inferReduceTime},
	GMeanTime:     {name: "mean_time", infer: inferReduceTime},
	GMSE:          {name: "mse", infer: inferMSE},
	GCrossEntropy: {name: "cross_entropy", infer: inferCrossEntropy},
	GPoisson:      {name: "poisson", attrs: attrPoisson, infer: inferPoisson},
}

// GraphOps lists every graph op, GInvalid excepted, in the order of their
// constants: the ops a backend's table of rules must cover (or refuse by
// name).
func GraphOps() []GraphOp {
	ops := make([]GraphOp, 0, numGraphOps-1)
	for op := GInput; op < numGraphOps; op++ {
		ops = append(ops, op)
	}
	return ops
}

// has reports whether op reads the attribute a.
func (op GraphOp) has(a attrSet) bool { return op < numGraphOps && graphOps[op].attrs&a != 0 }

// inferOp is the type rule of n's op, after the checks every op shares.
func inferOp(n *Node) (Type, error) {
	for _, a := range n.Args {
		if a == nil {
			return Type{}, fmt.Errorf("nil argument")
		}
	}
	if n.Op >= numGraphOps {
		return Type{}, fmt.Errorf("invalid op")
	}
	return graphOps[n.Op].infer(n, argCheck{n})
}

// argCheck checks the arguments of a node for its type rule.
type argCheck struct{ n *Node }

func (c argCheck) nargs(lo, hi int) error {
	if len(c.n.Args) < lo || len(c.n.Args) > hi {
		if lo == hi {
			return fmt.Errorf("%v takes %d arguments, got %d", c.n.Op, lo, len(c.n.Args))
		}
		return fmt.Errorf("%v takes %d to %d arguments, got %d", c.n.Op, lo, hi, len(c.n.Args))
	}
	return nil
}

// seq checks that argument k is a sequence.
func (c argCheck) seq(k int) error {
	if k >= len(c.n.Args) {
		return fmt.Errorf("missing argument %d", k+1)
	}
	if a := c.n.Args[k]; a.Type.Kind != Sequence {
		return fmt.Errorf("argument %d (%v) must be a sequence, not %v", k+1, a, a.Type)
	}
	return nil
}

// static checks that argument k is a parameter of the given rank.
func (c argCheck) static(k int, rank int) error {
	if k >= len(c.n.Args) {
		return fmt.Errorf("missing argument %d", k+1)
	}
	if a := c.n.Args[k]; a.Type.Kind != Static || len(a.Type.Shape) != rank {
		return fmt.Errorf("argument %d (%v) must be a parameter of rank %d, not %v", k+1, a, rank, a.Type)
	}
	return nil
}

// in is the feature shape of the first argument.
func (c argCheck) in() []int { return c.n.Args[0].Type.Shape }

func inferInput(n *Node, c argCheck) (Type, error) {
	if len(n.Args) != 0 || !isIdent(n.Name) {
		return Type{}, fmt.Errorf("input needs a name and no arguments")
	}
	if n.Type.Kind == Static {
		return Type{}, fmt.Errorf("input must be a sequence or a batch value")
	}
	if n.Spikes && n.Type.Kind != Sequence {
		return Type{}, fmt.Errorf("only a sequence input can be spikes")
	}
	return n.Type, checkShape(n.Type.Shape)
}

func inferPoisson(n *Node, c argCheck) (Type, error) {
	if err := firstErr(c.nargs(1, 1), c.seq(0)); err != nil {
		return Type{}, err
	}
	return n.Args[0].Type, n.Poisson.check()
}

func inferParam(n *Node, c argCheck) (Type, error) {
	if len(n.Args) != 0 || !isIdent(n.Name) {
		return Type{}, fmt.Errorf("param needs a name and no arguments")
	}
	return Type{Static, n.Type.Shape}, checkShape(n.Type.Shape)
}

func inferLinear(n *Node, c argCheck) (Type, error) {
	if err := firstErr(c.nargs(2, 3), c.seq(0), c.static(1, 2)); err != nil {
		return Type{}, err
	}
	w := n.Args[1].Type.Shape
	if len(c.in()) != 1 || c.in()[0] != w[1] {
		return Type{}, fmt.Errorf("input %v does not match weight [out=%d][in=%d]", n.Args[0].Type, w[0], w[1])
	}
	if len(n.Args) == 3 {
		if err := c.static(2, 1); err != nil || n.Args[2].Type.Shape[0] != w[0] {
			return Type{}, fmt.Errorf("bias %v does not match weight [out=%d][in=%d]", n.Args[2].Type, w[0], w[1])
		}
	}
	return Type{Sequence, []int{w[0]}}, nil
}

func inferConv(n *Node, c argCheck) (Type, error) {
	dims := 1
	if n.Op == GConv2d {
		dims = 2
	}
	if err := firstErr(c.nargs(2, 3), c.seq(0), c.static(1, dims+2)); err != nil {
		return Type{}, err
	}
	if len(c.in()) != dims+1 {
		return Type{}, fmt.Errorf("input %v must have %d feature dims [C]%s", n.Args[0].Type, dims+1, map[int]string{1: "[L]", 2: "[H][W]"}[dims])
	}
	w := n.Args[1].Type.Shape
	win := n.Window
	if win.Groups <= 0 || c.in()[0]%win.Groups != 0 || w[0]%win.Groups != 0 || w[1]*win.Groups != c.in()[0] {
		return Type{}, fmt.Errorf("groups=%d does not fit %d input channels and weight %v", win.Groups, c.in()[0], w)
	}
	if len(n.Args) == 3 {
		if err := c.static(2, 1); err != nil || n.Args[2].Type.Shape[0] != w[0] {
			return Type{}, fmt.Errorf("bias %v does not match %d output channels", n.Args[2].Type, w[0])
		}
	}
	out := []int{w[0]}
	for d := 0; d < dims; d++ {
		k := 2 - dims + d // 1-d ops use the width entries
		o, err := windowOut(c.in()[1+d], w[2+d], win.Stride[k], win.Padding[k], win.Dilation[k])
		if err != nil {
			return Type{}, err
		}
		out = append(out, o)
	}
	return Type{Sequence, out}, nil
}

func inferPool(n *Node, c argCheck) (Type, error) {
	if err := firstErr(c.nargs(1, 1), c.seq(0)); err != nil {
		return Type{}, err
	}
	if len(c.in()) != 3 {
		return Type{}, fmt.Errorf("input %v must be [C][H][W]", n.Args[0].Type)
	}
	win := n.Window
	out := []int{c.in()[0]}
	for d := 0; d < 2; d++ {
		o, err := windowOut(c.in()[1+d], win.Kernel[d], win.Stride[d], win.Padding[d], 1)
		if err != nil {
			return Type{}, err
		}
		out = append(out, o)
	}
	return Type{Sequence, out}, nil
}

func inferFlatten(n *Node, c argCheck) (Type, error) {
	if err := firstErr(c.nargs(1, 1), c.seq(0)); err != nil {
		return Type{}, err
	}
	return Type{Sequence, []int{n.Args[0].Type.Size()}}, nil
}

func inferScale(n *Node, c argCheck) (Type, error) {
	if err := firstErr(c.nargs(2, 2), c.seq(0)); err != nil {
		return Type{}, err
	}
	s := n.Args[1].Type
	if s.Kind != Static || (s.Size() != 1 && !(Type{Sequence, s.Shape}).equal(n.Args[0].Type)) {
		return Type{}, fmt.Errorf("scale %v must be a scalar or a parameter of shape %v", s, c.in())
	}
	return n.Args[0].Type, nil
}

func inferAdd(n *Node, c argCheck) (Type, error) {
	if err := firstErr(c.nargs(2, 2), c.seq(0), c.seq(1)); err != nil {
		return Type{}, err
	}
	if !n.Args[0].Type.equal(n.Args[1].Type) {
		return Type{}, fmt.Errorf("cannot add %v and %v", n.Args[0].Type, n.Args[1].Type)
	}
	return n.Args[0].Type, nil
}

func inferDelay(n *Node, c argCheck) (Type, error) {
	if err := firstErr(c.nargs(1, 1), c.seq(0)); err != nil {
		return Type{}, err
	}
	return n.Args[0].Type, checkDelay(n.Delay, n.Args[0].Type.Size())
}

func inferReduceTime(n *Node, c argCheck) (Type, error) {
	if err := firstErr(c.nargs(1, 1), c.seq(0)); err != nil {
		return Type{}, err
	}
	return Type{Batch, c.in()}, nil
}

func inferMSE(n *Node, c argCheck) (Type, error) {
	if err := c.nargs(2, 2); err != nil {
		return Type{}, err
	}
	if n.Args[0].Type.Kind == Static || !n.Args[0].Type.equal(n.Args[1].Type) {
		return Type{}, fmt.Errorf("mse needs two sequences or batch values of one shape, got %v and %v", n.Args[0].Type, n.Args[1].Type)
	}
	return Type{Static, nil}, nil
}

func inferCrossEntropy(n *Node, c argCheck) (Type, error) {
	if err := c.nargs(2, 2); err != nil {
		return Type{}, err
	}
	if n.Args[0].Type.Kind != Batch || len(c.in()) != 1 {
		return Type{}, fmt.Errorf("cross_entropy needs batch logits [classes] (sum_time of a sequence), got %v", n.Args[0].Type)
	}
	if l := n.Args[1].Type; l.Kind != Batch || len(l.Shape) != 0 {
		return Type{}, fmt.Errorf("cross_entropy needs batch labels [], got %v", l)
	}
	return Type{Static, nil}, nil
}
