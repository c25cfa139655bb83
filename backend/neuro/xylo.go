package neuro

import "fmt"

// Limits of the Xylo v2 core (xylosim 0.1.3 constants).
const (
	xyloMaxInputSpikes  = 15 // per input channel and step
	xyloMaxHiddenSpikes = 31 // per hidden neuron and step
	xyloMaxOutputSpikes = 1
	xyloMaxDash         = 15 // dashes are 4-bit
)

// XyloSpec is a Xylo v2 network in the shape Rockpool's
// XyloSim.from_specification takes it (and the xylo_v2 traces record it).
// JSON field names are Rockpool's, so a spec written by snnc loads there.
type XyloSpec struct {
	WeightsIn  [][][]int64 `json:"weights_in"`  // [N_in][N_hid][2]
	WeightsRec [][][]int64 `json:"weights_rec"` // [N_hid][N_hid][2], pre then post
	WeightsOut [][]int64   `json:"weights_out"` // [N_last][N_out]: the last N_last hidden neurons
	DashMem    []int64     `json:"dash_mem"`
	DashSyn    []int64     `json:"dash_syn"`
	DashSyn2   []int64     `json:"dash_syn_2"`
	DashMemOut []int64     `json:"dash_mem_out"`
	DashSynOut []int64     `json:"dash_syn_out"`
	Threshold  []int64     `json:"threshold"`
	ThresholdO []int64     `json:"threshold_out"`
	Bias       []int64     `json:"bias"`
	BiasOut    []int64     `json:"bias_out"`
	ShiftIn    int64       `json:"weight_shift_in"`
	ShiftRec   int64       `json:"weight_shift_rec"`
	ShiftOut   int64       `json:"weight_shift_out"`
	Aliases    [][]int64   `json:"aliases"`
	HasBias    bool        `json:"has_bias"`
	DT         float64     `json:"dt,omitempty"`
}

// Sizes returns the number of input channels, hidden and output neurons,
// read from the weights as Rockpool reads them.
func (s *XyloSpec) Sizes() (nIn, nHid, nOut int) {
	nIn = len(s.WeightsIn)
	switch {
	case len(s.WeightsRec) > 0:
		nHid = len(s.WeightsRec)
	case nIn > 0:
		nHid = len(s.WeightsIn[0])
	default:
		nHid = len(s.DashMem)
	}
	if len(s.WeightsOut) > 0 {
		nOut = len(s.WeightsOut[0])
	} else {
		nOut = len(s.DashMemOut)
	}
	return
}

// fillDefaults gives parameters left out the values Rockpool's
// from_specification gives them: zeros.
func (s *XyloSpec) fillDefaults() {
	_, nHid, nOut := s.Sizes()
	for _, f := range []struct {
		v *[]int64
		n int
	}{
		{&s.DashMem, nHid}, {&s.DashSyn, nHid}, {&s.DashSyn2, nHid}, {&s.DashMemOut, nOut}, {&s.Threshold, nHid}, {&s.Bias, nHid},
		{&s.DashSynOut, nOut}, {&s.ThresholdO, nOut}, {&s.BiasOut, nOut},
	} {
		if *f.v == nil {
			*f.v = make([]int64, f.n)
		}
	}
}

