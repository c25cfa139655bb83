package gogen

import (
	"fmt"
	"strings"
)

// train writes train.go for a training package: the losses, the
// optimizers and TrainStep, which runs ForwardTrain, the loss and its
// gradient dL/dy, Backward and the update of every parameter, then
// re-derives the transposed copies of the weights the products read.
func (gen *generator) train() string {
	w := &src{}
	w.f(header, gen.opt.Source)
	w.f("package %s\n\nimport \"math\"\n\n", gen.opt.Package)
	w.f("%s%s", trainSource, trainAPISource)
	if gen.input.Spikes {
		w.f("%s", trainBitsSource)
	}
	var grads []string
	for _, p := range gen.params {
		grads = append(grads, "g."+exported(gen.field[p]))
	}
	w.f("// list is the parameters' gradients in the order of Model.trainable.\n")
	w.f("func (g *Grads) list() [][]float32 {\n\treturn [][]float32{%s}\n}\n\n", strings.Join(grads, ", "))
	w.f("// rederive recomputes the copies of the weights the products read from\n// the parameters TrainStep updated.\nfunc (m *Model) rederive() {\n")
	for _, p := range gen.params {
		if gen.transposed[p] {
			w.f("\ttransposeInto(m.%sT, m.%s, %d, %d)\n", gen.field[p], gen.field[p], p.Type.Shape[0], p.Type.Size()/p.Type.Shape[0])
		}
	}
	for _, d := range gen.derivedWeights() {
		w.f("%s", d.derive(true))
	}
	w.f("}\n\n")
	var names, shapes []string
	for _, p := range gen.params {
		names = append(names, fmt.Sprintf("%q", p.Name))
		dims := make([]string, len(p.Type.Shape))
		for i, d := range p.Type.Shape {
			dims[i] = fmt.Sprint(d)
		}
		shapes = append(shapes, "{"+strings.Join(dims, ", ")+"}")
	}
	w.f("// paramNames and paramShapes are the parameters' names in the model file\n// and their shapes, in the order of Model.trainable.\n")
	w.f("var paramNames = []string{%s}\n\nvar paramShapes = [][]int{%s}\n", strings.Join(names, ", "), strings.Join(shapes, ", "))
	return w.String()
}

