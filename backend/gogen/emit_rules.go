package gogen

import (
	"fmt"
	"strings"

	"github.com/snnc/snnc/ir"
)

// valueKind says where a node's value lives in the generated code.
type valueKind uint8

const (
	computed valueKind = iota // a State buffer (its own or a shared one) that run fills
	given                     // the caller's: the input x or a parameter; no code computes it
	view                      // its argument's buffer under another shape (flatten); no code either
)

// emitRule is what the generator writes for one graph op. Every place the
// generator treats ops differently asks the op's rule, so a graph op is
// declared once here (emitRules), and TestEmitRulesCoverIR checks that each
// op of ir has a rule or is refused by name (notEmitted).
type emitRule struct {
	kind valueKind
	// value and gradient name a given node's value and its gradient in
	// Backward ("" when Backward computes none); gradient is told whether
	// Backward fills g.Input.
	value    func(gen *generator, n *ir.Node) string
	gradient func(gen *generator, n *ir.Node, inputGrad bool) string
	// plan runs in newGenerator, node by node in graph order, before any
	// code is written: it checks what the generator needs and records the
	// node in the plan (params, weights kept transposed, neuron kernels).
	plan func(gen *generator, n *ir.Node, used map[string]bool) error
	// forward writes run's code computing a computed node's value into the
	// local slice v.
	forward func(gen *generator, w *src, n *ir.Node, v string) error
	// backward writes Backward's code adding the node's contribution to its
	// arguments' gradients d(i), given its own gradient dy.
	backward func(gen *generator, w *src, n *ir.Node, d func(i int) string, dy string) error
	// gradOptional0: backward skips argument 0's gradient when d(0) is ""
	// (linearGrads), so the network input read there needs no buffer for
	// a gradient nobody asked for.
	gradOptional0 bool
	// kernels: the code calls kernels of the dispatch table (k := active).
	kernels bool
	// geometry is the node's convGeom literal, declared once in
	// kernels_generic.go (geomVar).
	geometry func(n *ir.Node) string
	// state lists the buffers the node keeps in the State besides its value
	// and gradient; counters its int64 counters.
	state    func(gen *generator, n *ir.Node) []stateBuf
	counters func(n *ir.Node) []counter
	// derived lists copies of parameters the Model keeps in the layout the
	// node's kernels read, rederived after every TrainStep.
	derived func(gen *generator, n *ir.Node) []derivedWeights
}

// stateBuf is a []float32 field of the State that a node keeps.
type stateBuf struct {
	field string
	train bool // only in training packages
	// made: NewState makes it, [steps][B][width]; the others are grown by
	// the entry points that use them.
	made         bool
	steps, width int
	// carried: it carries state from one call to the next, so a split
	// batch exchanges it with the parts (threads.go).
	carried bool
	// reset is Reset's statement for it ("" when Reset leaves it).
	reset string
	// snapshot names the field copied into this one when ForwardTrain
	// starts.
	snapshot string
}

// counter is an int64 field of the State: a count of time steps the State
// has run since Reset, which every part of a split batch starts from.
type counter struct{ field, doc string }

// derivedWeights is a copy of a parameter in the layout a node's kernels
// read: a Model field, made by New and rederived after TrainStep.
type derivedWeights struct {
	field, doc string
	derive     func(update bool) string // the statements that compute it; update: into the existing slice
}

// emitRules holds every graph op's rule. It is filled by init: the rules'
// code asks the table in turn (valueOf).
var emitRules map[ir.GraphOp]emitRule

// notEmitted lists the graph ops a package cannot hold, with the reason
// Generate gives when it refuses one.
var notEmitted = map[ir.GraphOp]string{
	ir.GMSE:          "losses are not compiled; Backward takes the loss gradient of the output instead",
	ir.GCrossEntropy: "losses are not compiled; Backward takes the loss gradient of the output instead",
}

