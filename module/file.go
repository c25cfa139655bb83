package module

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/snnc/snnc/functional"
	"github.com/snnc/snnc/internal/tensorio"
	"github.com/snnc/snnc/ir"
)

// FormatVersion is the version of the *.snn.json model format this package
// reads and writes (docs/model-format.md).
const FormatVersion = 1

// A Model is a network read from a model file.
type Model struct {
	Name       string
	DT         float64
	InputShape []int
	// InputSpikes: the file says "input": "spikes", so the network's input
	// is declared as spikes (see Options.InputSpikes).
	InputSpikes bool
	Layers      []LayerSpec
	Net         Sequential
}

// Values of a model file's "input".
const (
	InputValues = "values" // any numbers (the default)
	InputSpikes = "spikes" // 0 or 1 only
)

// LayerSpec is one entry of a model file's "layers" list. Which fields a
// layer uses depends on its type; docs/model-format.md lists them.
type LayerSpec struct {
	Type     string          `json:"type"`
	Name     string          `json:"name,omitempty"`
	Model    string          `json:"model,omitempty"`
	Params   json.RawMessage `json:"params,omitempty"`
	In       int             `json:"in,omitempty"`
	Out      int             `json:"out,omitempty"`
	Hidden   int             `json:"hidden,omitempty"`
	Bias     bool            `json:"bias,omitempty"`
	Autapses bool            `json:"autapses,omitempty"`
	Kernel   Sizes           `json:"kernel,omitempty"`
	Stride   Sizes           `json:"stride,omitempty"`
	Padding  Sizes           `json:"padding,omitempty"`
	Dilation Sizes           `json:"dilation,omitempty"`
	Groups   int             `json:"groups,omitempty"`
	Steps    int             `json:"steps,omitempty"`
	Features int             `json:"features,omitempty"`
	FMax     *float64        `json:"f_max,omitempty"` // poisson: Hz, default 100
	Seed     uint64          `json:"seed,omitempty"`  // poisson
}

type fileHeader struct {
	Format     int               `json:"snnc_model"`
	Name       string            `json:"name"`
	DT         float64           `json:"dt"`
	InputShape []int             `json:"input_shape"`
	Input      string            `json:"input"`
	Weights    string            `json:"weights"`
	Layers     []json.RawMessage `json:"layers"`
}

// Load reads a model file and the safetensors weights it names (relative
// to the model file). dt, if not zero, overrides the file's time step.
// Errors carry file:line:col or the tensor's name.
func Load(path string, dt float64) (*Model, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data, func(name string) ([]byte, error) {
		return os.ReadFile(filepath.Join(filepath.Dir(path), name))
	}, dt)
}