// trainSource is the part of train.go that is the same for every model.
const trainSource = `// LossKind selects the loss TrainStep minimises.
type LossKind int

const (
	// CrossEntropyMaxTime is the softmax cross-entropy of each batch
	// entry's outputs' maxima over time against Loss.Labels, averaged over
	// the batch: a readout's usual classification loss. The gradient goes
	// to the first time step holding each maximum.
	CrossEntropyMaxTime LossKind = iota
	// CrossEntropySumTime is the cross-entropy of the outputs summed over
	// time.
	CrossEntropySumTime
	// CrossEntropyLastStep is the cross-entropy of the last step's outputs.
	CrossEntropyLastStep
	// MSE is the mean over T·B·OutputSize of (y − Loss.Target)², Target
	// [T][B]OutputSize.
	MSE
	// SpikeCount is the mean over B·OutputSize of (Σ_t y − Loss.Target)²,
	// Target [B]OutputSize: target spike counts of every output neuron.
	SpikeCount
)

// Loss is what TrainStep minimises: its kind and its targets.
type Loss struct {
	Kind   LossKind
	Labels []int32   // the cross-entropies: [B] classes, 0 <= label < OutputSize
	Target []float32 // MSE: [T][B]OutputSize; SpikeCount: [B]OutputSize
}

// Optimizer holds an optimizer's settings and its state (momentum or
// moment estimates, one value per parameter value) and the gradients of
// the last TrainStep. Make it with NewSGD or NewAdam; one Optimizer
// trains one Model.
type Optimizer struct {
	adam                bool
	lr, momentum        float32 // SGD
	beta1, beta2, eps   float64 // Adam
	steps               int64   // updates made, for Adam's bias correction
	clip                float64 // the largest global gradient norm TrainStep lets through; 0: no clipping
	norm                float64 // the last TrainStep's global gradient norm, before clipping, once known
	normKnown           bool    // norm is computed (with a clip, by TrainStep; else by GradNorm)
	grads               *Grads
	list                [][]float32 // grads' slices, in the order of Model.trainable
	values              int         // the values of all parameters
	first, second       [][]float32 // SGD's velocity; Adam's first and second moments
	adamStep            []float64   // this update's constants of adamUpdate
}

// Grads is the gradient of the last TrainStep's loss (read-only).
func (o *Optimizer) Grads() *Grads { return o.grads }

// NewSGD returns stochastic gradient descent with momentum, as PyTorch's
// SGD (no dampening, no weight decay): v = momentum·v + g, p −= lr·v.
// lr must be finite and positive, momentum in [0, 1).
func (m *Model) NewSGD(lr, momentum float32) (*Optimizer, error) {
	const op = "NewSGD"
	if m == nil || !m.loaded {
		return nil, errorf(op, "the Model is nil or not from New")
	}
	if !(lr > 0) || math.IsInf(float64(lr), 0) {
		return nil, errorf(op, "lr = %g, want a finite lr > 0", lr)
	}
	if !(momentum >= 0 && momentum < 1) {
		return nil, errorf(op, "momentum = %g, want 0 <= momentum < 1", momentum)
	}
	o := &Optimizer{lr: lr, momentum: momentum}
	o.make(m, false)
	return o, nil
}

// NewAdam returns Adam, as PyTorch's (no weight decay): with g the
// gradient and k the update's number, m1 = β1·m1 + (1−β1)·g, m2 = β2·m2 +
// (1−β2)·g², p −= lr·(m1/(1−β1^k)) / (√(m2/(1−β2^k)) + eps), computed in
// float64. lr and eps must be finite and positive, β1 and β2 in [0, 1).
func (m *Model) NewAdam(lr, beta1, beta2, eps float32) (*Optimizer, error) {
	const op = "NewAdam"
	if m == nil || !m.loaded {
		return nil, errorf(op, "the Model is nil or not from New")
	}
	if !(lr > 0) || math.IsInf(float64(lr), 0) {
		return nil, errorf(op, "lr = %g, want a finite lr > 0", lr)
	}
	if !(beta1 >= 0 && beta1 < 1) {
		return nil, errorf(op, "beta1 = %g, want 0 <= beta1 < 1", beta1)
	}
	if !(beta2 >= 0 && beta2 < 1) {
		return nil, errorf(op, "beta2 = %g, want 0 <= beta2 < 1", beta2)
	}
	if !(eps > 0) || math.IsInf(float64(eps), 0) {
		return nil, errorf(op, "eps = %g, want a finite eps > 0", eps)
	}
	o := &Optimizer{adam: true, lr: lr, beta1: float64(beta1), beta2: float64(beta2), eps: float64(eps)}
	o.make(m, true)
	return o, nil
}

func (o *Optimizer) make(m *Model, adam bool) {
	o.grads = m.NewGrads()
	o.list = o.grads.list()
	o.first = make([][]float32, len(m.trainable))
	for i, p := range m.trainable {
		o.first[i] = make([]float32, len(p))
		o.values += len(p)
	}
	if adam {
		o.adamStep = make([]float64, 0, 7)
		o.second = make([][]float32, len(m.trainable))
		for i, p := range m.trainable {
			o.second[i] = make([]float32, len(p))
		}
	}
}

// apply updates every parameter of m from o.grads, then the copies of the
// weights the products read. Adam's update, bound by a square root and a
// division per value, runs on up to threads goroutines, each a contiguous
// range of the parameters' values (which do not depend on each other, so
// the result does not depend on threads); SGD's is bound by memory and
// runs on one.
func (o *Optimizer) apply(m *Model, threads int) {
	o.steps++
	o.prepare()
	if o.adam && threads > 1 {
		onRanges(threads, o.values, parallelMin, func(lo, hi int) { o.update(m, lo, hi) })
	} else {
		o.update(m, 0, o.values)
	}
	m.rederive()
}

// prepare works out Adam's constants of update number o.steps (adamStep):
// as PyTorch's, the step lr/c1 and the denominator sqrt(v)/sqrt(c2) + eps,
// their constant factors worked out once, so that each value takes one
// square root and one division (the divider is what the loop waits on).
func (o *Optimizer) prepare() {
	if !o.adam {
		return
	}
	c1 := 1 - math.Pow(o.beta1, float64(o.steps))
	c2 := 1 - math.Pow(o.beta2, float64(o.steps))
	o.adamStep = append(o.adamStep[:0], o.beta1, 1-o.beta1, o.beta2, 1-o.beta2,
		float64(o.lr)/c1, 1/math.Sqrt(c2), o.eps)
}

// update applies the optimizer's update to values lo … hi−1 of the
// parameters (all of them one after the other, in the order of
// Model.trainable), Adam's with the constants prepare worked out.
func (o *Optimizer) update(m *Model, lo, hi int) {
	off := 0
	for i, p := range m.trainable {
		from, to := max(lo-off, 0), min(hi-off, len(p))
		off += len(p)
		if from >= to {
			continue
		}
		p, g, first := p[from:to], o.list[i][from:to], o.first[i][from:to]
		if !o.adam {
			for j := range p { // first is the velocity
				first[j] = o.momentum*first[j] + g[j]
				p[j] -= o.lr * first[j]
			}
			continue
		}
		second := o.second[i][from:to]
		k := 0
		if kernel := active.adamUpdate; kernel != nil {
			k = len(p) - len(p)%adamLanes
			kernel(p[:k], g[:k], first[:k], second[:k], o.adamStep)
		}
		adamUpdate(p[k:], g[k:], first[k:], second[k:], o.adamStep)
	}
}

// TrainStep runs one training step on a batch: ForwardTrain of x ([T][B]
// InputSize, continuing from s), the loss and its gradient dL/dy, Backward
// and the optimizer's update of every parameter (and of the transposed
// copies the products read). It returns the loss. The Model changes: no
// other call may use it meanwhile. Afterwards o.Grads() holds the
// gradients and Backward may run again on s.
//
// Arguments that do not fit give an error and change nothing: those of
// Forward, T = 0, an Optimizer not from NewSGD or NewAdam, a loss kind the
// package does not know, labels other than B values in [0, OutputSize),
// targets of another length or not finite. A loss that is not finite
// (outputs that overflowed) gives an error and leaves the weights as they
// were. A batch of B = 0 entries returns 0 and changes nothing.
func (m *Model) TrainStep(s *State, o *Optimizer, x []float32, T int, loss Loss) (float32, error) {
	const op = "TrainStep"
	ny, err := m.checkSizes(op, s, x, T)
	if err != nil {
		return 0, err
	}
	if err := m.checkStep(op, s, o, T, ny, loss); err != nil || s.batch == 0 {
		return 0, err
	}
	s.ty, s.tdy = grow(s.ty, ny), grow(s.tdy, ny)
	if err := m.run(op, s, s.ty, x, T, true); err != nil {
		return 0, err
	}
	return m.step(op, s, o, T, loss)
}

// checkStep checks TrainStep's arguments past the input: T, the
// Optimizer and the loss, for outputs of ny values.
func (m *Model) checkStep(op string, s *State, o *Optimizer, T, ny int, loss Loss) error {
	if T == 0 {
		return errorf(op, "T = 0, want T >= 1: no steps to train on")
	}
	if o == nil || o.grads == nil {
		return errorf(op, "the Optimizer is nil or not from NewSGD or NewAdam")
	}
	B := s.batch
	switch loss.Kind {
	case CrossEntropyMaxTime, CrossEntropySumTime, CrossEntropyLastStep:
		if len(loss.Labels) != B {
			return errorf(op, "len(loss.Labels) = %d, want B = %d", len(loss.Labels), B)
		}
		for i, c := range loss.Labels {
			if c < 0 || int64(c) >= OutputSize {
				return errorf(op, "loss.Labels[%d] = %d, want 0 <= label < OutputSize = %d", i, c, OutputSize)
			}
		}
	case MSE, SpikeCount:
		want, what := ny, "T*B*OutputSize"
		if loss.Kind == SpikeCount {
			want, what = B*OutputSize, "B*OutputSize" // <= ny: no overflow
		}
		if len(loss.Target) != want {
			return errorf(op, "len(loss.Target) = %d, want %s = %d (T=%d, B=%d)", len(loss.Target), what, want, T, B)
		}
		for i, v := range loss.Target {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return errorf(op, "loss.Target[%d] = %g, want a finite value", i, v)
			}
		}
	default:
		return errorf(op, "loss.Kind = %d, not a LossKind of this package", loss.Kind)
	}
	return nil
}

// step is TrainStep after ForwardTrain's outputs are in s.ty: the loss and
// its gradient, Backward, and the update.
func (m *Model) step(op string, s *State, o *Optimizer, T int, loss Loss) (float32, error) {
	l := lossGrad(loss, s.ty, s.tdy, T, s.batch)
	if math.IsNaN(l) || math.IsInf(l, 0) {
		return float32(l), errorf(op, "the loss is %g: the weights are left as they were", l)
	}
	if err := m.Backward(s, o.grads, s.tdy); err != nil {
		return 0, err
	}
	o.clipGrads()
	o.apply(m, s.threads)
	return float32(l), nil
}

// clipGrads, when a clip is set, computes the global norm of the
// gradients and, when it exceeds the clip, scales every gradient by
// clip/norm. Without a clip the norm is left to GradNorm: it is a chain of
// dependent float64 additions over every gradient value, which a step
// that does not clip does not need.
func (o *Optimizer) clipGrads() {
	o.normKnown = false
	if o.clip == 0 {
		return
	}
	o.norm, o.normKnown = o.gradNorm(), true
	if !(o.norm > o.clip) {
		return
	}
	scale := float32(o.clip / o.norm)
	for _, g := range o.list {
		for j := range g {
			g[j] *= scale
		}
	}
}

// gradNorm is the global norm of the gradients: all parameters' gradients
// as one vector, in float64.
func (o *Optimizer) gradNorm() float64 {
	sum := 0.0
	for _, g := range o.list {
		for _, v := range g {
			sum += float64(v) * float64(v)
		}
	}
	return math.Sqrt(sum)
}

// lossGrad returns the loss of outputs y ([T][B]OutputSize, B > 0) and
// writes its gradient dL/dy into dy, computing in float64.
func lossGrad(loss Loss, y, dy []float32, T, B int) float64 {
	const N = OutputSize
	clear(dy)
	total := 0.0
	switch loss.Kind {
	case MSE:
		scale := 1 / float64(len(y))
		for i, v := range y {
			d := float64(v) - float64(loss.Target[i])
			total += d * d
			dy[i] = float32(2 * d * scale)
		}
		return total * scale
	case SpikeCount:
		scale := 1 / float64(B*N)
		for b := 0; b < B; b++ {
			for o := 0; o < N; o++ {
				c := 0.0
				for t := 0; t < T; t++ {
					c += float64(y[(t*B+b)*N+o])
				}
				d := c - float64(loss.Target[b*N+o])
				total += d * d
				g := float32(2 * d * scale)
				for t := 0; t < T; t++ {
					dy[(t*B+b)*N+o] = g
				}
			}
		}
		return total * scale
	}
	// The cross-entropies: z is the entry's logits, at the time step of
	// each maximum.
	var z [N]float64
	var at [N]int
	for b := 0; b < B; b++ {
		for o := 0; o < N; o++ {
			switch loss.Kind {
			case CrossEntropyMaxTime:
				z[o], at[o] = float64(y[b*N+o]), 0
				for t := 1; t < T; t++ {
					if v := float64(y[(t*B+b)*N+o]); v > z[o] {
						z[o], at[o] = v, t
					}
				}
			case CrossEntropySumTime:
				z[o] = 0
				for t := 0; t < T; t++ {
					z[o] += float64(y[(t*B+b)*N+o])
				}
			default:
				z[o] = float64(y[((T-1)*B+b)*N+o])
			}
		}
		top := z[0]
		for _, v := range z {
			top = max(top, v)
		}
		sum := 0.0
		for _, v := range z {
			sum += math.Exp(v - top)
		}
		lse := top + math.Log(sum)
		label := int(loss.Labels[b])
		total += lse - z[label]
		for o := 0; o < N; o++ {
			g := math.Exp(z[o] - lse)
			if o == label {
				g--
			}
			g /= float64(B)
			switch loss.Kind {
			case CrossEntropyMaxTime:
				dy[(at[o]*B+b)*N+o] = float32(g)
			case CrossEntropySumTime:
				for t := 0; t < T; t++ {
					dy[(t*B+b)*N+o] = float32(g)
				}
			default:
				dy[((T-1)*B+b)*N+o] = float32(g)
			}
		}
	}
	return total / float64(B)
}

`

