package gogen

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/snnc/snnc/backend/kernel"
	"github.com/snnc/snnc/ir"
)

// src is a Go source being written.
type src struct{ strings.Builder }

func (w *src) f(format string, args ...any) { fmt.Fprintf(w, format, args...) }

// liveNodes returns the nodes the output depends on.
func (gen *generator) liveNodes() map[*ir.Node]bool {
	l := map[*ir.Node]bool{}
	var mark func(n *ir.Node)
	mark = func(n *ir.Node) {
		if l[n] {
			return
		}
		l[n] = true
		for _, a := range n.Args {
			mark(a)
		}
	}
	mark(gen.output)
	return l
}

// rowsExpr is the Go expression for the number of feature rows of n.
func rowsExpr(n *ir.Node) string {
	if n.Type.Kind == ir.Batch {
		return "B"
	}
	return "T*B"
}

// sizeExpr is the number of values of node n's value.
func sizeExpr(n *ir.Node) string {
	return rowsExpr(n) + "*" + strconv.Itoa(n.Type.Size())
}

// geomVar names the package-level convGeom of a conv or pool node.
func geomVar(n *ir.Node) string { return "geom" + strconv.Itoa(n.ID) }

// recWeights names the Model field holding a recurrent node's W_rec,
// transposed and without its diagonal (Norse's cells have no autapses).
func recWeights(n *ir.Node) string { return "wrec" + strconv.Itoa(n.ID) + "T" }

// weightsT is the Model field of a weight param's transpose.
func (gen *generator) weightsT(p *ir.Node) string { return "m." + gen.field[p] + "T" }

// recurrentT is the transposed W_rec a recurrent node multiplies with.
func (gen *generator) recurrentT(n *ir.Node) string {
	if n.Autapses {
		return gen.weightsT(n.Args[2])
	}
	return "m." + recWeights(n)
}

