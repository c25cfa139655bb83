package train

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/snnc/snnc/internal/tensorio"
	"github.com/snnc/snnc/module"
)

var now = time.Now

// Checkpoint is what a checkpoint file holds besides the weights and the
// optimizer state: the epochs done, the run's seed (which with the epoch
// is the position of every random draw) and the metrics so far.
type Checkpoint struct {
	Epoch   int
	Seed    uint64
	History []Metrics
}

// SaveCheckpoint writes net's weights (tensors named as the parameters),
// its optimizer state (tensors "optimizer/<array>") and ck (metadata) as a
// safetensors file, through a temporary file renamed into place.
func SaveCheckpoint(path string, net Network, ck Checkpoint) error {
	var tensors []*tensorio.Tensor
	for _, name := range net.ParamNames() {
		shape, v, err := net.Param(name)
		if err != nil {
			return err
		}
		tensors = append(tensors, tensorOf(name, shape, v))
	}
	kind, steps, arrays, err := net.OptimizerState()
	if err != nil {
		return err
	}
	for name, v := range arrays {
		tensors = append(tensors, tensorOf("optimizer/"+name, []int{len(v)}, v))
	}
	hist, err := json.Marshal(history(ck.History))
	if err != nil {
		return err
	}
	meta := map[string]string{
		"snnc_checkpoint": "1", "epoch": strconv.Itoa(ck.Epoch), "seed": strconv.FormatUint(ck.Seed, 10),
		"optimizer": kind, "optimizer_steps": strconv.FormatInt(steps, 10), "history": string(hist),
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".checkpoint-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tensorio.WriteSafetensors(tmp, tensors, meta); err != nil {
		tmp.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// LoadCheckpoint reads a checkpoint written by SaveCheckpoint into net
// and returns its epoch, seed and history.
func LoadCheckpoint(path string, net Network) (*Checkpoint, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := tensorio.ReadSafetensors(f, path)
	if err != nil {
		return nil, err
	}
	meta := st.Metadata
	if meta["snnc_checkpoint"] != "1" {
		return nil, fmt.Errorf("%s: not a checkpoint of package train (no metadata snnc_checkpoint = 1)", path)
	}
	ck := &Checkpoint{}
	epoch, err1 := strconv.Atoi(meta["epoch"])
	seed, err2 := strconv.ParseUint(meta["seed"], 10, 64)
	steps, err3 := strconv.ParseInt(meta["optimizer_steps"], 10, 64)
	for field, err := range map[string]error{"epoch": err1, "seed": err2, "optimizer_steps": err3} {
		if err != nil {
			return nil, fmt.Errorf("%s: metadata %s: %w", path, field, err)
		}
	}
	if epoch < 0 {
		return nil, fmt.Errorf("%s: metadata epoch = %d, want >= 0", path, epoch)
	}
	ck.Epoch, ck.Seed = epoch, seed
	var h []jsonMetrics
	if err := json.Unmarshal([]byte(meta["history"]), &h); err != nil {
		return nil, fmt.Errorf("%s: metadata history: %w", path, err)
	}
	for _, m := range h {
		ck.History = append(ck.History, m.metrics())
	}
	arrays := map[string][]float32{}
	params := map[string]bool{}
	for _, name := range net.ParamNames() {
		params[name] = true
	}
	for _, t := range st.Tensors {
		name, v := t.Name, t.Data
		f32 := make([]float32, len(v))
		for i, u := range v {
			f32[i] = float32(u)
		}
		switch {
		case params[name]:
			if err := net.SetParam(name, f32); err != nil {
				return nil, fmt.Errorf("%s: tensor %s: %w", path, name, err)
			}
			delete(params, name)
		case len(name) > len("optimizer/") && name[:len("optimizer/")] == "optimizer/":
			arrays[name[len("optimizer/"):]] = f32
		default:
			return nil, fmt.Errorf("%s: tensor %s is no parameter of the network", path, name)
		}
	}
	for name := range params {
		return nil, fmt.Errorf("%s: no tensor %s", path, name)
	}
	if err := net.SetOptimizerState(meta["optimizer"], steps, arrays); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ck, nil
}

func nan() float64 { return math.NaN() }

func tensorOf(name string, shape []int, v []float32) *tensorio.Tensor {
	d := make([]float64, len(v))
	for i, u := range v {
		d[i] = float64(u)
	}
	return &tensorio.Tensor{Name: name, Shape: shape, DType: tensorio.Float32, Data: d}
}

// jsonMetrics is Metrics in JSON, where NaN has no number.
type jsonMetrics struct {
	Epoch              int
	LR, Loss, TrainAcc float64
	ValAcc             *float64
	StateZeros         map[string]float64
	Seconds            float64
}

func history(ms []Metrics) []jsonMetrics {
	var out []jsonMetrics
	for _, m := range ms {
		j := jsonMetrics{Epoch: m.Epoch, LR: m.LR, Loss: m.Loss, TrainAcc: m.TrainAcc, StateZeros: m.StateZeros, Seconds: m.Seconds}
		if m.ValAcc == m.ValAcc {
			v := m.ValAcc
			j.ValAcc = &v
		}
		out = append(out, j)
	}
	return out
}

func (j jsonMetrics) metrics() Metrics {
	m := Metrics{Epoch: j.Epoch, LR: j.LR, Loss: j.Loss, TrainAcc: j.TrainAcc, StateZeros: j.StateZeros, Seconds: j.Seconds, ValAcc: nan()}
	if j.ValAcc != nil {
		m.ValAcc = *j.ValAcc
	}
	return m
}

// SaveModel writes net's weights as a model file at out, with the layers
// of the model file it was compiled from (src): a file snnc compile, run
// and nir export take.
func SaveModel(net Network, src, out string) error {
	orig, err := module.Load(src, 0)
	if err != nil {
		return err
	}
	w := map[string][]float64{}
	for _, name := range net.ParamNames() {
		_, v, err := net.Param(name)
		if err != nil {
			return err
		}
		d := make([]float64, len(v))
		for i, u := range v {
			d[i] = float64(u)
		}
		w[name] = d
	}
	m, err := module.New(orig.Name, orig.DT, orig.InputShape, orig.Layers, w)
	if err != nil {
		return fmt.Errorf("%s: the trained weights do not fit the layers of %s: %w", out, src, err)
	}
	m.InputSpikes = orig.InputSpikes
	return module.Save(out, m)
}