// trainAPISource is the rest of train.go: the parameters by name, the
// optimizer's settings and its state for checkpoints.
const trainAPISource = `// Param is one parameter of the Model: its name in the model file, its
// shape and its values (C order).
type Param struct {
	Name   string
	Shape  []int
	Values []float32
}

// Params returns every parameter, in the order of the model's weights,
// with copies of their values: changing them changes nothing in m.
func (m *Model) Params() ([]Param, error) {
	if m == nil || !m.loaded {
		return nil, errorf("Params", "the Model is nil or not from New")
	}
	out := make([]Param, len(paramNames))
	for i, name := range paramNames {
		out[i] = Param{Name: name, Shape: append([]int(nil), paramShapes[i]...), Values: append([]float32(nil), m.trainable[i]...)}
	}
	return out, nil
}

// SetParam replaces the values of the parameter called name with a copy of
// values, and the copies of the weights the products read with them. It
// returns an error, and changes nothing, for an unknown name, values of
// another length and values that are not finite. As TrainStep, it changes
// the Model: no other call may use it meanwhile.
func (m *Model) SetParam(name string, values []float32) error {
	const op = "SetParam"
	if m == nil || !m.loaded {
		return errorf(op, "the Model is nil or not from New")
	}
	i := -1
	for j, n := range paramNames {
		if n == name {
			i = j
		}
	}
	if i < 0 {
		return errorf(op, "name %q is no parameter of this package (it has %q)", name, paramNames)
	}
	if len(values) != len(m.trainable[i]) {
		return errorf(op, "len(values) = %d, want %d for %s %v", len(values), len(m.trainable[i]), name, paramShapes[i])
	}
	for j, v := range values {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return errorf(op, "values[%d] = %g for %s, want a finite value", j, v, name)
		}
	}
	copy(m.trainable[i], values)
	m.rederive()
	return nil
}

// LR returns the learning rate.
func (o *Optimizer) LR() float32 { return o.lr }

// SetLR sets the learning rate of the updates that follow (for a
// schedule); lr must be finite and positive.
func (o *Optimizer) SetLR(lr float32) error {
	const op = "SetLR"
	if o == nil || o.grads == nil {
		return errorf(op, "the Optimizer is nil or not from NewSGD or NewAdam")
	}
	if !(lr > 0) || math.IsInf(float64(lr), 0) {
		return errorf(op, "lr = %g, want a finite lr > 0", lr)
	}
	o.lr = lr
	return nil
}

// SetClip makes TrainStep clip the gradients by their global norm before
// each update: when the norm of all gradients taken as one vector exceeds
// maxNorm, every gradient is scaled by maxNorm/norm. maxNorm = 0 turns
// clipping off; otherwise it must be finite and positive.
func (o *Optimizer) SetClip(maxNorm float32) error {
	const op = "SetClip"
	if o == nil || o.grads == nil {
		return errorf(op, "the Optimizer is nil or not from NewSGD or NewAdam")
	}
	if !(maxNorm >= 0) || math.IsInf(float64(maxNorm), 0) {
		return errorf(op, "maxNorm = %g, want a finite maxNorm >= 0", maxNorm)
	}
	o.clip = float64(maxNorm)
	return nil
}

// GradNorm is the global norm of the last TrainStep's gradients, before
// clipping (0 before the first). Without a clip it is computed at the
// first call after the step, from Grads: a Backward into them in between
// changes it.
func (o *Optimizer) GradNorm() float64 {
	if !o.normKnown && o.steps > 0 {
		o.norm, o.normKnown = o.gradNorm(), true
	}
	return o.norm
}

// OptimizerState is an Optimizer's state, for checkpoints: its kind, the
// number of updates made, and per parameter (in the order of Params) SGD's
// velocity or Adam's first moments (First) and Adam's second moments
// (Second, nil for SGD).
type OptimizerState struct {
	Kind          string // "sgd" or "adam"
	Steps         int64
	First, Second [][]float32
}

// State returns a copy of the optimizer's state.
func (o *Optimizer) State() (OptimizerState, error) {
	if o == nil || o.grads == nil {
		return OptimizerState{}, errorf("State", "the Optimizer is nil or not from NewSGD or NewAdam")
	}
	st := OptimizerState{Kind: "sgd", Steps: o.steps}
	if o.adam {
		st.Kind = "adam"
	}
	copyAll := func(a [][]float32) [][]float32 {
		if a == nil {
			return nil
		}
		out := make([][]float32, len(a))
		for i := range a {
			out[i] = append([]float32(nil), a[i]...)
		}
		return out
	}
	st.First, st.Second = copyAll(o.first), copyAll(o.second)
	return st, nil
}

// SetState replaces the optimizer's state with a copy of st, as State
// returned it from an Optimizer of the same kind for the same package. It
// returns an error, and changes nothing, for another kind, a negative step
// count, arrays of other sizes, and values that are not finite.
func (o *Optimizer) SetState(st OptimizerState) error {
	const op = "SetState"
	if o == nil || o.grads == nil {
		return errorf(op, "the Optimizer is nil or not from NewSGD or NewAdam")
	}
	kind := "sgd"
	if o.adam {
		kind = "adam"
	}
	if st.Kind != kind {
		return errorf(op, "st.Kind = %q, want %q, the kind of this Optimizer", st.Kind, kind)
	}
	if st.Steps < 0 {
		return errorf(op, "st.Steps = %d, want >= 0", st.Steps)
	}
	check := func(field string, got, want [][]float32) error {
		if len(got) != len(want) {
			return errorf(op, "len(st.%s) = %d, want %d arrays, one per parameter", field, len(got), len(want))
		}
		for i := range want {
			if len(got[i]) != len(want[i]) {
				return errorf(op, "len(st.%s[%d]) = %d, want %d for %s", field, i, len(got[i]), len(want[i]), paramNames[i])
			}
			for j, v := range got[i] {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) || (field == "Second" && v < 0) {
					return errorf(op, "st.%s[%d][%d] = %g for %s, want a finite value (>= 0 for Second)", field, i, j, v, paramNames[i])
				}
			}
		}
		return nil
	}
	if err := check("First", st.First, o.first); err != nil {
		return err
	}
	if err := check("Second", st.Second, o.second); err != nil {
		return err
	}
	o.steps = st.Steps
	for i := range o.first {
		copy(o.first[i], st.First[i])
	}
	for i := range o.second {
		copy(o.second[i], st.Second[i])
	}
	return nil
}

`

// trainBitsSource is TrainStepBits, for a network input declared spikes.
const trainBitsSource = `// TrainStepBits is TrainStep with the input as bit-packed spikes
// ([T][B][InputWords] words; see ForwardBits): the same loss, gradients
// and update as TrainStep given the same spikes as float32, bit for bit.
func (m *Model) TrainStepBits(s *State, o *Optimizer, x []uint64, T int, loss Loss) (float32, error) {
	const op = "TrainStepBits"
	ny, err := m.checkBitsSizes(op, s, x, T)
	if err != nil {
		return 0, err
	}
	if err := m.checkStep(op, s, o, T, ny, loss); err != nil || s.batch == 0 {
		return 0, err
	}
	s.ty, s.tdy = grow(s.ty, ny), grow(s.tdy, ny)
	if err := m.runBits(op, s, s.ty, x, T, true); err != nil {
		return 0, err
	}
	return m.step(op, s, o, T, loss)
}

`
