// Tests of a training package (snnc compile --train): the loss gradients,
// TrainStep, the optimizers, Backward's refusals and the gradients against
// the interpreter's. snnc compile copies this file into every training
// package as train_test.go.

package testrt

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func init() {
	checkTrainAllocations = testTrainAllocations
	checkBadTrainArguments = testBadTrainArguments
	checkThreadsTrain = testThreadsTrain
}

// gradTolerance: max |got − want| ≤ gradTolerance · max |want| per array.
// Both round every operation to float32, but they sum over time, batch and
// neurons in different orders, and the interpreter differentiates op by op
// where the compiled kernel runs the derived adjoint step.
const gradTolerance = 1e-4

// gradArrays names Backward's gradients as the golden does.
func gradArrays(g *Grads) map[string][]float32 {
	arrays := map[string][]float32{}
	if inputGrad {
		arrays["grad.input"] = g.Input
	}
	for _, f := range gradFields {
		arrays["grad."+f.param] = *f.of(g)
	}
	return arrays
}

// testTrainAllocations is TestNoAllocations for ForwardTrain, Backward and
// TrainStep, on the State and input it used.
func testTrainAllocations(t *testing.T, m *Model, s *State, x, y []float32, T int) {
	var err error
	g := m.NewGrads()
	var errBackward error
	if n := testing.AllocsPerRun(5, func() {
		err = m.ForwardTrain(s, y, x, T)
		errBackward = m.Backward(s, g, y)
	}); n != 0 {
		t.Errorf("ForwardTrain and Backward allocate %v times per call", n)
	}
	noError(t, err)
	noError(t, errBackward)
	o, err := m.NewSGD(1e-3, 0.9)
	noError(t, err)
	loss := Loss{Kind: CrossEntropyMaxTime, Labels: []int32{0, OutputSize - 1}}
	if _, err := m.TrainStep(s, o, x, T, loss); err != nil && strings.Contains(err.Error(), "the loss is") {
		// Outputs that overflow: the step is refused (with an error, which
		// allocates) and there is no step to measure.
		t.Logf("no TrainStep to measure: %v", err)
		return
	}
	if n := testing.AllocsPerRun(5, func() { _, err = m.TrainStep(s, o, x, T, loss) }); n != 0 {
		t.Errorf("TrainStep allocates %v times per call", n)
	}
	noError(t, err)
}

func testBadTrainArguments(t *testing.T, m *Model, x, y []float32, huge int) {
	const B, T = 2, 3
	g := m.NewGrads()
	dy := randomInput(rand.New(rand.NewPCG(13, 14)), T*B*OutputSize)
	s := newState(t, m, B)
	refused(t, "Backward before any ForwardTrain", m.Backward(s, g, dy), "Backward", "no ForwardTrain")
	refused(t, "ForwardTrain(T=huge, B=2, empty slices)", m.ForwardTrain(s, nil, nil, huge), "ForwardTrain", "T*B*InputSize overflows")
	refused(t, "ForwardTrain(T=-1)", m.ForwardTrain(s, nil, nil, -1), "ForwardTrain", "T = -1")
	refused(t, "ForwardTrain with x one short", m.ForwardTrain(s, y, x[:len(x)-1], T), "ForwardTrain", "len(x)")
	refused(t, "ForwardTrain with y one short", m.ForwardTrain(s, y[:len(y)-1], x, T), "ForwardTrain", "len(y)")
	refused(t, "ForwardTrain with a nil State", m.ForwardTrain(nil, y, x, T), "ForwardTrain", "State")
	refused(t, "Backward after refused ForwardTrains", m.Backward(s, g, dy), "Backward", "no ForwardTrain")

	noError(t, m.ForwardTrain(s, nil, nil, 0))
	refused(t, "Backward after a ForwardTrain of T = 0", m.Backward(s, g, nil), "Backward", "T = 0")

	noError(t, m.ForwardTrain(s, y, x, T))
	refused(t, "Backward with nil Grads", m.Backward(s, nil, dy), "Backward", "g is nil")
	refused(t, "Backward with dy one short", m.Backward(s, g, dy[:len(dy)-1]), "Backward", "len(dy)")
	refused(t, "Backward with dy one long", m.Backward(s, g, append(dy[:len(dy):len(dy)], 0)), "Backward", "len(dy)")
	refused(t, "Backward with nil dy", m.Backward(s, g, nil), "Backward", "len(dy)")
	refused(t, "Backward on another Model", newModel(t).Backward(s, g, dy), "Backward", "another Model")
	refused(t, "Backward on a nil Model", (*Model)(nil).Backward(s, g, dy), "Backward", "Model")
	refused(t, "Backward on a zero Model", (&Model{}).Backward(s, g, dy), "Backward", "Model")
	refused(t, "Backward with a nil State", m.Backward(nil, g, dy), "Backward", "State")
	refused(t, "Backward with a zero State", m.Backward(&State{}, g, dy), "Backward", "State")
	for _, f := range gradFields {
		short := m.NewGrads()
		p := f.of(short)
		*p = (*p)[:len(*p)-1]
		refused(t, "Backward with g."+f.field+" one short", m.Backward(s, short, dy), "Backward", "len(g."+f.field+")")
		*p = nil
		refused(t, "Backward with a nil g."+f.field, m.Backward(s, short, dy), "Backward", "len(g."+f.field+")")
	}
	// The refused calls kept the tape: Backward now gives what it gives on
	// a fresh State.
	noError(t, m.Backward(s, g, dy))
	fresh, gFresh := newState(t, m, B), m.NewGrads()
	noError(t, m.ForwardTrain(fresh, y, x, T))
	noError(t, m.Backward(fresh, gFresh, dy))
	for name, got := range gradArrays(g) {
		sameBits(t, name+" after refused calls", got, gradArrays(gFresh)[name])
	}

	noError(t, m.Forward(s, y, x, T))
	refused(t, "Backward after Forward", m.Backward(s, g, dy), "Backward", "no ForwardTrain")
	noError(t, m.ForwardTrain(s, y, x, T))
	s.Reset()
	refused(t, "Backward after Reset", m.Backward(s, g, dy), "Backward", "no ForwardTrain")

	s0 := newState(t, m, 0)
	noError(t, m.ForwardTrain(s0, nil, nil, huge))
	noError(t, m.Backward(s0, g, nil))
	if len(g.Input) != 0 {
		t.Errorf("Backward(B=0): len(g.Input) = %d, want 0", len(g.Input))
	}
	testBadTrainStep(t, m, x, huge)
}