func init() {
	emitRules = map[ir.GraphOp]emitRule{
		ir.GInput: {kind: given, plan: planInput,
			value: func(*generator, *ir.Node) string { return "x" },
			gradient: func(_ *generator, _ *ir.Node, inputGrad bool) string {
				if !inputGrad {
					return "" // not computed: linearGrads skips dx
				}
				return "g.Input"
			}},
		ir.GParam: {kind: given, plan: planParam,
			value:    func(gen *generator, n *ir.Node) string { return "m." + gen.field[n] },
			gradient: func(gen *generator, n *ir.Node, _ bool) string { return "g." + exported(gen.field[n]) }},
		ir.GLinear:    {plan: planLinear, forward: linearForward, backward: linearBackward, gradOptional0: true, kernels: true, derived: linearDerived},
		ir.GConv1d:    {plan: planConv, forward: convForward, backward: convBackward, geometry: conv1dGeom, gradOptional0: true, kernels: true, state: convState},
		ir.GConv2d:    {plan: planConv, forward: convForward, backward: convBackward, geometry: conv2dGeom, gradOptional0: true, kernels: true, state: convState},
		ir.GSumPool2d: {forward: poolForward, backward: poolBackward, geometry: poolGeom},
		ir.GAvgPool2d: {forward: poolForward, backward: poolBackward, geometry: poolGeom},
		ir.GFlatten:   {kind: view},
		ir.GScale: {
			forward: func(gen *generator, w *src, n *ir.Node, v string) error {
				w.f("\tscale(%s, %s, %s)\n", v, gen.arg(n, 0), gen.arg(n, 1))
				return nil
			},
			backward: func(gen *generator, w *src, n *ir.Node, d func(int) string, dy string) error {
				w.f("\tscaleBackward(%s, %s, %s, %s, %s)\n", d(0), d(1), gen.arg(n, 0), gen.arg(n, 1), dy)
				return nil
			}},
		ir.GAdd: {
			forward: func(gen *generator, w *src, n *ir.Node, v string) error {
				w.f("\tadd(%s, %s, %s)\n", v, gen.arg(n, 0), gen.arg(n, 1))
				return nil
			},
			backward: func(gen *generator, w *src, n *ir.Node, d func(int) string, dy string) error {
				w.f("\taddInto(%s, %s)\n\taddInto(%s, %s)\n", d(0), dy, d(1), dy)
				return nil
			}},
		ir.GDelay: {state: delayState,
			forward: func(gen *generator, w *src, n *ir.Node, v string) error {
				w.f("\tdelay(%s, %s, s.h%d, T, B*%d, %d)\n", v, gen.arg(n, 0), n.ID, n.Type.Size(), n.Delay)
				return nil
			},
			backward: func(gen *generator, w *src, n *ir.Node, d func(int) string, dy string) error {
				w.f("\tdelayBackward(%s, %s, T, B*%d, %d)\n", d(0), dy, n.Type.Size(), n.Delay)
				return nil
			}},
		ir.GSumTime:  {forward: sumTimeForward, backward: sumTimeBackward},
		ir.GMeanTime: {forward: sumTimeForward, backward: sumTimeBackward},
		ir.GNeuron:   {plan: planNeuronNode, forward: neuronForward, backward: neuronBackward, kernels: true, state: neuronState},
		ir.GRecurrent: {plan: planRecurrent, forward: recurrentForward, backward: recurrentBackward, gradOptional0: true, kernels: true,
			state: recurrentState, derived: recurrentDerived},
		ir.GPoisson: {counters: poissonCounters,
			forward: func(gen *generator, w *src, n *ir.Node, v string) error {
				gen.poissonForward(w, n, v, gen.arg(n, 0))
				return nil
			},
			backward: func(_ *generator, w *src, _ *ir.Node, _ func(int) string, _ string) error {
				w.f("\t// no gradient reaches a Poisson encoder's input\n")
				return nil
			}},
	}
}

// ruleOf returns the rule of n's op, or Generate's error refusing the node
// (gname is the graph's name).
func ruleOf(gname string, n *ir.Node) (emitRule, error) {
	if why, ok := notEmitted[n.Op]; ok {
		return emitRule{}, fmt.Errorf("gogen: graph %s: %s: %s", gname, n.LongString(), why)
	}
	rule, ok := emitRules[n.Op]
	if !ok {
		return emitRule{}, fmt.Errorf("gogen: graph %s: %s: no generated form for %v", gname, n.LongString(), n.Op)
	}
	return rule, nil
}

// arg is the local variable holding argument i of n in run and Backward.
func (gen *generator) arg(n *ir.Node, i int) string { return gen.valueOf(n.Args[i]) }

// biasArg is the value of a product node's optional bias, or "nil".
func (gen *generator) biasArg(n *ir.Node) string {
	if len(n.Args) == 3 {
		return gen.arg(n, 2)
	}
	return "nil"
}

