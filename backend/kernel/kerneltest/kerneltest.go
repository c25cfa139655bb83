// Package kerneltest builds kernel descriptions for the tests of the
// backends (backend/amd64, backend/arm64): one step's kernel over n lanes
// with a plain Go signature, so that each backend's tests can emit it,
// call it from Go and compare it with the interpreter. It is imported by
// tests only.
package kerneltest

import (
	"fmt"

	"github.com/snnc/snnc/backend/kernel"
	"github.com/snnc/snnc/ir"
)

// Forward describes step s's forward kernel over n lanes with the plain Go
// signature (T, B int, x0.., y, s0.., p0.. []float32): per-neuron params
// read per lane, shared ones from their slice's first element; y is output
// 0 per lane and step.
func Forward(name string, s *ir.Step, n int) *kernel.Kernel {
	k := &kernel.Kernel{Name: name, Step: s, N: n, Leaves: map[*ir.Value]kernel.Source{}}
	for i := range s.Inputs {
		k.Args = append(k.Args, fmt.Sprintf("x%d", i))
	}
	k.Args = append(k.Args, "y")
	for i, st := range s.States {
		k.Args = append(k.Args, fmt.Sprintf("s%d", i))
		k.States = append(k.States, kernel.State{Arg: fmt.Sprintf("s%d", i), Next: st.Next})
	}
	for i := range s.Params {
		k.Args = append(k.Args, fmt.Sprintf("p%d", i))
	}
	for _, v := range s.Values {
		switch v.Op {
		case ir.OpInput:
			k.Leaves[v] = kernel.Source{Kind: kernel.FromSeq, Arg: fmt.Sprintf("x%d", s.InputIndex(v.Name))}
		case ir.OpState:
			k.Leaves[v] = kernel.Source{Kind: kernel.FromState, State: s.StateIndex(v.Name)}
		case ir.OpParam:
			i := s.ParamIndex(v.Name)
			kind := kernel.FromShared
			if s.Params[i].PerNeuron {
				kind = kernel.FromPerNeuron
			}
			k.Leaves[v] = kernel.Source{Kind: kind, Arg: fmt.Sprintf("p%d", i)}
		case ir.OpConst:
			k.Leaves[v] = kernel.Source{Kind: kernel.FromConst, Const: v.Const}
		}
	}
	k.Sinks = []kernel.Sink{{Kind: kernel.ToSeq, Arg: "y", Value: s.Outputs[0].Value}}
	return k
}

// Reverse is Forward run backwards in time, with a sink of every other
// kind after its arguments: dx += output 0 per lane and step, dp[n] +=
// output 0 over steps and batch entries, ds[0] += state 0's next value
// (output 0 if there is no state) over everything.
func Reverse(name string, s *ir.Step, n int) *kernel.Kernel {
	k := Forward(name, s, n)
	k.Reverse = true
	k.Args = append(k.Args, "dx", "dp", "ds")
	shared := s.Outputs[0].Value
	if len(s.States) > 0 {
		shared = s.States[0].Next
	}
	k.Sinks = append(k.Sinks,
		kernel.Sink{Kind: kernel.AddToSeq, Arg: "dx", Value: s.Outputs[0].Value},
		kernel.Sink{Kind: kernel.AddToPerNeuron, Arg: "dp", Value: s.Outputs[0].Value},
		kernel.Sink{Kind: kernel.AddToShared, Arg: "ds", Value: shared})
	return k
}

// Epilogue is Forward computing input 0 itself as xin·wTᵀ + bias, with the
// arguments xin [T][B][in], wT [in][n] and bias [n] (or nil) after
// Forward's.
func Epilogue(name string, s *ir.Step, n, in int) *kernel.Kernel {
	k := Forward(name, s, n)
	k.Args = append(k.Args, "xin", "wT", "bias")
	ep := &kernel.Epilogue{X: "xin", WT: "wT", Bias: "bias", In: in, Input: s.Leaf(ir.OpInput, s.Inputs[0])}
	delete(k.Leaves, ep.Input)
	k.Epilogue = ep
	return k
}

// EveryOp is a step that uses every op the backends lower, each on values
// that reach both signs, zero and the state.
func EveryOp() *ir.Step {
	s := ir.NewStep("every_op")
	x := s.Input("x")
	st := s.State("s", 0.5)
	p := s.PerNeuronParam("p", 0.25)
	q := s.Param("q", -1.5)
	c := s.Const(0.75)
	a := s.Add(x, st)
	b := s.Sub(c, s.Mul(a, p))
	d := s.Div(b, s.Add(s.Abs(x), c))
	e := s.FMA(d, q, s.Neg(a))
	m := s.Max(s.Min(e, b), s.Neg(c))
	r := s.Relu(s.Sub(m, s.Detach(d)))
	sq := s.Sqrt(s.Abs(e))
	ex := s.Exp(s.Min(a, s.Const(3)))
	var cmps *ir.Value = s.Const(0)
	for k, pr := range []ir.Pred{ir.PredGT, ir.PredGE, ir.PredLT, ir.PredLE, ir.PredEQ, ir.PredNE} {
		// Weights 1, 2, 4, ... keep every comparison visible in the sum;
		// x against c is often an exact tie (see the test's inputs).
		cmps = s.Add(cmps, s.Mul(s.Cmp(pr, r, sq), s.Const(float64(int(1)<<k))))
		cmps = s.Add(cmps, s.Mul(s.Cmp(pr, x, c), s.Const(float64(int(1)<<(k+6)))))
	}
	sel := s.Select(s.Cmp(ir.PredGT, x, c), ex, cmps)
	z := s.Threshold(s.Sub(sel, s.Const(1)), ir.Super, 100)
	// The signs of zeros: 1/min(x, −x), 1/max(x, −x) and 1/relu(x) are
	// ±Inf when x is ±0.
	one := s.Const(1)
	signs := s.Add(s.Div(one, s.Min(x, s.Neg(x))), s.Div(one, s.Max(x, s.Neg(x))))
	signs = s.Add(signs, s.Div(one, s.Relu(x)))
	s.Output("z", s.Add(s.Add(z, s.Mul(sel, s.Const(0.001))), signs))
	s.SetNext(st, s.Sub(sel, s.Mul(z, sel)))
	return s
}