// Validate checks shapes and that every value fits the register xylosim
// holds it in, so that the emulator computes what the chip would.
func (s *XyloSpec) Validate() error {
	nIn, nHid, nOut := s.Sizes()
	if nHid == 0 {
		return fmt.Errorf("no hidden neurons")
	}
	const maxNeurons = 1 << 16 // neuron ids are uint16 in xylosim
	if nHid > maxNeurons || nIn > maxNeurons || nOut > maxNeurons {
		return fmt.Errorf("%d inputs, %d hidden, %d outputs: more than xylosim's uint16 ids", nIn, nHid, nOut)
	}
	for _, c := range []struct {
		name string
		v    []int64
		n    int
		lo   int64
		hi   int64
	}{
		{"dash_mem", s.DashMem, nHid, 0, xyloMaxDash},
		{"dash_syn", s.DashSyn, nHid, 0, xyloMaxDash},
		{"dash_syn_2", s.DashSyn2, nHid, 0, xyloMaxDash},
		{"threshold", s.Threshold, nHid, -1 << 15, 1<<15 - 1},
		{"bias", s.Bias, nHid, -1 << 15, 1<<15 - 1},
		{"dash_mem_out", s.DashMemOut, nOut, 0, xyloMaxDash},
		{"dash_syn_out", s.DashSynOut, nOut, 0, xyloMaxDash},
		{"threshold_out", s.ThresholdO, nOut, -1 << 15, 1<<15 - 1},
		{"bias_out", s.BiasOut, nOut, -1 << 15, 1<<15 - 1},
	} {
		if c.name == "bias" && c.v == nil {
			continue // optional; zero
		}
		if c.name == "bias_out" && c.v == nil {
			continue
		}
		if len(c.v) != c.n {
			return fmt.Errorf("%s has %d entries, want %d", c.name, len(c.v), c.n)
		}
		for i, x := range c.v {
			if x < c.lo || x > c.hi {
				return fmt.Errorf("%s[%d] = %d outside %d..%d", c.name, i, x, c.lo, c.hi)
			}
		}
	}
	for _, sh := range []struct {
		name string
		v    int64
	}{{"weight_shift_in", s.ShiftIn}, {"weight_shift_rec", s.ShiftRec}, {"weight_shift_out", s.ShiftOut}} {
		if sh.v < 0 || sh.v > 15 {
			return fmt.Errorf("%s %d outside 0..15", sh.name, sh.v)
		}
	}
	checkW := func(name string, w [][][]int64, rows int) error {
		if len(w) != rows {
			return fmt.Errorf("%s has %d rows, want %d", name, len(w), rows)
		}
		for j, row := range w {
			if len(row) != nHid {
				return fmt.Errorf("%s[%d] has %d entries, want %d hidden neurons", name, j, len(row), nHid)
			}
			for i, syn := range row {
				if len(syn) != 2 {
					return fmt.Errorf("%s[%d][%d] has %d synapses, want 2", name, j, i, len(syn))
				}
				for k, x := range syn {
					if x < -128 || x > 127 {
						return fmt.Errorf("%s[%d][%d][%d] = %d is not an int8", name, j, i, k, x)
					}
				}
			}
		}
		return nil
	}
	if err := checkW("weights_in", s.WeightsIn, nIn); err != nil {
		return err
	}
	if s.WeightsRec != nil {
		if err := checkW("weights_rec", s.WeightsRec, nHid); err != nil {
			return err
		}
	}
	if len(s.WeightsOut) > nHid {
		return fmt.Errorf("weights_out has %d rows for %d hidden neurons", len(s.WeightsOut), nHid)
	}
	for j, row := range s.WeightsOut {
		if len(row) != nOut {
			return fmt.Errorf("weights_out[%d] has %d entries, want %d outputs", j, len(row), nOut)
		}
		for o, x := range row {
			if x < -128 || x > 127 {
				return fmt.Errorf("weights_out[%d][%d] = %d is not an int8", j, o, x)
			}
		}
	}
	if s.Aliases != nil && len(s.Aliases) != nHid {
		return fmt.Errorf("aliases has %d entries, want %d", len(s.Aliases), nHid)
	}
	for i, a := range s.Aliases {
		for _, t := range a {
			if t < 0 || t >= int64(nHid) {
				return fmt.Errorf("aliases[%d] names neuron %d, not a hidden neuron", i, t)
			}
		}
	}
	return nil
}

// xyloSynapse is one entry of a presynaptic neuron's fan-out list.
type xyloSynapse struct {
	target, syn int
	weight      int64
}

// xyloNeuron is the state of one xylosim XyloIAFNeuron.
type xyloNeuron struct {
	v         int64
	i         [2]int64
	dashMem   int64
	dashSyn   [2]int64
	nSyn      int
	vth, bias int64
}

// XyloNet is a running Xylo v2 core: xylosim's XyloLayer.
type XyloNet struct {
	spec               *XyloSpec
	in, rec, out       [][]xyloSynapse // fan-out lists by presynaptic id
	hid, outN          []xyloNeuron
	recSpikes, outSpik []int64

	// Saturations counts int16 saturations of synaptic and membrane states
	// so far; SpikeCaps counts steps where a neuron hit its spike limit.
	Saturations, SpikeCaps int64
}

// NewXyloNet builds the core from a validated spec.
func NewXyloNet(s *XyloSpec) (*XyloNet, error) {
	s.fillDefaults()
	if err := s.Validate(); err != nil {
		return nil, err
	}
	nIn, nHid, nOut := s.Sizes()
	x := &XyloNet{spec: s, in: make([][]xyloSynapse, nIn), rec: make([][]xyloSynapse, nHid), out: make([][]xyloSynapse, nHid),
		hid: make([]xyloNeuron, nHid), outN: make([]xyloNeuron, nOut), recSpikes: make([]int64, nHid), outSpik: make([]int64, nOut)}
	lists := func(w [][][]int64, dst [][]xyloSynapse) {
		for j, row := range w {
			for i, syn := range row {
				for k, wt := range syn {
					if wt != 0 { // Rockpool lists non-zero weights only
						dst[j] = append(dst[j], xyloSynapse{i, k, wt})
					}
				}
			}
		}
	}
	lists(s.WeightsIn, x.in)
	lists(s.WeightsRec, x.rec)
	first := nHid - len(s.WeightsOut)
	for r, row := range s.WeightsOut {
		for o, wt := range row {
			if wt != 0 {
				x.out[first+r] = append(x.out[first+r], xyloSynapse{o, 0, wt})
			}
		}
	}
	for i := range x.hid {
		n := &x.hid[i]
		n.dashMem, n.dashSyn, n.nSyn, n.vth = s.DashMem[i], [2]int64{s.DashSyn[i], s.DashSyn2[i]}, 2, s.Threshold[i]
		if s.HasBias && s.Bias != nil {
			n.bias = s.Bias[i]
		}
	}
	for o := range x.outN {
		n := &x.outN[o]
		n.dashMem, n.dashSyn, n.nSyn, n.vth = s.DashMemOut[o], [2]int64{s.DashSynOut[o]}, 1, s.ThresholdO[o]
		if s.HasBias && s.BiasOut != nil {
			n.bias = s.BiasOut[o]
		}
	}
	return x, nil
}

