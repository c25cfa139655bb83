package neuro

import (
	"fmt"
	"math/bits"
)

// LimitError says which limit of the target a layer exceeds.
type LimitError struct {
	Target string
	Limit  string // the target field, e.g. "core.max_fanout"
	Layer  string // "" for the whole network
	Need   int64
	Have   int64
	Why    string // what was counted
}

func (e *LimitError) Error() string {
	where := "the network"
	if e.Layer != "" {
		where = "layer " + e.Layer
	}
	return fmt.Sprintf("%s does not fit %s: %s needs %d, the limit %s is %d", where, e.Target, e.Why, e.Need, e.Limit, e.Have)
}

// CoreUse is one core's share of a layer and how full it is.
type CoreUse struct {
	Core           int
	Layer          string
	First, Neurons int   // neurons [First, First+Neurons) of the layer
	InputAxons     int64 // distinct presynaptic sources
	OutputAxons    int64 // (neuron, destination core) routes
	SynapseBits    int64
	Synapses       int64 // non-zero weights stored
	MaxFanout      int64 // largest per-neuron fan-out (single pool)
}

// Mapping places layers on cores.
type Mapping struct {
	Target string
	Cores  []CoreUse
	Limits CoreUse // the per-core limits, 0 where there is none
	// Latency is how many steps the chip's output lags the float network's.
	Latency int
}

// layerShape is what mapping needs of a layer, whatever the chip.
type layerShape struct {
	name   string
	n, in  int
	nnzCol func(first, count int) []int64 // per input axon: non-zero weights into neurons [first, first+count)
	recur  bool
}

