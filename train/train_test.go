package train_test

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/snnc/snnc/dataset"
	"github.com/snnc/snnc/examples/mnist/mnistlif"
	"github.com/snnc/snnc/module"
	"github.com/snnc/snnc/train"
)

// smallSet is n random 784-feature samples of 10 classes, whose class
// sets the brightness of a band of pixels, so that training has something
// to learn.
func smallSet(t *testing.T, n int, seed uint64) *dataset.Dataset {
	rng := rand.New(rand.NewPCG(seed, 7))
	x, y := make([]float32, n*784), make([]int, n)
	for i := range y {
		y[i] = rng.IntN(10)
		for f := 0; f < 784; f++ {
			v := rng.Float32() * 0.2
			if f/78 == y[i] {
				v += 0.6
			}
			x[i*784+f] = v
		}
	}
	d, err := dataset.New("small", []int{784}, x, y, 10)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func newNet(t *testing.T, threads int) *mnistlif.Trainer {
	net, err := mnistlif.NewTrainer("adam", 1e-3, threads)
	if err != nil {
		t.Fatal(err)
	}
	return net
}

func config(epochs int) train.Config {
	return train.Config{Epochs: epochs, Batch: 16, T: 6, Seed: 5, LR: 2e-3, Clip: 5,
		Encoder: dataset.Poisson{Seed: 5}, Schedule: train.Cosine{Min: 1e-4}}
}

func params(t *testing.T, net train.Network) map[string][]float32 {
	out := map[string][]float32{}
	for _, name := range net.ParamNames() {
		_, v, err := net.Param(name)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = v
	}
	return out
}

func sameBits(t *testing.T, what string, a, b map[string][]float32) {
	t.Helper()
	for name, va := range a {
		vb := b[name]
		if len(va) != len(vb) {
			t.Fatalf("%s: %s has %d values and %d", what, name, len(va), len(vb))
		}
		for i := range va {
			if math.Float32bits(va[i]) != math.Float32bits(vb[i]) {
				t.Fatalf("%s: %s[%d] = %g and %g", what, name, i, va[i], vb[i])
			}
		}
	}
}

// TestReproducible: the same seed and threads give the same weights bit
// for bit, and training learns the small set.
func TestReproducible(t *testing.T) {
	d, val := smallSet(t, 192, 1), smallSet(t, 64, 2)
	var first map[string][]float32
	for run := 0; run < 2; run++ {
		net := newNet(t, 2)
		res, err := train.Run(net, d, val, config(2))
		if err != nil {
			t.Fatal(err)
		}
		if run == 0 {
			first = params(t, net)
			last := res.Epochs[len(res.Epochs)-1]
			t.Logf("after 2 epochs: loss %.3f, train %.2f, validation %.2f", last.Loss, last.TrainAcc, last.ValAcc)
			if last.ValAcc < 0.5 {
				t.Errorf("validation accuracy %.2f after 2 epochs on an easy set, want >= 0.5", last.ValAcc)
			}
			continue
		}
		sameBits(t, "the second run's weights against the first's", params(t, net), first)
	}
}

// TestResume: one epoch, a checkpoint, a fresh network resumed from it
// for the second epoch: the weights of an uninterrupted two-epoch run, bit
// for bit.
func TestResume(t *testing.T) {
	d := smallSet(t, 128, 3)
	whole := newNet(t, 1)
	if _, err := train.Run(whole, d, nil, config(2)); err != nil {
		t.Fatal(err)
	}
	ck := filepath.Join(t.TempDir(), "ck.safetensors")
	first := newNet(t, 1)
	cfg := config(1)
	cfg.Checkpoint = ck
	if _, err := train.Run(first, d, nil, cfg); err != nil {
		t.Fatal(err)
	}
	cfg.Epochs, cfg.Checkpoint, cfg.Resume = 2, "", ck
	resumed := newNet(t, 1)
	res, err := train.Run(resumed, d, nil, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Epochs) != 2 {
		t.Errorf("the resumed run reports %d epochs, want 2 (one from the checkpoint)", len(res.Epochs))
	}
	sameBits(t, "resumed against uninterrupted", params(t, resumed), params(t, whole))

	cfg.Seed = 6
	if _, err := train.Run(newNet(t, 1), d, nil, cfg); err == nil {
		t.Error("resuming with another seed: no error")
	}
}

// TestSaveModel: the trained weights written as a model file load back
// with the original layers and the trained values.
func TestSaveModel(t *testing.T) {
	net := newNet(t, 1)
	if _, err := train.Run(net, smallSet(t, 32, 4), nil, config(1)); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "trained.snn.json")
	if err := train.SaveModel(net, "../testdata/models/mnist_lif.snn.json", out); err != nil {
		t.Fatal(err)
	}
	m, err := module.Load(out, 0)
	if err != nil {
		t.Fatal(err)
	}
	b, err := m.Build()
	if err != nil {
		t.Fatal(err)
	}
	want := params(t, net)
	for name, v := range want {
		got := b.Params[name]
		if len(got) != len(v) {
			t.Fatalf("%s: %d values in the saved model, want %d", name, len(got), len(v))
		}
		for i := range v {
			if float32(got[i]) != v[i] {
				t.Fatalf("%s[%d] = %g in the saved model, want %g", name, i, got[i], v[i])
			}
		}
	}
}

