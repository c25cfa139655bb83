package neuro

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"
)

// TargetSchema is the schema name target files declare.
const TargetSchema = "snnc.target/v0"

// maxTargetBytes bounds a target file: real ones are a few kilobytes.
const maxTargetBytes = 1 << 20

//go:embed testdata/targets/*.json
var builtinTargets embed.FS

// Target describes a neuromorphic chip: its limits, neuron and synapse
// integer formats, and the quantizer's defaults (docs/targets.md §6). A
// nil pointer means "no limit" or "unknown".
type Target struct {
	Schema       string            `json:"schema"`
	Name         string            `json:"name"`
	Description  string            `json:"description,omitempty"`
	Time         TargetTime        `json:"time"`
	Topology     TargetTopology    `json:"topology"`
	Core         TargetCore        `json:"core"`
	Neuron       TargetNeuron      `json:"neuron"`
	Synapse      TargetSynapse     `json:"synapse"`
	Quantization TargetQuant       `json:"quantization"`
	Provenance   map[string]string `json:"provenance"`

	file string            // where it was read from, for messages
	pos  map[string]string // field path → "line:col"
}

type TargetTime struct {
	HopDelay   int `json:"hop_delay"`
	InputDelay int `json:"input_delay"`
}

type TargetTopology struct {
	Cores           *int   `json:"cores"`
	Pool            string `json:"pool"`            // per_core | single
	LayersPerCore   string `json:"layers_per_core"` // many | one
	MaxInputs       *int   `json:"max_inputs"`
	MaxOutputs      *int   `json:"max_outputs"`
	MaxDestPerLayer *int   `json:"max_dest_per_layer"`
}

type TargetCore struct {
	Neurons        *int64       `json:"neurons"`
	InputAxons     *int64       `json:"input_axons"`
	OutputAxons    *int64       `json:"output_axons"`
	SynapseMemBits *int64       `json:"synapse_mem_bits"`
	SynapsesTotal  *int64       `json:"synapses_total"`
	MaxFanin       *int64       `json:"max_fanin"`
	MaxFanout      *int64       `json:"max_fanout"`
	ParamTables    *ParamTables `json:"param_tables"`
}

type ParamTables struct {
	NeuronCfgs  *int `json:"neuron_cfgs"`
	Thresholds  *int `json:"thresholds"`
	SynapseCfgs *int `json:"synapse_cfgs"`
}

type TargetNeuron struct {
	Models           []string          `json:"models"`
	ApproxModels     map[string]string `json:"approx_models"`
	State            NeuronState       `json:"state"`
	Decay            NeuronDecay       `json:"decay"`
	Threshold        NeuronThreshold   `json:"threshold"`
	Bias             NeuronBias        `json:"bias"`
	Reset            string            `json:"reset"` // zero | subtract | value | none
	MaxSpikesPerStep int               `json:"max_spikes_per_step"`
	RefractoryMax    int               `json:"refractory_max"`
	GradedSpikeBits  int               `json:"graded_spike_bits"`
}

type NeuronState struct {
	IBits     int    `json:"i_bits"`
	VBits     int    `json:"v_bits"`
	IOverflow string `json:"i_overflow"` // wrap | saturate
	VOverflow string `json:"v_overflow"`
	VMin      *int64 `json:"v_min"`
	VMax      *int64 `json:"v_max"`
}

type NeuronDecay struct {
	Repr        string             `json:"repr"` // mantissa12 | bitshift | linear | none | float
	Bits        int                `json:"bits"`
	Offset      struct{ I, V int } `json:"offset"`
	Rounding    string             `json:"rounding"`    // toward_zero | floor
	Order       string             `json:"order"`       // decay_then_add | add_then_decay
	MinStep     int                `json:"min_step"`    // 0 | 1
	Granularity string             `json:"granularity"` // shared | per_neuron | per_core_table
}

type NeuronThreshold struct {
	Bits        int    `json:"bits"`
	Signed      bool   `json:"signed"`
	Shift       int    `json:"shift"`
	Compare     string `json:"compare"` // gt | ge
	Granularity string `json:"granularity"`
}

type NeuronBias struct {
	MantBits int `json:"mant_bits"`
	ExpMin   int `json:"exp_min"`
	ExpMax   int `json:"exp_max"`
	Shift    int `json:"shift"`
}

type TargetSynapse struct {
	WeightBits         int             `json:"weight_bits"`
	WeightMin          int64           `json:"weight_min"`
	WeightMax          int64           `json:"weight_max"`
	WeightStep         int64           `json:"weight_step"`
	Exponent           SynapseExponent `json:"exponent"`
	ValuesPerNeuron    *int            `json:"values_per_neuron"`
	InputShift         int             `json:"input_shift"`
	Accum              SynapseAccum    `json:"accum"`
	PerSpikeAccumulate bool            `json:"per_spike_accumulate"`
}

