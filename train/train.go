package train

import (
	"errors"
	"fmt"
	"math"

	"github.com/snnc/snnc/dataset"
)

// Network is a compiled training package seen through its generated
// Trainer (trainer.go): methods of standard types only.
type Network interface {
	Sizes() (in, out int)
	// TrainStep trains on a batch and writes the class scores of its
	// forward pass (before the update) into scores ([B][out]).
	TrainStep(x []float32, T int, labels []int, scores []float32) (float32, error)
	Predict(x []float32, T int, scores []float32, zeros []float64) error
	StateVariables() []string
	ParamNames() []string
	Param(name string) (shape []int, values []float32, err error)
	SetParam(name string, values []float32) error
	SetLR(lr float32) error
	SetClip(maxNorm float32) error
	OptimizerState() (kind string, steps int64, arrays map[string][]float32, err error)
	SetOptimizerState(kind string, steps int64, arrays map[string][]float32) error
}

// BitsNetwork is a Network whose input is declared spikes: the generated
// Trainer of such a package also takes them bit-packed ([T][B][words],
// value f of a step being bit f%64 of word f/64), giving what TrainStep
// gives for the same spikes. Run uses it when the Encoder is a
// dataset.BitsEncoder.
type BitsNetwork interface {
	Network
	TrainStepBits(x []uint64, T int, labels []int, scores []float32) (float32, error)
}

// Schedule gives the learning rate of an epoch (0-based) of epochs.
type Schedule interface {
	LR(base float64, epoch, epochs int) float64
}

// Constant keeps the base learning rate.
type Constant struct{}

// LR returns base.
func (Constant) LR(base float64, _, _ int) float64 { return base }

// Step multiplies the learning rate by Gamma every Every epochs.
type Step struct {
	Every int
	Gamma float64
}

// LR returns base·Gamma^⌊epoch/Every⌋.
func (s Step) LR(base float64, epoch, _ int) float64 {
	return base * math.Pow(s.Gamma, float64(epoch/max(1, s.Every)))
}

// Cosine anneals the learning rate from base to Min over the run.
type Cosine struct{ Min float64 }

// LR returns Min + (base−Min)·(1+cos(π·epoch/epochs))/2.
func (c Cosine) LR(base float64, epoch, epochs int) float64 {
	return c.Min + (base-c.Min)*(1+math.Cos(math.Pi*float64(epoch)/float64(max(1, epochs))))/2
}

// Config is a training run's settings.
type Config struct {
	Epochs   int
	Batch    int
	T        int             // time steps per sample
	Encoder  dataset.Encoder // how a sample becomes T steps of input
	Seed     uint64          // the samples' order (and, through Encoder, the spikes)
	LR       float64         // the base learning rate
	Schedule Schedule        // nil: Constant
	Clip     float64         // the largest global gradient norm; 0: no clipping
	// Patience stops the run when the validation accuracy has not improved
	// for this many epochs (0: never); the best epoch's weights are then
	// restored.
	Patience int
	// Checkpoint, if set, is written after every epoch (a .safetensors path).
	Checkpoint string
	// Resume continues from a checkpoint written by an earlier run.
	Resume string
	// Progress, if set, is called after every batch with the batches done
	// and the batches of the epoch.
	Progress func(done, total int, loss float64)
	// OnEpoch, if set, is called after every epoch.
	OnEpoch func(Metrics)
}

// Metrics are an epoch's results.
type Metrics struct {
	Epoch      int     // 1-based
	LR         float64 // the learning rate used
	Loss       float64 // the mean training loss
	TrainAcc   float64 // the fraction of training samples classified right during the epoch
	ValAcc     float64 // the validation accuracy after the epoch (NaN without validation set)
	StateZeros map[string]float64
	Seconds    float64
}

// Result is a run's outcome.
type Result struct {
	Epochs  []Metrics
	Best    int // the epoch (1-based) of the best validation accuracy, or the last one
	Stopped bool
}

func (c *Config) check(net Network, d *dataset.Dataset) error {
	if net == nil {
		return errors.New("train: no Network")
	}
	in, out := net.Sizes()
	switch {
	case c.Epochs < 1:
		return fmt.Errorf("train: Epochs = %d, want >= 1", c.Epochs)
	case c.Batch < 1:
		return fmt.Errorf("train: Batch = %d, want >= 1", c.Batch)
	case c.T < 1:
		return fmt.Errorf("train: T = %d, want >= 1", c.T)
	case c.Encoder == nil:
		return errors.New("train: no Encoder")
	case !(c.LR > 0) || math.IsInf(c.LR, 0):
		return fmt.Errorf("train: LR = %g, want a finite LR > 0", c.LR)
	case !(c.Clip >= 0) || math.IsInf(c.Clip, 0):
		return fmt.Errorf("train: Clip = %g, want a finite Clip >= 0", c.Clip)
	case d == nil || d.Len() == 0:
		return errors.New("train: no training samples")
	case d.Features() != in:
		return fmt.Errorf("train: %s: %d features per sample, the network takes %d", d.Name(), d.Features(), in)
	case d.Classes() > out:
		return fmt.Errorf("train: %s: %d classes, more than the network's %d outputs", d.Name(), d.Classes(), out)
	}
	return nil
}

