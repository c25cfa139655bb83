package gogen

import (
	"fmt"

	"github.com/snnc/snnc/ir"
)

// The encoders and spike inputs in generated packages. A Poisson node keeps
// in the State the number of time steps it has drawn since Reset, so that
// Step after Step draws what one Forward over the whole sequence draws.

func poissonCount(n *ir.Node) string { return fmt.Sprintf("pt%d", n.ID) }

// poissonForward emits the encoder: the rate dt·f_max is rounded to
// float32 once, as the float32 interpreter rounds it.
func (gen *generator) poissonForward(w *src, n *ir.Node, v, x string) {
	p := n.Poisson
	w.f("\tpoisson(%s, %s, T, B, s.batch0, %d, s.%s, %d, %s)\n\ts.%s += int64(T)\n", v, x, n.Type.Size(), poissonCount(n), p.Seed, f32(p.Rate()), poissonCount(n))
}

// inputCheck emits, for an input declared as spikes, the check that every
// value is 0 or 1; its error names the package, the entry point, the index
// (flat, and as time step, batch entry and feature) and the value. When s
// splits the batch, each part checks its own rows on its goroutine.
func (gen *generator) inputCheck() string {
	if !gen.input.Spikes {
		return ""
	}
	check := "active.firstNonSpike(x)"
	if gen.listInput() {
		check = "checkSpikeRows(active.spikeLists, active.firstNonSpike, &s.lists, x, T, s.batch, 0, s.batch, InputSize)"
	}
	return `	var i int
	if split {
		i = s.firstNonSpikeParts(x, T)
	} else {
		i = ` + check + `
	}
	if i >= 0 {
		B := s.batch
		return errorf(op, "x[%d] (t=%d, b=%d, i=%d) = %v: the input is declared spikes, 0 or 1", i, i/max(B*InputSize, 1), i/InputSize%max(B, 1), i%InputSize, x[i])
	}
`
}