// limitOf is a limit's value, 0 for none (null).
func limitOf(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// synapseBits is the synapse memory one axon's list takes: a 10-bit
// header (4 + 6 bits, nengo-loihi's SynapseConfig) and weight_bits per
// synapse, plus index bits when the list is sparse, rounded up to 64-bit
// words. This follows nengo-loihi's Loihi 1 accounting [A for Loihi 2].
func synapseBits(nnz, chunk int64, weightBits int) int64 {
	if nnz == 0 {
		return 0
	}
	per := int64(weightBits)
	if nnz < chunk {
		per += int64(bits.Len64(uint64(chunk - 1)))
	}
	b := 10 + nnz*per
	return (b + 63) / 64 * 64
}

// mapPerCore splits each layer into equal contiguous chunks of neurons,
// one chunk per core, as nengo-loihi's split_block does: the split is the
// largest of the neuron and synapse-memory ratios, then every chunk is
// re-checked, and output axons (which depend on the next layer's split)
// are checked last.
func mapPerCore(shapes []layerShape, t *Target) (*Mapping, error) {
	c := t.Core
	m := &Mapping{Target: t.Name, Limits: CoreUse{Neurons: int(limitOf(c.Neurons)), InputAxons: limitOf(c.InputAxons),
		OutputAxons: limitOf(c.OutputAxons), SynapseBits: limitOf(c.SynapseMemBits)}}
	splits := make([]int, len(shapes))
	for k, s := range shapes {
		inAx := int64(s.in)
		if s.recur {
			inAx += int64(s.n)
		}
		if lim := limitOf(c.InputAxons); lim > 0 && inAx > lim {
			// Every chunk receives every input, so splitting does not help.
			return nil, &LimitError{t.Name, "core.input_axons", s.name, inAx, lim, "distinct presynaptic sources per core"}
		}
		if lim := limitOf(c.MaxFanin); lim > 0 && inAx > lim {
			return nil, &LimitError{t.Name, "core.max_fanin", s.name, inAx, lim, "inputs per neuron"}
		}
		split := 1
		if lim := limitOf(c.Neurons); lim > 0 {
			split = max(split, int((int64(s.n)+lim-1)/lim))
		}
		if lim := limitOf(c.SynapseMemBits); lim > 0 {
			// Start near the memory ratio: chunks shrink the bits about
			// proportionally, so the loop below takes few steps.
			split = max(split, int(min((chunkBits(s, 0, s.n, t)+lim-1)/lim, int64(s.n))))
		}
		for ; split <= s.n; split++ {
			if chunksFit(s, split, t) {
				break
			}
		}
		if split > s.n {
			one := chunkBits(s, 0, 1, t)
			return nil, &LimitError{t.Name, "core.synapse_mem_bits", s.name, one, limitOf(c.SynapseMemBits), "synapse memory for a single neuron's inputs"}
		}
		splits[k] = split
	}
	if t.Topology.LayersPerCore == "one" || t.Topology.Pool == "per_core" {
		// Output axons: each neuron routes once to every core of the layers it feeds.
		for k, s := range shapes {
			dest := int64(0)
			if k+1 < len(shapes) {
				dest += int64(splits[k+1])
			}
			if s.recur {
				dest += int64(splits[k])
			}
			chunk := int64((s.n + splits[k] - 1) / splits[k])
			if lim := limitOf(c.OutputAxons); lim > 0 && chunk*dest > lim {
				return nil, &LimitError{t.Name, "core.output_axons", s.name, chunk * dest, lim, fmt.Sprintf("routes from %d neurons to %d destination cores", chunk, dest)}
			}
			if lim := limitOf(c.MaxFanout); lim > 0 && dest > lim && k+1 < len(shapes) {
				return nil, &LimitError{t.Name, "core.max_fanout", s.name, dest, lim, "destination cores per neuron"}
			}
		}
	}
	core := 0
	for k, s := range shapes {
		chunk := (s.n + splits[k] - 1) / splits[k]
		for first := 0; first < s.n; first += chunk {
			cnt := min(chunk, s.n-first)
			u := CoreUse{Core: core, Layer: s.name, First: first, Neurons: cnt, InputAxons: int64(s.in), SynapseBits: chunkBits(s, first, cnt, t)}
			if s.recur {
				u.InputAxons += int64(s.n)
			}
			for _, x := range s.nnzCol(first, cnt) {
				u.Synapses += x
			}
			dest := int64(0)
			if k+1 < len(shapes) {
				dest += int64(splits[k+1])
			}
			if s.recur {
				dest += int64(splits[k])
			}
			u.OutputAxons = int64(cnt) * dest
			m.Cores = append(m.Cores, u)
			core++
		}
	}
	if t.Topology.Cores != nil && len(m.Cores) > *t.Topology.Cores {
		return nil, &LimitError{t.Name, "topology.cores", "", int64(len(m.Cores)), int64(*t.Topology.Cores), "cores"}
	}
	if t.Topology.MaxDestPerLayer != nil {
		for k := range shapes {
			if k+1 < len(shapes) && splits[k+1] > *t.Topology.MaxDestPerLayer {
				return nil, &LimitError{t.Name, "topology.max_dest_per_layer", shapes[k].name, int64(splits[k+1]), int64(*t.Topology.MaxDestPerLayer), "destination cores"}
			}
		}
	}
	m.Latency = t.Time.InputDelay + t.Time.HopDelay*(len(shapes)-1)
	return m, nil
}

func chunkBits(s layerShape, first, cnt int, t *Target) int64 {
	var total int64
	for _, nnz := range s.nnzCol(first, cnt) {
		total += synapseBits(nnz, int64(cnt), t.Synapse.WeightBits)
	}
	return total
}

func chunksFit(s layerShape, split int, t *Target) bool {
	lim := limitOf(t.Core.SynapseMemBits)
	if lim == 0 {
		return true
	}
	chunk := (s.n + split - 1) / split
	for first := 0; first < s.n; first += chunk {
		if chunkBits(s, first, min(chunk, s.n-first), t) > lim {
			return false
		}
	}
	return true
}

// denseShape describes a layer for mapping from its float weights.
func denseShape(l *Layer) layerShape {
	return layerShape{name: l.Name, n: l.N, in: l.In, recur: l.Rec != nil, nnzCol: func(first, cnt int) []int64 {
		cols := make([]int64, l.In, l.In+l.N)
		for i := first; i < first+cnt; i++ {
			for j := 0; j < l.In; j++ {
				if l.W[i*l.In+j] != 0 {
					cols[j]++
				}
			}
		}
		if l.Rec != nil {
			cols = cols[:l.In+l.N]
			for i := first; i < first+cnt; i++ {
				for j := 0; j < l.N; j++ {
					if l.Rec[i*l.N+j] != 0 {
						cols[l.In+j]++
					}
				}
			}
		}
		return cols
	}}
}