// testThreadsTrain is TestThreads for the gradients: for a given
// goroutine count they are the same bit for bit from run to run, and
// within gradTolerance of one goroutine's.
func testThreadsTrain(t *testing.T, m *Model, rng *rand.Rand, x1 []float32, B int) {
	dy := randomInput(rng, 4*B*OutputSize)
	gradsWith := func(n int) *Grads {
		s := newState(t, m, B)
		noError(t, s.SetThreads(n))
		noError(t, m.ForwardTrain(s, make([]float32, 4*B*OutputSize), x1, 4))
		g := m.NewGrads()
		noError(t, m.Backward(s, g, dy))
		return g
	}
	one := gradsWith(1)
	for n := 1; n <= 3; n++ {
		a, b := gradsWith(n), gradsWith(n)
		for name, got := range gradArrays(a) {
			sameBits(t, fmt.Sprintf("%s, %d threads, second run", name, n), gradArrays(b)[name], got)
			want := gradArrays(one)[name]
			scale, worst := 0.0, 0.0
			for i := range want {
				scale = max(scale, math.Abs(float64(want[i])))
				worst = max(worst, math.Abs(float64(got[i]-want[i])))
			}
			if worst > gradTolerance*scale {
				t.Errorf("%s with %d threads differs from 1 thread's by %.3g of the largest gradient %.3g", name, n, worst, scale)
			}
		}
	}
}

// referenceLoss is the loss of y and its gradient, computed directly
// from the definitions, term by term in float64.
func referenceLoss(loss Loss, y []float32, T, B int) (float64, []float64) {
	const N = OutputSize
	at := func(t, b, o int) int { return (t*B+b)*N + o }
	dy := make([]float64, len(y))
	switch loss.Kind {
	case MSE:
		l := 0.0
		for i := range y {
			d := float64(y[i]) - float64(loss.Target[i])
			l += d * d / float64(len(y))
			dy[i] = 2 * d / float64(len(y))
		}
		return l, dy
	case SpikeCount:
		l := 0.0
		for b := 0; b < B; b++ {
			for o := 0; o < N; o++ {
				c := 0.0
				for t := 0; t < T; t++ {
					c += float64(y[at(t, b, o)])
				}
				d := c - float64(loss.Target[b*N+o])
				l += d * d / float64(B*N)
				for t := 0; t < T; t++ {
					dy[at(t, b, o)] = 2 * d / float64(B*N)
				}
			}
		}
		return l, dy
	}
	l := 0.0
	for b := 0; b < B; b++ {
		z := make([]float64, N)
		from := make([][]int, N) // the time steps each logit comes from
		for o := 0; o < N; o++ {
			switch loss.Kind {
			case CrossEntropyMaxTime:
				best := 0
				for t := 0; t < T; t++ {
					if y[at(t, b, o)] > y[at(best, b, o)] {
						best = t
					}
				}
				z[o], from[o] = float64(y[at(best, b, o)]), []int{best}
			case CrossEntropySumTime:
				for t := 0; t < T; t++ {
					z[o] += float64(y[at(t, b, o)])
					from[o] = append(from[o], t)
				}
			case CrossEntropyLastStep:
				z[o], from[o] = float64(y[at(T-1, b, o)]), []int{T - 1}
			}
		}
		sum := 0.0
		for _, v := range z {
			sum += math.Exp(v)
		}
		c := int(loss.Labels[b])
		l += (math.Log(sum) - z[c]) / float64(B)
		for o := 0; o < N; o++ {
			p := math.Exp(z[o]) / sum
			if o == c {
				p--
			}
			for _, t := range from[o] {
				dy[at(t, b, o)] = p / float64(B)
			}
		}
	}
	return l, dy
}

