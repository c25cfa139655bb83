package interp

import (
	"fmt"

	"github.com/snnc/snnc/ir"
)

// StepGrads are the gradients of a loss with respect to a run's data.
type StepGrads struct {
	Inputs map[string][]float64 // [T][B][N] for every input
	Init   map[string][]float64 // [B][N] for every state's initial value
	// Params holds, for every parameter, as many values as the run used:
	// one for a shared parameter, N for a per-neuron one.
	Params map[string][]float64
}

// GradStep runs s forward and then backpropagates through time (BPTT): seed
// holds dL/d(output) as [T][B][N] for the outputs the loss depends on. It
// returns the forward result and the gradients of L.
//
// This is the oracle for gradients. It differentiates each op with its own
// numeric rule, independently of the symbolic rules in ir.GradRule that the
// autodiff pass uses, so the two check each other.
func GradStep(s *ir.Step, run *StepRun, seed map[string][]float64) (*StepResult, *StepGrads, error) {
	return GradStepFrom(s, run, seed, nil)
}

// GradStepFrom is GradStep for a loss that also depends on the final state:
// final holds dL/d(state after the last step) as [B][N] for those states.
// Running a long sequence in chunks, or a recurrent cell one step at a
// time, chains the chunks' gradients through it.
func GradStepFrom(s *ir.Step, run *StepRun, seed, final map[string][]float64) (*StepResult, *StepGrads, error) {
	if run.Reverse {
		return nil, nil, fmt.Errorf("interp: GradStep needs a forward run")
	}
	if run.Precision == Float32 {
		return gradStep[float32](s, run, seed, final)
	}
	return gradStep[float64](s, run, seed, final)
}

func gradStep[F float](s *ir.Step, run *StepRun, seed, final map[string][]float64) (*StepResult, *StepGrads, error) {
	// The forward pass keeps the state at the start of every step; the
	// backward pass recomputes each step's values from it.
	var pre [][][]F
	res, err := runStep(s, run, func(t int, state [][]F) {
		snap := make([][]F, len(state))
		for k := range state {
			snap[k] = append([]F(nil), state[k]...)
		}
		pre = append(pre, snap)
	})
	if err != nil {
		return nil, nil, err
	}
	m, err := newMachine[F](s, run)
	if err != nil {
		return nil, nil, err
	}
	for name, g := range seed {
		if s.OutputValue(name) == nil {
			return nil, nil, fmt.Errorf("interp: step %s has no output %q to seed", s.Name, name)
		}
		if len(g) != run.T*m.lanes {
			return nil, nil, fmt.Errorf("interp: seed %s has %d values, want T·B·N = %d", name, len(g), run.T*m.lanes)
		}
	}

	grads := &StepGrads{Inputs: map[string][]float64{}, Init: map[string][]float64{}, Params: map[string][]float64{}}
	for _, name := range s.Inputs {
		grads.Inputs[name] = make([]float64, run.T*m.lanes)
	}
	adj := make([][]F, len(s.Values))
	for k := range adj {
		adj[k] = make([]F, m.lanes)
	}
	carried := make([][]F, len(s.States)) // dL/d(state at the end of step t)
	for k, st := range s.States {
		carried[k] = make([]F, m.lanes)
		if g, ok := final[st.Name]; ok {
			if len(g) != m.lanes {
				return nil, nil, fmt.Errorf("interp: final-state seed %s has %d values, want B·N = %d", st.Name, len(g), m.lanes)
			}
			for i := range g {
				carried[k][i] = F(g[i])
			}
		}
	}
	for name := range final {
		if s.StateIndex(name) < 0 {
			return nil, nil, fmt.Errorf("interp: step %s has no state %q to seed", s.Name, name)
		}
	}
	paramGrad := make([][]float64, len(s.Params)) // per lane, summed over t
	for k := range paramGrad {
		paramGrad[k] = make([]float64, m.lanes)
	}

	for t := run.T - 1; t >= 0; t-- {
		m.step(t, pre[t])
		for k := range adj {
			clear(adj[k])
		}
		base := t * m.lanes
		for _, o := range s.Outputs {
			if g, ok := seed[o.Name]; ok {
				a := adj[m.index[o.Value]]
				for i := range a {
					a[i] += F(g[base+i])
				}
			}
		}
		for j, st := range s.States {
			a := adj[m.index[st.Next]]
			for i := range a {
				a[i] += carried[j][i]
			}
		}
		for k := len(s.Values) - 1; k >= 0; k-- {
			v := s.Values[k]
			switch v.Op {
			case ir.OpInput:
				dst := grads.Inputs[v.Name][base : base+m.lanes]
				for i, g := range adj[k] {
					dst[i] = float64(g)
				}
			case ir.OpState:
				copy(carried[s.StateIndex(v.Name)], adj[k])
			case ir.OpParam:
				dst := paramGrad[s.ParamIndex(v.Name)]
				for i, g := range adj[k] {
					dst[i] += float64(g)
				}
			case ir.OpConst:
			default:
				m.backprop(v, adj)
			}
		}
		// A state the step never reads gets no gradient from earlier steps.
		for j, st := range s.States {
			if s.Leaf(ir.OpState, st.Name) == nil {
				clear(carried[j])
			}
		}
	}

	for j, st := range s.States {
		grads.Init[st.Name] = toFloat64(carried[j])
	}
	for k, p := range s.Params {
		n := 1
		if vals, ok := run.Params[p.Name]; ok {
			n = len(vals)
		}
		g := make([]float64, n)
		for i, x := range paramGrad[k] {
			g[(i%max(run.N, 1))%n] += x
		}
		grads.Params[p.Name] = g
	}
	return res, grads, nil
}

