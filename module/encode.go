package module

import (
	"github.com/snnc/snnc/functional"
	"github.com/snnc/snnc/ir"
)

// PoissonEncoder is Norse's PoissonEncoder applied at every time step of the
// given sequence: each input value x (a rate in [0, 1]) spikes with
// probability dt·f_max·x per step, drawn by the seeded counter-based
// generator of ir.Poisson. Zero FMax and DT mean Norse's defaults, 100 Hz
// and 1 ms. Its output is spikes, so the product that follows is
// event-driven; no gradient reaches its input.
type PoissonEncoder struct {
	FMax, DT float64
	Seed     uint64
}

func (p *PoissonEncoder) Build(b *Builder, x *ir.Node) (*ir.Node, error) {
	attrs := ir.DefaultPoisson()
	if p.FMax != 0 {
		attrs.FMax = p.FMax
	}
	if p.DT != 0 {
		attrs.DT = p.DT
	}
	attrs.Seed = p.Seed
	return b.Graph.Op(ir.GPoisson, &ir.Node{Poisson: attrs}, x)
}

// ConstantCurrentLIFEncoder is Norse's ConstantCurrentLIFEncoder run per time
// step of the given sequence of input currents (functional.ConstantCurrentLIF);
// Params nil means Norse's LIFParameters().
func ConstantCurrentLIFEncoder(name string, params *functional.LIFParameters, dt float64) *Neuron {
	return encoderNeuron(name, "constant_current_lif", params, dt)
}

// SpikeLatencyLIFEncoder is Norse's SpikeLatencyLIFEncoder run per time step
// of the given sequence of input currents (functional.SpikeLatency): the
// constant-current encoder keeping each neuron's first spike only.
func SpikeLatencyLIFEncoder(name string, params *functional.LIFParameters, dt float64) *Neuron {
	return encoderNeuron(name, "spike_latency", params, dt)
}

func encoderNeuron(name, model string, params *functional.LIFParameters, dt float64) *Neuron {
	n := &Neuron{Name: name, Model: model, DT: dt}
	if params != nil {
		n.Params = params
	}
	return n
}

// Options are the choices of BuildWith.
type Options struct {
	// InputSpikes declares the network input to be spikes, 0 or 1: the
	// first product becomes event-driven, and every run checks the input
	// (the interpreter and generated packages return an error naming the
	// first other value).
	InputSpikes bool
}

// BuildWith is Build with options.
func BuildWith(name string, m Module, opt Options, inputShape ...int) (*Builder, error) {
	b := NewBuilder(name)
	x, err := b.Graph.Input("input", inputShape...)
	if err != nil {
		return nil, err
	}
	x.Spikes = opt.InputSpikes
	y, err := m.Build(b, x)
	if err != nil {
		return nil, err
	}
	b.Graph.Output("output", y)
	if err := ir.VerifyGraph(b.Graph); err != nil {
		return nil, err
	}
	return b, nil
}

// Build builds the model's network, with its input declared as spikes if
// the file says so.
func (m *Model) Build() (*Builder, error) {
	return BuildWith(m.Name, m.Net, Options{InputSpikes: m.InputSpikes}, m.InputShape...)
}
