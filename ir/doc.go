// Package ir holds snnc's intermediate representation.
//
// The Step level is the dynamics of one neuron for one time step, in SSA
// form over scalar lanes: every Value computes one number per neuron from
// its arguments. Leaves read the step's input (OpInput), the loop-carried
// state at the start of the step (OpState), parameters (OpParam, shared or
// one per neuron) and constants (OpConst). Each state variable names the
// value it holds at the end of the step (StateVar.Next); running a step over
// time feeds that value into the next step's state read.
//
// Every op has a derivative rule (GradRule). threshold(x, method, alpha) is
// the Heaviside step x > 0 forward and the named surrogate's derivative
// backward; detach passes its argument forward and no gradient backward.
// Reverse-mode autodiff of a step is therefore mechanical (see
// passes.BackwardStep), and backpropagation through time is the adjoint
// step run from the last time step to the first.
//
// A worked example, LIF box with Norse's defaults, as Print writes it:
//
//	step lif_box {
//	  input x
//	  state v = 0
//	  param v_leak = 0
//	  param tau_mem_inv = 100
//	  param v_th = 1
//	  param v_reset = 0
//	  v1 = input x
//	  v2 = state v
//	  v3 = param v_leak
//	  v4 = add v1 v3            # x + v_leak
//	  v5 = sub v4 v2            # − v
//	  v6 = param tau_mem_inv
//	  v7 = const 0.001          # dt
//	  v8 = mul v7 v6
//	  v9 = mul v8 v5
//	  v10 = add v2 v9           # v_dec = v + dt·tau_mem_inv·(x + v_leak − v)
//	  v11 = param v_th
//	  v12 = sub v10 v11
//	  v13 = threshold super 100 v12   # z = Θ(v_dec − v_th)
//	  v14 = param v_reset
//	  v15 = const 1
//	  v16 = sub v15 v13
//	  v17 = mul v16 v10
//	  v18 = mul v13 v14
//	  v19 = add v17 v18         # (1 − z)·v_dec + z·v_reset
//	  output z = v13
//	  next v = v19
//	}
//
// The text form: a header "step NAME {", then declarations (input NAME,
// state NAME = INIT, param NAME = DEFAULT [per_neuron]), then one value per
// line "vN = OP [attributes] ARGS" with arguments defined on earlier lines,
// then "output NAME = vN" and "next STATE = vN", then "}". "#" starts a
// comment. Numbers are printed as the shortest decimal that reads back to
// the same float64, so ParseStep(s.String()) reproduces s exactly.
//
// Verify checks the invariants every pass and backend relies on and names
// the offending value by its definition, as in
// "ir: step s: v3 = add v1: add takes 2 arguments, got 1".
//
// The Graph level (tensors over time, layers and neurons) builds on Steps:
// a neuron op applies a Step elementwise over a [T][B][features] sequence.
package ir
