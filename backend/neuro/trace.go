package neuro

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// Chip reference traces: JSON files recorded from the vendors' own
// bit-accurate code (../shared/reference/neuro/README.md). ReplayTrace runs
// the matching emulator over a trace's input and compares every recorded
// integer; the test TestChipTraces and `snnc map --check-trace` use it.

// maxTraceValues bounds how many integers one trace may make us hold, so a
// hostile file cannot exhaust memory through its T×N products.
const maxTraceValues = 1 << 26

// IntVec is a JSON integer list that also accepts a single integer, which
// stands for the same value for every neuron.
type IntVec struct {
	V      []int64
	Scalar bool
}

func (v *IntVec) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] != '[' {
		x, err := parseInt(b)
		if err != nil {
			return err
		}
		v.V, v.Scalar = []int64{x}, true
		return nil
	}
	var raw []json.Number
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	v.V = make([]int64, len(raw))
	for i, n := range raw {
		x, err := parseInt([]byte(n))
		if err != nil {
			return fmt.Errorf("entry %d: %w", i, err)
		}
		v.V[i] = x
	}
	return nil
}

// expand returns n values: the list if it has n, the scalar repeated.
func (v IntVec) expand(name string, n int) ([]int64, error) {
	if v.Scalar || (len(v.V) == 1 && n != 1) {
		out := make([]int64, n)
		for i := range out {
			out[i] = v.V[0]
		}
		return out, nil
	}
	if v.V == nil {
		return make([]int64, n), nil
	}
	if len(v.V) != n {
		return nil, fmt.Errorf("%s has %d entries, want %d", name, len(v.V), n)
	}
	return v.V, nil
}