// Run trains net on trainSet for cfg.Epochs epochs (from the checkpoint's
// epoch when resuming), evaluating on valSet (nil: none) after each.
func Run(net Network, trainSet, valSet *dataset.Dataset, cfg Config) (*Result, error) {
	if err := cfg.check(net, trainSet); err != nil {
		return nil, err
	}
	if cfg.Schedule == nil {
		cfg.Schedule = Constant{}
	}
	if err := net.SetClip(float32(cfg.Clip)); err != nil {
		return nil, err
	}
	res := &Result{}
	start := 0
	if cfg.Resume != "" {
		ck, err := LoadCheckpoint(cfg.Resume, net)
		if err != nil {
			return nil, err
		}
		start, res.Epochs = ck.Epoch, ck.History
		if ck.Seed != cfg.Seed {
			return nil, fmt.Errorf("train: %s: checkpoint of seed %d, the run's seed is %d", cfg.Resume, ck.Seed, cfg.Seed)
		}
	}
	best, bestAcc, since := 0, -1.0, 0
	var bestWeights map[string][]float32
	for i, m := range res.Epochs {
		if m.ValAcc > bestAcc {
			best, bestAcc = i+1, m.ValAcc
		}
	}
	_, out := net.Sizes()
	// A network whose input is declared spikes takes the spikes of an
	// encoder of spikes bit-packed: the same results, from 32 times less
	// memory written and read per batch.
	bitsNet, _ := net.(BitsNetwork)
	bitsEnc, _ := cfg.Encoder.(dataset.BitsEncoder)
	useBits := bitsNet != nil && bitsEnc != nil
	var xs [2][]float32 // encoded batches
	var xbs [2][]uint64 // encoded batches, bit-packed
	var labels []int
	for epoch := start; epoch < cfg.Epochs; epoch++ {
		t0 := now()
		lr := cfg.Schedule.LR(cfg.LR, epoch, cfg.Epochs)
		if err := net.SetLR(float32(lr)); err != nil {
			return nil, err
		}
		batches, err := trainSet.Shuffled(cfg.Seed, uint64(epoch)).Batches(cfg.Batch, false)
		if err != nil {
			return nil, err
		}
		if len(batches) == 0 {
			return nil, fmt.Errorf("train: %s: %d samples, fewer than one batch of %d", trainSet.Name(), trainSet.Len(), cfg.Batch)
		}
		m := Metrics{Epoch: epoch + 1, LR: lr, ValAcc: math.NaN()}
		right, seen := 0, 0
		var scores []float32
		// The next batch is encoded while the network trains on this
		// one, into the other of two buffers.
		encoded := make(chan error, 1)
		encode := func(i int) {
			buf, bits := &xs[i%2], &xbs[i%2]
			go func() {
				var err error
				if useBits {
					*bits, err = batches[i].EncodeBits(bitsEnc, cfg.T, uint64(epoch), *bits)
				} else {
					*buf, err = batches[i].Encode(cfg.Encoder, cfg.T, uint64(epoch), *buf)
				}
				encoded <- err
			}()
		}
		encode(0)
		for i, b := range batches {
			if err := <-encoded; err != nil {
				return nil, err
			}
			x, xb := xs[i%2], xbs[i%2]
			if i+1 < len(batches) {
				encode(i + 1)
			}
			labels = b.Labels(labels)
			scores = grow(scores, b.Len()*out)
			var l float32
			if useBits {
				l, err = bitsNet.TrainStepBits(xb, cfg.T, labels, scores)
			} else {
				l, err = net.TrainStep(x, cfg.T, labels, scores)
			}
			if err != nil {
				if i+1 < len(batches) {
					<-encoded // the next batch's goroutine writes xs
				}
				return nil, fmt.Errorf("train: epoch %d, batch %d: %w", epoch+1, i, err)
			}
			m.Loss += float64(l)
			for j, c := range labels {
				if argmax(scores[j*out:(j+1)*out]) == c {
					right++
				}
			}
			seen += b.Len()
			if cfg.Progress != nil {
				cfg.Progress(i+1, len(batches), m.Loss/float64(i+1))
			}
		}
		m.Loss /= float64(len(batches))
		m.TrainAcc = float64(right) / float64(seen)
		if valSet != nil && valSet.Len() > 0 {
			// The same spikes every epoch, so that the validation
			// accuracy changes only with the weights.
			ev, err := Evaluate(net, valSet, cfg.T, cfg.Encoder, cfg.Batch, validationEpoch)
			if err != nil {
				return nil, err
			}
			m.ValAcc, m.StateZeros = ev.Accuracy, ev.StateZeros
		}
		m.Seconds = now().Sub(t0).Seconds()
		res.Epochs = append(res.Epochs, m)
		if cfg.OnEpoch != nil {
			cfg.OnEpoch(m)
		}
		if cfg.Checkpoint != "" {
			if err := SaveCheckpoint(cfg.Checkpoint, net, Checkpoint{Epoch: epoch + 1, Seed: cfg.Seed, History: res.Epochs}); err != nil {
				return nil, err
			}
		}
		if !math.IsNaN(m.ValAcc) {
			if m.ValAcc > bestAcc {
				best, bestAcc, since = epoch+1, m.ValAcc, 0
				if cfg.Patience > 0 {
					if bestWeights, err = weights(net); err != nil {
						return nil, err
					}
				}
			} else if since++; cfg.Patience > 0 && since >= cfg.Patience {
				res.Stopped = true
				break
			}
		}
	}
	res.Best = best
	if best == 0 {
		res.Best = len(res.Epochs)
	}
	if res.Stopped && bestWeights != nil {
		for name, v := range bestWeights {
			if err := net.SetParam(name, v); err != nil {
				return nil, err
			}
		}
	}
	return res, nil
}

