package neuro

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/snnc/snnc/internal/hdf5"
)

// Export writes the chip artifact to path and says what it wrote: a
// lava-dl netx HDF5 network for Loihi 2, a Rockpool Xylo specification
// (JSON) for Xylo.
func (p *Program) Export(path string) (string, error) {
	var data []byte
	var what string
	var err error
	switch {
	case p.Loihi != nil:
		data, err = p.NetxHDF5()
		what = "lava-dl netx HDF5: lava.lib.dl.netx.hdf5.Network(net_config=FILE)"
	case p.Xylo != nil:
		data, err = p.XyloSpecJSON()
		what = "Rockpool Xylo spec: XyloSim.from_specification(**spec)"
	default:
		return "", fmt.Errorf("%s: export %w", p.Target.Name, ErrNotImplemented)
	}
	if err != nil {
		return "", err
	}
	return what, os.WriteFile(path, data, 0o644)
}

// NetxHDF5 encodes the Loihi program in the layout lava-dl's netx reads
// (lava.lib.dl.netx.hdf5.Network, docs/neuro.md): one group per layer
// under /layer, in order, each a "dense" block with its CUBA neuron
// registers, its weights in the effective integer units netx expects
// (W·2^weight_exp; netx re-derives the exponent with optimize_weight_bits)
// and its bias mantissas (netx fixes bias_exp = 6).
func (p *Program) NetxHDF5() ([]byte, error) {
	w := hdf5.NewWriter()
	root := w.Root()
	layers, err := root.CreateGroup("layer")
	if err != nil {
		return nil, err
	}
	for k, l := range p.Loihi {
		if l.Rec != nil {
			return nil, fmt.Errorf("layer %s: netx has no recurrent dense block; export the feed-forward part only or use the emulator: %w", l.Name, ErrNotImplemented)
		}
		for i, e := range l.LIF.BiasExp {
			if e != 6 {
				return nil, fmt.Errorf("layer %s: neuron %d's bias needs bias_exp %d, but netx fixes it at 6: %w", l.Name, i, e, ErrNotImplemented)
			}
		}
		for i, v := range l.V0 {
			if v != 0 {
				return nil, fmt.Errorf("layer %s: neuron %d starts at v = %d (v_leak ≠ v_reset), which netx cannot set: %w", l.Name, i, v, ErrNotImplemented)
			}
		}
		g, err := layers.CreateGroup(fmt.Sprint(k))
		if err != nil {
			return nil, err
		}
		weight := make([]float64, len(l.FF.W))
		for i, x := range l.FF.W {
			weight[i] = float64(shiftExpExact(x, l.FF.WeightExp))
		}
		for _, d := range []struct {
			name  string
			shape []int
			data  any
		}{
			{"type", []int{1}, []hdf5.FixedString{"dense"}},
			{"shape", []int{1}, []int64{int64(l.N)}},
			{"inFeatures", nil, int64(l.FF.Pre)},
			{"outFeatures", nil, int64(l.FF.Post)},
			{"weight", []int{l.FF.Post, l.FF.Pre}, weight},
			{"bias", []int{l.N}, append([]int64(nil), l.LIF.BiasMant...)},
		} {
			if _, err := g.CreateDataset(d.name, d.shape, d.data); err != nil {
				return nil, fmt.Errorf("netx layer %d %s: %w", k, d.name, err)
			}
		}
		n, err := g.CreateGroup("neuron")
		if err != nil {
			return nil, err
		}
		for _, d := range []struct {
			name string
			data any
		}{
			{"type", "CUBA"},
			{"iDecay", l.LIF.Du + lavaDsOffset}, // netx subtracts the offset again
			{"vDecay", l.LIF.Dv},
			{"vThMant", l.LIF.Vth},
			{"refDelay", int64(1)},
			{"gradedSpike", false},
		} {
			if _, err := n.CreateDataset(d.name, nil, d.data); err != nil {
				return nil, fmt.Errorf("netx layer %d neuron/%s: %w", k, d.name, err)
			}
		}
	}
	sim, err := root.CreateGroup("simulation")
	if err != nil {
		return nil, err
	}
	if _, err := sim.CreateDataset("Ts", nil, int64(1)); err != nil {
		return nil, err
	}
	return w.Bytes()
}

