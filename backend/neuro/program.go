package neuro

import (
	"errors"
	"fmt"
	"math"

	"github.com/snnc/snnc/ir"
)

// ErrNotImplemented marks a target the backend can check but not yet
// quantize or emulate.
var ErrNotImplemented = errors.New("not implemented")

// Program is a network compiled for one target.
type Program struct {
	Target  *Target
	Net     *Net
	Quant   *QuantReport
	Mapping *Mapping

	Loihi      []LoihiLayer // mantissa12 targets
	Xylo       *XyloSpec    // bitshift targets
	xyloLayers []xyloLayer
}

// CompileGraph extracts the layer chain from g and compiles it.
func CompileGraph(g *ir.Graph, params map[string][]float64, dt float64, t *Target) (*Program, error) {
	net, err := ExtractNet(g, params, dt)
	if err != nil {
		return nil, err
	}
	return Compile(net, t)
}

// Compile checks that every neuron model runs on t, quantizes the network
// to t's integer formats and maps it onto t's cores. A network that does
// not fit fails with a *LimitError.
func Compile(net *Net, t *Target) (*Program, error) {
	if len(net.Layers) == 0 {
		return nil, fmt.Errorf("network %s has no neuron layers: %w", net.Name, ErrUnsupported)
	}
	var notes []string
	for _, l := range net.Layers {
		native, how, ok := t.Supports(string(l.Kind))
		if !ok {
			return nil, fmt.Errorf("layer %s: neuron model %s does not run on %s (neuron.models %v): %w", l.Name, l.Kind, t.Name, t.Neuron.Models, ErrUnsupported)
		}
		if !native {
			notes = append(notes, fmt.Sprintf("layer %s: %s approximated as %s", l.Name, l.Kind, how))
		}
	}
	if err := checkDatapath(t); err != nil {
		return nil, err
	}
	p := &Program{Target: t, Net: net}
	var err error
	switch t.Neuron.Decay.Repr {
	case "mantissa12":
		shapes := make([]layerShape, len(net.Layers))
		for k := range net.Layers {
			shapes[k] = denseShape(&net.Layers[k])
		}
		if p.Mapping, err = mapPerCore(shapes, t); err != nil {
			return nil, err
		}
		if p.Loihi, p.Quant, err = quantizeLoihi(net, t); err != nil {
			return nil, err
		}
	case "bitshift":
		if p.Xylo, p.xyloLayers, p.Quant, err = quantizeXylo(net, t); err != nil {
			return nil, err
		}
		if err := p.Xylo.Validate(); err != nil {
			panic("BUG: quantized Xylo spec is invalid: " + err.Error())
		}
		if p.Mapping, err = mapXylo(p.Xylo, p.xyloLayers, t); err != nil {
			return nil, err
		}
	default:
		shapes := make([]layerShape, len(net.Layers))
		for k := range net.Layers {
			shapes[k] = denseShape(&net.Layers[k])
		}
		if _, err = mapPerCore(shapes, t); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("%s: the network fits the core limits, but quantization to decay representation %q is %w",
			t.Name, t.Neuron.Decay.Repr, ErrNotImplemented)
	}
	p.Quant.Notes = append(notes, p.Quant.Notes...)
	return p, nil
}

// Overflow counts the state overflows of an emulation: how often the
// integer formats, not the network, decided a value.
type Overflow struct {
	UWraps      int64 // Loihi: u wrapped around its 24 bits
	Saturations int64 // v (Loihi) or any state (Xylo) saturated
	SpikeCaps   int64 // Xylo: a hidden neuron hit 31 spikes in a step
}

func (o *Overflow) add(p Overflow) {
	o.UWraps += p.UWraps
	o.Saturations += p.Saturations
	o.SpikeCaps += p.SpikeCaps
}

// ChipRun is an integer emulation of one input sequence.
type ChipRun struct {
	Spikes  [][][]int64 // [layer][t][n] spike counts
	Readout [][]float64 // [t][n] the last layer's output in float units: spikes, or v/scale for LI
	Latency int         // steps the chip lags the float network
	Overflow
}

// Run emulates the program over one input sequence [T][In] of spike counts.
func (p *Program) Run(input [][]int64) (*ChipRun, error) {
	for t, row := range input {
		if len(row) != p.Net.In {
			return nil, fmt.Errorf("input step %d has %d channels, the network %d", t, len(row), p.Net.In)
		}
		for c, x := range row {
			if x < 0 || x > 255 {
				return nil, fmt.Errorf("input[%d][%d] = %d: %s takes spike counts 0..255", t, c, x, p.Target.Name)
			}
		}
	}
	last := len(p.Net.Layers) - 1
	run := &ChipRun{Latency: p.Mapping.Latency}
	switch {
	case p.Loihi != nil:
		r := runLoihi(p.Loihi, input)
		run.Spikes = r.Spikes
		run.Overflow = r.Overflow
		l := &p.Loihi[last]
		for t := range input {
			row := make([]float64, l.N)
			for i := range row {
				if l.ReadoutV {
					row[i] = float64(r.V[last][t][i]) / l.Scale
				} else {
					row[i] = float64(r.Spikes[last][t][i])
				}
			}
			run.Readout = append(run.Readout, row)
		}
	case p.Xylo != nil:
		x, err := NewXyloNet(p.Xylo)
		if err != nil {
			return nil, err
		}
		run.Spikes = make([][][]int64, len(p.xyloLayers))
		outL := p.xyloLayers[last]
		for t := range input {
			st := x.Step(input[t])
			for k, l := range p.xyloLayers[:last] {
				run.Spikes[k] = append(run.Spikes[k], st.Spikes[l.first:l.first+l.n])
			}
			run.Spikes[last] = append(run.Spikes[last], st.SpikesOut)
			row := make([]float64, outL.n)
			for i := range row {
				if p.Net.Layers[last].Kind == KindLI {
					row[i] = float64(st.VmemOut[i]) / outL.scale
				} else {
					row[i] = float64(st.SpikesOut[i])
				}
			}
			run.Readout = append(run.Readout, row)
		}
		run.Overflow = Overflow{Saturations: x.Saturations, SpikeCaps: x.SpikeCaps}
	default:
		return nil, fmt.Errorf("%s: emulation %w", p.Target.Name, ErrNotImplemented)
	}
	return run, nil
}

// SpikeInput converts a float input sequence to spike counts, failing on
// anything that is not a non-negative integer.
func SpikeInput(x []float64, T, B, n, b int) ([][]int64, error) {
	out := make([][]int64, T)
	for t := range out {
		out[t] = make([]int64, n)
		for c := range out[t] {
			v := x[(t*B+b)*n+c]
			if v < 0 || v != math.Trunc(v) || v > 255 {
				return nil, fmt.Errorf("input[t=%d][b=%d][%d] = %g: chips take spike counts (non-negative integers)", t, b, c, v)
			}
			out[t][c] = int64(v)
		}
	}
	return out, nil
}
