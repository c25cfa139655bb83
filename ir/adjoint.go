package ir

// Names of the declarations of an adjoint step, the step that reverse-mode
// autodiff derives from a forward step (passes.BackwardStep) and that
// backends run from t = T-1 down to 0. An output, state, input or parameter
// may share a name in the forward step (LI's output and state are both
// "v"), so each kind has its own prefix.
const (
	GradOutput = "grad.out."   // input: dL/d(output o) at step t
	GradState  = "grad.state." // state: dL/d(state s), carried backwards in time
	GradInput  = "grad.in."    // output: dL/d(input x) at step t
	GradParam  = "grad.param." // output: step t's contribution to dL/d(param p)
)