// backprop adds v's contributions to its arguments' adjoints.
func (m *machine[F]) backprop(v *ir.Value, adj [][]F) {
	dy := adj[m.index[v]]
	y := m.regs[m.index[v]]
	var a, b, c, da, db, dc []F
	for k, arg := range v.Args {
		r, d := m.regs[m.index[arg]], adj[m.index[arg]]
		switch k {
		case 0:
			a, da = r, d
		case 1:
			b, db = r, d
		case 2:
			c, dc = r, d
		}
	}
	_ = c
	for i, g := range dy {
		if g == 0 {
			continue // also keeps 0·inf from turning into NaN where nothing flows
		}
		switch v.Op {
		case ir.OpAdd:
			da[i] += g
			db[i] += g
		case ir.OpSub:
			da[i] += g
			db[i] -= g
		case ir.OpMul:
			da[i] += g * b[i]
			db[i] += g * a[i]
		case ir.OpDiv:
			da[i] += g / b[i]
			db[i] -= g * y[i] / b[i]
		case ir.OpNeg:
			da[i] -= g
		case ir.OpFMA:
			da[i] += g * b[i]
			db[i] += g * a[i]
			dc[i] += g
		case ir.OpExp:
			da[i] += g * y[i]
		case ir.OpLog:
			da[i] += g / a[i]
		case ir.OpTanh:
			da[i] += g * (1 - y[i]*y[i])
		case ir.OpSqrt:
			da[i] += g / (2 * y[i])
		case ir.OpAbs:
			if a[i] > 0 {
				da[i] += g
			} else if a[i] < 0 {
				da[i] -= g
			}
		case ir.OpMin:
			if a[i] <= b[i] {
				da[i] += g
			} else {
				db[i] += g
			}
		case ir.OpMax:
			if a[i] >= b[i] {
				da[i] += g
			} else {
				db[i] += g
			}
		case ir.OpRelu:
			if a[i] > 0 {
				da[i] += g
			}
		case ir.OpSelect:
			if a[i] != 0 {
				db[i] += g
			} else {
				dc[i] += g
			}
		case ir.OpThreshold:
			da[i] += g * F(v.Method.Derivative(float64(a[i]), v.Const))
		case ir.OpCmp, ir.OpDetach:
		}
	}
}

func toFloat64[F float](x []F) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}
