package cli

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/snnc/snnc/compiler"
)

const trainSynopsis = "train MODEL --data mnist|FILE.npz --out DIR [--epochs N] [--batch B] [--lr X] [--optimizer sgd|adam] [--T T] [--encoder poisson|constant] [--seed S] [--threads N] [--schedule constant|step|cosine] [--clip NORM] [--patience N] [--val FRACTION] [--resume CHECKPOINT]"

const evalSynopsis = "eval MODEL --data mnist|FILE.npz [--T T] [--batch B] [--encoder poisson|constant] [--seed S] [--threads N]"

func cmdTrain(args []string, stdout io.Writer) error {
	return trainOrEval("train", trainSynopsis, args, stdout)
}

func cmdEval(args []string, stdout io.Writer) error {
	return trainOrEval("eval", evalSynopsis, args, stdout)
}

// trainOrEval compiles MODEL with training into a cache directory keyed
// by the model's hash, beside a main that links it with package train's
// runner, builds that with the go command and runs it: the training runs
// at the compiled kernels' speed.
func trainOrEval(mode, synopsis string, args []string, stdout io.Writer) error {
	fs := newFlags(mode, synopsis, stdout)
	data := fs.String("data", "", "`mnist` or an .npz file holding x [N][features...] and y [N]")
	T := fs.Int("T", 25, "time steps per sample")
	batch := fs.Int("batch", 64, "batch size")
	encoder := fs.String("encoder", "poisson", "how a sample becomes T steps of input: poisson (spikes of probability = value) or constant")
	seed := fs.Uint64("seed", 1, "seed of the shuffles, the validation split and the Poisson spikes")
	threads := fs.Int("threads", runtime.NumCPU(), "goroutines per batch")
	var out, optimizer, schedule, resume *string
	var epochs, patience *int
	var lr, clip, val *float64
	if mode == "train" {
		out = fs.String("out", "", "output `directory`: the trained model, checkpoint.safetensors, loss.png, accuracy.png")
		epochs = fs.Int("epochs", 1, "epochs")
		lr = fs.Float64("lr", 1e-3, "base learning rate")
		optimizer = fs.String("optimizer", "adam", "sgd (momentum 0.9) or adam")
		schedule = fs.String("schedule", "constant", "learning-rate schedule: constant, step (×0.1 every third of the epochs) or cosine")
		clip = fs.Float64("clip", 0, "clip the gradients to this global norm (0: no clipping)")
		patience = fs.Int("patience", 0, "stop after this many epochs without a better validation accuracy (0: never)")
		val = fs.Float64("val", 0.1, "fraction of the training data held out for validation")
		resume = fs.String("resume", "", "continue from a checkpoint.safetensors")
	}
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{mode + " needs one MODEL file"}
	}
	if *data == "" {
		return usageError{mode + " needs --data mnist or --data FILE.npz"}
	}
	if *T < 1 || *batch < 1 || *threads < 1 {
		return usageError{"--T, --batch and --threads must be at least 1"}
	}
	if *encoder != "poisson" && *encoder != "constant" {
		return usageError{fmt.Sprintf("--encoder %q: want poisson or constant", *encoder)}
	}
	forward := []string{mode, "--model", "", "--data", *data, "--T", fmt.Sprint(*T), "--batch", fmt.Sprint(*batch),
		"--encoder", *encoder, "--seed", fmt.Sprint(*seed), "--threads", fmt.Sprint(*threads)}
	if mode == "train" {
		switch {
		case *out == "":
			return usageError{"train needs --out DIR"}
		case *epochs < 1:
			return usageError{"--epochs must be at least 1"}
		case !(*lr > 0):
			return usageError{"--lr must be positive"}
		case *optimizer != "sgd" && *optimizer != "adam":
			return usageError{fmt.Sprintf("--optimizer %q: want sgd or adam", *optimizer)}
		case *schedule != "constant" && *schedule != "step" && *schedule != "cosine":
			return usageError{fmt.Sprintf("--schedule %q: want constant, step or cosine", *schedule)}
		case !(*clip >= 0) || *patience < 0 || !(*val >= 0 && *val < 1):
			return usageError{"--clip and --patience must be >= 0, --val in [0, 1)"}
		}
		forward = append(forward, "--out", abs(*out), "--epochs", fmt.Sprint(*epochs), "--lr", fmt.Sprint(*lr),
			"--optimizer", *optimizer, "--schedule", *schedule, "--clip", fmt.Sprint(*clip),
			"--patience", fmt.Sprint(*patience), "--val", fmt.Sprint(*val))
		if *resume != "" {
			forward = append(forward, "--resume", abs(*resume))
		}
	}
	if *data != "mnist" {
		forward[4] = abs(*data)
	}
	model := pos[0]
	if strings.EqualFold(filepath.Ext(model), ".nir") {
		return fmt.Errorf("%s: snnc %s takes a *.snn.json model (the trained weights are written back as one)", model, mode)
	}
	forward[2] = abs(model)
	bin, err := buildTrainer(model, stdout)
	if err != nil {
		return err
	}
	// The program's errors come back as this command's (exit code 1); its
	// progress bars go to stderr as they come.
	var errs bytes.Buffer
	cmd := exec.Command(bin, forward...)
	cmd.Stdout, cmd.Stderr = stdout, io.MultiWriter(os.Stderr, &errs)
	if err := cmd.Run(); err != nil {
		prefix := "snnc " + mode + ": "
		for _, line := range strings.Split(errs.String(), "\n") {
			if i := strings.Index(line, prefix); i >= 0 {
				return errors.New(line[i+len(prefix):])
			}
		}
		return fmt.Errorf("%s failed: %v", mode, err)
	}
	return nil
}