func planInput(gen *generator, n *ir.Node, _ map[string]bool) error {
	if gen.input != nil {
		return fmt.Errorf("gogen: graph %s has more than one input", gen.g.Name)
	}
	gen.input = n
	return nil
}

func planParam(gen *generator, n *ir.Node, used map[string]bool) error {
	v, ok := gen.values[n.Name]
	if !ok {
		return fmt.Errorf("gogen: graph %s: no value for param %s", gen.g.Name, n.Name)
	}
	if len(v) != n.Type.Size() {
		return fmt.Errorf("gogen: graph %s: param %s has %d values, want %d", gen.g.Name, n.Name, len(v), n.Type.Size())
	}
	gen.params = append(gen.params, n)
	gen.field[n] = uniqueName(used, goName(n.Name, false))
	return nil
}

func planLinear(gen *generator, n *ir.Node, _ map[string]bool) error {
	gen.transposed[n.Args[1]] = true
	return nil
}

func planNeuronNode(gen *generator, n *ir.Node, used map[string]bool) error {
	k, err := gen.planNeuron(n, used)
	if err != nil {
		return err
	}
	gen.neuron[n] = k
	return nil
}

func planRecurrent(gen *generator, n *ir.Node, used map[string]bool) error {
	gen.transposed[n.Args[1]] = true
	if n.Autapses {
		gen.transposed[n.Args[2]] = true
	}
	return planNeuronNode(gen, n, used)
}

func linearForward(gen *generator, w *src, n *ir.Node, v string) error {
	if n.Sched.Epilogue {
		return nil // computed inside its neuron layer's kernel
	}
	ws := n.Args[1].Type.Shape
	kernel := "linear"
	if n.Sched.SpikeInput {
		kernel = "linearSpikes"
	}
	if gen.readsInputInPlace(n) && gen.listInput() {
		w.f("\tinputSpikeRows(k.linearSpikes, k.spikeTile, &s.lists, %s, %s, %s, m.%s, %s, T, B, s.xBatch, s.batch0, %d, %d, t0*B)\n", v, gen.arg(n, 0), gen.weightsT(n.Args[1]), tilesField(n), gen.biasArg(n), ws[0], ws[1])
		return nil
	}
	if gen.readsInputInPlace(n) {
		w.f("\tinputRows(k.%s, %s, %s, %s, %s, T, B, s.xBatch, s.batch0, %d, %d)\n", kernel, v, gen.arg(n, 0), gen.weightsT(n.Args[1]), gen.biasArg(n), ws[0], ws[1])
		return nil
	}
	w.f("\tk.%s(%s, %s, %s, %s, %s, %d, %d)\n", kernel, v, gen.arg(n, 0), gen.weightsT(n.Args[1]), gen.biasArg(n), rowsExpr(n), ws[0], ws[1])
	return nil
}

func linearBackward(gen *generator, w *src, n *ir.Node, d func(int) string, dy string) error {
	dbias := "nil"
	if len(n.Args) == 3 {
		dbias = d(2)
	}
	ws := n.Args[1].Type.Shape
	gen.linearGrads(w, n, d(0), d(1), dbias, gen.arg(n, 0), gen.arg(n, 1), dy, rowsExpr(n), ws[0], ws[1])
	return nil
}

// convProducts reports whether conv node n runs its products with the
// linear kernels (convProduct: without groups), from its weights
// transposed.
func convProducts(n *ir.Node) bool { return n.Window.Groups <= 1 }

func planConv(gen *generator, n *ir.Node, _ map[string]bool) error {
	if convProducts(n) {
		gen.transposed[n.Args[1]] = true
	}
	return nil
}

// convState is the scratch of convProduct and convProductBackward: a row's
// taps by output position (cp), its outputs or their gradients by position
// (cq), and the taps' gradients (cd).
func convState(_ *generator, n *ir.Node) []stateBuf {
	if !convProducts(n) {
		return nil
	}
	return []stateBuf{{field: fmt.Sprintf("cp%d", n.ID)}, {field: fmt.Sprintf("cq%d", n.ID)},
		{field: fmt.Sprintf("cd%d", n.ID), train: true}} // the taps' gradients
}