func (gen *generator) model() (string, error) {
	g, opt := gen.g, gen.opt
	in, out := gen.input, gen.output
	l := gen.liveNodes()
	w := &src{}
	w.f(header, opt.Source)
	w.f("package %s\n\nimport (\n\t_ \"embed\"\n\t\"encoding/binary\"\n\t\"fmt\"\n\t\"math\"\n\t\"runtime\"\n\t\"sync\"\n)\n\n", opt.Package)
	w.f("// InputSize and OutputSize are the features per time step and batch\n// entry: the network maps [T][B]%s to [T][B]%s.\n", dims(in.Type.Shape), dims(out.Type.Shape))
	w.f("const (\n\tInputSize  = %d\n\tOutputSize = %d\n)\n\n", in.Type.Size(), out.Type.Size())
	w.f("// InputSpikes says whether the input is declared as spikes: the entry\n// points then refuse values other than 0 and 1, naming the first.\nconst InputSpikes = %v\n\n", in.Spikes)
	w.f("//go:embed weights.bin\nvar weightsBin []byte\n\n")

	// Model.
	w.f("// Model is the network %s with its weights. It is read-only after New,\n", g.Name)
	w.f("// so goroutines may share one Model, each with its own State")
	if opt.Train {
		w.f(",\n// except during TrainStep, which changes the weights: while it runs, no\n// other call may use the Model")
	}
	w.f(".\ntype Model struct {\n")
	for _, p := range gen.params {
		w.f("\t%s []float32 // %s %v\n", gen.field[p], p.Name, p.Type)
	}
	for _, p := range gen.params {
		if gen.transposed[p] {
			w.f("\t%sT []float32 // %s transposed, [in][out], for the products\n", gen.field[p], p.Name)
		}
	}
	for _, d := range gen.derivedWeights() {
		w.f("\t%s []float32 // %s\n", d.field, d.doc)
	}
	if opt.Train {
		w.f("\ttrainable [][]float32 // the parameters above in Grads order, which TrainStep updates\n")
	}
	w.f("\tloaded bool // set by New: the slices above have the sizes the kernels assume\n}\n\n")
	paramValues := 0
	for _, p := range gen.params {
		paramValues += p.Type.Size()
	}
	w.f(`// errorf is an error of the entry point op, prefixed with the package name.
func errorf(op, format string, args ...any) error {
	return fmt.Errorf("%s: "+op+": "+format, args...)
}

// paramValues is the number of float32 values weights.bin holds.
const paramValues = %d

// widestRow is the most values any buffer of a State holds per time step
// and batch entry (a delay line counts all its steps): the entry points
// check that T·B·widestRow and B·widestRow fit, which bounds every
// product the kernels compute.
const widestRow = %d

// New returns the model with the weights compiled into the package.
func New() (*Model, error) { return fromWeights(weightsBin) }

// fromWeights is New with the weights file's bytes as an argument, so the
// tests can hand it a damaged one.
func fromWeights(w []byte) (*Model, error) {
	if len(w) != 4*paramValues {
		return nil, errorf("New", "weights.bin holds %%d bytes, want 4*%%d", len(w), paramValues)
	}
	m := &Model{}
`, opt.Package, paramValues, gen.widestRow(l))
	for _, p := range gen.params {
		w.f("\tm.%s, w = load(w, %d)\n", gen.field[p], p.Type.Size())
	}
	for _, p := range gen.params {
		if gen.transposed[p] {
			w.f("\tm.%sT = transpose(m.%s, %d, %d)\n", gen.field[p], gen.field[p], p.Type.Shape[0], p.Type.Size()/p.Type.Shape[0])
		}
	}
	for _, d := range gen.derivedWeights() {
		w.f("%s", d.derive(false))
	}
	if opt.Train {
		var list []string
		for _, p := range gen.params {
			list = append(list, "m."+gen.field[p])
		}
		w.f("\tm.trainable = [][]float32{%s}\n", strings.Join(list, ", "))
	}
	w.f("\tm.loaded = true\n\treturn m, nil\n}\n\n")
	w.f(`// load decodes n little-endian float32 values from the front of w.
func load(w []byte, n int) ([]float32, []byte) {
	out := make([]float32, n)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(w[4*i:]))
	}
	return out, w[4*n:]
}

`)

	// State.
	w.f("// State is one stream of batch entries: every layer's state and the\n")
	w.f("// buffers Forward and Backward reuse, so that calls after the first\n// allocate nothing. A State belongs to one goroutine at a time.\ntype State struct {\n")
	w.f("\tmade    bool   // set by NewState: the state buffers hold B rows each\n\tbatch   int\n\tbatch0  int // the caller's batch entry of row 0: nonzero in a part of a split batch\n")
	if gen.inPlaceInput() {
		w.f("\txBatch  int // entries per time step of the x the input products read (a part reads its caller's)\n")
	}
	if gen.listInput() {
		w.f("\tlists   spikeListSet // the spikes of the last call's input, listed by its check\n")
	}
	if gen.input.Spikes {
		w.f("\tunpacked []float32 // bit-packed spikes as float32, when ForwardBits and its kin cannot list them\n")
	}
	gen.threadFields(w)
	if opt.Train {
		w.f("\ttrained *Model    // the Model of the last ForwardTrain; nil when Backward cannot run\n\tsteps   int       // T of the last ForwardTrain\n\tx       []float32 // the last ForwardTrain's input\n")
	}
	var fields []string
	for _, n := range g.Nodes {
		if !l[n] || gen.rule(n).kind != computed || n.Sched.Epilogue {
			continue
		}
		fields = append(fields, gen.bufField(n))
		if opt.Train {
			fields = append(fields, grad(n))
		}
		for _, b := range gen.stateBufs(n) {
			fields = append(fields, b.field)
		}
	}
	if opt.Train {
		for _, n := range g.Nodes {
			if l[n] && gen.spikeWeightGrad(n) {
				fields = append(fields, wgField(n)) // dWᵀ of outerSpikes
			}
		}
	}
	w.f("\t%s []float32\n", strings.Join(unique(fields), ", "))
	for _, c := range gen.counters(l) {
		w.f("\t%s int64 // %s\n", c.field, c.doc)
	}
	w.f("}\n\n")

	w.f(`// NewState returns the initial state of B batch entries. It refuses a
// negative B and one whose buffers would not fit in memory's address range.
func (m *Model) NewState(B int) (*State, error) {
	if B < 0 {
		return nil, errorf("NewState", "B = %%d, want B >= 0", B)
	}
	if n, ok := mulOK(B, widestRow); !ok || n > maxValues {
		return nil, errorf("NewState", "B*%%d overflows or exceeds %%d values (B=%%d)", widestRow, maxValues, B)
	}
	s := &State{made: true, batch: B, threads: runtime.GOMAXPROCS(0)}
`)
	if gen.inPlaceInput() {
		w.f("\ts.xBatch = B\n")
	}
	for _, n := range g.Nodes {
		if !l[n] {
			continue
		}
		for _, b := range gen.stateBufs(n) {
			if b.made {
				w.f("\ts.%s = make([]float32, B*%d)\n", b.field, b.steps*b.width)
			}
		}
	}
	w.f("\ts.Reset()\n\treturn s, nil\n}\n\n")
	w.f("// Reset puts every neuron back to its initial state and clears delay lines")
	if opt.Train {
		w.f(";\n// Backward then needs a new ForwardTrain")
	}
	w.f(". A nil State is left as it is.\nfunc (s *State) Reset() {\n\tif s == nil {\n\t\treturn\n\t}\n")
	if opt.Train {
		w.f("\ts.trained, s.steps, s.x, s.partsTrained = nil, 0, nil, false\n")
	}
	for _, n := range g.Nodes {
		if !l[n] {
			continue
		}
		for _, b := range gen.stateBufs(n) {
			if b.reset != "" {
				w.f("\t%s\n", b.reset)
			}
		}
	}
	for _, c := range gen.counters(l) {
		w.f("\ts.%s = 0\n", c.field)
	}
	w.f("}\n\n// Batch is the number of batch entries the state holds (0 for a nil State).\nfunc (s *State) Batch() int {\n\tif s == nil {\n\t\treturn 0\n\t}\n\treturn s.batch\n}\n\n")
	gen.stateAccessors(w, l)
	w.f(`func fill(x []float32, v float32) {
	for i := range x {
		x[i] = v
	}
}

// Forward runs T time steps of the state's B batch entries, continuing from
// the state: x is [T][B]%[1]s, y receives [T][B]%[2]s. Arguments that do
// not fit (see check) give an error and leave s as it was.
func (m *Model) Forward(s *State, y, x []float32, T int) error {
	return m.run("Forward", s, y, x, T, false)
}

// Step runs one time step: x is [B]%[1]s, y receives [B]%[2]s. Steps
// one at a time give what Forward gives for the whole sequence.
func (m *Model) Step(s *State, y, x []float32) error { return m.run("Step", s, y, x, 1, false) }

`, dims(in.Type.Shape), dims(out.Type.Shape))
	if opt.Train {
		w.f(`// ForwardTrain is Forward that also keeps what Backward needs. x must not
// change until Backward has run.
func (m *Model) ForwardTrain(s *State, y, x []float32, T int) error {
	return m.run("ForwardTrain", s, y, x, T, true)
}

`)
	}
	w.f(`// check validates the arguments of the entry point op: a Model from New,
// a State from NewState, T >= 0, every size computed without overflow and
// within maxValues, and x and y of exactly T*B*InputSize and
// T*B*OutputSize values.
func (m *Model) check(op string, s *State, y, x []float32, T int) error {
	ny, err := m.checkSizes(op, s, x, T)
	if err != nil {
		return err
	}
	if len(y) != ny {
		return errorf(op, "len(y) = %%d, want T*B*OutputSize = %%d (T=%%d, B=%%d)", len(y), ny, T, s.batch)
	}
	return nil
}

// checkSizes is check without y: it returns the length y must have.
func (m *Model) checkSizes(op string, s *State, x []float32, T int) (int, error) {
	nx, ny, err := m.sizes(op, s, T)
	if err != nil {
		return 0, err
	}
	if len(x) != nx {
		return 0, errorf(op, "len(x) = %%d, want T*B*InputSize = %%d (T=%%d, B=%%d)", len(x), nx, T, s.batch)
	}
	return ny, nil
}

// sizes validates what check validates but x and y, and returns the
// lengths they must have, T*B*InputSize and T*B*OutputSize.
func (m *Model) sizes(op string, s *State, T int) (nx, ny int, err error) {
	if m == nil || !m.loaded {
		return 0, 0, errorf(op, "the Model is nil or not from New")
	}
	if s == nil || !s.made {
		return 0, 0, errorf(op, "the State is nil or not from NewState")
	}
	B := s.batch
	if T < 0 {
		return 0, 0, errorf(op, "T = %%d, want T >= 0", T)
	}
	rows, ok := mulOK(T, B)
	nx, okx := mulOK(rows, InputSize)
	if !ok || !okx {
		return 0, 0, errorf(op, "T*B*InputSize overflows (T=%%d, B=%%d)", T, B)
	}
	ny, oky := mulOK(rows, OutputSize)
	if !oky {
		return 0, 0, errorf(op, "T*B*OutputSize overflows (T=%%d, B=%%d)", T, B)
	}
	if n, ok := mulOK(rows, widestRow); !ok || n > maxValues {
		return 0, 0, errorf(op, "T*B*%%d, the widest layer's values, overflows or exceeds %%d (T=%%d, B=%%d)", widestRow, maxValues, T, B)
	}
	return nx, ny, nil
}

`)
	w.f(`// run checks the arguments of the entry point op and runs the network,
// on the parts of the batch when s splits it.
func (m *Model) run(op string, s *State, y, x []float32, T int, train bool) error {
	if err := m.check(op, s, y, x, T); err != nil {
		return err
	}
	split := s.split(T)
	if split {
		if err := s.makeParts(m); err != nil {
			return err
		}
	}
`)
	w.f("%s", gen.inputCheck())
	w.f("\tm.runChecked(s, y, x, T, train, split)\n\treturn nil\n}\n\n")
	w.f("// runChecked runs the network on checked arguments (and spikes listed,\n// when the input products run from lists), on the parts when split.\n")
	w.f("func (m *Model) runChecked(s *State, y, x []float32, T int, train, split bool) {\n")
	if opt.Train {
		w.f("\ts.trained, s.steps, s.x, s.partsTrained = nil, 0, nil, false\n")
		w.f("\tif split {\n\t\tm.runParts(s, y, x, T, train)\n\t\tif train {\n\t\t\ts.trained, s.steps, s.x, s.partsTrained = m, T, x, true\n\t\t}\n\t\treturn\n\t}\n")
	} else {
		w.f("\tif split {\n\t\tm.runParts(s, y, x, T, train)\n\t\treturn\n\t}\n")
	}
	w.f("\tm.forwardChunks(s, y, x, T, train)\n}\n\n")
	gen.bitsAPI(w)
	gen.forwardChunks(w)
	w.f(`// forward runs the network on checked arguments and a State that does not
// split the batch (a part's State reads its rows of the caller's x in
// place when the input products allow it; see xBatch). y and x start at
// step t0 of the call (its spike lists cover every step from 0).
func (m *Model) forward(s *State, y, x []float32, T, t0 int, train bool) {
	B := s.batch
`)
	if opt.Train {
		w.f("\tif train {\n\t\ts.x = x\n")
		for _, n := range g.Nodes {
			if !l[n] {
				continue
			}
			for _, b := range gen.stateBufs(n) {
				if b.snapshot != "" {
					w.f("\t\tcopy(s.%s, s.%s)\n", b.field, b.snapshot)
				}
			}
		}
		w.f("\t}\n")
	}
	w.f("\tif B == 0 {\n\t\t// No batch entries: every buffer is empty and there is nothing to\n\t\t// compute, however large T is.\n")
	if opt.Train {
		w.f("\t\tif train {\n\t\t\ts.trained, s.steps = m, T\n\t\t}\n")
	}
	w.f("\t\treturn\n\t}\n")
	if gen.usesKernels() {
		w.f("\tk := active\n")
	}
	for _, n := range g.Nodes {
		if !l[n] {
			continue
		}
		if err := gen.forwardNode(w, n); err != nil {
			return "", err
		}
	}
	if owner(out).Sched.Buffer != ir.BufferOutput {
		w.f("\tcopy(y, %s)\n", gen.valueOf(out))
	}
	if opt.Train {
		w.f("\tif train {\n\t\ts.trained, s.steps = m, T\n\t}\n")
	}
	w.f("}\n\n")
	if opt.Train {
		if err := gen.backward(w, l); err != nil {
			return "", err
		}
	}
	gen.threadMethods(w, l)
	return w.String(), nil
}