func abs(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// trainerMain is the program built in the cache directory.
const trainerMain = `// Code generated by snnc train. DO NOT EDIT.

package main

import (
	"os"

	"github.com/snnc/snnc/train"
	"github.com/snnc/snnc/train/runner"

	"snnctrainer/model"
)

func main() {
	newNet := func(optimizer string, lr float32, threads int) (train.Network, error) {
		t, err := model.NewTrainer(optimizer, lr, threads)
		if err != nil {
			return nil, err
		}
		return t, nil
	}
	os.Exit(runner.Main(newNet, os.Args[1:], os.Stdout, os.Stderr))
}
`

// buildTrainer compiles the model with training and builds the trainer
// program, in os.UserCacheDir()/snnc/train/<hash of the model file, its
// weights and the snnc source>, reusing an earlier build.
func buildTrainer(model string, log io.Writer) (string, error) {
	root, err := snncSource()
	if err != nil {
		return "", err
	}
	_, b, err := loadGraph(model, 0)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	js, err := os.ReadFile(model)
	if err != nil {
		return "", err
	}
	h.Write(js)
	for _, n := range b.Graph.Nodes {
		if v, ok := b.Params[n.Name]; ok {
			fmt.Fprintf(h, "%s %v %v\n", n.Name, n.Type.Shape, v)
		}
	}
	fmt.Fprintf(h, "%s\n", root)
	if self, err := os.Executable(); err == nil {
		if st, err := os.Stat(self); err == nil {
			fmt.Fprintf(h, "%d %d\n", st.Size(), st.ModTime().UnixNano())
		}
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(cache, "snnc", "train", hex.EncodeToString(h.Sum(nil))[:16])
	bin := filepath.Join(dir, "trainer")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	fmt.Fprintf(log, "compiling %s with training into %s\n", model, dir)
	p, err := compiler.Compile(b.Graph, b.Params, compiler.Options{Package: "model", Source: filepath.Base(model), Train: true, MaxMemory: maxMemory})
	if err != nil {
		return "", fmt.Errorf("%s: %w", model, err)
	}
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	if err := p.Write(filepath.Join(dir, "model")); err != nil {
		return "", err
	}
	gomod := fmt.Sprintf("module snnctrainer\n\ngo 1.26\n\nrequire github.com/snnc/snnc v0.0.0\n\nreplace github.com/snnc/snnc => %s\n", root)
	sum, _ := os.ReadFile(filepath.Join(root, "go.sum"))
	for name, data := range map[string][]byte{"go.mod": []byte(gomod), "go.sum": sum, "main.go": []byte(trainerMain)} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return "", err
		}
	}
	var msg bytes.Buffer
	cmd := exec.Command("go", "build", "-o", "trainer", ".")
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = dir, compiler.ScratchEnv(), &msg, &msg
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("building the trainer in %s: %v\n%s", dir, err, msg.String())
	}
	return bin, nil
}

// snncSource finds the snnc module's source, which the trainer program
// is built against: $SNNC_SOURCE, or the directory this command was built
// from, or a parent of the working directory.
func snncSource() (string, error) {
	isRoot := func(dir string) bool {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		return err == nil && bytes.HasPrefix(b, []byte("module github.com/snnc/snnc\n"))
	}
	if d := os.Getenv("SNNC_SOURCE"); d != "" {
		if !isRoot(d) {
			return "", fmt.Errorf("SNNC_SOURCE=%s: no go.mod of module github.com/snnc/snnc there", d)
		}
		return d, nil
	}
	var starts []string
	if _, file, _, ok := runtime.Caller(0); ok {
		starts = append(starts, filepath.Dir(file))
	}
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	for _, d := range starts {
		for ; ; d = filepath.Dir(d) {
			if isRoot(d) {
				return d, nil
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	return "", errors.New("snnc train builds the trainer against snnc's source and cannot find it: set SNNC_SOURCE to the directory of snnc's go.mod")
}