// XyloState is what one step leaves: the states xylosim records.
type XyloState struct {
	Isyn, Isyn2, Vmem, Spikes   []int64 // hidden
	IsynOut, VmemOut, SpikesOut []int64 // output
}

// xyloDecay is xylosim's decay(x, dash): x>>dash, or ±1 when that is zero
// and x is not, so every non-zero state leaks at least one LSB.
func xyloDecay(x, dash int64) int64 {
	d := x >> uint(dash)
	if d == 0 && x != 0 {
		if x > 0 {
			return 1
		}
		return -1
	}
	return d
}

func (x *XyloNet) deliver(spikes []int64, lists [][]xyloSynapse, neurons []xyloNeuron, maxSpikes, shift int64) {
	for j, n := range spikes {
		n = min(n&0xff, maxSpikes) // spike counts are uint8 in xylosim
		if n <= 0 {
			continue
		}
		for _, syn := range lists[j] {
			w := wrap16(syn.weight << uint(shift)) // receiveSpike takes an int16_t
			st := &neurons[syn.target].i[syn.syn]
			for r := int64(0); r < n; r++ {
				if s := *st + w; s != sat16(s) {
					x.Saturations++
				}
				*st = sat16(*st + w)
			}
		}
	}
}

// evolve is XyloIAFNeuron::evolve (v2): decay the synapses, integrate,
// spike while v ≥ v_th up to maxSpikes, subtracting v_th each time.
func (n *xyloNeuron) evolve(spikes, maxSpikes int64, saturations *int64) int64 {
	var sum int64
	for k := 0; k < n.nSyn; k++ {
		n.i[k] = wrap16(n.i[k] - xyloDecay(n.i[k], n.dashSyn[k]))
		sum += n.i[k]
	}
	satAdd := func(a, b int64) int64 {
		if s := a + b; s != sat16(s) {
			*saturations++
			return sat16(s)
		}
		return a + b
	}
	dv := wrap16(-xyloDecay(n.v, n.dashMem)) // −decay is stored in an int16_t
	dv = satAdd(dv, sum)
	if n.bias != 0 {
		dv = satAdd(dv, n.bias)
	}
	n.v = satAdd(n.v, dv)
	for n.v >= n.vth && spikes < maxSpikes {
		spikes++
		n.v = wrap16(n.v - n.vth)
	}
	return spikes
}

// Step runs one time step with input spike counts per channel and returns
// the recorded state (fresh slices).
func (x *XyloNet) Step(input []int64) XyloState {
	if len(input) != len(x.in) {
		panic("neuro: XyloNet.Step input length != channels")
	}
	x.deliver(input, x.in, x.hid, xyloMaxInputSpikes, x.spec.ShiftIn)
	x.deliver(x.recSpikes, x.rec, x.hid, xyloMaxHiddenSpikes, x.spec.ShiftRec)
	x.deliver(x.recSpikes, x.out, x.outN, xyloMaxHiddenSpikes, x.spec.ShiftOut)
	clear(x.recSpikes)
	clear(x.outSpik)
	for i := range x.hid {
		x.recSpikes[i] = x.hid[i].evolve(x.recSpikes[i], xyloMaxHiddenSpikes, &x.Saturations)
		if x.recSpikes[i] == xyloMaxHiddenSpikes && x.hid[i].v >= x.hid[i].vth {
			x.SpikeCaps++
		}
		if x.spec.Aliases != nil {
			for _, a := range x.spec.Aliases[i] {
				x.recSpikes[a] = min(x.recSpikes[a]+x.recSpikes[i], xyloMaxHiddenSpikes)
			}
		}
	}
	for o := range x.outN {
		x.outSpik[o] = x.outN[o].evolve(x.outSpik[o], xyloMaxOutputSpikes, &x.Saturations)
	}
	st := XyloState{Spikes: append([]int64(nil), x.recSpikes...), SpikesOut: append([]int64(nil), x.outSpik...)}
	for i := range x.hid {
		st.Isyn = append(st.Isyn, x.hid[i].i[0])
		st.Isyn2 = append(st.Isyn2, x.hid[i].i[1])
		st.Vmem = append(st.Vmem, x.hid[i].v)
	}
	for o := range x.outN {
		st.IsynOut = append(st.IsynOut, x.outN[o].i[0])
		st.VmemOut = append(st.VmemOut, x.outN[o].v)
	}
	return st
}
