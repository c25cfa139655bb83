package functional_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"

	"github.com/snnc/snnc/backend/interp"
	"github.com/snnc/snnc/functional"
	"github.com/snnc/snnc/module"
)

// isNetworkFile says whether a reference file holds a whole network, which
// the Norse README marks by a SequentialState(...) description.
func isNetworkFile(data []byte) bool {
	var probe map[string]json.RawMessage
	if json.Unmarshal(data, &probe) != nil {
		return false
	}
	for _, key := range []string{"model", "modules", "norse_function"} {
		if bytes.Contains(probe[key], []byte("SequentialState(")) {
			return true
		}
	}
	return false
}

// netFile is a whole-network reference file with every field under its
// dotted path: {"hidden": {"li_v": ...}} and {"hidden.li_v": ...} both give
// "hidden.li_v", so the checker does not depend on which of the two the
// README's table means. Objects also stay under their own path, for the
// parameter objects.
type netFile map[string]json.RawMessage

func parseNetFile(data []byte) (netFile, error) {
	f := netFile{}
	var add func(prefix string, raw json.RawMessage) error
	add = func(prefix string, raw json.RawMessage) error {
		var obj map[string]json.RawMessage
		if bytes.HasPrefix(bytes.TrimSpace(raw), []byte("{")) {
			if err := json.Unmarshal(raw, &obj); err != nil {
				return err
			}
		}
		if prefix != "" {
			if _, dup := f[prefix]; dup {
				return fmt.Errorf("field %q is given twice", prefix)
			}
			f[prefix] = raw
			prefix += "."
		}
		for k, v := range obj {
			if err := add(prefix+k, v); err != nil {
				return err
			}
		}
		return nil
	}
	return f, add("", data)
}