// convScratch sizes convState's buffers for node n: cp and cq, and cd for
// the backward.
func convScratch(w *src, n *ir.Node, backward bool) {
	outC, taps := n.Args[1].Type.Shape[0], n.Args[1].Type.Size()/n.Args[1].Type.Shape[0]
	positions := n.Type.Size() / outC
	if backward {
		w.f("\ts.cp%d, s.cq%d, s.cd%d = grow(s.cp%d, %d), grow(s.cq%d, %d), grow(s.cd%d, %d)\n", n.ID, n.ID, n.ID, n.ID, positions*taps, n.ID, positions*outC, n.ID, positions*taps)
		return
	}
	w.f("\ts.cp%d, s.cq%d = grow(s.cp%d, %d), grow(s.cq%d, %d)\n", n.ID, n.ID, n.ID, positions*taps, n.ID, positions*outC)
}

func convForward(gen *generator, w *src, n *ir.Node, v string) error {
	if !convProducts(n) {
		w.f("\tconv(&%s, %s, %s, %s, %s, %s)\n", geomVar(n), rowsExpr(n), v, gen.arg(n, 0), gen.arg(n, 1), gen.biasArg(n))
		return nil
	}
	convScratch(w, n, false)
	w.f("\tconvProduct(k.linear, &%s, %s, %s, %s, %s, %s, s.cp%d, s.cq%d)\n", geomVar(n), rowsExpr(n), v, gen.arg(n, 0), gen.weightsT(n.Args[1]), gen.biasArg(n), n.ID, n.ID)
	return nil
}

func convBackward(gen *generator, w *src, n *ir.Node, d func(int) string, dy string) error {
	dx, dbias := d(0), "nil"
	if dx == "" {
		dx = "nil" // the network input's gradient, not asked for
	}
	if len(n.Args) == 3 {
		dbias = d(2)
	}
	if !convProducts(n) {
		w.f("\tconvBackward(&%s, %s, %s, %s, %s, %s, %s, %s)\n", geomVar(n), rowsExpr(n), dx, d(1), dbias, gen.arg(n, 0), gen.arg(n, 1), dy)
		return nil
	}
	convScratch(w, n, true)
	w.f("\tconvProductBackward(k.linear, k.linearAddXT, &%s, %s, %s, %s, %s, %s, %s, %s, s.cp%d, s.cq%d, s.cd%d)\n", geomVar(n), rowsExpr(n), dx, d(1), dbias, gen.arg(n, 0), gen.arg(n, 1), dy, n.ID, n.ID, n.ID)
	return nil
}

func poolForward(gen *generator, w *src, n *ir.Node, v string) error {
	w.f("\tpool(&%s, %s, %s, %s, %v)\n", geomVar(n), rowsExpr(n), v, gen.arg(n, 0), n.Op == ir.GAvgPool2d)
	return nil
}

func poolBackward(_ *generator, w *src, n *ir.Node, d func(int) string, dy string) error {
	w.f("\tpoolBackward(&%s, %s, %s, %s, %v)\n", geomVar(n), rowsExpr(n), d(0), dy, n.Op == ir.GAvgPool2d)
	return nil
}

// sumTimeForward is sum_time, and mean_time, which divides by T.
func sumTimeForward(gen *generator, w *src, n *ir.Node, v string) error {
	w.f("\tsumTime(%s, %s, T, %v)\n", v, gen.arg(n, 0), n.Op == ir.GMeanTime)
	return nil
}

func sumTimeBackward(_ *generator, w *src, n *ir.Node, d func(int) string, dy string) error {
	w.f("\tsumTimeBackward(%s, %s, T, %v)\n", d(0), dy, n.Op == ir.GMeanTime)
	return nil
}

// conv1dGeom, conv2dGeom and poolGeom return the window of a conv or pool
// node as a convGeom literal.
func conv1dGeom(n *ir.Node) string {
	x, w, out, ws := n.Args[0].Type.Shape, n.Window, n.Type.Shape, n.Args[1].Type.Shape
	return fmt.Sprintf("convGeom{InC: %d, OutC: %d, Groups: %d, InH: 1, InW: %d, KH: 1, KW: %d, SH: 1, SW: %d, PW: %d, DH: 1, DW: %d, OutH: 1, OutW: %d}",
		x[0], out[0], max(w.Groups, 1), x[1], ws[2], w.Stride[1], w.Padding[1], max(w.Dilation[1], 1), out[1])
}