type SynapseExponent struct {
	Min         int    `json:"min"`
	Max         int    `json:"max"`
	Granularity string `json:"granularity"` // per_connection | per_matrix | none
}

type SynapseAccum struct {
	Bits     int    `json:"bits"`
	Overflow string `json:"overflow"`
}

type TargetQuant struct {
	Scale       string `json:"scale"`       // max_abs | pow2_exponent | fuzzy_2std
	Granularity string `json:"granularity"` // per_layer | per_channel
	Rounding    string `json:"rounding"`    // half_even | half_away | floor
}

// BuiltinTargetNames lists the targets snnc ships, sorted.
func BuiltinTargetNames() []string {
	ents, _ := builtinTargets.ReadDir("testdata/targets")
	var names []string
	for _, e := range ents {
		names = append(names, strings.TrimSuffix(e.Name(), ".json"))
	}
	sort.Strings(names)
	return names
}

// ErrUnknownTarget is returned for a target name snnc does not ship.
var ErrUnknownTarget = errors.New("unknown target")

// BuiltinTarget returns a shipped target by name (loihi2, xylo-audio2, ...).
func BuiltinTarget(name string) (*Target, error) {
	data, err := builtinTargets.ReadFile(path.Join("testdata/targets", name+".json"))
	if err != nil {
		return nil, fmt.Errorf("%w %q (want one of %s, or a target file *.json)", ErrUnknownTarget, name, strings.Join(BuiltinTargetNames(), ", "))
	}
	return ParseTarget(name+".json", data)
}

// LoadTarget reads a target: a file path ending in .json, or the name of a
// shipped target.
func LoadTarget(nameOrPath string) (*Target, error) {
	if !strings.HasSuffix(nameOrPath, ".json") {
		return BuiltinTarget(nameOrPath)
	}
	f, err := os.Open(nameOrPath)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxTargetBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxTargetBytes {
		return nil, fmt.Errorf("%s: larger than %d bytes; not a target file", nameOrPath, maxTargetBytes)
	}
	return ParseTarget(nameOrPath, data)
}

// lineCol turns a byte offset into "line:col" (both from 1).
func lineCol(data []byte, off int64) string {
	off = min(max(off, 0), int64(len(data)))
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	col := off - int64(bytes.LastIndexByte(data[:off], '\n'))
	return fmt.Sprintf("%d:%d", line, col)
}

// keyPositions walks the JSON text and records where every object key
// starts, by dotted path ("core.neurons"). Arrays add no path element.
func keyPositions(data []byte) map[string]string {
	pos := map[string]string{}
	dec := json.NewDecoder(bytes.NewReader(data))
	type frame struct {
		obj     bool
		wantKey bool
		prefix  string
		key     string
	}
	var stack []frame
	for {
		before := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return pos
		}
		if len(stack) > 0 && stack[len(stack)-1].obj && stack[len(stack)-1].wantKey {
			if k, ok := tok.(string); ok {
				top := &stack[len(stack)-1]
				top.key, top.wantKey = k, false
				p := k
				if top.prefix != "" {
					p = top.prefix + "." + k
				}
				// The key starts after the separator and spaces InputOffset has not consumed.
				off := before + int64(bytes.IndexByte(data[before:], '"'))
				pos[p] = lineCol(data, off)
				continue
			}
		}
		cur := ""
		if len(stack) > 0 {
			top := stack[len(stack)-1]
			cur = top.prefix
			if top.obj {
				if cur != "" {
					cur += "."
				}
				cur += top.key
			}
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, frame{obj: true, wantKey: true, prefix: cur})
			continue
		case json.Delim('['):
			stack = append(stack, frame{prefix: cur})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		if len(stack) > 0 && stack[len(stack)-1].obj {
			stack[len(stack)-1].wantKey = true
		}
	}
}

// ParseTarget decodes and validates a target file. Errors are
// "file:line:col: field: problem"; several problems are reported together.
func ParseTarget(file string, data []byte) (*Target, error) {
	if len(data) > maxTargetBytes {
		return nil, fmt.Errorf("%s: larger than %d bytes; not a target file", file, maxTargetBytes)
	}
	t := &Target{file: file, pos: keyPositions(data)}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(t); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return nil, fmt.Errorf("%s:%s: %v", file, lineCol(data, se.Offset), err)
		case errors.As(err, &te):
			return nil, fmt.Errorf("%s:%s: %s: want %v, got JSON %s", file, lineCol(data, te.Offset), te.Field, te.Type, te.Value)
		}
		msg := strings.TrimPrefix(err.Error(), "json: ")
		if f, ok := strings.CutPrefix(msg, "unknown field "); ok {
			name := strings.Trim(f, `"`)
			for p, at := range t.pos {
				if p == name || strings.HasSuffix(p, "."+name) {
					return nil, fmt.Errorf("%s:%s: %s: unknown field (the schema is %s, docs/targets.md §6)", file, at, p, TargetSchema)
				}
			}
		}
		return nil, fmt.Errorf("%s:1:1: %s", file, msg)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%s:%s: text after the target object", file, lineCol(data, dec.InputOffset()))
	}
	if err := t.validate(); err != nil {
		return nil, err
	}
	return t, nil
}

