package neuro

import (
	"fmt"
	"math"

	"github.com/snnc/snnc/backend/interp"
	"github.com/snnc/snnc/ir"
)

// LayerAgreement compares one layer's chip output with the float one.
type LayerAgreement struct {
	Layer       string
	Spiking     bool
	Latency     int     // steps the chip layer lags the float layer
	FloatSpikes int64   // spiking layers: totals over the run
	ChipSpikes  int64   //
	Agree       float64 // spiking: fraction of (t, b, n) with equal spike counts
	RelRMS      float64 // LI readout: RMS(v_chip − v_float) / max|v_float|
}

// Comparison is the chip emulation next to the float network.
type Comparison struct {
	Target     string
	T, B       int
	Layers     []LayerAgreement
	ClassAgree int // batch entries where chip and float pick the same class
	Labeled    bool
	ChipRight  int // with labels: entries the chip classifies correctly
	FloatRight int
	Overflow   // summed over the batch
}

// Compare runs the float interpreter and the chip emulation over the same
// input x [T][B][In] (spike counts) and compares them layer by layer,
// aligning the chip's output by its latency. labels, if not nil, holds one
// class per batch entry.
func Compare(p *Program, g *ir.Graph, params map[string][]float64, x []float64, T, B int, labels []int) (*Comparison, error) {
	if labels != nil && len(labels) != B {
		return nil, fmt.Errorf("%d labels for %d batch entries", len(labels), B)
	}
	if len(x) != T*B*p.Net.In {
		return nil, fmt.Errorf("input holds %d values, want T·B·In = %d·%d·%d", len(x), T, B, p.Net.In)
	}
	res, err := interp.RunGraph(g, &interp.GraphRun{T: T, B: B, Inputs: map[string][]float64{"input": x}, Params: params})
	if err != nil {
		return nil, err
	}
	c := &Comparison{Target: p.Target.Name, T: T, B: B, Labeled: labels != nil}
	L := len(p.Net.Layers)
	c.Layers = make([]LayerAgreement, L)
	var sq, maxAbs []float64 = make([]float64, L), make([]float64, L)
	agree, count := make([]int64, L), make([]int64, L)
	lat := p.Mapping.Latency
	for b := 0; b < B; b++ {
		in, err := SpikeInput(x, T, B, p.Net.In, b)
		if err != nil {
			return nil, err
		}
		for range lat { // let the last inputs reach the output
			in = append(in, make([]int64, p.Net.In))
		}
		run, err := p.Run(in)
		if err != nil {
			return nil, err
		}
		c.Overflow.add(run.Overflow)
		for k := range p.Net.Layers {
			l := &p.Net.Layers[k]
			la := &c.Layers[k]
			la.Layer, la.Spiking = l.Name, l.Kind != KindLI
			la.Latency = p.Target.Time.InputDelay + p.Target.Time.HopDelay*k
			fv := res.Values[l.node]
			for t := 0; t < T; t++ {
				for i := 0; i < l.N; i++ {
					f := fv[(t*B+b)*l.N+i]
					if la.Spiking {
						ch := run.Spikes[k][t+la.Latency][i]
						la.FloatSpikes += int64(f)
						la.ChipSpikes += ch
						if float64(ch) == f {
							agree[k]++
						}
						count[k]++
					} else if k == L-1 {
						d := run.Readout[t+lat][i] - f
						sq[k] += d * d
						maxAbs[k] = max(maxAbs[k], math.Abs(f))
						count[k]++
					}
				}
			}
		}
		fc := classOf(fv2(res.Values[p.Net.Layers[L-1].node], T, B, b, p.Net.Layers[L-1].N), c.Layers[L-1].Spiking)
		cc := classOf(run.Readout[lat:], c.Layers[L-1].Spiking)
		if fc == cc {
			c.ClassAgree++
		}
		if labels != nil {
			if cc == labels[b] {
				c.ChipRight++
			}
			if fc == labels[b] {
				c.FloatRight++
			}
		}
	}
	for k := range c.Layers {
		if count[k] == 0 {
			continue
		}
		if c.Layers[k].Spiking {
			c.Layers[k].Agree = float64(agree[k]) / float64(count[k])
		} else if maxAbs[k] > 0 {
			c.Layers[k].RelRMS = math.Sqrt(sq[k]/float64(count[k])) / maxAbs[k]
		}
	}
	return c, nil
}

// fv2 picks batch entry b of a [T][B][n] sequence as [T][n].
func fv2(v []float64, T, B, b, n int) [][]float64 {
	out := make([][]float64, T)
	for t := range out {
		out[t] = v[(t*B+b)*n : (t*B+b+1)*n]
	}
	return out
}

// classOf is the readout's class: the most spikes, or the highest voltage
// over time (as `snnc run` reports it).
func classOf(seq [][]float64, spiking bool) int {
	if len(seq) == 0 {
		return -1
	}
	score := make([]float64, len(seq[0]))
	for t, row := range seq {
		for i, v := range row {
			if spiking {
				score[i] += v
			} else if t == 0 || v > score[i] {
				score[i] = v
			}
		}
	}
	best := 0
	for i := range score {
		if score[i] > score[best] {
			best = i
		}
	}
	return best
}