func conv2dGeom(n *ir.Node) string {
	x, w, out, ws := n.Args[0].Type.Shape, n.Window, n.Type.Shape, n.Args[1].Type.Shape
	return fmt.Sprintf("convGeom{InC: %d, OutC: %d, Groups: %d, InH: %d, InW: %d, KH: %d, KW: %d, SH: %d, SW: %d, PH: %d, PW: %d, DH: %d, DW: %d, OutH: %d, OutW: %d}",
		x[0], out[0], max(w.Groups, 1), x[1], x[2], ws[2], ws[3], w.Stride[0], w.Stride[1], w.Padding[0], w.Padding[1],
		max(w.Dilation[0], 1), max(w.Dilation[1], 1), out[1], out[2])
}

func poolGeom(n *ir.Node) string {
	x, w, out := n.Args[0].Type.Shape, n.Window, n.Type.Shape
	return fmt.Sprintf("convGeom{InC: %d, OutC: %d, Groups: 1, InH: %d, InW: %d, KH: %d, KW: %d, SH: %d, SW: %d, PH: %d, PW: %d, DH: 1, DW: 1, OutH: %d, OutW: %d}",
		x[0], x[0], x[1], x[2], w.Kernel[0], w.Kernel[1], w.Stride[0], w.Stride[1], w.Padding[0], w.Padding[1], out[1], out[2])
}

// delayState is a delay line's history: the last Delay steps of its input.
func delayState(_ *generator, n *ir.Node) []stateBuf {
	return []stateBuf{{field: fmt.Sprintf("h%d", n.ID), made: true, steps: n.Delay, width: n.Type.Size(), carried: true,
		reset: fmt.Sprintf("clear(s.h%d)", n.ID)}}
}

// neuronState is a neuron layer's states (s), their adjoints (g) and the
// tapes its forward kernel saves for the backward one (t).
func neuronState(gen *generator, n *ir.Node) []stateBuf {
	k := gen.neuron[n]
	var bufs []stateBuf
	for i, st := range n.Step.States {
		f := fmt.Sprintf("s%d_%d", n.ID, i)
		bufs = append(bufs, stateBuf{field: f, made: true, steps: 1, width: k.n, carried: true,
			reset: fmt.Sprintf("fill(s.%s, %s) // %s.%s", f, f32(st.Init), n.Step.Name, st.Name)})
		bufs = append(bufs, stateBuf{field: fmt.Sprintf("g%d_%d", n.ID, i), train: true})
	}
	for _, i := range k.saved {
		bufs = append(bufs, stateBuf{field: fmt.Sprintf("t%d_%d", n.ID, i)})
	}
	return bufs
}

// recurrentState is neuronState and the recurrent cell's buffers: c the
// input currents, z the previous step's output, r the recurrent product,
// z0 z at the start of ForwardTrain, e dL/d(current).
func recurrentState(gen *generator, n *ir.Node) []stateBuf {
	h := gen.neuron[n].n
	z := fmt.Sprintf("z%d", n.ID)
	return append(neuronState(gen, n),
		stateBuf{field: fmt.Sprintf("c%d", n.ID)},
		stateBuf{field: z, made: true, steps: 1, width: h, carried: true, reset: "clear(s." + z + ")"},
		stateBuf{field: fmt.Sprintf("r%d", n.ID), made: true, steps: 1, width: h},
		stateBuf{field: fmt.Sprintf("z0_%d", n.ID), train: true, made: true, steps: 1, width: h, snapshot: z},
		stateBuf{field: fmt.Sprintf("e%d", n.ID), train: true})
}

// linearDerived is the weights of a product from spike lists in tiles
// (listInput), made from the transposed weights.
func linearDerived(gen *generator, n *ir.Node) []derivedWeights {
	if !gen.readsInputInPlace(n) || !gen.listInput() {
		return nil
	}
	field, ws := tilesField(n), n.Args[1].Type.Shape
	return []derivedWeights{{field: field, doc: n.Args[1].Name + " in tiles of 64 outputs, for the product from spike lists",
		derive: func(update bool) string {
			t := ""
			if !update {
				t = fmt.Sprintf("\tm.%s = make([]float32, %d)\n", field, ws[0]*ws[1])
			}
			return t + fmt.Sprintf("\tblockWeights(m.%s, %s, %d, %d)\n", field, gen.weightsT(n.Args[1]), ws[1], ws[0])
		}}}
}