// Parse reads a model from data; file names it in errors and readWeights
// returns the bytes of the weights file the model names.
func Parse(file string, data []byte, readWeights func(name string) ([]byte, error), dt float64) (*Model, error) {
	var h fileHeader
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&h); err != nil {
		return nil, jsonError(file, data, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%s:%s: text after the model object", file, position(data, dec.InputOffset()))
	}
	top := func(format string, args ...any) error {
		return fmt.Errorf("%s:1:1: %s", file, fmt.Sprintf(format, args...))
	}
	if h.Format != FormatVersion {
		return nil, top("snnc_model is %d, want %d (is this a snnc model file?)", h.Format, FormatVersion)
	}
	if h.Name == "" {
		h.Name = strings.TrimSuffix(filepath.Base(file), ".snn.json")
	}
	if dt != 0 {
		h.DT = dt
	}
	if !(h.DT > 0) {
		return nil, top("dt must be positive, got %v", h.DT)
	}
	if len(h.InputShape) == 0 {
		return nil, top("input_shape is missing")
	}
	if _, err := ir.NewGraph(h.Name).Input("input", h.InputShape...); err != nil {
		return nil, fmt.Errorf("%s:1:1: input_shape: %w", file, errors.Unwrap(err))
	}
	if h.Input != "" && h.Input != InputValues && h.Input != InputSpikes {
		return nil, fmt.Errorf("%s:%s: input is %q, want %q or %q", file, topFieldPos(data, "input"), h.Input, InputValues, InputSpikes)
	}
	if len(h.Layers) == 0 {
		return nil, top("no layers")
	}
	var weights *tensorio.SafetensorsFile
	if h.Weights != "" {
		raw, err := readWeights(h.Weights)
		if err != nil {
			return nil, top("weights: %v", err)
		}
		if weights, err = tensorio.ParseSafetensors(raw, h.Weights); err != nil {
			return nil, err
		}
	}
	m := &Model{Name: h.Name, DT: h.DT, InputShape: h.InputShape, InputSpikes: h.Input == InputSpikes}
	used := map[string]bool{}
	offsets := layerOffsets(data)
	named := map[string]int{} // layer name → index of the layer that has it
	for i, raw := range h.Layers {
		layerAt := func(i int) string {
			if i < len(offsets) {
				return position(data, offsets[i])
			}
			return "1:1"
		}
		at := func(format string, args ...any) error {
			return fmt.Errorf("%s:%s: layer %d: %s", file, layerAt(i), i, fmt.Sprintf(format, args...))
		}
		// fieldAt is at for one field of the layer: the position is the
		// field's value (path is its keys, e.g. "params", "tau_mem_inv").
		fieldAt := func(path []string, format string, args ...any) error {
			pos := layerAt(i)
			if i < len(offsets) {
				if off, ok := valueOffset(raw, path); ok {
					pos = position(data, offsets[i]+off)
				}
			}
			return fmt.Errorf("%s:%s: layer %d: %s", file, pos, i, fmt.Sprintf(format, args...))
		}
		var spec LayerSpec
		d := json.NewDecoder(bytes.NewReader(raw))
		d.DisallowUnknownFields()
		if err := d.Decode(&spec); err != nil {
			return nil, at("%v", err)
		}
		if spec.Name != "" {
			if j, dup := named[spec.Name]; dup {
				return nil, at("name %q is already the name of layer %d (%s:%s); layer names must be unique", spec.Name, j, file, layerAt(j))
			}
			named[spec.Name] = i
		}
		if _, ok := valueOffset(raw, []string{"groups"}); ok && spec.Groups < 1 {
			return nil, fieldAt([]string{"groups"}, "%s %s: groups %d: must be at least 1", spec.Type, spec.Name, spec.Groups)
		}
		mod, err := spec.module(h.DT, func(name string, shape ...int) ([]float64, error) {
			return tensor(weights, h.Weights, name, shape, used)
		})
		if err != nil {
			var pe *paramError
			if errors.As(err, &pe) {
				return nil, fieldAt(append([]string{"params"}, pe.path...), "%s %s: %v", spec.Type, spec.Name, err)
			}
			return nil, at("%v", err)
		}
		m.Layers = append(m.Layers, spec)
		m.Net = append(m.Net, mod)
	}
	// Shapes that do not fit from layer to layer, and sizes over the IR's
	// limits, are errors of the file, at the layer that causes them.
	if _, err := m.Build(); err != nil {
		var le *LayerError
		if errors.As(err, &le) && le.Index < len(offsets) {
			return nil, fmt.Errorf("%s:%s: layer %d: %w", file, position(data, offsets[le.Index]), le.Index, le.Err)
		}
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if weights != nil {
		for _, t := range weights.Tensors {
			if !used[t.Name] {
				return nil, fmt.Errorf("%s: tensor %q is not used by any layer", h.Weights, t.Name)
			}
		}
	}
	return m, nil
}

// tensor returns the values of the weight called name after checking its
// shape.
func tensor(f *tensorio.SafetensorsFile, file, name string, shape []int, used map[string]bool) ([]float64, error) {
	if f == nil {
		return nil, fmt.Errorf("needs tensor %q but the model names no weights file", name)
	}
	t := f.Get(name)
	if t == nil {
		return nil, fmt.Errorf("%s: no tensor %q", file, name)
	}
	if fmt.Sprint(t.Shape) != fmt.Sprint(shape) {
		return nil, fmt.Errorf("%s: tensor %q has shape %v, the layer needs %v", file, name, t.Shape, shape)
	}
	for i, v := range t.Data {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("%s: tensor %q: element %d (flat index) is %v; weights must be finite", file, name, i, v)
		}
	}
	used[name] = true
	return t.Data, nil
}

func pairOf(what string, v []int, def int) ([2]int, error) {
	switch len(v) {
	case 0:
		return [2]int{def, def}, nil
	case 1:
		return [2]int{v[0], v[0]}, nil
	case 2:
		return [2]int{v[0], v[1]}, nil
	}
	return [2]int{}, fmt.Errorf("%s %v: want one or two numbers", what, v)
}

