// Tests of the training entry points that take the input as bit-packed
// spikes. snnc compile copies this file into every training package whose
// input is declared spikes as bits_train_test.go.

package testrt

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestTrainStepBits: TrainStepBits trains as TrainStep does on the same
// spikes (the same losses and parameters after three steps, bit for bit)
// with every implementation and 1 or 2 goroutines; ForwardTrainBits and
// Backward give the gradients ForwardTrain and Backward give, and the bits
// may change once ForwardTrainBits has returned.
func TestTrainStepBits(t *testing.T) { withEach(t, testTrainStepBits) }

func testTrainStepBits(t *testing.T) {
	const T, B = 5, 3
	rng := rand.New(rand.NewPCG(47, 48))
	for _, threads := range []int{1, 2} {
		mf, mb := newModel(t), newModel(t)
		sf, sb := newState(t, mf, B), newState(t, mb, B)
		noError(t, sf.SetThreads(threads))
		noError(t, sb.SetThreads(threads))
		of, err := mf.NewAdam(0.01, 0.9, 0.999, 1e-8)
		noError(t, err)
		ob, err := mb.NewAdam(0.01, 0.9, 0.999, 1e-8)
		noError(t, err)
		for step := range 3 {
			x := randomX(rng, T*B*InputSize)
			labels := []int32{int32(rng.IntN(OutputSize)), int32(rng.IntN(OutputSize)), 0}
			loss := Loss{Kind: CrossEntropyMaxTime, Labels: labels}
			lf, err := mf.TrainStep(sf, of, x, T, loss)
			noError(t, err)
			lb, err := mb.TrainStepBits(sb, ob, packSpikes(x), T, loss)
			noError(t, err)
			what := fmt.Sprintf("%d threads, step %d", threads, step)
			sameBits(t, what+": loss", []float32{lb}, []float32{lf})
			for i := range mf.trainable {
				sameBits(t, fmt.Sprintf("%s: parameter %d", what, i), mb.trainable[i], mf.trainable[i])
			}
		}

		x := randomX(rng, T*B*InputSize)
		xb := packSpikes(x)
		y := make([]float32, T*B*OutputSize)
		dy := make([]float32, len(y))
		for i := range dy {
			dy[i] = rng.Float32() - 0.5
		}
		gf, gb := mf.NewGrads(), mb.NewGrads()
		noError(t, mf.ForwardTrain(sf, y, x, T))
		noError(t, mf.Backward(sf, gf, dy))
		noError(t, mb.ForwardTrainBits(sb, y, xb, T))
		clear(xb) // Backward does not read the bits
		noError(t, mb.Backward(sb, gb, dy))
		for i := range gf.list() {
			sameBits(t, fmt.Sprintf("%d threads: gradient %d", threads, i), gb.list()[i], gf.list()[i])
		}
	}
}

// TestTrainStepBitsRefused: TrainStepBits checks its input as ForwardBits
// does, and the rest as TrainStep does, before changing anything.
func TestTrainStepBitsRefused(t *testing.T) {
	const T, B = 3, 2
	m := newModel(t)
	s := newState(t, m, B)
	o, err := m.NewSGD(0.1, 0)
	noError(t, err)
	xb := packSpikes(randomX(rand.New(rand.NewPCG(49, 50)), T*B*InputSize))
	before := weightsOf(m)
	const op = "TrainStepBits"
	good := Loss{Kind: CrossEntropyMaxTime, Labels: []int32{0, 1}}
	_, err = m.TrainStepBits(s, o, xb[:1], T, good)
	refused(t, "short x", err, op, "T*B*InputWords")
	_, err = m.TrainStepBits(s, o, xb, T, Loss{Kind: CrossEntropyMaxTime, Labels: []int32{0}})
	refused(t, "one label", err, op, "len(loss.Labels)")
	_, err = m.TrainStepBits(s, nil, xb, T, good)
	refused(t, "nil Optimizer", err, op, "Optimizer")
	_, err = m.TrainStepBits(s, o, nil, 0, good)
	refused(t, "T = 0", err, op, "T = 0")
	if InputSize%64 != 0 {
		bad := append([]uint64(nil), xb...)
		bad[InputWords-1] |= 1 << 63
		_, err = m.TrainStepBits(s, o, bad, T, good)
		refused(t, "a bit past InputSize", err, op, "x row 0 (t=0, b=0)")
	}
	if string(weightsOf(m)) != string(before) {
		t.Error("a refused TrainStepBits changed the weights")
	}
}

// BenchmarkTrainStepBits is BenchmarkTrainStep with the same spikes given
// bit-packed to TrainStepBits (packed once, in the first iteration).
func BenchmarkTrainStepBits(b *testing.B) {
	var packed []uint64
	benchTrainStep(b, func(m *Model, s *State, o *Optimizer, x []float32, T int, loss Loss) error {
		if packed == nil {
			packed = packSpikes(x)
		}
		_, err := m.TrainStepBits(s, o, packed, T, loss)
		return err
	})
}