// recurrentDerived is W_rec transposed without its diagonal, for a cell
// without autapses (with them, W_rec is among the transposed weights).
func recurrentDerived(gen *generator, n *ir.Node) []derivedWeights {
	if n.Autapses {
		return nil
	}
	h, field, from := n.Type.Shape[0], recWeights(n), gen.field[n.Args[2]]
	return []derivedWeights{{field: field, doc: n.Args[2].Name + " transposed and without its diagonal: no autapses",
		derive: func(update bool) string {
			t := fmt.Sprintf("\tm.%s = transpose(m.%s, %d, %d)\n", field, from, h, h)
			if update {
				t = fmt.Sprintf("\ttransposeInto(m.%s, m.%s, %d, %d)\n", field, from, h, h)
			}
			return t + fmt.Sprintf("\tfor i := 0; i < %d; i++ {\n\t\tm.%s[i*%d+i] = 0\n\t}\n", h, field, h)
		}}}
}

func poissonCounters(n *ir.Node) []counter {
	return []counter{{poissonCount(n), fmt.Sprintf("time steps the Poisson encoder %v has drawn since Reset", n)}}
}

func neuronForward(gen *generator, w *src, n *ir.Node, v string) error {
	k := gen.neuron[n]
	var ins []string
	for i := range n.Step.Inputs {
		ins = append(ins, gen.arg(n, i))
	}
	if ts := gen.tapeSetup(n, k, "T*B"); ts != "" {
		w.f("\t%s\n", ts)
	}
	if lin := gen.epilogueOf(n); lin != nil {
		w.f("\tk.%sLinearForward(T, B, %s, %s, %s, %s%s%s%s)\n", k.fn, gen.arg(lin, 0), gen.weightsT(lin.Args[1]), gen.biasArg(lin), v,
			gen.stateArgs(n, "s"), gen.tapeArgs(n, k, ""), gen.boundArgs(n, k, false))
		return nil
	}
	if n.Sched.FuseTime {
		w.f("\tk.%sForward(T, B, %s, %s%s%s%s)\n", k.fn, strings.Join(ins, ", "), v, gen.stateArgs(n, "s"), gen.tapeArgs(n, k, ""), gen.boundArgs(n, k, false))
		return nil
	}
	// Not fused: one kernel call per time step.
	row := fmt.Sprintf("t*B*%d", k.n)
	for i := range ins {
		ins[i] = fmt.Sprintf("%s[%s : %s+B*%d]", ins[i], row, row, k.n)
	}
	w.f("\tfor t := 0; t < T; t++ {\n\t\tk.%sForward(1, B, %s, %s[%s:%s+B*%d]%s%s%s)\n\t}\n", k.fn, strings.Join(ins, ", "), v, row, row, k.n,
		gen.stateArgs(n, "s"), gen.tapeArgs(n, k, row), gen.boundArgs(n, k, false))
	return nil
}

func neuronBackward(gen *generator, w *src, n *ir.Node, d func(int) string, dy string) error {
	k := gen.neuron[n]
	var ins, dins []string
	for i := range n.Step.Inputs {
		ins = append(ins, gen.arg(n, i))
		dins = append(dins, d(i))
	}
	w.f("\t%s", gen.clearAdjoints(n, k))
	w.f("\tk.%sBackward(T, B, %s%s, %s, %s%s%s)\n", k.fn, strings.Join(ins, ", "), gen.savedArgs(n, k, ""), dy, strings.Join(dins, ", "),
		gen.stateArgs(n, "g"), gen.boundArgs(n, k, true))
	return nil
}

