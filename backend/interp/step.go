package interp

import (
	"fmt"

	"github.com/snnc/snnc/ir"
)

// StepRun is what a Step runs over: T time steps of B batch entries of N
// neurons. Sequences are flat [T][B][N] in C order, index (t·B + b)·N + n;
// states are [B][N].
type StepRun struct {
	T, B, N int
	// Inputs holds a [T][B][N] sequence for every input of the step.
	Inputs map[string][]float64
	// Init holds the [B][N] initial value of states; a missing state starts
	// at its declared Init.
	Init map[string][]float64
	// Params holds parameter values, one shared value or one per neuron; a
	// missing parameter takes its declared default.
	Params map[string][]float64
	// Reverse runs time backwards, t = T-1 .. 0, as adjoint steps do.
	Reverse   bool
	Precision Precision
}

// StepResult is what a run produced.
type StepResult struct {
	Outputs map[string][]float64 // [T][B][N], every output of the step
	States  map[string][]float64 // [T][B][N], every state after each step
}

// RunStep evaluates s over time and returns its outputs and states.
//
// With T=1 it is one time step of a cell whose state the caller keeps, as
// Norse's cells do: Init is the state going in and States, then [1][B][N],
// is the state coming out, to pass as Init to the next call.
func RunStep(s *ir.Step, run *StepRun) (*StepResult, error) {
	if run.Precision == Float32 {
		return runStep[float32](s, run, nil)
	}
	return runStep[float64](s, run, nil)
}

// lanes is the data of one time step: a value per lane for every ir.Value.
type machine[F float] struct {
	s      *ir.Step
	run    *StepRun
	lanes  int
	index  map[*ir.Value]int // position in s.Values
	regs   [][]F             // per value, per lane
	params [][]F             // per param, per lane (expanded over the batch)
	consts []F
}

func newMachine[F float](s *ir.Step, run *StepRun) (*machine[F], error) {
	if err := ir.Verify(s); err != nil {
		return nil, err
	}
	if run.T < 0 || run.B < 0 || run.N < 0 {
		return nil, fmt.Errorf("interp: negative size T=%d B=%d N=%d", run.T, run.B, run.N)
	}
	lanes := run.B * run.N
	m := &machine[F]{s: s, run: run, lanes: lanes, index: map[*ir.Value]int{}}
	for k, v := range s.Values {
		m.index[v] = k
	}
	m.regs = make([][]F, len(s.Values))
	for k := range m.regs {
		m.regs[k] = make([]F, lanes)
	}
	for name, x := range run.Inputs {
		if s.InputIndex(name) < 0 {
			return nil, fmt.Errorf("interp: step %s has no input %q", s.Name, name)
		}
		if len(x) != run.T*lanes {
			return nil, fmt.Errorf("interp: input %s has %d values, want T·B·N = %d", name, len(x), run.T*lanes)
		}
	}
	for _, name := range s.Inputs {
		if _, ok := run.Inputs[name]; !ok {
			return nil, fmt.Errorf("interp: step %s: input %s not given", s.Name, name)
		}
	}
	for name, x := range run.Init {
		if s.StateIndex(name) < 0 {
			return nil, fmt.Errorf("interp: step %s has no state %q", s.Name, name)
		}
		if len(x) != lanes {
			return nil, fmt.Errorf("interp: initial state %s has %d values, want B·N = %d", name, len(x), lanes)
		}
	}
	m.params = make([][]F, len(s.Params))
	for k, p := range s.Params {
		vals, ok := run.Params[p.Name]
		if !ok {
			vals = []float64{p.Default}
		}
		if len(vals) != 1 && len(vals) != run.N {
			return nil, fmt.Errorf("interp: param %s has %d values, want 1 or N = %d", p.Name, len(vals), run.N)
		}
		lane := make([]F, lanes)
		for i := range lane {
			lane[i] = F(vals[min(i%max(run.N, 1), len(vals)-1)])
		}
		m.params[k] = lane
	}
	for name := range run.Params {
		if s.ParamIndex(name) < 0 {
			return nil, fmt.Errorf("interp: step %s has no param %q", s.Name, name)
		}
	}
	return m, nil
}

// step evaluates every value for time step t with the states in state
// (per state, per lane).
func (m *machine[F]) step(t int, state [][]F) {
	base := t * m.lanes
	args := make([][]F, 0, 3)
	for k, v := range m.s.Values {
		out := m.regs[k]
		switch v.Op {
		case ir.OpInput:
			x := m.run.Inputs[v.Name][base : base+m.lanes]
			for i := range out {
				out[i] = F(x[i])
			}
		case ir.OpState:
			copy(out, state[m.s.StateIndex(v.Name)])
		case ir.OpParam:
			copy(out, m.params[m.s.ParamIndex(v.Name)])
		case ir.OpConst:
			c := F(v.Const)
			for i := range out {
				out[i] = c
			}
		default:
			args = args[:0]
			for _, a := range v.Args {
				args = append(args, m.regs[m.index[a]])
			}
			eval(v, out, args)
		}
	}
}

func (m *machine[F]) initialState() [][]F {
	state := make([][]F, len(m.s.States))
	for k, st := range m.s.States {
		state[k] = make([]F, m.lanes)
		if x, ok := m.run.Init[st.Name]; ok {
			for i := range x {
				state[k][i] = F(x[i])
			}
		} else {
			for i := range state[k] {
				state[k][i] = F(st.Init)
			}
		}
	}
	return state
}

// runStep runs s forward (or backward in time if run.Reverse). If trace is
// not nil it receives, for each t, the states at the start of that step.
func runStep[F float](s *ir.Step, run *StepRun, trace func(t int, state [][]F)) (*StepResult, error) {
	m, err := newMachine[F](s, run)
	if err != nil {
		return nil, err
	}
	res := &StepResult{Outputs: map[string][]float64{}, States: map[string][]float64{}}
	for _, o := range s.Outputs {
		res.Outputs[o.Name] = make([]float64, run.T*m.lanes)
	}
	for _, st := range s.States {
		res.States[st.Name] = make([]float64, run.T*m.lanes)
	}
	state := m.initialState()
	for k := 0; k < run.T; k++ {
		t := k
		if run.Reverse {
			t = run.T - 1 - k
		}
		if trace != nil {
			trace(t, state)
		}
		m.step(t, state)
		base := t * m.lanes
		for _, o := range s.Outputs {
			dst := res.Outputs[o.Name][base : base+m.lanes]
			for i, x := range m.regs[m.index[o.Value]] {
				dst[i] = float64(x)
			}
		}
		for j, st := range s.States {
			next := m.regs[m.index[st.Next]]
			copy(state[j], next)
			dst := res.States[st.Name][base : base+m.lanes]
			for i, x := range next {
				dst[i] = float64(x)
			}
		}
	}
	return res, nil
}