// lossCases are one loss of every kind for outputs [T][B]OutputSize.
func lossCases(rng *rand.Rand, T, B int) map[string]Loss {
	labels := make([]int32, B)
	for i := range labels {
		labels[i] = int32(rng.IntN(OutputSize))
	}
	seq, counts := make([]float32, T*B*OutputSize), make([]float32, B*OutputSize)
	for i := range seq {
		seq[i] = rng.Float32()
	}
	for i := range counts {
		counts[i] = float32(rng.IntN(T + 1))
	}
	return map[string]Loss{
		"CrossEntropyMaxTime":  {Kind: CrossEntropyMaxTime, Labels: labels},
		"CrossEntropySumTime":  {Kind: CrossEntropySumTime, Labels: labels},
		"CrossEntropyLastStep": {Kind: CrossEntropyLastStep, Labels: labels},
		"MSE":                  {Kind: MSE, Target: seq},
		"SpikeCount":           {Kind: SpikeCount, Target: counts},
	}
}

func TestLossGradient(t *testing.T) {
	const T, B = 4, 3
	rng := rand.New(rand.NewPCG(31, 32))
	// Outputs 0.1 apart, shuffled: every maximum over time is unique and
	// stays so under the finite differences' steps.
	y := make([]float32, T*B*OutputSize)
	for i, j := range rng.Perm(len(y)) {
		y[i] = 0.1 * float32(j) / float32(OutputSize)
	}
	for name, loss := range lossCases(rng, T, B) {
		dy := make([]float32, len(y))
		got := lossGrad(loss, y, dy, T, B)
		want, wantDy := referenceLoss(loss, y, T, B)
		if math.Abs(got-want) > 1e-9*max(1, math.Abs(want)) {
			t.Errorf("%s: loss %g, want %g", name, got, want)
		}
		scale := 0.0
		for _, v := range wantDy {
			scale = max(scale, math.Abs(v))
		}
		if scale == 0 {
			if OutputSize == 1 && loss.Labels != nil {
				continue // one class: the cross-entropy is 0 whatever y is
			}
			t.Fatalf("%s: the reference gradient is zero: the test checks nothing", name)
		}
		for i := range dy {
			if d := math.Abs(float64(dy[i]) - wantDy[i]); d > 1e-6*scale {
				t.Fatalf("%s: dy[%d] = %g, want %g", name, i, dy[i], wantDy[i])
			}
		}
		// Central differences of the loss, step h in float32.
		scratch := make([]float32, len(y))
		for _, i := range rng.Perm(len(y))[:min(len(y), 24)] {
			const h = 1e-3 / OutputSize
			orig := y[i]
			y[i] = orig + h
			up := lossGrad(loss, y, scratch, T, B)
			hi := y[i]
			y[i] = orig - h
			down := lossGrad(loss, y, scratch, T, B)
			lo := y[i]
			y[i] = orig
			fd := (up - down) / (float64(hi) - float64(lo))
			if d := math.Abs(fd - float64(dy[i])); d > 1e-3*scale {
				t.Errorf("%s: dy[%d] = %g, finite differences give %g", name, i, dy[i], fd)
			}
		}
	}
}

// weightsOf encodes the Model's parameters as weights.bin does.
func weightsOf(m *Model) []byte {
	var b []byte
	for _, p := range m.trainable {
		for _, v := range p {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
		}
	}
	return b
}

