package gogen

// trainer writes trainer.go for a training package: Trainer, which shows
// the package to a training loop through methods of standard types only,
// so that a driver (github.com/snnc/snnc/train) can take any compiled
// package as an interface while the package imports nothing of snnc.
func (gen *generator) trainer() string {
	w := &src{}
	w.f(header, gen.opt.Source)
	w.f("package %s\n\nimport \"math\"\n\n", gen.opt.Package)
	w.f("%s", trainerSource)
	if gen.input.Spikes {
		w.f("%s", trainerBitsSource)
	}
	return w.String()
}

// trainerSource is trainer.go after its package clause.
const trainerSource = `// Trainer is a Model, its Optimizer and the States of a training loop,
// seen through methods of standard types only: a training driver takes it
// as an interface (github.com/snnc/snnc/train's Network) without this
// package importing the driver. Every batch starts from fresh neuron
// states. A Trainer belongs to one goroutine at a time.
type Trainer struct {
	m       *Model
	o       *Optimizer
	loss    LossKind
	threads int
	train   *State         // the training batches' State, made for their size
	eval    *State         // Predict's State, made for its batch size
	y       []float32      // Predict's outputs
	labels  []int32        // TrainStep's labels
}

// NewTrainer returns a Trainer of the compiled weights with optimizer
// "sgd" (momentum 0.9) or "adam" (β 0.9 and 0.999, ε 1e-8), learning rate
// lr, running on threads goroutines, minimising the cross-entropy of the
// outputs' maxima over time.
func NewTrainer(optimizer string, lr float32, threads int) (*Trainer, error) {
	const op = "NewTrainer"
	if threads < 1 {
		return nil, errorf(op, "threads = %d, want >= 1", threads)
	}
	m, err := New()
	if err != nil {
		return nil, err
	}
	t := &Trainer{m: m, threads: threads}
	switch optimizer {
	case "sgd":
		t.o, err = m.NewSGD(lr, 0.9)
	case "adam":
		t.o, err = m.NewAdam(lr, 0.9, 0.999, 1e-8)
	default:
		return nil, errorf(op, "optimizer %q, want \"sgd\" or \"adam\"", optimizer)
	}
	if err != nil {
		return nil, err
	}
	return t, nil
}

// Model is the Trainer's Model.
func (t *Trainer) Model() *Model { return t.m }

// Optimizer is the Trainer's Optimizer.
func (t *Trainer) Optimizer() *Optimizer { return t.o }

// Sizes returns InputSize and OutputSize.
func (t *Trainer) Sizes() (in, out int) { return InputSize, OutputSize }

// InputIsSpikes is InputSpikes.
func (t *Trainer) InputIsSpikes() bool { return InputSpikes }

// SetLoss selects the loss: "max" (cross-entropy of the outputs' maxima
// over time), "sum" (of their sums over time) or "last" (of the last
// step's outputs). Predict scores the classes the same way.
func (t *Trainer) SetLoss(kind string) error {
	switch kind {
	case "max":
		t.loss = CrossEntropyMaxTime
	case "sum":
		t.loss = CrossEntropySumTime
	case "last":
		t.loss = CrossEntropyLastStep
	default:
		return errorf("SetLoss", "kind %q, want \"max\", \"sum\" or \"last\"", kind)
	}
	return nil
}

// state returns *s reset, made anew when it is missing or of another batch size.
func (t *Trainer) state(s **State, B int) (*State, error) {
	if *s == nil || (*s).Batch() != B {
		ns, err := t.m.NewState(B)
		if err != nil {
			return nil, err
		}
		if err := ns.SetThreads(t.threads); err != nil {
			return nil, err
		}
		*s = ns
	}
	(*s).Reset()
	return *s, nil
}

// TrainStep trains on one batch: x is [T][B][InputSize], labels the B
// classes. It returns the loss and writes each entry's class scores of the
// forward pass (before the update, scored as Predict scores them) into
// scores ([B][OutputSize]; nil skips them).
func (t *Trainer) TrainStep(x []float32, T int, labels []int, scores []float32) (float32, error) {
	const op = "TrainStep"
	step, ok := mulOK(T, InputSize)
	if T < 1 || !ok || len(x)%step != 0 {
		return 0, errorf(op, "len(x) = %d is not T*B*InputSize for T = %d", len(x), T)
	}
	B := len(x) / step
	s, err := t.batch(op, B, labels, scores)
	if err != nil {
		return 0, err
	}
	l, err := t.m.TrainStep(s, t.o, x, T, Loss{Kind: t.loss, Labels: t.labels})
	if err == nil && scores != nil {
		t.score(s.ty, T, B, scores)
	}
	return l, err
}

// batch checks a training batch of B entries' labels and scores, keeps the
// labels, and returns the State to train on.
func (t *Trainer) batch(op string, B int, labels []int, scores []float32) (*State, error) {
	if len(labels) != B {
		return nil, errorf(op, "len(labels) = %d, want B = %d", len(labels), B)
	}
	s, err := t.state(&t.train, B)
	if err != nil {
		return nil, err
	}
	t.labels = t.labels[:0]
	for i, c := range labels {
		if c < 0 || c >= OutputSize {
			return nil, errorf(op, "labels[%d] = %d, want 0 <= label < OutputSize = %d", i, c, OutputSize)
		}
		t.labels = append(t.labels, int32(c))
	}
	if scores != nil && len(scores) != B*OutputSize {
		return nil, errorf(op, "len(scores) = %d, want B*OutputSize = %d", len(scores), B*OutputSize)
	}
	return s, nil
}

// score writes each entry's class scores from outputs y ([T][B][OutputSize]).
func (t *Trainer) score(y []float32, T, B int, scores []float32) {
	for b := 0; b < B; b++ {
		for o := 0; o < OutputSize; o++ {
			v := y[((T-1)*B+b)*OutputSize+o]
			for step := 0; step < T-1 && t.loss != CrossEntropyLastStep; step++ {
				u := y[(step*B+b)*OutputSize+o]
				if t.loss == CrossEntropyMaxTime {
					v = max(v, u)
				} else {
					v += u
				}
			}
			scores[b*OutputSize+o] = v
		}
	}
}

// Predict runs x ([T][B][InputSize]) from fresh states and writes each
// entry's class scores ([B][OutputSize], scored as the loss scores them)
// into scores, and the fraction of each State variable's values that are
// exactly 0 after the last step into zeros (one per StateNames entry; nil
// skips them).
func (t *Trainer) Predict(x []float32, T int, scores []float32, zeros []float64) error {
	const op = "Predict"
	step, ok := mulOK(T, InputSize)
	if T < 1 || !ok || len(x)%step != 0 {
		return errorf(op, "len(x) = %d is not T*B*InputSize for T = %d", len(x), T)
	}
	B := len(x) / step
	if len(scores) != B*OutputSize {
		return errorf(op, "len(scores) = %d, want B*OutputSize = %d", len(scores), B*OutputSize)
	}
	s, err := t.state(&t.eval, B)
	if err != nil {
		return err
	}
	t.y = grow(t.y, T*B*OutputSize)
	if err := t.m.Forward(s, t.y, x, T); err != nil {
		return err
	}
	t.score(t.y, T, B, scores)
	if zeros != nil {
		for i, name := range StateNames {
			v, err := s.NeuronState(name)
			if err != nil {
				return err
			}
			n := 0
			for _, u := range v {
				if u == 0 {
					n++
				}
			}
			zeros[i] = float64(n) / math.Max(1, float64(len(v)))
		}
	}
	return nil
}

// StateVariables is StateNames.
func (t *Trainer) StateVariables() []string { return StateNames }

// ParamNames returns the parameters' names in the model file.
func (t *Trainer) ParamNames() []string { return append([]string(nil), paramNames...) }

// Param returns a parameter's shape and a copy of its values.
func (t *Trainer) Param(name string) (shape []int, values []float32, err error) {
	ps, err := t.m.Params()
	if err != nil {
		return nil, nil, err
	}
	for _, p := range ps {
		if p.Name == name {
			return p.Shape, p.Values, nil
		}
	}
	return nil, nil, errorf("Param", "name %q is no parameter of this package (it has %q)", name, paramNames)
}

// SetParam is Model.SetParam.
func (t *Trainer) SetParam(name string, values []float32) error { return t.m.SetParam(name, values) }

// SetLR is Optimizer.SetLR.
func (t *Trainer) SetLR(lr float32) error { return t.o.SetLR(lr) }

// SetClip is Optimizer.SetClip.
func (t *Trainer) SetClip(maxNorm float32) error { return t.o.SetClip(maxNorm) }

// GradNorm is Optimizer.GradNorm.
func (t *Trainer) GradNorm() float64 { return t.o.GradNorm() }

// OptimizerState returns a copy of the optimizer's state: its kind, its
// update count and its moment arrays by name ("first/<param>",
// "second/<param>").
func (t *Trainer) OptimizerState() (kind string, steps int64, arrays map[string][]float32, err error) {
	st, err := t.o.State()
	if err != nil {
		return "", 0, nil, err
	}
	arrays = map[string][]float32{}
	for i, name := range paramNames {
		arrays["first/"+name] = st.First[i]
		if st.Second != nil {
			arrays["second/"+name] = st.Second[i]
		}
	}
	return st.Kind, st.Steps, arrays, nil
}

// SetOptimizerState replaces the optimizer's state with what
// OptimizerState returned; an array missing or left over is an error.
func (t *Trainer) SetOptimizerState(kind string, steps int64, arrays map[string][]float32) error {
	st := OptimizerState{Kind: kind, Steps: steps, First: make([][]float32, len(paramNames))}
	if kind == "adam" {
		st.Second = make([][]float32, len(paramNames))
	}
	used := 0
	for i, name := range paramNames {
		for _, part := range []struct {
			key string
			dst [][]float32
		}{{"first/" + name, st.First}, {"second/" + name, st.Second}} {
			if part.dst == nil {
				continue
			}
			v, ok := arrays[part.key]
			if !ok {
				return errorf("SetOptimizerState", "no array %q in the optimizer state", part.key)
			}
			part.dst[i] = v
			used++
		}
	}
	if used != len(arrays) {
		return errorf("SetOptimizerState", "%d arrays, want %d: the state is of another package or optimizer", len(arrays), used)
	}
	return t.o.SetState(st)
}
`

// trainerBitsSource is Trainer.TrainStepBits, for a network input declared
// spikes.
const trainerBitsSource = `// TrainStepBits is TrainStep with the input as bit-packed spikes: x is
// [T][B][InputWords] words (see ForwardBits).
func (t *Trainer) TrainStepBits(x []uint64, T int, labels []int, scores []float32) (float32, error) {
	const op = "TrainStepBits"
	step, ok := mulOK(T, InputWords)
	if T < 1 || !ok || len(x)%step != 0 {
		return 0, errorf(op, "len(x) = %d is not T*B*InputWords for T = %d", len(x), T)
	}
	B := len(x) / step
	s, err := t.batch(op, B, labels, scores)
	if err != nil {
		return 0, err
	}
	l, err := t.m.TrainStepBits(s, t.o, x, T, Loss{Kind: t.loss, Labels: t.labels})
	if err == nil && scores != nil {
		t.score(s.ty, T, B, scores)
	}
	return l, err
}
`