// module builds the layer a spec describes; weight returns its tensors.
func (s *LayerSpec) module(dt float64, weight func(name string, shape ...int) ([]float64, error)) (Module, error) {
	needName := func() error {
		if s.Name == "" {
			return fmt.Errorf("%s layer needs a name", s.Type)
		}
		return nil
	}
	bias := func(n int) ([]float64, error) {
		if !s.Bias {
			return nil, nil
		}
		return weight(s.Name+".bias", n)
	}
	switch s.Type {
	case "linear":
		if err := needName(); err != nil {
			return nil, err
		}
		if s.In <= 0 || s.Out <= 0 {
			return nil, fmt.Errorf("linear %s needs positive in and out", s.Name)
		}
		w, err := weight(s.Name+".weight", s.Out, s.In)
		if err != nil {
			return nil, err
		}
		b, err := bias(s.Out)
		if err != nil {
			return nil, err
		}
		return &Linear{Name: s.Name, In: s.In, Out: s.Out, Weight: w, Bias: b}, nil
	case "conv1d", "conv2d":
		if err := needName(); err != nil {
			return nil, err
		}
		groups := max(s.Groups, 1)
		if s.In <= 0 || s.Out <= 0 || s.In%groups != 0 {
			return nil, fmt.Errorf("%s %s needs positive in and out, in divisible by groups", s.Type, s.Name)
		}
		k, err := pairOf("kernel", s.Kernel, 0)
		if err != nil {
			return nil, err
		}
		st, err1 := pairOf("stride", s.Stride, 1)
		pd, err2 := pairOf("padding", s.Padding, 0)
		dl, err3 := pairOf("dilation", s.Dilation, 1)
		if err := errors.Join(err1, err2, err3); err != nil {
			return nil, err
		}
		if s.Type == "conv1d" {
			if len(s.Kernel) != 1 {
				return nil, fmt.Errorf("conv1d %s needs a kernel of one number", s.Name)
			}
			w, err := weight(s.Name+".weight", s.Out, s.In/groups, k[1])
			if err != nil {
				return nil, err
			}
			b, err := bias(s.Out)
			if err != nil {
				return nil, err
			}
			return &Conv1d{Name: s.Name, In: s.In, Out: s.Out, Kernel: k[1], Stride: st[1], Padding: pd[1], Dilation: dl[1], Groups: groups, Weight: w, Bias: b}, nil
		}
		w, err := weight(s.Name+".weight", s.Out, s.In/groups, k[0], k[1])
		if err != nil {
			return nil, err
		}
		b, err := bias(s.Out)
		if err != nil {
			return nil, err
		}
		return &Conv2d{Name: s.Name, In: s.In, Out: s.Out, Kernel: k, Stride: st, Padding: pd, Dilation: dl, Groups: groups, Weight: w, Bias: b}, nil
	case "flatten":
		return Flatten{}, nil
	case "sum_pool2d", "avg_pool2d":
		k, err := pairOf("kernel", s.Kernel, 0)
		if err != nil {
			return nil, err
		}
		st, err1 := pairOf("stride", s.Stride, 0)
		pd, err2 := pairOf("padding", s.Padding, 0)
		if err := errors.Join(err1, err2); err != nil {
			return nil, err
		}
		if s.Type == "sum_pool2d" {
			return &SumPool2d{Kernel: k, Stride: st, Padding: pd}, nil
		}
		return &AvgPool2d{Kernel: k, Stride: st, Padding: pd}, nil
	case "scale":
		if err := needName(); err != nil {
			return nil, err
		}
		f, err := weight(s.Name+".factor", shapeOf(s.Features)...)
		if err != nil {
			return nil, err
		}
		return &Scale{Name: s.Name, Factor: f}, nil
	case "delay":
		if s.Steps < 0 {
			return nil, fmt.Errorf("delay of %d steps", s.Steps)
		}
		return &Delay{Steps: s.Steps}, nil
	case "poisson":
		p := &PoissonEncoder{FMax: 100, DT: dt, Seed: s.Seed}
		if s.FMax != nil {
			p.FMax = *s.FMax
			if !(p.FMax >= 0) || math.IsInf(p.FMax, 0) {
				return nil, fmt.Errorf("poisson f_max %v: want a finite value >= 0", p.FMax)
			}
		}
		return p, nil
	case "constant_current_lif", "spike_latency":
		if err := needName(); err != nil {
			return nil, err
		}
		if s.Model != "" && s.Model != s.Type {
			return nil, fmt.Errorf("%s %s: model %q: an encoder layer is its own model; leave model out", s.Type, s.Name, s.Model)
		}
		enc := *s
		enc.Type, enc.Model = "neuron", s.Type
		return enc.module(dt, weight)
	case "neuron", "recurrent":
		if err := needName(); err != nil {
			return nil, err
		}
		fm, err := functional.LookupModel(s.Model)
		if err != nil {
			return nil, err
		}
		p := fm.Params()
		if len(s.Params) > 0 {
			d := json.NewDecoder(bytes.NewReader(s.Params))
			d.DisallowUnknownFields()
			if err := d.Decode(p); err != nil {
				return nil, fmt.Errorf("params of model %s: %v", s.Model, err)
			}
		}
		if err := checkParams(p); err != nil {
			return nil, err
		}
		n := Neuron{Name: s.Name, Model: s.Model, Params: p, DT: dt}
		if s.Type == "neuron" {
			return &n, nil
		}
		if s.In <= 0 || s.Hidden <= 0 {
			return nil, fmt.Errorf("recurrent %s needs positive in and hidden", s.Name)
		}
		win, err := weight(s.Name+".input_weights", s.Hidden, s.In)
		if err != nil {
			return nil, err
		}
		wrec, err := weight(s.Name+".recurrent_weights", s.Hidden, s.Hidden)
		if err != nil {
			return nil, err
		}
		return &Recurrent{Neuron: n, In: s.In, Hidden: s.Hidden, InputWeights: win, RecurrentWeights: wrec, Autapses: s.Autapses}, nil
	case "":
		return nil, fmt.Errorf("layer without a type")
	}
	return nil, fmt.Errorf("unknown layer type %q (want linear, conv1d, conv2d, flatten, sum_pool2d, avg_pool2d, scale, delay, neuron, recurrent, poisson, constant_current_lif or spike_latency)", s.Type)
}