func TestTrainStep(t *testing.T) {
	const T, B = 6, 3
	rng := rand.New(rand.NewPCG(33, 34))
	x := randomX(rng, T*B*InputSize)
	for name, loss := range lossCases(rng, T, B) {
		for _, threads := range []int{1, 2} {
			m := newModel(t)
			s := newState(t, m, B)
			noError(t, s.SetThreads(threads))
			const lr = 0.05
			o, err := m.NewSGD(lr, 0)
			noError(t, err)
			got, err := m.TrainStep(s, o, x, T, loss)
			noError(t, err)

			// The same step by hand on a fresh Model.
			ref := newModel(t)
			rs := newState(t, ref, B)
			noError(t, rs.SetThreads(threads))
			y, dy := make([]float32, T*B*OutputSize), make([]float32, T*B*OutputSize)
			noError(t, ref.ForwardTrain(rs, y, x, T))
			want, _ := referenceLoss(loss, y, T, B)
			if math.Abs(float64(got)-want) > 1e-6*max(1, math.Abs(want)) {
				t.Errorf("%s, %d threads: TrainStep's loss %g, want %g", name, threads, got, want)
			}
			lossGrad(loss, y, dy, T, B)
			g := ref.NewGrads()
			noError(t, ref.Backward(rs, g, dy))
			for i, p := range ref.trainable {
				for j := range p {
					p[j] -= lr * g.list()[i][j]
				}
				sameBits(t, fmt.Sprintf("%s, %d threads: parameter %d after TrainStep", name, threads, i), m.trainable[i], p)
			}

			// Every copy of the weights moved with them: a Model loaded from
			// the trained parameters computes what the trained one does.
			loaded, err := fromWeights(weightsOf(m))
			noError(t, err)
			ya, yb := make([]float32, T*B*OutputSize), make([]float32, T*B*OutputSize)
			noError(t, m.Forward(newState(t, m, B), ya, x, T))
			noError(t, loaded.Forward(newState(t, loaded, B), yb, x, T))
			sameBits(t, name+": Forward of the trained Model against one loaded from its weights", ya, yb)
		}
	}
}

func TestOptimizers(t *testing.T) {
	m := newModel(t)
	rng := rand.New(rand.NewPCG(35, 36))
	sgd, err := m.NewSGD(0.1, 0.9)
	noError(t, err)
	adam, err := m.NewAdam(0.01, 0.9, 0.999, 1e-8)
	noError(t, err)
	for _, o := range []*Optimizer{sgd, adam} {
		model := newModel(t)
		w0 := make([][]float64, len(model.trainable))
		v1, v2 := make([][]float64, len(w0)), make([][]float64, len(w0))
		for i, p := range model.trainable {
			w0[i], v1[i], v2[i] = make([]float64, len(p)), make([]float64, len(p)), make([]float64, len(p))
			for j := range p {
				w0[i][j] = float64(p[j])
			}
		}
		for k := 1; k <= 3; k++ {
			for _, g := range o.list {
				for j := range g {
					g[j] = rng.Float32()*2 - 1
				}
			}
			o.apply(model, 1+k%3) // threads: a model this small updates on one goroutine anyway
			for i, p := range model.trainable {
				for j := range p {
					g := float64(o.list[i][j])
					if o.adam {
						v1[i][j] = 0.9*v1[i][j] + 0.1*g
						v2[i][j] = 0.999*v2[i][j] + 0.001*g*g
						w0[i][j] -= 0.01 * (v1[i][j] / (1 - math.Pow(0.9, float64(k)))) / (math.Sqrt(v2[i][j]/(1-math.Pow(0.999, float64(k)))) + 1e-8)
					} else {
						v1[i][j] = 0.9*v1[i][j] + g
						w0[i][j] -= 0.1 * v1[i][j]
					}
					if d := math.Abs(float64(p[j]) - w0[i][j]); d > 1e-5*max(1, math.Abs(w0[i][j])) {
						t.Fatalf("adam=%v, update %d: parameter %d[%d] = %g, want %g", o.adam, k, i, j, p[j], w0[i][j])
					}
				}
			}
		}
	}
}