// parseInt reads a JSON number that must be an integer ("3", "3.0", "-2e3").
func parseInt(b []byte) (int64, error) {
	s := string(b)
	if x, err := strconv.ParseInt(s, 10, 64); err == nil {
		return x, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != float64(int64(f)) || f > 1<<62 || f < -(1<<62) {
		return 0, fmt.Errorf("%q is not an integer", s)
	}
	return int64(f), nil
}

// IntMatrix is a [rows][cols] JSON integer array.
type IntMatrix [][]int64

func (m *IntMatrix) UnmarshalJSON(b []byte) error {
	var raw [][]json.Number
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	out := make([][]int64, len(raw))
	for i, row := range raw {
		out[i] = make([]int64, len(row))
		for j, n := range row {
			x, err := parseInt([]byte(n))
			if err != nil {
				return fmt.Errorf("[%d][%d]: %w", i, j, err)
			}
			out[i][j] = x
		}
	}
	*m = out
	return nil
}

func (m IntMatrix) check(name string, rows, cols int) error {
	if len(m) != rows {
		return fmt.Errorf("%s has %d rows, want %d", name, len(m), rows)
	}
	for i, r := range m {
		if len(r) != cols {
			return fmt.Errorf("%s[%d] has %d entries, want %d", name, i, len(r), cols)
		}
	}
	return nil
}

func (m IntMatrix) flat() []int64 {
	var out []int64
	for _, r := range m {
		out = append(out, r...)
	}
	return out
}

// LavaLIFTraceParams are the lava_lif (and lava_chain lif_params) fields.
type LavaLIFTraceParams struct {
	Du       IntVec `json:"du"` // shared: a number, or a list of equal values
	Dv       IntVec `json:"dv"`
	Vth      IntVec `json:"vth"`
	BiasMant IntVec `json:"bias_mant"`
	BiasExp  IntVec `json:"bias_exp"`
	U0       IntVec `json:"u0"`
	V0       IntVec `json:"v0"`
}

// LavaDenseTraceParams are the lava_dense (and lava_chain dense_params) fields.
type LavaDenseTraceParams struct {
	WeightExp      int64           `json:"weight_exp"`
	NumWeightBits  *int64          `json:"num_weight_bits"`
	SignMode       json.RawMessage `json:"sign_mode"`
	NumMessageBits int64           `json:"num_message_bits"`
}

// Trace is one reference file; which fields are set depends on Kind.
type Trace struct {
	Kind string `json:"kind"`
	T    int    `json:"T"`
	N    int    `json:"N"`
	NIn  int    `json:"N_in"`
	NOut int    `json:"N_out"`
	NHid int    `json:"N_hid"`

	Params      json.RawMessage `json:"params"`
	DenseParams json.RawMessage `json:"dense_params"`
	LIFParams   json.RawMessage `json:"lif_params"`

	AIn              IntMatrix `json:"a_in"`
	U, V, S          IntMatrix
	WeightsRaw       IntMatrix `json:"weights_raw"`
	WeightsEffective IntMatrix `json:"weights_effective"`
	SIn              IntMatrix `json:"s_in"`
	AOut             IntMatrix `json:"a_out"`

	Input     IntMatrix `json:"input"`
	Isyn      IntMatrix `json:"Isyn"`
	Isyn2     IntMatrix `json:"Isyn2"`
	Vmem      IntMatrix `json:"Vmem"`
	Spikes    IntMatrix `json:"Spikes"`
	IsynOut   IntMatrix `json:"Isyn_out"`
	VmemOut   IntMatrix `json:"Vmem_out"`
	SpikesOut IntMatrix `json:"Spikes_out"`
}

// TraceResult says how much of a trace was compared.
type TraceResult struct {
	Kind     string
	Compared int64 // integers compared
}

// A TraceMismatch is the first integer where the emulator and the trace
// differ.
type TraceMismatch struct {
	Field     string
	T, Index  int
	Got, Want int64
}

func (m *TraceMismatch) Error() string {
	return fmt.Sprintf("%s[t=%d][%d]: emulator %d, reference %d", m.Field, m.T, m.Index, m.Got, m.Want)
}

// ParseTrace decodes a trace file and checks its sizes against its own
// T and N fields.
func ParseTrace(data []byte) (*Trace, error) {
	var tr Trace
	if err := json.Unmarshal(data, &tr); err != nil {
		return nil, err
	}
	for _, d := range []struct {
		name string
		v    int
	}{{"T", tr.T}, {"N", tr.N}, {"N_in", tr.NIn}, {"N_out", tr.NOut}, {"N_hid", tr.NHid}} {
		if d.v < 0 || d.v > maxTraceValues {
			return nil, fmt.Errorf("%s = %d out of range", d.name, d.v)
		}
	}
	if tr.T == 0 {
		return nil, fmt.Errorf("T is missing or zero")
	}
	return &tr, nil
}

// compareSeries checks got [T][n] against want, counting integers.
func compareSeries(field string, got, want [][]int64, res *TraceResult) error {
	if len(want) != len(got) {
		return fmt.Errorf("%s has %d time steps, want %d", field, len(want), len(got))
	}
	for t := range want {
		if len(want[t]) != len(got[t]) {
			return fmt.Errorf("%s[t=%d] has %d entries, the emulator %d", field, t, len(want[t]), len(got[t]))
		}
		for i := range want[t] {
			if got[t][i] != want[t][i] {
				return &TraceMismatch{field, t, i, got[t][i], want[t][i]}
			}
		}
		res.Compared += int64(len(want[t]))
	}
	return nil
}

// ReplayTrace runs the emulator for tr.Kind and compares every recorded
// integer. An unknown kind is an error.
func ReplayTrace(tr *Trace) (*TraceResult, error) {
	res := &TraceResult{Kind: tr.Kind}
	var err error
	switch tr.Kind {
	case "lava_lif":
		err = replayLavaLIF(tr, res)
	case "lava_dense":
		err = replayLavaDense(tr, res)
	case "lava_chain":
		err = replayLavaChain(tr, res)
	case "xylo_v2":
		err = replayXylo(tr, res)
	default:
		return nil, fmt.Errorf("unknown trace kind %q (want lava_lif, lava_dense, lava_chain or xylo_v2)", tr.Kind)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", tr.Kind, err)
	}
	return res, nil
}

func decodeParams(raw json.RawMessage, name string, v any) error {
	if len(raw) == 0 {
		return fmt.Errorf("%s is missing", name)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

func lavaLIFFromTrace(raw json.RawMessage, name string, n int) (*LavaLIF, error) {
	var p LavaLIFTraceParams
	if err := decodeParams(raw, name, &p); err != nil {
		return nil, err
	}
	bm, err := p.BiasMant.expand("bias_mant", n)
	if err != nil {
		return nil, err
	}
	be, err := p.BiasExp.expand("bias_exp", n)
	if err != nil {
		return nil, err
	}
	var sh [3]int64
	for k, v := range []IntVec{p.Du, p.Dv, p.Vth} {
		for _, x := range v.V {
			if x != v.V[0] {
				return nil, fmt.Errorf("du, dv and vth are shared by a Lava LIF population, but %v differs", v.V)
			}
		}
		if len(v.V) > 0 {
			sh[k] = v.V[0]
		}
	}
	lp := LavaLIFParams{Du: sh[0], Dv: sh[1], Vth: sh[2], BiasMant: bm, BiasExp: be}
	if err := lp.Validate(n); err != nil {
		return nil, err
	}
	l := NewLavaLIF(n, lp)
	u0, err := p.U0.expand("u0", n)
	if err != nil {
		return nil, err
	}
	v0, err := p.V0.expand("v0", n)
	if err != nil {
		return nil, err
	}
	copy(l.U, u0)
	copy(l.V, v0)
	return l, nil
}

func lavaDenseFromTrace(tr *Trace, raw json.RawMessage, name string, post, pre int, res *TraceResult) (*LavaDense, error) {
	var p LavaDenseTraceParams
	if err := decodeParams(raw, name, &p); err != nil {
		return nil, err
	}
	mode := SignAuto
	if len(p.SignMode) > 0 && string(p.SignMode) != "null" {
		var s string
		if json.Unmarshal(p.SignMode, &s) != nil {
			s = string(bytes.TrimSpace(p.SignMode)) // Lava's enum value
		}
		var err error
		if mode, err = ParseSignMode(s); err != nil {
			return nil, err
		}
	}
	nbits := int64(8)
	if p.NumWeightBits != nil {
		nbits = *p.NumWeightBits
	}
	if p.WeightExp < -31 || p.WeightExp > 31 {
		return nil, fmt.Errorf("weight_exp %d outside −31..31", p.WeightExp)
	}
	if err := tr.WeightsRaw.check("weights_raw", post, pre); err != nil {
		return nil, err
	}
	w, _, err := LavaWeights(tr.WeightsRaw.flat(), mode, int(nbits))
	if err != nil {
		return nil, err
	}
	if tr.WeightsEffective != nil {
		got := make([][]int64, post)
		for i := range got {
			got[i] = w[i*pre : (i+1)*pre]
		}
		if err := compareSeries("weights_effective", got, tr.WeightsEffective, res); err != nil {
			return nil, err
		}
	}
	return NewLavaDense(post, pre, w, int(p.WeightExp), p.NumMessageBits > 0), nil
}

func sizeOK(tr *Trace, n int) error {
	if int64(tr.T)*int64(max(n, 1)) > maxTraceValues {
		return fmt.Errorf("T×N = %d×%d is too large", tr.T, n)
	}
	return nil
}

// width is the row length of the first row of m, for traces that leave a
// size field out.
func width(m IntMatrix) int {
	if len(m) == 0 {
		return 0
	}
	return len(m[0])
}

func replayLavaLIF(tr *Trace, res *TraceResult) error {
	n := tr.N
	if n == 0 {
		n = width(tr.AIn)
	}
	if err := sizeOK(tr, n); err != nil {
		return err
	}
	l, err := lavaLIFFromTrace(tr.Params, "params", n)
	if err != nil {
		return err
	}
	if err := tr.AIn.check("a_in", tr.T, n); err != nil {
		return err
	}
	u, v, s := make([][]int64, tr.T), make([][]int64, tr.T), make([][]int64, tr.T)
	for t := 0; t < tr.T; t++ {
		s[t] = make([]int64, n)
		l.Step(tr.AIn[t], s[t])
		u[t], v[t] = append([]int64(nil), l.U...), append([]int64(nil), l.V...)
	}
	return compareAll(res, []series{{"u", u, tr.U}, {"v", v, tr.V}, {"s", s, tr.S}})
}

type series struct {
	name      string
	got, want [][]int64
}

// compareAll compares every recorded series; a trace must record at least
// one, or the replay would prove nothing.
func compareAll(res *TraceResult, ss []series) error {
	recorded := 0
	for _, s := range ss {
		if s.want == nil {
			continue
		}
		recorded++
		if err := compareSeries(s.name, s.got, s.want, res); err != nil {
			return err
		}
	}
	if recorded == 0 {
		return fmt.Errorf("the trace records no output to compare")
	}
	return nil
}

func replayLavaDense(tr *Trace, res *TraceResult) error {
	if tr.NIn == 0 {
		tr.NIn = width(tr.WeightsRaw)
	}
	if tr.NOut == 0 {
		tr.NOut = len(tr.WeightsRaw)
	}
	if err := sizeOK(tr, tr.NIn+tr.NOut); err != nil {
		return err
	}
	d, err := lavaDenseFromTrace(tr, tr.Params, "params", tr.NOut, tr.NIn, res)
	if err != nil {
		return err
	}
	if err := tr.SIn.check("s_in", tr.T, tr.NIn); err != nil {
		return err
	}
	a := make([][]int64, tr.T)
	for t := range a {
		a[t] = make([]int64, tr.NOut)
		d.Step(tr.SIn[t], a[t])
	}
	return compareAll(res, []series{{"a_out", a, tr.AOut}})
}

func replayLavaChain(tr *Trace, res *TraceResult) error {
	nOut := tr.NOut
	if nOut == 0 {
		nOut = tr.N
	}
	if nOut == 0 {
		nOut = len(tr.WeightsRaw)
	}
	if tr.NIn == 0 {
		tr.NIn = width(tr.WeightsRaw)
	}
	if err := sizeOK(tr, tr.NIn+nOut); err != nil {
		return err
	}
	d, err := lavaDenseFromTrace(tr, tr.DenseParams, "dense_params", nOut, tr.NIn, res)
	if err != nil {
		return err
	}
	l, err := lavaLIFFromTrace(tr.LIFParams, "lif_params", nOut)
	if err != nil {
		return err
	}
	if err := tr.SIn.check("s_in", tr.T, tr.NIn); err != nil {
		return err
	}
	a, u, v, s := make([][]int64, tr.T), make([][]int64, tr.T), make([][]int64, tr.T), make([][]int64, tr.T)
	for t := 0; t < tr.T; t++ {
		a[t], s[t] = make([]int64, nOut), make([]int64, nOut)
		d.Step(tr.SIn[t], a[t])
		l.Step(a[t], s[t])
		u[t], v[t] = append([]int64(nil), l.U...), append([]int64(nil), l.V...)
	}
	return compareAll(res, []series{{"a_in", a, tr.AIn}, {"u", u, tr.U}, {"v", v, tr.V}, {"s", s, tr.S}})
}

func replayXylo(tr *Trace, res *TraceResult) error {
	var spec XyloSpec
	if err := decodeParams(tr.Params, "params", &spec); err != nil {
		return err
	}
	var keys map[string]json.RawMessage
	if json.Unmarshal(tr.Params, &keys) == nil {
		if _, ok := keys["has_bias"]; !ok {
			// Rockpool derives the flag from the biases.
			for _, b := range append(append([]int64(nil), spec.Bias...), spec.BiasOut...) {
				spec.HasBias = spec.HasBias || b != 0
			}
		}
	}
	nIn, nHid, nOut := spec.Sizes()
	if (tr.NIn != 0 && tr.NIn != nIn) || (tr.NHid != 0 && tr.NHid != nHid) || (tr.NOut != 0 && tr.NOut != nOut) {
		return fmt.Errorf("N_in/N_hid/N_out = %d/%d/%d but params describe %d/%d/%d", tr.NIn, tr.NHid, tr.NOut, nIn, nHid, nOut)
	}
	if err := sizeOK(tr, nIn+3*nHid+2*nOut); err != nil {
		return err
	}
	x, err := NewXyloNet(&spec)
	if err != nil {
		return err
	}
	if err := tr.Input.check("input", tr.T, nIn); err != nil {
		return err
	}
	var got [7][][]int64
	for t := 0; t < tr.T; t++ {
		st := x.Step(tr.Input[t])
		for k, v := range [7][]int64{st.Isyn, st.Isyn2, st.Vmem, st.Spikes, st.IsynOut, st.VmemOut, st.SpikesOut} {
			got[k] = append(got[k], v)
		}
	}
	return compareAll(res, []series{
		{"Isyn", got[0], tr.Isyn}, {"Isyn2", got[1], tr.Isyn2}, {"Vmem", got[2], tr.Vmem}, {"Spikes", got[3], tr.Spikes},
		{"Isyn_out", got[4], tr.IsynOut}, {"Vmem_out", got[5], tr.VmemOut}, {"Spikes_out", got[6], tr.SpikesOut},
	})
}