// shiftExpExact is w·2^e for the netx weight: exponents below zero give
// fractions, which netx's float weights hold exactly as float64.
func shiftExpExact(w int64, e int) float64 {
	f := float64(w)
	for ; e > 0; e-- {
		f *= 2
	}
	for ; e < 0; e++ {
		f /= 2
	}
	return f
}

// XyloSpecJSON encodes the Xylo spec as the keyword arguments of Rockpool's
// XyloSim.from_specification (syns61201), which computes has_bias itself.
// output_mode is "Vmem" for a leaky-integrator readout.
func (p *Program) XyloSpecJSON() ([]byte, error) {
	s := p.Xylo
	mode := "Spike"
	if p.Net.Layers[len(p.Net.Layers)-1].Kind == KindLI {
		mode = "Vmem"
	}
	// Field order follows the from_specification signature.
	type kv struct {
		k string
		v any
	}
	fields := []kv{
		{"weights_in", s.WeightsIn}, {"weights_out", s.WeightsOut}, {"weights_rec", s.WeightsRec},
		{"dash_mem", s.DashMem}, {"dash_mem_out", s.DashMemOut}, {"dash_syn", s.DashSyn}, {"dash_syn_2", s.DashSyn2},
		{"dash_syn_out", s.DashSynOut}, {"threshold", s.Threshold}, {"threshold_out", s.ThresholdO},
		{"bias", s.Bias}, {"bias_out", s.BiasOut},
		{"weight_shift_in", s.ShiftIn}, {"weight_shift_rec", s.ShiftRec}, {"weight_shift_out", s.ShiftOut},
		{"aliases", s.Aliases}, {"dt", s.DT}, {"output_mode", mode},
	}
	var b bytes.Buffer
	b.WriteString("{\n")
	for i, f := range fields {
		v, err := json.Marshal(f.v)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, "  %q: %s", f.k, v)
		if i+1 < len(fields) {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("}\n")
	return b.Bytes(), nil
}

// ReadXyloSpec parses a spec written by XyloSpecJSON (or a xylo_v2
// trace's params). has_bias is derived as Rockpool derives it.
func ReadXyloSpec(data []byte) (*XyloSpec, error) {
	var s XyloSpec
	dec := json.NewDecoder(bytes.NewReader(data))
	var raw map[string]json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("xylo spec:%s: %v", lineCol(data, se.Offset), err)
		}
		return nil, fmt.Errorf("xylo spec: %w", err)
	}
	delete(raw, "output_mode")
	clean, err := json.Marshal(raw)
	if err != nil {
		return nil, err
	}
	d := json.NewDecoder(bytes.NewReader(clean))
	d.DisallowUnknownFields()
	if err := d.Decode(&s); err != nil {
		msg := strings.TrimPrefix(err.Error(), "json: ")
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			if at := bytes.Index(data, []byte(`"`+te.Field+`"`)); at >= 0 {
				return nil, fmt.Errorf("xylo spec:%s: %s: want %v, got JSON %s", lineCol(data, int64(at)), te.Field, te.Type, te.Value)
			}
		}
		if f, ok := strings.CutPrefix(msg, "unknown field "); ok {
			if at := bytes.Index(data, []byte(f)); at >= 0 {
				return nil, fmt.Errorf("xylo spec:%s: unknown field %s", lineCol(data, int64(at)), f)
			}
		}
		return nil, fmt.Errorf("xylo spec: %s", msg)
	}
	if _, ok := raw["has_bias"]; !ok {
		for _, b := range append(append([]int64(nil), s.Bias...), s.BiasOut...) {
			if b != 0 {
				s.HasBias = true
			}
		}
	}
	s.fillDefaults()
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("xylo spec: %w", err)
	}
	return &s, nil
}