func testBadTrainStep(t *testing.T, m *Model, x []float32, huge int) {
	const B, T = 2, 3
	s := newState(t, m, B)
	o, err := m.NewSGD(0.1, 0.5)
	noError(t, err)
	before := weightsOf(m)
	labels := []int32{0, 0}
	ce := Loss{Kind: CrossEntropyMaxTime, Labels: labels}
	step := func(s *State, o *Optimizer, x []float32, T int, loss Loss) error {
		_, err := m.TrainStep(s, o, x, T, loss)
		return err
	}
	for _, c := range []struct {
		call      string
		err       error
		op, names string
	}{
		{"TrainStep(T=huge, empty slices)", step(s, o, nil, huge, ce), "TrainStep", "T*B*InputSize overflows"},
		{"TrainStep(T=-1)", step(s, o, nil, -1, ce), "TrainStep", "T = -1"},
		{"TrainStep(T=0)", step(s, o, nil, 0, ce), "TrainStep", "T = 0"},
		{"TrainStep with x one short", step(s, o, x[:len(x)-1], T, ce), "TrainStep", "len(x)"},
		{"TrainStep with a nil State", step(nil, o, x, T, ce), "TrainStep", "State"},
		{"TrainStep with a nil Optimizer", step(s, nil, x, T, ce), "TrainStep", "Optimizer"},
		{"TrainStep with a zero Optimizer", step(s, &Optimizer{}, x, T, ce), "TrainStep", "Optimizer"},
		{"TrainStep with a label missing", step(s, o, x, T, Loss{Kind: CrossEntropySumTime, Labels: labels[:1]}), "TrainStep", "len(loss.Labels)"},
		{"TrainStep with a label too many", step(s, o, x, T, Loss{Kind: CrossEntropySumTime, Labels: []int32{0, 0, 0}}), "TrainStep", "len(loss.Labels)"},
		{"TrainStep with a label of OutputSize", step(s, o, x, T, Loss{Kind: CrossEntropyLastStep, Labels: []int32{0, OutputSize}}), "TrainStep", "loss.Labels[1]"},
		{"TrainStep with a negative label", step(s, o, x, T, Loss{Kind: CrossEntropyMaxTime, Labels: []int32{-1, 0}}), "TrainStep", "loss.Labels[0]"},
		{"TrainStep with an unknown loss", step(s, o, x, T, Loss{Kind: -1, Labels: labels}), "TrainStep", "loss.Kind"},
		{"TrainStep with an MSE target one short", step(s, o, x, T, Loss{Kind: MSE, Target: make([]float32, T*B*OutputSize-1)}), "TrainStep", "len(loss.Target)"},
		{"TrainStep with a spike-count target one long", step(s, o, x, T, Loss{Kind: SpikeCount, Target: make([]float32, B*OutputSize+1)}), "TrainStep", "len(loss.Target)"},
		{"TrainStep with a NaN target", step(s, o, x, T, Loss{Kind: SpikeCount, Target: append(make([]float32, B*OutputSize-1), float32(math.NaN()))}), "TrainStep", "loss.Target["},
		{"TrainStep on a nil Model", func() error { _, err := (*Model)(nil).TrainStep(s, o, x, T, ce); return err }(), "TrainStep", "Model"},
	} {
		refused(t, c.call, c.err, c.op, c.names)
	}
	if string(weightsOf(m)) != string(before) {
		t.Error("refused TrainSteps changed the weights")
	}
	for _, c := range []struct {
		call         string
		lr, momentum float32
		names        string
	}{
		{"NewSGD(lr=0)", 0, 0, "lr = 0"},
		{"NewSGD(lr=-1)", -1, 0, "lr = -1"},
		{"NewSGD(lr=NaN)", float32(math.NaN()), 0, "lr = NaN"},
		{"NewSGD(lr=+Inf)", float32(math.Inf(1)), 0, "lr = +Inf"},
		{"NewSGD(momentum=1)", 0.1, 1, "momentum = 1"},
		{"NewSGD(momentum=-0.5)", 0.1, -0.5, "momentum = -0.5"},
	} {
		o, err := m.NewSGD(c.lr, c.momentum)
		refused(t, c.call, err, "NewSGD", c.names)
		if o != nil {
			t.Errorf("%s returned an Optimizer with its error", c.call)
		}
	}
	for _, c := range []struct {
		call                  string
		lr, beta1, beta2, eps float32
		names                 string
	}{
		{"NewAdam(lr=0)", 0, 0.9, 0.999, 1e-8, "lr = 0"},
		{"NewAdam(beta1=1)", 0.1, 1, 0.999, 1e-8, "beta1 = 1"},
		{"NewAdam(beta2=-1)", 0.1, 0.9, -1, 1e-8, "beta2 = -1"},
		{"NewAdam(eps=0)", 0.1, 0.9, 0.999, 0, "eps = 0"},
		{"NewAdam(eps=NaN)", 0.1, 0.9, 0.999, float32(math.NaN()), "eps = NaN"},
	} {
		_, err := m.NewAdam(c.lr, c.beta1, c.beta2, c.eps)
		refused(t, c.call, err, "NewAdam", c.names)
	}
	_, err = (*Model)(nil).NewSGD(0.1, 0)
	refused(t, "NewSGD on a nil Model", err, "NewSGD", "Model")
	_, err = (&Model{}).NewAdam(0.1, 0.9, 0.999, 1e-8)
	refused(t, "NewAdam on a zero Model", err, "NewAdam", "Model")

	// No batch entries: nothing to train on and nothing changes, however long the sequence.
	s0 := newState(t, m, 0)
	l, err := m.TrainStep(s0, o, nil, huge, Loss{Kind: MSE})
	noError(t, err)
	if l != 0 || string(weightsOf(m)) != string(before) {
		t.Errorf("TrainStep(B=0) gave loss %g and changed the weights: want 0 and no change", l)
	}
}

