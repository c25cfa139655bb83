// Package runner is the program snnc train and snnc eval build: a main
// generated beside the compiled package calls Main with the package's
// NewTrainer, and Main parses the flags snnc passes, loads the data, runs
// package train with a progress bar per epoch, and writes the curves and
// the trained model.
package runner

import (
	"flag"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/schollz/progressbar/v3"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/snnc/snnc/dataset"
	"github.com/snnc/snnc/train"
)

// NewNetwork makes the network to train: the compiled package's
// NewTrainer.
type NewNetwork func(optimizer string, lr float32, threads int) (train.Network, error)

// Main runs "train" or "eval" (args[0]) with the flags that follow and
// returns the exit code: 0, 1 for failed work, 2 for bad flags.
func Main(newNet NewNetwork, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || (args[0] != "train" && args[0] != "eval") {
		fmt.Fprintln(stderr, "usage: train|eval --model FILE --data mnist|FILE.npz [flags]")
		return 2
	}
	mode := args[0]
	fs := flag.NewFlagSet(mode, flag.ContinueOnError)
	fs.SetOutput(stderr)
	model := fs.String("model", "", "the model file the package was compiled from")
	data := fs.String("data", "mnist", "mnist or an .npz file")
	epochs := fs.Int("epochs", 1, "epochs")
	batch := fs.Int("batch", 64, "batch size")
	lr := fs.Float64("lr", 1e-3, "learning rate")
	opt := fs.String("optimizer", "adam", "sgd or adam")
	T := fs.Int("T", 25, "time steps per sample")
	enc := fs.String("encoder", "poisson", "poisson or constant")
	seed := fs.Uint64("seed", 1, "seed")
	threads := fs.Int("threads", runtime.NumCPU(), "goroutines")
	out := fs.String("out", "", "output directory")
	sched := fs.String("schedule", "constant", "constant, step or cosine")
	clip := fs.Float64("clip", 0, "gradient clipping norm (0: none)")
	patience := fs.Int("patience", 0, "early stopping patience in epochs (0: none)")
	val := fs.Float64("val", 0.1, "validation fraction of the training data")
	resume := fs.String("resume", "", "checkpoint to resume from")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if err := run(mode, newNet, options{*model, *data, *epochs, *batch, *lr, *opt, *T, *enc, *seed, *threads, *out, *sched, *clip, *patience, *val, *resume}, stdout, stderr); err != nil {
		fmt.Fprintln(stderr, "\nsnnc "+mode+":", err)
		return 1
	}
	return 0
}

type options struct {
	model, data   string
	epochs, batch int
	lr            float64
	optimizer     string
	T             int
	encoder       string
	seed          uint64
	threads       int
	out, schedule string
	clip          float64
	patience      int
	val           float64
	resume        string
}