// array reads a field holding a number or nested lists of numbers and
// returns its values in C order and its shape.
func (f netFile) array(name string) ([]float64, []int, error) {
	raw, ok := f[name]
	if !ok {
		return nil, nil, fmt.Errorf("no field %q", name)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, nil, fmt.Errorf("%s: %v", name, err)
	}
	var shape []int
	for x := v; ; {
		l, ok := x.([]any)
		if !ok {
			break
		}
		shape = append(shape, len(l))
		if len(l) == 0 {
			break
		}
		x = l[0]
	}
	var out []float64
	var walk func(x any, depth int) error
	walk = func(x any, depth int) error {
		if depth == len(shape) {
			n, ok := x.(float64)
			if !ok {
				return fmt.Errorf("%s: %v is not a number", name, x)
			}
			out = append(out, n)
			return nil
		}
		l, ok := x.([]any)
		if !ok || len(l) != shape[depth] {
			return fmt.Errorf("%s: ragged array, want shape %v", name, shape)
		}
		for _, e := range l {
			if err := walk(e, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	return out, shape, walk(v, 0)
}

// tensor reads a field that must have the given shape.
func (f netFile) tensor(name string, shape ...int) ([]float64, error) {
	x, got, err := f.array(name)
	if err != nil {
		return nil, err
	}
	if !slices.Equal(got, shape) {
		return nil, fmt.Errorf("%s has shape %v, want %v", name, got, shape)
	}
	return x, nil
}

// params decodes a parameter object into p, rejecting unknown names.
func (f netFile) params(name string, p any) error {
	raw, ok := f[name]
	if !ok {
		return fmt.Errorf("no field %q", name)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(p); err != nil {
		return fmt.Errorf("%s: %v", name, err)
	}
	return nil
}

// layerCall finds the calls in a module description, such as "LIF" in
// "norse.torch.LIF(p, record_states=True)" or in a torch repr.
var layerCall = regexp.MustCompile(`([A-Za-z_]\w*)\(`)

// networkLayers lists the layers a file's description names, leaving out
// the container and parameter or state constructors.
func (f netFile) networkLayers() []string {
	var desc string
	for _, key := range []string{"model", "modules", "norse_function"} {
		if raw := f[key]; bytes.Contains(raw, []byte("SequentialState(")) {
			desc = string(raw)
			break
		}
	}
	var layers []string
	for _, m := range layerCall.FindAllStringSubmatch(desc, -1) {
		name := m[1]
		if name[0] < 'A' || name[0] > 'Z' || name == "SequentialState" || strings.HasSuffix(name, "Parameters") || strings.HasSuffix(name, "State") {
			continue
		}
		layers = append(layers, name)
	}
	return layers
}

// tinyNetworkLayers is the one network the schema describes.
var tinyNetworkLayers = []string{"Linear", "LIF", "Linear", "LI"}

// checkNetworkFile checks a whole-network reference run (the README's
// "Whole networks" schema: Linear → LIF → Linear → LI) against the same
// network built with module and run forward and backward by the
// interpreter. Layer outputs and recorded states must agree within 1e-12
// (spikes exactly), the loss and the gradients of weights, biases and
// input within 1e-10. It returns the first disagreement.
func checkNetworkFile(data []byte) error {
	f, err := parseNetFile(data)
	if err != nil {
		return err
	}
	if layers := f.networkLayers(); !slices.Equal(layers, tinyNetworkLayers) {
		return fmt.Errorf("unsupported network %v (the checker knows %v)", layers, tinyNetworkLayers)
	}
	w1, s1, err := f.array("linear1.weight")
	if err != nil {
		return err
	}
	w2, s2, err := f.array("linear2.weight")
	if err != nil {
		return err
	}
	if len(s1) != 2 || len(s2) != 2 || s2[1] != s1[0] {
		return fmt.Errorf("linear1.weight %v and linear2.weight %v do not chain", s1, s2)
	}
	in, hidden, out := s1[1], s1[0], s2[0]
	x, sx, err := f.array("input")
	if err != nil {
		return err
	}
	if len(sx) != 3 || sx[2] != in {
		return fmt.Errorf("input has shape %v, want [T][batch][%d]", sx, in)
	}
	T, B := sx[0], sx[1]
	for name, want := range map[string]int{"T": T, "batch": B} {
		if raw, ok := f[name]; ok {
			if got, _, err := f.array(name); err != nil || len(got) != 1 || got[0] != float64(want) {
				return fmt.Errorf("%s is %s, the input has %d", name, raw, want)
			}
		}
	}
	b1, err := f.tensor("linear1.bias", hidden)
	if err != nil {
		return err
	}
	b2, err := f.tensor("linear2.bias", out)
	if err != nil {
		return err
	}
	lossWeights, err := f.tensor("loss_weights", T, B, out)
	if err != nil {
		return err
	}
	dt := 1e-3
	if _, ok := f["dt"]; ok {
		v, err := f.tensor("dt")
		if err != nil {
			return err
		}
		dt = v[0]
	}
	lifParams, liParams := functional.DefaultLIFParameters(), functional.DefaultLIParameters()
	if err := f.params("lif_params", &lifParams); err != nil {
		return err
	}
	if err := f.params("li_params", &liParams); err != nil {
		return err
	}

	// Layer names give the outputs hidden.linear1, hidden.lif, ...
	net := module.SequentialState{
		&module.Linear{Name: "linear1", In: in, Out: hidden, Weight: w1, Bias: b1},
		&module.Neuron{Name: "lif", Model: "lif", Params: &lifParams, DT: dt},
		&module.Linear{Name: "linear2", In: hidden, Out: out, Weight: w2, Bias: b2},
		&module.Neuron{Name: "li", Model: "li", Params: &liParams, DT: dt},
	}
	b, err := module.Build("norse_network", net, in)
	if err != nil {
		return err
	}
	run := &interp.GraphRun{T: T, B: B, Inputs: map[string][]float64{"input": x}, Params: b.Params}
	res, grads, err := interp.GradGraph(b.Graph, run, map[string][]float64{"output": lossWeights})
	if err != nil {
		return err
	}

	seqH, seqO := []int{T, B, hidden}, []int{T, B, out}
	lif, li := res.OutputStates["hidden.lif"], res.OutputStates["hidden.li"]
	for _, c := range []struct {
		field string
		shape []int
		got   []float64
		tol   float64 // 0: exact
	}{
		{"hidden.linear1_out", seqH, res.Outputs["hidden.linear1"], 1e-12},
		{"hidden.lif_spikes", seqH, res.Outputs["hidden.lif"], 0},
		{"hidden.linear2_out", seqO, res.Outputs["hidden.linear2"], 1e-12},
		{"hidden.li_v", seqO, res.Outputs["hidden.li"], 1e-12},
		{"lif_states.v", seqH, lif["v"], 1e-12},
		{"lif_states.i", seqH, lif["i"], 1e-12},
		{"li_states.v", seqO, li["v"], 1e-12},
		{"li_states.i", seqO, li["i"], 1e-12},
		{"grads.linear1.weight", s1, grads.Params["linear1.weight"], 1e-10},
		{"grads.linear1.bias", []int{hidden}, grads.Params["linear1.bias"], 1e-10},
		{"grads.linear2.weight", s2, grads.Params["linear2.weight"], 1e-10},
		{"grads.linear2.bias", []int{out}, grads.Params["linear2.bias"], 1e-10},
		{"grads.input", sx, grads.Inputs["input"], 1e-10},
	} {
		want, err := f.tensor(c.field, c.shape...)
		if err != nil {
			return err
		}
		if err := compare(c.field, want, c.got, c.shape, c.tol); err != nil {
			return err
		}
	}

	loss := 0.0
	for i, v := range res.Outputs["output"] {
		loss += v * lossWeights[i]
	}
	wantLoss, err := f.tensor("loss")
	if err != nil {
		return err
	}
	if err := compare("loss", wantLoss, []float64{loss}, nil, 1e-10); err != nil {
		return err
	}
	return checkSpikeCount(f, res.Outputs["hidden.lif"], T, B, hidden)
}

// checkSpikeCount compares lif_spike_count, which may count per batch
// entry and neuron [B][N], per neuron [N] or in all.
func checkSpikeCount(f netFile, spikes []float64, T, B, N int) error {
	want, shape, err := f.array("lif_spike_count")
	if err != nil {
		return err
	}
	var got []float64
	switch {
	case slices.Equal(shape, []int{B, N}):
		got = make([]float64, B*N)
		for i, z := range spikes {
			got[i%(B*N)] += z
		}
	case slices.Equal(shape, []int{N}):
		got = make([]float64, N)
		for i, z := range spikes {
			got[i%N] += z
		}
	case len(shape) == 0:
		got = []float64{0}
		for _, z := range spikes {
			got[0] += z
		}
	default:
		return fmt.Errorf("lif_spike_count has shape %v, want [%d][%d], [%d] or a number", shape, B, N, N)
	}
	return compare("lif_spike_count", want, got, shape, 0)
}

// compare returns an error naming the first element of got that differs
// from the file's value by more than tol.
func compare(what string, want, got []float64, shape []int, tol float64) error {
	if len(got) != len(want) {
		return fmt.Errorf("%s: %d values, the file has %d", what, len(got), len(want))
	}
	for i := range want {
		if d := math.Abs(want[i] - got[i]); !(d <= tol) {
			return fmt.Errorf("%s%s = %v, the file has %v (|diff| %.3g > %g)", what, index(i, shape), got[i], want[i], d, tol)
		}
	}
	return nil
}

// index writes flat index i of an array of the given shape as [i][j]...
func index(i int, shape []int) string {
	s := ""
	for k := len(shape) - 1; k >= 0; k-- {
		s = fmt.Sprintf("[%d]", i%shape[k]) + s
		i /= shape[k]
	}
	return s
}