// TestParamsAndSetParam: Params gives copies of the parameters under their
// model-file names; SetParam of changed values makes a Model that computes
// what one loaded from those values computes (the transposed copies
// follow), and refuses unknown names, wrong lengths and NaN.
// TestUpdateRanges: the optimizer's update of the parameters' values in
// ranges, as apply hands them to goroutines, gives the update of all of
// them at once bit for bit, wherever the ranges split (inside a parameter
// or at its ends).
func TestUpdateRanges(t *testing.T) {
	rng := rand.New(rand.NewPCG(37, 38))
	for _, adam := range []bool{false, true} {
		newOptimizer := func(m *Model) *Optimizer {
			o := &Optimizer{adam: adam, lr: 0.1, momentum: 0.9, beta1: 0.9, beta2: 0.999, eps: 1e-8}
			o.make(m, adam)
			o.steps = 1
			o.prepare()
			return o
		}
		whole := newModel(t)
		o := newOptimizer(whole)
		for _, g := range o.list {
			for j := range g {
				g[j] = rng.Float32()*2 - 1
			}
		}
		o.update(whole, 0, o.values)
		splits := []int{0, 1, o.values / 3, o.values / 2, o.values}
		off := 0
		for _, g := range o.list {
			off += len(g)
			splits = append(splits, off-1, off, off+1)
		}
		for _, split := range splits {
			split = min(max(split, 0), o.values)
			m := newModel(t)
			p := newOptimizer(m)
			for i := range p.list {
				copy(p.list[i], o.list[i])
			}
			p.update(m, 0, split)
			p.update(m, split, p.values)
			for i := range m.trainable {
				sameBits(t, fmt.Sprintf("adam=%v, split at %d: parameter %d", adam, split, i), m.trainable[i], whole.trainable[i])
			}
		}
	}
}

func TestParamsAndSetParam(t *testing.T) {
	m := newModel(t)
	ps, err := m.Params()
	noError(t, err)
	if len(ps) != len(paramNames) {
		t.Fatalf("Params: %d parameters, want %d", len(ps), len(paramNames))
	}
	if len(ps) == 0 {
		t.Skip("the network has no parameters")
	}
	ps[0].Values[0] += 1 // a copy: m must not change
	if m.trainable[0][0] == ps[0].Values[0] {
		t.Fatal("Params returned a view, not a copy")
	}
	rng := rand.New(rand.NewPCG(41, 42))
	for _, p := range ps {
		n := 1
		for _, d := range p.Shape {
			n *= d
		}
		if n != len(p.Values) {
			t.Fatalf("%s: shape %v holds %d values, Values has %d", p.Name, p.Shape, n, len(p.Values))
		}
		for j := range p.Values {
			p.Values[j] += (rng.Float32() - 0.5) * 0.1
		}
		noError(t, m.SetParam(p.Name, p.Values))
	}
	for i, p := range ps {
		sameBits(t, "parameter "+p.Name+" after SetParam", m.trainable[i], p.Values)
	}
	const T, B = 3, 2
	x := randomX(rng, T*B*InputSize)
	loaded, err := fromWeights(weightsOf(m))
	noError(t, err)
	ya, yb := make([]float32, T*B*OutputSize), make([]float32, T*B*OutputSize)
	noError(t, m.Forward(newState(t, m, B), ya, x, T))
	noError(t, loaded.Forward(newState(t, loaded, B), yb, x, T))
	sameBits(t, "Forward after SetParam against a Model loaded from the same weights", ya, yb)

	before := weightsOf(m)
	refused(t, "SetParam(unknown name)", m.SetParam("no such", ps[0].Values), "SetParam", "no such")
	refused(t, "SetParam(one value short)", m.SetParam(ps[0].Name, ps[0].Values[1:]), "SetParam", "len(values)")
	bad := append([]float32(nil), ps[0].Values...)
	bad[len(bad)-1] = float32(math.NaN())
	refused(t, "SetParam(NaN)", m.SetParam(ps[0].Name, bad), "SetParam", fmt.Sprintf("values[%d]", len(bad)-1))
	refused(t, "SetParam on a nil Model", (*Model)(nil).SetParam(ps[0].Name, ps[0].Values), "SetParam", "Model")
	_, err = (*Model)(nil).Params()
	refused(t, "Params on a nil Model", err, "Params", "Model")
	if string(weightsOf(m)) != string(before) {
		t.Error("a refused SetParam changed the weights")
	}
}