// Evaluation is a network's accuracy on a dataset.
type Evaluation struct {
	Accuracy   float64
	Confusion  [][]int            // [true class][predicted class]
	StateZeros map[string]float64 // per state variable, the fraction of values at exactly 0 after the last step (for LIF voltages: the neurons that just spiked and reset, or never charged)
}

// validationEpoch is the epoch the encoder is given for the validation set
// after every epoch: none of the training epochs.
const validationEpoch = math.MaxUint64

// Evaluate classifies every sample of d (Encoder drawing with the given
// epoch) in batches of batch.
func Evaluate(net Network, d *dataset.Dataset, T int, enc dataset.Encoder, batch int, epoch uint64) (*Evaluation, error) {
	in, out := net.Sizes()
	if d.Features() != in {
		return nil, fmt.Errorf("train: %s: %d features per sample, the network takes %d", d.Name(), d.Features(), in)
	}
	if d.Classes() > out {
		return nil, fmt.Errorf("train: %s: %d classes, more than the network's %d outputs", d.Name(), d.Classes(), out)
	}
	batches, err := d.Batches(batch, true)
	if err != nil {
		return nil, err
	}
	ev := &Evaluation{Confusion: make([][]int, out), StateZeros: map[string]float64{}}
	for i := range ev.Confusion {
		ev.Confusion[i] = make([]int, out)
	}
	names := net.StateVariables()
	zeros := make([]float64, len(names))
	var x, scores []float32
	var labels []int
	right, n := 0, 0
	for _, b := range batches {
		if x, err = b.Encode(enc, T, epoch, x); err != nil {
			return nil, err
		}
		labels = b.Labels(labels)
		scores = grow(scores, b.Len()*out)
		if err := net.Predict(x, T, scores, zeros); err != nil {
			return nil, err
		}
		for j, c := range labels {
			p := argmax(scores[j*out : (j+1)*out])
			ev.Confusion[c][p]++
			if p == c {
				right++
			}
		}
		for k, name := range names {
			ev.StateZeros[name] += zeros[k] * float64(b.Len())
		}
		n += b.Len()
	}
	for k := range ev.StateZeros {
		ev.StateZeros[k] /= float64(max(1, n))
	}
	ev.Accuracy = float64(right) / float64(max(1, n))
	return ev, nil
}

func argmax(v []float32) int {
	best := 0
	for i, u := range v {
		if u > v[best] {
			best = i
		}
	}
	return best
}

func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

// weights returns copies of every parameter by name.
func weights(net Network) (map[string][]float32, error) {
	out := map[string][]float32{}
	for _, name := range net.ParamNames() {
		_, v, err := net.Param(name)
		if err != nil {
			return nil, err
		}
		out[name] = v
	}
	return out, nil
}
