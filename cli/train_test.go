package cli

import (
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/snnc/snnc/internal/tensorio"
	"github.com/snnc/snnc/module"
)

// writeDigits writes an .npz of n random 784-feature samples whose class
// sets the brightness of a band of pixels; badLabel, if >= 0, is the
// index given the label 10.
func writeDigits(t *testing.T, path string, n, badLabel int) {
	rng := rand.New(rand.NewPCG(3, 4))
	x, y := make([]float64, n*784), make([]float64, n)
	for i := range y {
		y[i] = float64(rng.IntN(10))
		for f := 0; f < 784; f++ {
			x[i*784+f] = rng.Float64() * 0.2
			if f/78 == int(y[i]) {
				x[i*784+f] += 0.6
			}
		}
	}
	if badLabel >= 0 {
		y[badLabel] = 10
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	err = tensorio.WriteNpz(f, []*tensorio.Tensor{
		{Name: "x", Shape: []int{n, 784}, DType: tensorio.Float32, Data: x},
		{Name: "y", Shape: []int{n}, DType: tensorio.Float32, Data: y},
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestTrainAndEval runs snnc train on a few hundred samples, then snnc
// eval, snnc run and snnc nir export on the trained model it wrote; bad
// data is an error naming the file and the index, bad flags exit 2.
func TestTrainAndEval(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a trainer with the go command")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	gocache, err := exec.Command("go", "env", "GOCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("GOCACHE", strings.TrimSpace(string(gocache)))
	dir := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", filepath.Join(dir, "cache"))
	t.Setenv("HOME", filepath.Join(dir, "home")) // os.UserCacheDir on darwin
	data, out := filepath.Join(dir, "digits.npz"), filepath.Join(dir, "out")
	writeDigits(t, data, 300, -1)
	model := "../testdata/models/mnist_lif_spikes.snn.json"
	code, stdout, stderr := snnc("train", model, "--data", data, "--epochs", "2", "--batch", "25", "--T", "6",
		"--seed", "3", "--threads", "2", "--lr", "0.002", "--schedule", "cosine", "--clip", "10", "--out", out)
	if code != 0 {
		t.Fatalf("snnc train: exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"epoch 1/2", "epoch 2/2", "test accuracy", "loss.png"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("snnc train's output lacks %q:\n%s", want, stdout)
		}
	}
	for _, f := range []string{"loss.png", "accuracy.png", "checkpoint.safetensors", "mnist_lif_spikes_trained.snn.json", "mnist_lif_spikes_trained.safetensors"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: missing or empty (%v)", f, err)
		}
	}
	trained := filepath.Join(out, "mnist_lif_spikes_trained.snn.json")
	if _, err := module.Load(trained, 0); err != nil {
		t.Fatalf("the trained model does not load: %v", err)
	}
	code, stdout, stderr = snnc("eval", trained, "--data", data, "--T", "6", "--seed", "3")
	if code != 0 || !strings.Contains(stdout, "test accuracy") || !strings.Contains(stdout, "confusion matrix") {
		t.Fatalf("snnc eval: exit %d\n%s\n%s", code, stdout, stderr)
	}
	t.Log(stdout)
	if code, _, stderr = snnc("nir", "export", trained, "-o", filepath.Join(dir, "trained.nir")); code != 0 {
		t.Errorf("snnc nir export of the trained model: exit %d: %s", code, stderr)
	}

	bad := filepath.Join(dir, "bad.npz")
	writeDigits(t, bad, 50, 17)
	code, _, stderr = snnc("eval", trained, "--data", bad)
	if code != 1 || !strings.Contains(stderr, "bad.npz") || !strings.Contains(stderr, "17") {
		t.Errorf("eval on a label out of range: exit %d, stderr %q; want 1 and an error naming bad.npz and index 17", code, stderr)
	}
	for _, args := range [][]string{
		{"train", model, "--data", data}, // no --out
		{"train", model, "--out", out},   // no --data
		{"train", model, "--data", data, "--out", out, "--optimizer", "rmsprop"},
		{"train", model, "--data", data, "--out", out, "--T", "0"},
		{"eval", model, "--data", data, "--encoder", "rate"},
	} {
		if code, _, _ := snnc(args...); code != 2 {
			t.Errorf("snnc %s: exit %d, want 2", strings.Join(args, " "), code)
		}
	}
}