// TargetErrors lists every problem found in one target file.
type TargetErrors []error

func (l TargetErrors) Error() string {
	s := make([]string, len(l))
	for i, e := range l {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

func (t *Target) at(field string) string {
	p := field
	for {
		if at, ok := t.pos[p]; ok {
			return t.file + ":" + at
		}
		i := strings.LastIndexByte(p, '.')
		if i < 0 {
			return t.file + ":1:1"
		}
		p = p[:i]
	}
}

func (t *Target) validate() error {
	var errs TargetErrors
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s: %s", t.at(field), field, fmt.Sprintf(format, args...)))
	}
	oneOf := func(field, v string, allowed ...string) {
		for _, a := range allowed {
			if v == a {
				return
			}
		}
		bad(field, "%q is not one of %s", v, strings.Join(allowed, ", "))
	}
	between := func(field string, v, lo, hi int64) {
		if v < lo || v > hi {
			bad(field, "%d outside %d..%d", v, lo, hi)
		}
	}
	positive := func(field string, v *int64) {
		if v != nil && *v < 1 {
			bad(field, "%d must be at least 1 (or null for no limit)", *v)
		}
	}
	positiveInt := func(field string, v *int) {
		if v != nil {
			positive(field, ptr64(int64(*v)))
		}
	}
	if t.Schema != TargetSchema {
		bad("schema", "%q, want %q", t.Schema, TargetSchema)
	}
	if t.Name == "" {
		bad("name", "missing")
	}
	between("time.hop_delay", int64(t.Time.HopDelay), 0, 64)
	between("time.input_delay", int64(t.Time.InputDelay), 0, 64)
	positiveInt("topology.cores", t.Topology.Cores)
	oneOf("topology.pool", t.Topology.Pool, "per_core", "single")
	oneOf("topology.layers_per_core", t.Topology.LayersPerCore, "many", "one")
	positiveInt("topology.max_inputs", t.Topology.MaxInputs)
	positiveInt("topology.max_outputs", t.Topology.MaxOutputs)
	positiveInt("topology.max_dest_per_layer", t.Topology.MaxDestPerLayer)
	c := t.Core
	positive("core.neurons", c.Neurons)
	if c.Neurons == nil {
		bad("core.neurons", "must be given: the mapper needs a neuron count per core")
	}
	positive("core.input_axons", c.InputAxons)
	positive("core.output_axons", c.OutputAxons)
	positive("core.synapse_mem_bits", c.SynapseMemBits)
	positive("core.synapses_total", c.SynapsesTotal)
	positive("core.max_fanin", c.MaxFanin)
	positive("core.max_fanout", c.MaxFanout)
	if pt := c.ParamTables; pt != nil {
		positiveInt("core.param_tables.neuron_cfgs", pt.NeuronCfgs)
		positiveInt("core.param_tables.thresholds", pt.Thresholds)
		positiveInt("core.param_tables.synapse_cfgs", pt.SynapseCfgs)
	}
	n := t.Neuron
	if len(n.Models) == 0 {
		bad("neuron.models", "lists no neuron model")
	}
	for _, m := range n.Models {
		oneOf("neuron.models", m, "cuba_lif", "lif", "if", "li")
	}
	between("neuron.state.i_bits", int64(n.State.IBits), 0, 32)
	between("neuron.state.v_bits", int64(n.State.VBits), 1, 32)
	oneOf("neuron.state.i_overflow", n.State.IOverflow, "wrap", "saturate")
	oneOf("neuron.state.v_overflow", n.State.VOverflow, "wrap", "saturate")
	if n.State.VMin != nil && n.State.VMax != nil && *n.State.VMin >= *n.State.VMax {
		bad("neuron.state.v_min", "%d is not below v_max %d", *n.State.VMin, *n.State.VMax)
	}
	oneOf("neuron.decay.repr", n.Decay.Repr, "mantissa12", "bitshift", "linear", "none", "float")
	between("neuron.decay.bits", int64(n.Decay.Bits), 0, 16)
	if n.Decay.Repr == "mantissa12" && n.Decay.Bits != 12 {
		bad("neuron.decay.bits", "%d, but repr mantissa12 has 12", n.Decay.Bits)
	}
	between("neuron.decay.offset.i", int64(n.Decay.Offset.I), 0, 1)
	between("neuron.decay.offset.v", int64(n.Decay.Offset.V), 0, 1)
	oneOf("neuron.decay.rounding", n.Decay.Rounding, "toward_zero", "floor")
	oneOf("neuron.decay.order", n.Decay.Order, "decay_then_add", "add_then_decay")
	between("neuron.decay.min_step", int64(n.Decay.MinStep), 0, 1)
	oneOf("neuron.decay.granularity", n.Decay.Granularity, "shared", "per_neuron", "per_core_table")
	between("neuron.threshold.bits", int64(n.Threshold.Bits), 1, 32)
	between("neuron.threshold.shift", int64(n.Threshold.Shift), 0, 16)
	oneOf("neuron.threshold.compare", n.Threshold.Compare, "gt", "ge")
	oneOf("neuron.threshold.granularity", n.Threshold.Granularity, "shared", "per_neuron", "per_core_table")
	between("neuron.bias.mant_bits", int64(n.Bias.MantBits), 1, 32)
	between("neuron.bias.exp_min", int64(n.Bias.ExpMin), -16, 16)
	between("neuron.bias.exp_max", int64(n.Bias.ExpMax), int64(n.Bias.ExpMin), 16)
	between("neuron.bias.shift", int64(n.Bias.Shift), 0, 16)
	oneOf("neuron.reset", n.Reset, "zero", "subtract", "value", "none")
	between("neuron.max_spikes_per_step", int64(n.MaxSpikesPerStep), 1, 255)
	between("neuron.refractory_max", int64(n.RefractoryMax), 0, 1024)
	between("neuron.graded_spike_bits", int64(n.GradedSpikeBits), 0, 32)
	s := t.Synapse
	between("synapse.weight_bits", int64(s.WeightBits), 1, 16)
	if s.WeightMin > s.WeightMax {
		bad("synapse.weight_min", "%d is above weight_max %d", s.WeightMin, s.WeightMax)
	}
	if lim := int64(1) << uint(max(s.WeightBits, 1)); s.WeightMin < -lim || s.WeightMax >= lim {
		bad("synapse.weight_max", "range %d..%d does not fit %d bits", s.WeightMin, s.WeightMax, s.WeightBits)
	}
	between("synapse.weight_step", s.WeightStep, 1, 256)
	between("synapse.exponent.min", int64(s.Exponent.Min), -16, 16)
	between("synapse.exponent.max", int64(s.Exponent.Max), int64(s.Exponent.Min), 16)
	oneOf("synapse.exponent.granularity", s.Exponent.Granularity, "per_connection", "per_matrix", "none")
	positiveInt("synapse.values_per_neuron", s.ValuesPerNeuron)
	between("synapse.input_shift", int64(s.InputShift), 0, 16)
	between("synapse.accum.bits", int64(s.Accum.Bits), 1, 32)
	oneOf("synapse.accum.overflow", s.Accum.Overflow, "wrap", "saturate")
	oneOf("quantization.scale", t.Quantization.Scale, "max_abs", "pow2_exponent", "fuzzy_2std")
	oneOf("quantization.granularity", t.Quantization.Granularity, "per_layer", "per_channel")
	oneOf("quantization.rounding", t.Quantization.Rounding, "half_even", "half_away", "floor")
	for k, v := range t.Provenance {
		if len(v) == 0 || !strings.ContainsRune("DPRA", rune(v[0])) || (len(v) > 1 && v[1] != ' ') {
			bad("provenance."+k, "%q must start with D, P, R or A (docs/targets.md confidence tags)", v)
		}
	}
	for _, p := range t.leafPaths() {
		if !t.hasProvenance(p) {
			bad(p, "has no provenance entry (add %q or a prefix of it to provenance)", p)
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

func ptr64(v int64) *int64 { return &v }

// leafPaths lists the field paths the file set, outside name, schema,
// description and provenance.
func (t *Target) leafPaths() []string {
	var out []string
	for p := range t.pos {
		root, _, _ := strings.Cut(p, ".")
		switch root {
		case "schema", "name", "description", "provenance":
			continue
		}
		leaf := true
		for q := range t.pos {
			if strings.HasPrefix(q, p+".") {
				leaf = false
				break
			}
		}
		if leaf {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// hasProvenance reports whether p or one of its prefixes has a source.
func (t *Target) hasProvenance(p string) bool {
	for {
		if _, ok := t.Provenance[p]; ok {
			return true
		}
		i := strings.LastIndexByte(p, '.')
		if i < 0 {
			return false
		}
		p = p[:i]
	}
}

// Supports reports whether the target runs model natively or through an
// approximation it documents (then how says which).
func (t *Target) Supports(model string) (native bool, how string, ok bool) {
	for _, m := range t.Neuron.Models {
		if m == model {
			return true, "", true
		}
	}
	how, ok = t.Neuron.ApproxModels[model]
	if ok && how == "unsupported" {
		return false, "", false
	}
	return false, how, ok
}