func TestSchedules(t *testing.T) {
	cases := []struct {
		s            train.Schedule
		epoch, total int
		want         float64
	}{
		{train.Constant{}, 7, 10, 0.1},
		{train.Step{Every: 2, Gamma: 0.5}, 0, 10, 0.1},
		{train.Step{Every: 2, Gamma: 0.5}, 5, 10, 0.025},
		{train.Cosine{}, 0, 10, 0.1},
		{train.Cosine{Min: 0.02}, 5, 10, 0.06},
	}
	for _, c := range cases {
		if got := c.s.LR(0.1, c.epoch, c.total); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("%#v.LR(0.1, %d, %d) = %g, want %g", c.s, c.epoch, c.total, got, c.want)
		}
	}
}

func TestBadConfig(t *testing.T) {
	d := smallSet(t, 16, 5)
	for name, mod := range map[string]func(*train.Config){
		"Epochs 0":                  func(c *train.Config) { c.Epochs = 0 },
		"Batch 0":                   func(c *train.Config) { c.Batch = 0 },
		"T 0":                       func(c *train.Config) { c.T = 0 },
		"LR NaN":                    func(c *train.Config) { c.LR = math.NaN() },
		"Clip -1":                   func(c *train.Config) { c.Clip = -1 },
		"batch larger than the set": func(c *train.Config) { c.Batch = 17 },
		"missing checkpoint":        func(c *train.Config) { c.Resume = "/nonexistent/ck.safetensors" },
	} {
		cfg := config(1)
		mod(&cfg)
		if _, err := train.Run(newNet(t, 1), d, nil, cfg); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestEarlyStopping: with a learning rate so small that nothing improves,
// the run stops after Patience epochs without a better validation
// accuracy and restores the best epoch's weights.
func TestEarlyStopping(t *testing.T) {
	d, val := smallSet(t, 64, 6), smallSet(t, 32, 7)
	net := newNet(t, 1)
	cfg := config(20)
	cfg.LR, cfg.Schedule, cfg.Patience = 1e-30, nil, 2
	res, err := train.Run(net, d, val, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Stopped || len(res.Epochs) != 3 || res.Best != 1 {
		t.Errorf("stopped %v after %d epochs, best %d; want a stop after 3 epochs with the first the best", res.Stopped, len(res.Epochs), res.Best)
	}
}

// TestBadCheckpoint: a truncated checkpoint, a file that is no checkpoint
// and one of another optimizer are errors naming the file.
func TestBadCheckpoint(t *testing.T) {
	dir := t.TempDir()
	ck := filepath.Join(dir, "ck.safetensors")
	net := newNet(t, 1)
	if err := train.SaveCheckpoint(ck, net, train.Checkpoint{Epoch: 1, Seed: 5}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(ck)
	if err != nil {
		t.Fatal(err)
	}
	truncated := filepath.Join(dir, "truncated.safetensors")
	if err := os.WriteFile(truncated, data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	sgd, err := mnistlif.NewTrainer("sgd", 0.1, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path string
		net  train.Network
		want string
	}{
		{truncated, newNet(t, 1), "truncated.safetensors"},
		{"../testdata/models/mnist_lif.safetensors", newNet(t, 1), "not a checkpoint"},
		{ck, sgd, "st.Kind"},
	} {
		_, err := train.LoadCheckpoint(c.path, c.net)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("LoadCheckpoint(%s): error %v, want one naming %q", c.path, err, c.want)
		}
	}
	if _, err := train.LoadCheckpoint(ck, newNet(t, 1)); err != nil {
		t.Errorf("LoadCheckpoint of a good checkpoint: %v", err)
	}
}

// unpackingNet is a Network that also takes bit-packed spikes, unpacking
// them for TrainStep; it counts the batches given either way.
type unpackingNet struct {
	*mnistlif.Trainer
	floats, bits int
}

func (n *unpackingNet) TrainStep(x []float32, T int, labels []int, scores []float32) (float32, error) {
	n.floats++
	return n.Trainer.TrainStep(x, T, labels, scores)
}

func (n *unpackingNet) TrainStepBits(x []uint64, T int, labels []int, scores []float32) (float32, error) {
	n.bits++
	const in, words = 784, 13
	xf := make([]float32, len(x)/words*in)
	for r := range len(x) / words {
		for f := range in {
			xf[r*in+f] = float32(x[r*words+f/64] >> (f % 64) & 1)
		}
	}
	return n.Trainer.TrainStep(xf, T, labels, scores)
}

// TestRunBits: with a network that takes bit-packed spikes and an encoder
// of spikes, Run hands every batch over as bits, and the bits are the
// spikes the float32 encoding gives: the same weights, bit for bit. A
// constant encoder keeps the float32 path.
func TestRunBits(t *testing.T) {
	d := smallSet(t, 64, 3)
	want := newNet(t, 1)
	if _, err := train.Run(want, d, nil, config(1)); err != nil {
		t.Fatal(err)
	}
	got := &unpackingNet{Trainer: newNet(t, 1)}
	if _, err := train.Run(got, d, nil, config(1)); err != nil {
		t.Fatal(err)
	}
	if got.bits != 64/16 || got.floats != 0 {
		t.Errorf("batches as bits %d, as float32 %d; want 4, 0", got.bits, got.floats)
	}
	sameBits(t, "weights trained from bit-packed spikes against float32 spikes", params(t, got), params(t, want))

	cfg := config(1)
	cfg.Encoder = dataset.Constant{}
	constant := &unpackingNet{Trainer: newNet(t, 1)}
	if _, err := train.Run(constant, d, nil, cfg); err != nil {
		t.Fatal(err)
	}
	if constant.bits != 0 || constant.floats != 64/16 {
		t.Errorf("constant encoder: batches as bits %d, as float32 %d; want 0, 4", constant.bits, constant.floats)
	}
}
