package neuro

import (
	"fmt"
	"io"
	"strings"
)

// WriteReport prints the quantization and mapping report: per layer the
// integer parameters, what rounding and clipping cost, the approximations
// the target forces, and a utilization table per core.
func (p *Program) WriteReport(w io.Writer) error {
	var b strings.Builder
	t := p.Target
	fmt.Fprintf(&b, "%s on %s", p.Net.Name, t.Name)
	if t.Description != "" {
		fmt.Fprintf(&b, " (%s)", t.Description)
	}
	fmt.Fprintf(&b, "\n\nquantization (dt %g s):\n", p.Net.DT)
	for _, q := range p.Quant.Layers {
		fmt.Fprintf(&b, "  layer %s: %s, %d neurons, scale %.6g state units per unit of v\n", q.Layer, q.Kind, q.N, q.Scale)
		fmt.Fprintf(&b, "    registers: %s\n", strings.Join(q.Params, " "))
		for _, c := range []struct {
			name string
			s    *WeightStats
		}{{"weights", q.FF}, {"recurrent", q.Rec}} {
			if c.s == nil {
				continue
			}
			s := c.s
			fmt.Fprintf(&b, "    %-9s %d (%d non-zero): clipped %d, rounded to 0 %d, max |err| %.3g, rms err %.3g (%.2f%% of max |w| %.3g)\n",
				c.name, s.Count, s.NonZero, s.Clipped, s.Zeroed, s.MaxErr, s.RMSErr, 100*s.RelErr(), s.MaxAbs)
		}
		if q.Kind != KindLI {
			clip := ""
			if q.Threshold.Clipped {
				clip = " (clipped)"
			}
			fmt.Fprintf(&b, "    threshold: float %.6g, chip %.6g%s\n", q.Threshold.Float, q.Threshold.Back, clip)
		}
		if q.BiasClip > 0 {
			fmt.Fprintf(&b, "    bias: %d neurons clipped\n", q.BiasClip)
		}
		for _, n := range q.Notes {
			fmt.Fprintf(&b, "    note: %s\n", n)
		}
	}
	for _, n := range p.Quant.Notes {
		fmt.Fprintf(&b, "  note: %s\n", n)
	}
	m := p.Mapping
	fmt.Fprintf(&b, "\nmapping: %d core(s)", len(m.Cores))
	if t.Topology.Cores != nil {
		fmt.Fprintf(&b, " of %d", *t.Topology.Cores)
	}
	fmt.Fprintf(&b, ", latency %d step(s)\n", m.Latency)
	pct := func(v, lim int64) string {
		if lim <= 0 {
			return fmt.Sprintf("%d", v)
		}
		return fmt.Sprintf("%d/%d %3.0f%%", v, lim, 100*float64(v)/float64(lim))
	}
	if t.Topology.Pool == "single" {
		fmt.Fprintf(&b, "  %-14s %-18s %-12s %-12s %-18s %s\n", "pool", "hidden neurons", "inputs", "outputs", "rec. synapses", "max fan-out")
		for _, c := range m.Cores {
			fmt.Fprintf(&b, "  %-14s %-18s %-12s %-12s %-18s %s\n", c.Layer, pct(int64(c.Neurons), int64(m.Limits.Neurons)),
				pct(c.InputAxons, m.Limits.InputAxons), pct(c.OutputAxons, m.Limits.OutputAxons), pct(c.Synapses, m.Limits.Synapses), pct(c.MaxFanout, m.Limits.MaxFanout))
		}
	} else {
		fmt.Fprintf(&b, "  %-4s %-12s %-11s %-17s %-17s %-17s %s\n", "core", "layer", "neurons", "neurons used", "input axons", "output axons", "synapse bits")
		for _, c := range m.Cores {
			fmt.Fprintf(&b, "  %-4d %-12s %-11s %-17s %-17s %-17s %s\n", c.Core, c.Layer, fmt.Sprintf("%d..%d", c.First, c.First+c.Neurons-1),
				pct(int64(c.Neurons), int64(m.Limits.Neurons)), pct(c.InputAxons, m.Limits.InputAxons), pct(c.OutputAxons, m.Limits.OutputAxons), pct(c.SynapseBits, m.Limits.SynapseBits))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteComparison prints a Comparison.
func WriteComparison(w io.Writer, c *Comparison) error {
	var b strings.Builder
	fmt.Fprintf(&b, "emulation on %s vs the float network, %d steps × %d batch:\n", c.Target, c.T, c.B)
	for _, l := range c.Layers {
		if l.Spiking {
			fmt.Fprintf(&b, "  %-12s spikes float %d, chip %d; %.2f%% of (t, n) agree (chip shifted by %d steps)\n", l.Layer, l.FloatSpikes, l.ChipSpikes, 100*l.Agree, l.Latency)
		} else {
			fmt.Fprintf(&b, "  %-12s readout v: rms difference %.2f%% of max |v| (chip shifted by %d steps)\n", l.Layer, 100*l.RelRMS, l.Latency)
		}
	}
	fmt.Fprintf(&b, "  state overflows: u wrapped %d, saturated %d, spike cap reached %d\n", c.UWraps, c.Saturations, c.SpikeCaps)
	fmt.Fprintf(&b, "  class: chip and float agree on %d of %d\n", c.ClassAgree, c.B)
	if c.Labeled {
		fmt.Fprintf(&b, "  accuracy: chip %d/%d, float %d/%d\n", c.ChipRight, c.B, c.FloatRight, c.B)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