// forwardChunks emits Model.forwardChunks: ForwardTrain runs forward on
// the whole call (Backward needs every step's tapes), Forward a few steps
// at a time (chunkSteps). Chunks give the same results as one call
// because every live node's value at a step depends on that step and the
// ones before only: the output is a sequence (newGenerator), and no op
// turns a batch value (sum_time, mean_time) back into one.
func (gen *generator) forwardChunks(w *src) {
	xB := "s.batch"
	if gen.inPlaceInput() {
		xB = "s.xBatch"
	}
	w.f(`// forwardChunks runs forward on checked arguments: to train, on all T
// steps at once (Backward needs every step's tapes); else chunkSteps at a
// time, each layer's output read by the next while still in cache. The
// results are the same bit for bit: the State carries every layer from
// one chunk to the next, as from one Step to the next.
func (m *Model) forwardChunks(s *State, y, x []float32, T int, train bool) {
	tc := chunkSteps(T, s.batch)
	if train || tc >= T {
		m.forward(s, y, x, T, 0, train)
		return
	}
	B := s.batch
	for t0 := 0; t0 < T; t0 += tc {
		n := min(tc, T-t0)
		xc := x
		if x != nil {
			xc = x[t0*%s*InputSize:]
		}
		m.forward(s, y[t0*B*OutputSize:(t0+n)*B*OutputSize], xc, n, t0, false)
	}
}

`, xB)
}