func recurrentForward(gen *generator, w *src, n *ir.Node, v string) error {
	k := gen.neuron[n]
	h, inSize := n.Type.Shape[0], n.Args[0].Type.Size()
	wrec := gen.recurrentT(n)
	w.f("\ts.c%d = grow(s.c%d, T*B*%d)\n", n.ID, n.ID, h)
	if n.Sched.FuseTime {
		w.f("\tk.linear(s.c%d, %s, %s, nil, T*B, %d, %d) // the input part of every step at once\n", n.ID, gen.arg(n, 0), gen.weightsT(n.Args[1]), h, inSize)
	}
	if ts := gen.tapeSetup(n, k, "T*B"); ts != "" {
		w.f("\t%s\n", ts)
	}
	w.f("\tfor t := 0; t < T; t++ {\n\t\tct := s.c%d[t*B*%d : (t+1)*B*%d]\n", n.ID, h, h)
	if !n.Sched.FuseTime {
		w.f("\t\tk.linear(ct, %s[t*B*%d:(t+1)*B*%d], %s, nil, B, %d, %d)\n", gen.arg(n, 0), inSize, inSize, gen.weightsT(n.Args[1]), h, inSize)
	}
	w.f("\t\tk.linear(s.r%d, s.z%d, %s, nil, B, %d, %d)\n\t\taddInto(ct, s.r%d)\n", n.ID, n.ID, wrec, h, h, n.ID)
	w.f("\t\tyt := %s[t*B*%d : (t+1)*B*%d]\n", v, h, h)
	w.f("\t\tk.%sForward(1, B, ct, yt%s%s%s)\n", k.fn, gen.stateArgs(n, "s"), gen.tapeArgs(n, k, fmt.Sprintf("t*B*%d", h)), gen.boundArgs(n, k, false))
	w.f("\t\tcopy(s.z%d, yt)\n\t}\n", n.ID)
	return nil
}

func recurrentBackward(gen *generator, w *src, n *ir.Node, d func(int) string, dy string) error {
	k := gen.neuron[n]
	h, inSize := n.Type.Shape[0], n.Args[0].Type.Size()
	wrec := gen.recurrentT(n)
	v := buf(n)
	w.f("\t%s", gen.clearAdjoints(n, k))
	w.f("\ts.e%d = grow(s.e%d, T*B*%d)\n\tclear(s.e%d)\n", n.ID, n.ID, h, n.ID)
	w.f("\tfor t := T - 1; t >= 0; t-- {\n")
	w.f("\t\tat := func(x []float32) []float32 { return x[t*B*%d : (t+1)*B*%d] }\n", h, h)
	w.f("\t\tk.%sBackward(1, B, at(s.c%d)%s, at(%s), at(s.e%d)%s%s)\n", k.fn, n.ID, gen.savedArgs(n, k, "at"), dy, n.ID, gen.stateArgs(n, "g"), gen.boundArgs(n, k, true))
	w.f("\t\tif t > 0 {\n\t\t\tk.linearBackward(%s[(t-1)*B*%d:t*B*%d], %s, nil, %s[(t-1)*B*%d:t*B*%d], %s, at(s.e%d), B, %d, %d)\n",
		dy, h, h, d(2), v, h, h, wrec, n.ID, h, h)
	w.f("\t\t} else {\n\t\t\tk.linearBackward(nil, %s, nil, s.z0_%d, %s, at(s.e%d), B, %d, %d)\n\t\t}\n\t}\n", d(2), n.ID, wrec, n.ID, h, h)
	gen.linearGrads(w, n, d(0), d(1), "nil", gen.arg(n, 0), gen.arg(n, 1), fmt.Sprintf("s.e%d", n.ID), "T*B", h, inSize)
	if !n.Autapses {
		w.f("\tfor i := 0; i < %d; i++ {\n\t\t%s[i*%d+i] = 0 // no autapses, no gradient\n\t}\n", h, d(2), h)
	}
	return nil
}

// rule is the rule of n's op; newGenerator has refused the ops without one.
func (gen *generator) rule(n *ir.Node) emitRule { return emitRules[n.Op] }

// stateBufs lists the State buffers of node n that the package has (the
// training ones only in a training package).
func (gen *generator) stateBufs(n *ir.Node) []stateBuf {
	r := gen.rule(n)
	if r.state == nil {
		return nil
	}
	var out []stateBuf
	for _, b := range r.state(gen, n) {
		if !b.train || gen.opt.Train {
			out = append(out, b)
		}
	}
	return out
}

// counters lists the int64 counters of the live nodes.
func (gen *generator) counters(l map[*ir.Node]bool) []counter {
	var out []counter
	for _, n := range gen.g.Nodes {
		if r := gen.rule(n); l[n] && r.counters != nil {
			out = append(out, r.counters(n)...)
		}
	}
	return out
}

// derivedWeights lists the Model's derived copies of parameters.
func (gen *generator) derivedWeights() []derivedWeights {
	var out []derivedWeights
	for _, n := range gen.g.Nodes {
		if r := gen.rule(n); r.derived != nil {
			out = append(out, r.derived(gen, n)...)
		}
	}
	return out
}