// TestClipAndLR: with a clip far below the gradients' norm, the update
// is lr·clip/norm times the gradient; SetLR changes the next update's
// step; bad settings are refused.
func TestClipAndLR(t *testing.T) {
	if len(paramNames) == 0 {
		t.Skip("the network has no parameters")
	}
	const T, B = 4, 2
	rng := rand.New(rand.NewPCG(43, 44))
	x := randomX(rng, T*B*InputSize)
	loss := Loss{Kind: CrossEntropySumTime, Labels: []int32{0, OutputSize - 1}}
	m := newModel(t)
	o, err := m.NewSGD(1, 0)
	noError(t, err)
	noError(t, o.SetLR(0.5))
	if o.LR() != 0.5 {
		t.Fatalf("LR() = %g after SetLR(0.5)", o.LR())
	}
	const clip = 1e-3
	noError(t, o.SetClip(clip))
	before := make([][]float32, len(m.trainable))
	for i, p := range m.trainable {
		before[i] = append([]float32(nil), p...)
	}
	_, err = m.TrainStep(newState(t, m, B), o, x, T, loss)
	noError(t, err)
	if !(o.GradNorm() > clip) {
		t.Skipf("the gradients' norm %g is not above the clip %g: nothing to clip", o.GradNorm(), clip)
	}
	sum := 0.0
	for i, p := range m.trainable {
		for j := range p {
			d := float64(before[i][j]) - float64(p[j])
			sum += d * d
		}
	}
	if step := math.Sqrt(sum); math.Abs(step-0.5*clip) > 1e-3*0.5*clip+1e-7 {
		t.Errorf("the clipped update's norm is %g, want lr·clip = %g (gradient norm %g)", step, 0.5*clip, o.GradNorm())
	}
	refused(t, "SetLR(0)", o.SetLR(0), "SetLR", "lr = 0")
	refused(t, "SetLR(NaN)", o.SetLR(float32(math.NaN())), "SetLR", "lr = NaN")
	refused(t, "SetClip(-1)", o.SetClip(-1), "SetClip", "maxNorm = -1")
	refused(t, "SetClip(+Inf)", o.SetClip(float32(math.Inf(1))), "SetClip", "maxNorm = +Inf")
	refused(t, "SetLR on a zero Optimizer", (&Optimizer{}).SetLR(1), "SetLR", "Optimizer")
}

// TestOptimizerState: an Optimizer given another's state continues
// exactly as that one does, for SGD with momentum and Adam; bad states are
// refused and change nothing.
func TestOptimizerState(t *testing.T) {
	if len(paramNames) == 0 {
		t.Skip("the network has no parameters")
	}
	const T, B = 3, 2
	rng := rand.New(rand.NewPCG(45, 46))
	x := randomX(rng, T*B*InputSize)
	loss := Loss{Kind: CrossEntropyMaxTime, Labels: []int32{OutputSize - 1, 0}}
	for _, kind := range []string{"sgd", "adam"} {
		newOpt := func(m *Model) *Optimizer {
			var o *Optimizer
			var err error
			if kind == "sgd" {
				o, err = m.NewSGD(0.05, 0.9)
			} else {
				o, err = m.NewAdam(0.01, 0.9, 0.999, 1e-8)
			}
			noError(t, err)
			// Clipping keeps the steps small on networks whose gradients
			// are huge.
			noError(t, o.SetClip(1))
			return o
		}
		a := newModel(t)
		oa := newOpt(a)
		for k := 0; k < 2; k++ {
			_, err := a.TrainStep(newState(t, a, B), oa, x, T, loss)
			noError(t, err)
		}
		st, err := oa.State()
		noError(t, err)
		if st.Kind != kind || st.Steps != 2 {
			t.Fatalf("State: kind %q, %d steps; want %q and 2", st.Kind, st.Steps, kind)
		}
		// A second Model and Optimizer resumed from a's weights and state.
		b := newModel(t)
		ps, err := a.Params()
		noError(t, err)
		for _, p := range ps {
			noError(t, b.SetParam(p.Name, p.Values))
		}
		ob := newOpt(b)
		noError(t, ob.SetState(st))
		for _, pair := range []struct {
			m *Model
			o *Optimizer
		}{{a, oa}, {b, ob}} {
			_, err := pair.m.TrainStep(newState(t, pair.m, B), pair.o, x, T, loss)
			noError(t, err)
		}
		for i := range a.trainable {
			sameBits(t, fmt.Sprintf("%s: parameter %s after resuming", kind, paramNames[i]), b.trainable[i], a.trainable[i])
		}

		wrong := st
		wrong.Kind = "rmsprop"
		refused(t, kind+": SetState(other kind)", ob.SetState(wrong), "SetState", "st.Kind")
		wrong = st
		wrong.Steps = -1
		refused(t, kind+": SetState(Steps -1)", ob.SetState(wrong), "SetState", "st.Steps")
		wrong = st
		wrong.First = st.First[1:]
		refused(t, kind+": SetState(a First array missing)", ob.SetState(wrong), "SetState", "len(st.First)")
		wrong = st
		wrong.First = append([][]float32{append([]float32{float32(math.Inf(1))}, st.First[0][1:]...)}, st.First[1:]...)
		refused(t, kind+": SetState(+Inf)", ob.SetState(wrong), "SetState", "st.First[0][0]")
	}
}

