package interp

import (
	"fmt"

	"github.com/snnc/snnc/ir"
)

// RunAdjoint computes the gradients of a forward run by running bwd, the
// adjoint step of fwd (see passes.BackwardStep and the names in ir), from
// t = T-1 down to 0. fwdRes is the forward result of run; seed holds
// dL/d(output) as in GradStep. It gives the same gradients as GradStep,
// which differentiates fwd directly.
func RunAdjoint(fwd, bwd *ir.Step, run *StepRun, fwdRes *StepResult, seed map[string][]float64) (*StepGrads, error) {
	lanes := run.B * run.N
	size := run.T * lanes
	adjRun := &StepRun{
		T: run.T, B: run.B, N: run.N, Reverse: true, Precision: run.Precision,
		Inputs: map[string][]float64{}, Params: run.Params,
	}
	for _, name := range fwd.Inputs {
		adjRun.Inputs[name] = run.Inputs[name]
	}
	// The state at the start of step t is the initial state for t = 0 and
	// the state after step t-1 otherwise.
	for _, st := range fwd.States {
		pre := make([]float64, size)
		traj, ok := fwdRes.States[st.Name]
		if !ok || len(traj) != size {
			return nil, fmt.Errorf("interp: forward result lacks state %s", st.Name)
		}
		if init, ok := run.Init[st.Name]; ok {
			copy(pre, init)
		} else {
			for i := 0; i < lanes; i++ {
				pre[i] = st.Init
			}
		}
		if size > 0 {
			copy(pre[lanes:], traj[:size-lanes])
		}
		adjRun.Inputs[st.Name] = pre
	}
	for _, o := range fwd.Outputs {
		g, ok := seed[o.Name]
		if !ok {
			g = make([]float64, size)
		}
		adjRun.Inputs[ir.GradOutput+o.Name] = g
	}
	res, err := RunStep(bwd, adjRun)
	if err != nil {
		return nil, err
	}

	grads := &StepGrads{Inputs: map[string][]float64{}, Init: map[string][]float64{}, Params: map[string][]float64{}}
	for _, name := range fwd.Inputs {
		grads.Inputs[name] = res.Outputs[ir.GradInput+name]
	}
	for _, st := range fwd.States {
		// The adjoint state after the step for t = 0 is dL/d(initial state).
		g := make([]float64, lanes)
		if traj := res.States[ir.GradState+st.Name]; len(traj) >= lanes {
			copy(g, traj[:lanes])
		}
		grads.Init[st.Name] = g
	}
	for _, p := range fwd.Params {
		n := 1
		if vals, ok := run.Params[p.Name]; ok {
			n = len(vals)
		}
		g := make([]float64, n)
		for i, x := range res.Outputs[ir.GradParam+p.Name] {
			g[(i%max(run.N, 1))%n] += x
		}
		grads.Params[p.Name] = g
	}
	return grads, nil
}