// shapeOf is [] for a scalar (0) and [n] otherwise.
func shapeOf(n int) []int {
	if n == 0 {
		return nil
	}
	return []int{n}
}

// jsonError turns a decoding error into file:line:col: message.
func jsonError(file string, data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		// The offset is just past the offending byte.
		return fmt.Errorf("%s:%s: %v", file, position(data, syn.Offset-1), err)
	case errors.As(err, &typ):
		return fmt.Errorf("%s:%s: %v", file, position(data, typ.Offset), err)
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return fmt.Errorf("%s:%s: unexpected end of file", file, position(data, int64(len(data))))
	}
	return fmt.Errorf("%s:1:1: %v", file, err)
}

// position returns "line:col" (1-based) of a byte offset.
func position(data []byte, off int64) string {
	off = min(max(off, 0), int64(len(data)))
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	col := off - int64(bytes.LastIndexByte(data[:off], '\n'))
	return fmt.Sprintf("%d:%d", line, col)
}

// layerOffsets finds the byte offset of each element of the top-level
// "layers" array, so errors can point at the layer.
func layerOffsets(data []byte) []int64 {
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return nil
		}
		if key != "layers" {
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				return nil
			}
			continue
		}
		if t, err := dec.Token(); err != nil || t != json.Delim('[') {
			return nil
		}
		var offs []int64
		for dec.More() {
			start := dec.InputOffset()
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				return offs
			}
			// InputOffset is just past the previous token; step over the
			// separator and spaces to the layer's first byte.
			for start < int64(len(data)) && strings.ContainsRune(", \t\r\n", rune(data[start])) {
				start++
			}
			offs = append(offs, start)
		}
		return offs
	}
	return nil
}

// Save writes m as path (a *.snn.json file) and its weights, as float32,
// into a safetensors file beside it named after the model.
func Save(path string, m *Model) error {
	b, err := m.Build()
	if err != nil {
		return err
	}
	weightsName := strings.TrimSuffix(filepath.Base(path), ".snn.json") + ".safetensors"
	var tensors []*tensorio.Tensor
	for _, n := range b.Graph.Nodes {
		if v, ok := b.Params[n.Name]; ok {
			tensors = append(tensors, &tensorio.Tensor{Name: n.Name, Shape: n.Type.Shape, DType: tensorio.Float32, Data: v})
		}
	}
	h := struct {
		Format     int         `json:"snnc_model"`
		Name       string      `json:"name"`
		DT         float64     `json:"dt"`
		InputShape []int       `json:"input_shape"`
		Input      string      `json:"input,omitempty"`
		Weights    string      `json:"weights,omitempty"`
		Layers     []LayerSpec `json:"layers"`
	}{FormatVersion, m.Name, m.DT, m.InputShape, "", "", m.Layers}
	if m.InputSpikes {
		h.Input = InputSpikes
	}
	if len(tensors) > 0 {
		h.Weights = weightsName
		var buf bytes.Buffer
		if err := tensorio.WriteSafetensors(&buf, tensors, nil); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(filepath.Dir(path), weightsName), buf.Bytes(), 0o644); err != nil {
			return err
		}
	}
	js, err := json.MarshalIndent(h, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(js, '\n'), 0o644)
}

// topFieldPos is the line:col of the value of a top-level key, or 1:1.
func topFieldPos(data []byte, key string) string {
	if off, ok := valueOffset(data, []string{key}); ok {
		return position(data, off)
	}
	return "1:1"
}

// New builds a model from layer specs, reading weights by tensor name.
func New(name string, dt float64, inputShape []int, layers []LayerSpec, weights map[string][]float64) (*Model, error) {
	m := &Model{Name: name, DT: dt, InputShape: inputShape, Layers: layers}
	for i := range layers {
		mod, err := layers[i].module(dt, func(n string, shape ...int) ([]float64, error) {
			w, ok := weights[n]
			if !ok {
				return nil, fmt.Errorf("no tensor %q", n)
			}
			return w, nil
		})
		if err != nil {
			return nil, fmt.Errorf("layer %d: %w", i, err)
		}
		m.Net = append(m.Net, mod)
	}
	return m, nil
}