func run(mode string, newNet NewNetwork, o options, stdout, stderr io.Writer) error {
	var enc dataset.Encoder = dataset.Constant{}
	if o.encoder == "poisson" {
		enc = dataset.Poisson{Seed: o.seed}
	}
	net, err := newNet(o.optimizer, float32(o.lr), o.threads)
	if err != nil {
		return err
	}
	// An .npz's labels must be classes of the network's outputs: the
	// reader names the file and the index of one that is not.
	_, classes := net.Sizes()
	var trainSet, test *dataset.Dataset
	if o.data == "mnist" {
		trainSet, test, err = dataset.MNIST()
	} else {
		trainSet, err = dataset.LoadNpz(o.data, dataset.NpzOptions{Classes: classes})
		test = trainSet
	}
	if err != nil {
		return err
	}
	if mode == "eval" {
		ev, err := train.Evaluate(net, test, o.T, enc, o.batch, 0)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: test accuracy %.2f %% (%d samples)\n", test.Name(), 100*ev.Accuracy, test.Len())
		fmt.Fprintln(stdout, "confusion matrix (rows: true class, columns: predicted):")
		fmt.Fprint(stdout, "     ")
		for j := range ev.Confusion {
			fmt.Fprintf(stdout, " %6d", j)
		}
		fmt.Fprintln(stdout)
		for i, row := range ev.Confusion {
			fmt.Fprintf(stdout, "%5d", i)
			for _, n := range row {
				fmt.Fprintf(stdout, " %6d", n)
			}
			fmt.Fprintln(stdout)
		}
		return nil
	}
	valSet := (*dataset.Dataset)(nil)
	if o.val > 0 {
		if trainSet, valSet, err = trainSet.Split(o.val, o.seed); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}
	cfg := train.Config{Epochs: o.epochs, Batch: o.batch, T: o.T, Encoder: enc, Seed: o.seed, LR: o.lr,
		Clip: o.clip, Patience: o.patience, Resume: o.resume, Checkpoint: filepath.Join(o.out, "checkpoint.safetensors")}
	switch o.schedule {
	case "step":
		cfg.Schedule = train.Step{Every: max(1, o.epochs/3), Gamma: 0.1}
	case "cosine":
		cfg.Schedule = train.Cosine{}
	}
	cfg.Progress = progress(stderr)
	cfg.OnEpoch = func(m train.Metrics) {
		val := "no validation set"
		if !math.IsNaN(m.ValAcc) {
			val = fmt.Sprintf("validation %.2f %%", 100*m.ValAcc)
		}
		fmt.Fprintf(stdout, "epoch %d/%d: lr %.3g, loss %.4f, train %.2f %%, %s, %.1f s%s\n",
			m.Epoch, o.epochs, m.LR, m.Loss, 100*m.TrainAcc, val, m.Seconds, zeros(m.StateZeros))
	}
	res, err := train.Run(net, trainSet, valSet, cfg)
	if err != nil {
		return err
	}
	ev, err := train.Evaluate(net, test, o.T, enc, o.batch, 0)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "test accuracy %.2f %% (%d samples, %s)\n", 100*ev.Accuracy, test.Len(), test.Name())
	name := strings.TrimSuffix(filepath.Base(o.model), ".snn.json")
	if err := train.SaveModel(net, o.model, filepath.Join(o.out, name+"_trained.snn.json")); err != nil {
		return err
	}
	if err := curves(res, o.out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %s_trained.snn.json (+ .safetensors), checkpoint.safetensors, loss.png, accuracy.png\n", o.out, name)
	return nil
}

func zeros(z map[string]float64) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(z)) {
		parts = append(parts, fmt.Sprintf("%s %.2f", k, z[k]))
	}
	if len(parts) == 0 {
		return ""
	}
	return ", zero state fraction: " + strings.Join(parts, ", ")
}

// curves writes loss.png and accuracy.png.
func curves(res *train.Result, dir string) error {
	loss, tr, va := plotter.XYs{}, plotter.XYs{}, plotter.XYs{}
	for _, m := range res.Epochs {
		x := float64(m.Epoch)
		loss = append(loss, plotter.XY{X: x, Y: m.Loss})
		tr = append(tr, plotter.XY{X: x, Y: 100 * m.TrainAcc})
		if !math.IsNaN(m.ValAcc) {
			va = append(va, plotter.XY{X: x, Y: 100 * m.ValAcc})
		}
	}
	acc := []any{"train", tr}
	if len(va) > 0 {
		acc = append(acc, "validation", va)
	}
	for _, f := range []struct {
		file, title, y string
		lines          []any
	}{
		{"loss.png", "training loss", "loss", []any{"train", loss}},
		{"accuracy.png", "accuracy", "%", acc},
	} {
		p := plot.New()
		p.Title.Text, p.X.Label.Text, p.Y.Label.Text = f.title, "epoch", f.y
		if err := plotutil.AddLinePoints(p, f.lines...); err != nil {
			return err
		}
		if err := p.Save(6*vg.Inch, 4*vg.Inch, filepath.Join(dir, f.file)); err != nil {
			return err
		}
	}
	return nil
}

// progress returns the progress report of the batches of an epoch: a
// progress bar on a terminal; elsewhere (a log file, a pipe), where a bar's
// redraws would pile up, a line at each quarter of the epoch.
func progress(w io.Writer) func(done, total int, loss float64) {
	if f, ok := w.(*os.File); !ok || !isTerminal(f) {
		return func(done, total int, loss float64) {
			if q := 4 * done / total; done < total && q > 4*(done-1)/total {
				fmt.Fprintf(w, "  %d/%d batches, loss %.4f\n", done, total, loss)
			}
		}
	}
	var bar *progressbar.ProgressBar
	return func(done, total int, loss float64) {
		if bar == nil {
			bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(w), progressbar.OptionShowCount(),
				progressbar.OptionSetDescription("training"), progressbar.OptionSetPredictTime(true), progressbar.OptionClearOnFinish())
		}
		bar.Describe(fmt.Sprintf("loss %.4f", loss))
		bar.Set(done)
		if done == total {
			bar.Finish()
			bar = nil
		}
	}
}

// isTerminal reports whether f is a character device, as terminals are.
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