func abs32(v float32) float32 { return float32(math.Abs(float64(v))) }

// ulp32 is the distance from v >= 0 to the next float32.
func ulp32(v float32) float32 { return math.Nextafter32(v, float32(math.Inf(1))) - v }

// TestFirstStepMatchesInterpreter: the first TrainStep with SGD equals the
// interpreter's float64 BPTT gradient (the golden's) followed by the same
// update. The loss is the MSE whose gradient dL/dy is the golden's dy: its
// target is y − dy·len(y)/2.
func TestFirstStepMatchesInterpreter(t *testing.T) {
	if len(paramNames) == 0 {
		t.Skip("the network has no parameters")
	}
	T, B, gold := golden(t)
	m := newModel(t)
	y, dy := gold["y"], gold["dy"]
	target := make([]float32, len(y))
	for i := range y {
		target[i] = float32(float64(y[i]) - float64(dy[i])*float64(len(y))/2)
	}
	// Outputs so large that float32 targets lose dy make another loss.
	implied := make([]float32, len(y))
	lossGrad(Loss{Kind: MSE, Target: target}, y, implied, T, B)
	dyTop, off := 0.0, 0.0
	for i := range dy {
		dyTop = max(dyTop, math.Abs(float64(dy[i])))
		off = max(off, math.Abs(float64(implied[i]-dy[i])))
	}
	if off > 1e-6*dyTop {
		t.Skipf("the MSE target that carries the golden's dy is off by %.3g of %.3g in float32: the outputs are too large", off, dyTop)
	}
	// lr is a power of two, so lr·g is exact: 1, or less when the
	// gradients are large, to keep the weights finite.
	top := 0.0
	for _, name := range paramNames {
		for _, v := range gold["grad."+name] {
			top = max(top, math.Abs(float64(v)))
		}
	}
	lr := 1.0
	for lr*top > 1 {
		lr /= 2
	}
	o, err := m.NewSGD(float32(lr), 0.9)
	noError(t, err)
	w0 := make([][]float32, len(m.trainable))
	for i, p := range m.trainable {
		w0[i] = append([]float32(nil), p...)
	}
	_, err = m.TrainStep(newState(t, m, B), o, gold["x"], T, Loss{Kind: MSE, Target: target})
	noError(t, err)
	for i, p := range m.trainable {
		g := gold["grad."+paramNames[i]]
		scale := 0.0
		for j := range p {
			scale = max(scale, math.Abs(lr*float64(g[j])))
		}
		// Beyond 1e-5 of the largest update, each weight may be off by the
		// float32 rounding of the weight the update is subtracted from.
		worst, at := 0.0, 0
		for j := range p {
			want := lr * float64(g[j])
			rounding := float64(ulp32(max(abs32(w0[i][j]), abs32(p[j]))))
			if d := math.Abs(float64(w0[i][j])-float64(p[j])-want) - rounding; d > worst {
				worst, at = d, j
			}
		}
		t.Logf("%s: the update's largest error beyond rounding %.3g, of its largest value %.3g", paramNames[i], worst, scale)
		if worst > 1e-5*scale {
			t.Errorf("%s[%d]: the first step's update is off by %.3g beyond the weight's rounding, over 1e-5 of the largest update %.3g", paramNames[i], at, worst, scale)
		}
	}
}

func TestGradientsMatchInterpreter(t *testing.T) {
	T, B, gold := golden(t)
	m := newModel(t)
	withEach(t, func(t *testing.T) {
		s := newState(t, m, B)
		y := make([]float32, T*B*OutputSize)
		noError(t, m.ForwardTrain(s, y, gold["x"], T))
		sameBits(t, "y", y, gold["y"])
		g := m.NewGrads()
		noError(t, m.Backward(s, g, gold["dy"]))
		if !inputGrad && len(g.Input) != 0 {
			t.Errorf("g.Input has %d values; a package without --input-grad leaves it empty", len(g.Input))
		}
		for name, got := range gradArrays(g) {
			want := gold[name]
			if len(got) != len(want) {
				t.Fatalf("%s: %d values, want %d", name, len(got), len(want))
			}
			scale, worst, at := 0.0, 0.0, 0
			for i := range want {
				scale = max(scale, math.Abs(float64(want[i])))
				if d := math.Abs(float64(got[i] - want[i])); d > worst {
					worst, at = d, i
				}
			}
			t.Logf("%s: largest error %.3g of largest gradient %.3g", name, worst, scale)
			if worst > gradTolerance*scale {
				t.Errorf("%s[%d] = %g, want %g: error %.3g is over %g of the largest gradient %.3g", name, at, got[at], want[at], worst, gradTolerance, scale)
			}
		}
	})
}