// widestRow is the most values a buffer of the package holds per time step
// and batch entry: the input, every live node's value, the buffers NewState
// makes per entry (a neuron layer's states, its size; a delay line's
// history, delay · size). Parameters are not per row: they are not counted.
func (gen *generator) widestRow(live map[*ir.Node]bool) int {
	widest := max(gen.input.Type.Size(), gen.output.Type.Size(), 1)
	for _, n := range gen.g.Nodes {
		if !live[n] || gen.rule(n).kind == given {
			continue
		}
		widest = max(widest, n.Type.Size())
		for _, b := range gen.stateBufs(n) {
			if b.made {
				widest = max(widest, b.steps*b.width)
			}
		}
	}
	return widest
}

// epilogueOf returns the product fused into neuron node n's kernel, or nil.
func (gen *generator) epilogueOf(n *ir.Node) *ir.Node {
	if n.Op == ir.GNeuron && n.Args[0].Op == ir.GLinear && n.Args[0].Sched.Epilogue {
		return n.Args[0]
	}
	return nil
}

// bufField is the State field holding node n's value: its own, or the
// buffer it shares (plan-buffers).
func (gen *generator) bufField(n *ir.Node) string {
	if n.Sched.Buffer > 0 {
		return "b" + strconv.Itoa(n.Sched.Buffer)
	}
	return buf(n)
}

// owner is the node whose buffer holds n's value: a view (flatten) has
// none of its own.
func owner(n *ir.Node) *ir.Node {
	for emitRules[n.Op].kind == view {
		n = n.Args[0]
	}
	return n
}

func unique(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// valueOf is the local variable holding n's value in run and Backward.
func (gen *generator) valueOf(n *ir.Node) string {
	if r := gen.rule(n); r.kind == given {
		return r.value(gen, n)
	}
	return buf(n)
}

// boundArgs lists the params a neuron node binds, as kernel arguments.
func (gen *generator) boundArgs(n *ir.Node, k *stepKernel, grads bool) string {
	lead := len(n.Args) - len(n.Bind)
	var a []string
	for p, src := range k.params {
		if src == paramConst {
			continue
		}
		for i, name := range n.Bind {
			if name == k.step.Params[p].Name {
				a = append(a, "m."+gen.field[n.Args[lead+i]])
				if grads {
					a = append(a, "g."+exported(gen.field[n.Args[lead+i]]))
				}
			}
		}
	}
	if len(a) == 0 {
		return ""
	}
	return ", " + strings.Join(a, ", ")
}

func exported(field string) string { return strings.ToUpper(field[:1]) + field[1:] }

// forwardNode writes run's code for node n: the op's forward rule, after
// the node's buffer is sized.
func (gen *generator) forwardNode(w *src, n *ir.Node) error {
	r := gen.rule(n)
	v := buf(n)
	switch r.kind {
	case given:
		return nil
	case view:
		w.f("\t%s := %s // %s\n", v, gen.arg(n, 0), n.LongString())
		return nil
	}
	if n.Sched.Epilogue {
		w.f("\t// %s: in the kernel of its user\n", n.LongString())
		return nil
	}
	if r.forward == nil {
		return fmt.Errorf("gogen: %s: no generated form for %v", n.LongString(), n.Op)
	}
	switch f := gen.bufField(n); {
	case n.Sched.Buffer == ir.BufferOutput:
		w.f("\t// %s\n\t%s := y\n", n.LongString(), v)
	default:
		w.f("\t// %s\n\ts.%s = grow(s.%s, %s)\n\t%s := s.%s\n", n.LongString(), f, f, sizeExpr(n), v, f)
	}
	return r.forward(gen, w, n, v)
}

// stateArgs lists a neuron node's state buffers (prefix s) or state
// adjoints (prefix g).
func (gen *generator) stateArgs(n *ir.Node, prefix string) string {
	var b strings.Builder
	for i := range n.Step.States {
		fmt.Fprintf(&b, ", s.%s%d_%d", prefix, n.ID, i)
	}
	return b.String()
}

// tapeSetup sizes the tape buffers of a node when training and declares
// local views, nil otherwise.
func (gen *generator) tapeSetup(n *ir.Node, k *stepKernel, size string) string {
	if len(k.saved) == 0 {
		return ""
	}
	var b strings.Builder
	var names []string
	for _, i := range k.saved {
		names = append(names, fmt.Sprintf("t%d_%d", n.ID, i))
	}
	fmt.Fprintf(&b, "var %s []float32\n\tif train {\n", strings.Join(names, ", "))
	for _, t := range names {
		fmt.Fprintf(&b, "\t\ts.%s = grow(s.%s, %s*%d)\n\t\t%s = s.%s\n", t, t, size, k.n, t, t)
	}
	b.WriteString("\t}")
	return b.String()
}

// tapeArgs passes the tape views, sliced from offset off when given (nil
// slices stay nil).
func (gen *generator) tapeArgs(n *ir.Node, k *stepKernel, off string) string {
	var b strings.Builder
	for _, i := range k.saved {
		t := fmt.Sprintf("t%d_%d", n.ID, i)
		if off != "" {
			t = fmt.Sprintf("sub(%s, %s, B*%d)", t, off, k.n)
		}
		b.WriteString(", " + t)
	}
	return b.String()
}

// backward emits Grads and Model.Backward: the graph's nodes in reverse,
// each adding its arguments' gradients.
func (gen *generator) backward(w *src, l map[*ir.Node]bool) error {
	g := gen.g
	inputGrad, inputScratch := gen.opt.InputGrad, gen.inputScratch(l)
	if inputGrad {
		w.f("// Grads holds the gradients Backward computes: the input's and every\n// parameter's.\ntype Grads struct {\n")
		w.f("\tInput []float32 // [T][B]%s\n", dims(gen.input.Type.Shape))
	} else {
		w.f("// Grads holds the gradients Backward computes: every parameter's. The\n// package was compiled without --input-grad, so Input stays empty.\ntype Grads struct {\n")
		w.f("\tInput []float32 // always empty here; [T][B]%s with --input-grad\n", dims(gen.input.Type.Shape))
	}
	for _, p := range gen.params {
		w.f("\t%s []float32 // %s %v\n", exported(gen.field[p]), p.Name, p.Type)
	}
	w.f("}\n\n// NewGrads returns zeroed gradients.\nfunc (m *Model) NewGrads() *Grads {\n\treturn &Grads{\n")
	for _, p := range gen.params {
		w.f("\t\t%s: make([]float32, %d),\n", exported(gen.field[p]), p.Type.Size())
	}
	w.f("\t}\n}\n\n")
	w.f(`// Backward computes, for the last ForwardTrain on s, the gradients of a
// loss L given dy = dL/dy [T][B]%s, and stores them in g (overwriting
// what it held): %s. The states
// at the start of ForwardTrain are taken as constants.
//
// It returns an error, and changes nothing, for a nil or short g (each
// parameter's slice must have its exact size; g.Input is resized), a dy
// of other than T*B*OutputSize values, and a State whose last ForwardTrain
// ran on another Model, ran T = 0 steps, or was followed by Forward, Step
// or Reset.
func (m *Model) Backward(s *State, g *Grads, dy []float32) error {
	const op = "Backward"
	if m == nil || !m.loaded {
		return errorf(op, "the Model is nil or not from New")
	}
	if s == nil || !s.made {
		return errorf(op, "the State is nil or not from NewState")
	}
	if g == nil {
		return errorf(op, "g is nil (make it with NewGrads)")
	}
`, dims(gen.output.Type.Shape), map[bool]string{
		true:  "dL/dx and dL/d(parameter) for every parameter",
		false: "dL/d(parameter) for every parameter (dL/dx\n// only in a package compiled with --input-grad: g.Input is left empty)",
	}[inputGrad])
	for _, p := range gen.params {
		f := exported(gen.field[p])
		w.f("\tif len(g.%s) != %d {\n\t\treturn errorf(op, \"len(g.%s) = %%d, want %d\", len(g.%s))\n\t}\n", f, p.Type.Size(), f, p.Type.Size(), f)
	}
	w.f(`	if s.trained == nil {
		return errorf(op, "no ForwardTrain on the State since NewState, Reset, Forward or Step")
	}
	if s.trained != m {
		return errorf(op, "the State's last ForwardTrain ran on another Model")
	}
	T, B := s.steps, s.batch
	if T == 0 {
		return errorf(op, "the last ForwardTrain ran T = 0 steps: nothing to differentiate")
	}
	rows, ok := mulOK(T, B)
	ndy, okdy := mulOK(rows, OutputSize)
	if !ok || !okdy {
		return errorf(op, "T*B*OutputSize overflows (T=%%d, B=%%d)", T, B)
	}
	if len(dy) != ndy {
		return errorf(op, "len(dy) = %%d, want T*B*OutputSize = %%d (T=%%d, B=%%d)", len(dy), ndy, T, B)
	}
	if s.partsTrained {
		return m.backwardParts(s, g, dy)
	}
`)
	switch {
	case inputGrad || inputScratch:
		w.f("\tg.Input = grow(g.Input, T*B*InputSize)\n\tclear(g.Input)\n")
	default:
		w.f("\tg.Input = g.Input[:0]\n")
	}
	for _, p := range gen.params {
		w.f("\tclear(g.%s)\n", exported(gen.field[p]))
	}
	w.f("\tif B == 0 {\n\t\treturn nil // no batch entries: every gradient is zero, however large T is\n\t}\n")
	if gen.usesKernels() {
		w.f("\tk := active\n")
	}
	// Views of the forward values the backward pass reads, and zeroed
	// gradient buffers (but those a linear's dx writes whole).
	gen.soleDX = gen.soleLinearUsers(l)
	written := map[*ir.Node]bool{}
	for n := range gen.soleDX {
		written[n.Args[0]] = true
	}
	gradOf := map[*ir.Node]string{}
	views := map[string]string{} // local name → declaration
	var order []string
	for _, n := range g.Nodes {
		if !l[n] {
			continue
		}
		switch r := gen.rule(n); r.kind {
		case given:
			gradOf[n] = r.gradient(gen, n, inputGrad || inputScratch)
		case view:
			views[buf(n)] = fmt.Sprintf("\t%s := %s\n", buf(n), gen.valueOf(n.Args[0]))
			order = append(order, buf(n))
			gradOf[n] = gradOf[n.Args[0]]
		default:
			views[buf(n)] = fmt.Sprintf("\t%s := s.%s[:%s]\n", buf(n), buf(n), sizeExpr(n))
			order = append(order, buf(n))
			if written[n] {
				w.f("\ts.%s = grow(s.%s, %s)\n", grad(n), grad(n), sizeExpr(n))
			} else {
				w.f("\ts.%s = grow(s.%s, %s)\n\tclear(s.%s)\n", grad(n), grad(n), sizeExpr(n), grad(n))
			}
			gradOf[n] = "s." + grad(n)
		}
	}
	body := &src{}
	body.f("\taddInto(%s, dy)\n", gradOf[gen.output])
	for i := len(g.Nodes) - 1; i >= 0; i-- {
		n := g.Nodes[i]
		if !l[n] {
			continue
		}
		if err := gen.backwardNode(body, n, gradOf); err != nil {
			return err
		}
	}
	// Declare a view when the body or a later view reads it.
	text := body.String()
	var decls []string
	for i := len(order) - 1; i >= 0; i-- {
		name := order[i]
		if regexp.MustCompile(`\b` + name + `\b`).MatchString(text + strings.Join(decls, "")) {
			decls = append([]string{views[name]}, decls...)
		}
	}
	if regexp.MustCompile(`\bx\b`).MatchString(text + strings.Join(decls, "")) {
		decls = append([]string{"\tx := s.x // the last ForwardTrain's input\n"}, decls...)
	}
	if inputScratch {
		text += "\tg.Input = g.Input[:0] // used as scratch: not asked for\n"
	}
	w.f("%s%s\treturn nil\n}\n\n", strings.Join(decls, ""), text)
	return nil
}

// soleLinearUsers returns the live linear nodes (not fused into a neuron
// kernel) whose input is a computed node that nothing else reads and that
// is not the network's output: their dx is the whole gradient of that
// node, which linear can write at once instead of linearAdd adding it to a
// cleared buffer (the same values: both start from +0).
func (gen *generator) soleLinearUsers(l map[*ir.Node]bool) map[*ir.Node]bool {
	uses := map[*ir.Node]int{}
	for _, n := range gen.g.Nodes {
		if l[n] {
			for _, a := range n.Args {
				uses[a]++
			}
		}
	}
	sole := map[*ir.Node]bool{}
	for _, n := range gen.g.Nodes {
		if !l[n] || n.Op != ir.GLinear || n.Sched.Epilogue || len(n.Args) == 0 {
			continue
		}
		x := n.Args[0]
		if uses[x] == 1 && x != gen.output && l[x] && gen.rule(x).kind == computed && !x.Sched.Epilogue {
			sole[n] = true
		}
	}
	return sole
}

// inputScratch reports whether a package without InputGrad still needs a
// buffer for the input's gradient: a live node other than a linear or
// recurrent layer's input product reads the network input (directly or
// through flatten) and writes its gradient somewhere.
func (gen *generator) inputScratch(l map[*ir.Node]bool) bool {
	if gen.opt.InputGrad {
		return false
	}
	fromInput := map[*ir.Node]bool{}
	for _, n := range gen.g.Nodes {
		if !l[n] {
			continue
		}
		r := gen.rule(n)
		switch {
		case n == gen.input:
			fromInput[n] = true
			continue
		case r.kind == view:
			fromInput[n] = fromInput[n.Args[0]]
			continue
		}
		for i, a := range n.Args {
			if fromInput[a] && !(i == 0 && r.gradOptional0) {
				return true
			}
		}
	}
	return fromInput[gen.output] // Backward starts by adding dy to it
}

// backwardNode writes Backward's code for node n: the op's backward rule.
func (gen *generator) backwardNode(w *src, n *ir.Node, gradOf map[*ir.Node]string) error {
	r := gen.rule(n)
	if r.kind != computed {
		return nil
	}
	if r.backward == nil {
		return fmt.Errorf("gogen: %s: no generated backward for %v", n.LongString(), n.Op)
	}
	w.f("\t// %s\n", n.LongString())
	return r.backward(gen, w, n, func(i int) string { return gradOf[n.Args[i]] }, gradOf[n])
}

// clearAdjoints sizes and zeroes a neuron node's state adjoints.
func (gen *generator) clearAdjoints(n *ir.Node, k *stepKernel) string {
	var b strings.Builder
	for i := range n.Step.States {
		f := fmt.Sprintf("s.g%d_%d", n.ID, i)
		fmt.Fprintf(&b, "%s = grow(%s, B*%d)\n\tclear(%s)\n\t", f, f, k.n, f)
	}
	return b.String()
}

// savedArgs passes the tapes to a backward kernel, through the slicing
// function at when given.
func (gen *generator) savedArgs(n *ir.Node, k *stepKernel, at string) string {
	var b strings.Builder
	for _, i := range k.saved {
		t := fmt.Sprintf("s.t%d_%d", n.ID, i)
		if at != "" {
			t = at + "(" + t + ")"
		}
		b.WriteString(", " + t)
	}
	return b.String()
}

// kernels writes kernels_generic.go: the fused neuron kernels in plain Go
// and the geometry of convolutions and pools.
func (gen *generator) kernels() (string, error) {
	w := &src{}
	w.f(header, gen.opt.Source)
	w.f("package %s\n\nimport \"math\"\n\nvar _ = math.Exp\n\n", gen.opt.Package)
	w.f("// laneTile is how many neurons a kernel carries through the whole\n// sequence at once: their states stay in L1 between time steps.\nconst laneTile = %d\n\n", kernel.TileLanes)
	w.f("// sub is x[off : off+n], or nil for a nil x.\nfunc sub(x []float32, off, n int) []float32 {\n\tif x == nil {\n\t\treturn nil\n\t}\n\treturn x[off : off+n]\n}\n\n")
	for _, n := range gen.g.Nodes {
		if r := gen.rule(n); r.geometry != nil {
			w.f("var %s = %s\n\n", geomVar(n), r.geometry(n))
		}
	}
	for _, n := range gen.sortedNeurons() {
		k := gen.neuron[n]
		if err := k.forward(&w.Builder); err != nil {
			return "", err
		}
		if lin := gen.epilogueOf(n); lin != nil {
			if err := k.epilogueForward(&w.Builder, lin.Args[0].Type.Size()); err != nil {
				return "", err
			}
		}
		if k.adjoint != nil {
			if err := k.backward(&w.Builder); err != nil {
				return "", err
			}
		}
	}
	return w.String(), nil
}

func (gen *generator) sortedNeurons() []*ir.Node {
	var ns []*ir.Node
	for n := range gen.neuron {
		ns = append(ns, n)
	}
	sort.Slice(ns, func(i, j int) bool { return ns[i].ID < ns[j].ID })
	return ns
}

// dispatch writes dispatch.go: the table of kernel implementations and the
// choice among them, made once from the CPU's features.
// (implementations, the list it chooses from, is in dispatch_amd64.go,
// dispatch_arm64.go or dispatch_other.go.)
func (gen *generator) dispatch() string {
	w := &src{}
	w.f(header, gen.opt.Source)
	w.f("package %s\n\nimport (\n\t\"fmt\"\n\n\t\"github.com/klauspost/cpuid/v2\"\n)\n\n", gen.opt.Package)
	w.f("// kernels is one implementation of the model's kernels.\ntype kernels struct {\n\tname     string\n\trequires []cpuid.FeatureID\n")
	w.f("\tlinear, linearSpikes func(y, x, wT, b []float32, rows, out, in int)\n")
	if gen.input.Spikes {
		w.f("\tfirstNonSpike func(x []float32) int // the check of the input declared spikes\n")
	}
	if gen.listInput() {
		w.f("\t// the products of the input from spike lists (rt/lists.go); nil: row by row\n\tspikeLists     listsFunc\n\tspikeListsBits listsBitsFunc\n\tspikeTile      tileFunc\n")
		if gen.opt.Train {
			w.f("\tspikeColumnsOuter columnsOuterFunc\n")
		}
	}
	if gen.opt.Train {
		w.f("\t// dx += dy·W, dW += dyᵀ·x, dWᵀ += xᵀ·dy for spikes x (rt/linear.go)\n")
		w.f("\t%s func(y, x, wT, b []float32, rows, out, in int)\n", strings.Join(backwardProducts, ", "))
		w.f("\tlinearBackward func(dx, dw, db, x, wT, dy []float32, rows, out, in int)\n")
		w.f("\t// Adam's update (rt/optim.go); nil: the plain-Go loop\n\tadamUpdate func(p, g, first, second []float32, c []float64)\n")
	}
	for _, n := range gen.sortedNeurons() {
		k := gen.neuron[n]
		w.f("\t%sForward func%s\n", k.fn, k.forwardSig())
		if gen.epilogueOf(n) != nil {
			w.f("\t%sLinearForward func%s\n", k.fn, k.epilogueSig())
		}
		if k.adjoint != nil {
			w.f("\t%sBackward func%s\n", k.fn, k.backwardSig())
		}
	}
	w.f("}\n\n// generic is the plain-Go implementation: it runs everywhere and is the\n// one the others are tested against.\n")
	gen.writeTable(w, "generic", "generic", nil, nil)
	w.f(`// active is the implementation in use: the first whose CPU features are
// present.
var active = choose()

func choose() *kernels {
	for _, k := range implementations {
		if cpuid.CPU.Supports(k.requires...) {
			return k
		}
	}
	return &generic
}

// Implementations lists the kernel implementations this CPU can run, best
// first.
func Implementations() []string {
	var names []string
	for _, k := range implementations {
		if cpuid.CPU.Supports(k.requires...) {
			names = append(names, k.name)
		}
	}
	return names
}

// Implementation names the kernels in use.
func Implementation() string { return active.name }

// SetImplementation switches every Model of the package to the named
// kernels (one of Implementations). Tests and benchmarks use it; it must
// not be called while a Model is running.
func SetImplementation(name string) error {
	for _, k := range implementations {
		if k.name == name && cpuid.CPU.Supports(k.requires...) {
			active = k
			return nil
		}
	}
	return fmt.Errorf("%s: no implementation %%q on this CPU; have %%v", name, Implementations())
}
`, gen.opt.Package)
	return w.String()
}

func (gen *generator) doc() string {
	w := &src{}
	w.f(header, gen.opt.Source)
	w.f("// Package %s is the spiking network %s, compiled by snnc.\n//\n", gen.opt.Package, gen.g.Name)
	w.f("// It maps input sequences [T][B]%s to output sequences [T][B]%s.\n", dims(gen.input.Type.Shape), dims(gen.output.Type.Shape))
	w.f("// New loads the weights; NewState holds one stream of B batch entries;\n// Forward runs a sequence and Step one time step, continuing from the state.\n")
	w.f("// State.SetThreads splits a State's batch over goroutines (by default\n// GOMAXPROCS of them); outputs do not depend on their number.\n")
	if gen.opt.Train {
		w.f("// ForwardTrain and Backward give the gradients of a loss with respect to\n// the input and every parameter (backpropagation through time, with the\n// surrogate gradients of the spike thresholds). TrainStep runs a whole\n// training step with a Loss and an Optimizer (NewSGD, NewAdam), updating\n// the Model's weights.\n")
	}
	w.f("//\n// Every entry point checks its arguments (sizes without overflow, exact\n// slice lengths, a Model from New and a State from NewState) and returns\n// an error naming the package, the entry point and the argument.\n")
	w.f("//\n// The kernels are chosen once from the CPU's features; Implementation\n// names them and SetImplementation switches them.\npackage %s\n", gen.opt.Package)
	return w.String()
}

func dims(shape []int) string {
	var b strings.Builder
	for _, d := range shape {
		fmt.Fprintf(&b, "[%d]", d)
	}
	return b.String()
}

// usesKernels reports whether the graph has a node that runs a kernel of
// the dispatch table (products and neuron layers); a graph of delays,
// scales and pooling alone has none.
func (gen *generator) usesKernels() bool {
	for _, n := range gen.g.Nodes {
		if gen.rule(n).kernels {
			return true
		}
	}
	return false
}

// stateAccessors writes StateNames and State.NeuronState, which give the
// program every neuron layer's states by name ("layer.state").
func (gen *generator) stateAccessors(w *src, l map[*ir.Node]bool) {
	var names, cases []string
	for _, n := range gen.g.Nodes {
		if !l[n] || gen.neuron[n] == nil {
			continue
		}
		for i, st := range n.Step.States {
			name := n.Step.Name + "." + st.Name
			names = append(names, strconv.Quote(name))
			cases = append(cases, fmt.Sprintf("\tcase %q:\n\t\treturn s.s%d_%d, nil // %v\n", name, n.ID, i, n.Type))
		}
	}
	w.f("// StateNames lists the neuron states a State holds, as \"layer.state\"\n// names for NeuronState.\nvar StateNames = []string{%s}\n\n", strings.Join(names, ", "))
	w.f(`// NeuronState returns the state called name ("layer.state", one of
// StateNames) of every neuron of a layer, [B][N]: its value after the last
// time step that Forward, Step or ForwardTrain ran, or the initial value
// after NewState and Reset. To see every step's value, run Step one time
// step at a time (it gives what Forward gives) and read the state after
// each. The slice is the State's own: copy it to keep it; what is written
// to it is the state the next call starts from.
func (s *State) NeuronState(name string) ([]float32, error) {
	if s == nil || !s.made {
		return nil, errorf("NeuronState", "the State is nil or not from NewState")
	}
	switch name {
%s	}
	return nil, errorf("NeuronState", "no state %%q (the states are %%v)", name, StateNames)
}

`, strings.Join(cases, ""))
}

// spikeWeightGrad reports whether Backward computes the weight gradient of
// linear node n event-driven (outerSpikes), as the forward does its
// product: its input is spikes.
func (gen *generator) spikeWeightGrad(n *ir.Node) bool {
	return n.Op == ir.GLinear && n.Sched.SpikeInput
}

// wgField is the State field holding dWᵀ of node n for outerSpikes.
func wgField(n *ir.Node) string { return fmt.Sprintf("wg%d", n.ID) }

// linearGrads emits the backward products of node n's input product y =
// x·Wᵀ (+ b), W [out][in] in torch layout, given dy over rows rows: dx +=
// dy·W (skipped when dx is "", the network input's gradient nobody asked
// for), dW += dyᵀ·x (event-driven for spike inputs: dWᵀ per spike, then
// added transposed) and db += Σ dy (when db is not "nil").
func (gen *generator) linearGrads(w *src, n *ir.Node, dx, dw, db, x, wt, dy, rows string, out, in int) {
	switch {
	case dx != "" && gen.soleDX[n]:
		w.f("\tk.linear(%s, %s, %s, nil, %s, %d, %d) // the only contribution to %s\n", dx, dy, wt, rows, in, out, dx)
	case dx != "":
		w.f("\tk.linearAdd(%s, %s, %s, nil, %s, %d, %d)\n", dx, dy, wt, rows, in, out)
	}
	if gen.spikeWeightGrad(n) && gen.readsInputInPlace(n) && gen.listInput() {
		f := "s." + wgField(n)
		w.f("\t%s = grow(%s, %d)\n", f, f, in*out)
		w.f("\tinputSpikeGradW(k.outerSpikes, k.spikeColumnsOuter, &s.lists, %s, %s, %s, %s, T, B, s.xBatch, s.batch0, %d, %d)\n", dw, f, x, dy, out, in)
	} else if gen.spikeWeightGrad(n) {
		f := "s." + wgField(n)
		w.f("\t%s = grow(%s, %d)\n\tclear(%s)\n", f, f, in*out, f)
		if gen.readsInputInPlace(n) {
			w.f("\tspikeGradWRows(k.outerSpikes, %s, %s, %s, T, B, s.xBatch, s.batch0, %d, %d)\n", f, x, dy, out, in)
		} else {
			w.f("\tspikeGradW(k.outerSpikes, %s, %s, %s, %s, %d, %d)\n", f, x, dy, rows, out, in)
		}
		w.f("\taddTransposed(%s, %s, %d, %d)\n", dw, f, out, in)
	} else {
		w.f("\tlinearGradW(k.linearAddXT, %s, %s, %s, %s, %d, %d)\n", dw, dy, x, rows, out, in)
	}
	if db != "nil" {
		w.f("\tbiasGrad(%s, %s, %s, %d)\n", db, dy, rows, out)
	}
}
