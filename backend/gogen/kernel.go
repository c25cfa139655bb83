package gogen

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/snnc/snnc/ir"
)

// A paramSource says where a kernel reads one step parameter from.
type paramSource int

const (
	paramConst     paramSource = iota // unbound: the step's default, a constant
	paramShared                       // bound to a graph param of one value
	paramPerNeuron                    // bound to a graph param of one value per neuron
)

// stepKernel is the plan for the fused kernels of one neuron layer: the
// forward step over the whole sequence, and for training the reverse-time
// adjoint step.
type stepKernel struct {
	fn      string // Go name stem, e.g. "lif1"
	step    *ir.Step
	adjoint *ir.Step // nil unless training
	n       int      // neurons per batch entry
	params  []paramSource
	// saved lists the forward states the adjoint step reads: the forward
	// kernel writes only these to the tape.
	saved []int
}

// live returns the values of s that reach the wanted outputs or the next
// value of a live state, with states live when their value is read by a
// live value. wantState forces states live (the forward kernel keeps all
// of them, since they are the layer's state).
func live(s *ir.Step, wantOut func(k int) bool, wantState bool) map[*ir.Value]bool {
	l := map[*ir.Value]bool{}
	var mark func(v *ir.Value)
	mark = func(v *ir.Value) {
		if l[v] {
			return
		}
		l[v] = true
		for _, a := range v.Args {
			mark(a)
		}
	}
	for k, o := range s.Outputs {
		if wantOut(k) {
			mark(o.Value)
		}
	}
	for changed := true; changed; {
		changed = false
		for _, st := range s.States {
			read := s.Leaf(ir.OpState, st.Name)
			if (wantState || (read != nil && l[read])) && !l[st.Next] {
				mark(st.Next)
				changed = true
			}
		}
	}
	return l
}

// stateLive reports whether state k of s is carried by the kernel.
func stateLive(s *ir.Step, l map[*ir.Value]bool, k int) bool {
	st := s.States[k]
	read := s.Leaf(ir.OpState, st.Name)
	return l[st.Next] || (read != nil && l[read])
}

// f32 formats c rounded to float32 as a Go constant expression.
func f32(c float64) string {
	f := float32(c)
	switch {
	case math.IsNaN(float64(f)):
		return "float32(math.NaN())"
	case math.IsInf(float64(f), 1):
		return "float32(math.Inf(1))"
	case math.IsInf(float64(f), -1):
		return "float32(math.Inf(-1))"
	case f == 0 && math.Signbit(float64(f)):
		return "float32(math.Copysign(0, -1))"
	}
	return "float32(" + strconv.FormatFloat(float64(f), 'g', -1, 32) + ")"
}

var goPred = map[ir.Pred]string{
	ir.PredGT: ">", ir.PredGE: ">=", ir.PredLT: "<", ir.PredLE: "<=", ir.PredEQ: "==", ir.PredNE: "!=",
}

// expr is the Go expression of a non-leaf value given its arguments' names.
// Products are converted to float32 explicitly: the Go spec lets a compiler
// fuse x*y + z unless the product is explicitly rounded, and the
// interpreter's float32 mode (the oracle) never fuses what the IR does not.
func expr(v *ir.Value, a []string) (string, error) {
	call := func(f string) string { return "float32(math." + f + "(float64(" + a[0] + ")))" }
	switch v.Op {
	case ir.OpAdd:
		return a[0] + " + " + a[1], nil
	case ir.OpSub:
		return a[0] + " - " + a[1], nil
	case ir.OpMul:
		return "float32(" + a[0] + " * " + a[1] + ")", nil
	case ir.OpDiv:
		return a[0] + " / " + a[1], nil
	case ir.OpNeg:
		return "-" + a[0], nil
	case ir.OpFMA:
		return "fma32(" + a[0] + ", " + a[1] + ", " + a[2] + ")", nil
	case ir.OpExp:
		return "exp32(" + a[0] + ")", nil
	case ir.OpLog:
		return call("Log"), nil
	case ir.OpTanh:
		return call("Tanh"), nil
	case ir.OpSqrt:
		return call("Sqrt"), nil
	case ir.OpAbs:
		return call("Abs"), nil
	case ir.OpMin:
		return "min(" + a[0] + ", " + a[1] + ")", nil
	case ir.OpMax:
		return "max(" + a[0] + ", " + a[1] + ")", nil
	case ir.OpRelu:
		return "max(" + a[0] + ", 0)", nil
	case ir.OpCmp:
		op, ok := goPred[v.Pred]
		if !ok {
			return "", fmt.Errorf("%s: unknown predicate", v.LongString())
		}
		return "b2f(" + a[0] + " " + op + " " + a[1] + ")", nil
	case ir.OpSelect:
		return "sel(" + a[0] + ", " + a[1] + ", " + a[2] + ")", nil
	case ir.OpDetach:
		return a[0], nil
	case ir.OpThreshold:
		return "b2f(" + a[0] + " > 0)", nil
	}
	return "", fmt.Errorf("%s: no Go form", v.LongString())
}

// body writes the statements of one step evaluation for lane n: leaf reads
// through read, then every live value in IR order.
func body(w *strings.Builder, s *ir.Step, l map[*ir.Value]bool, read func(v *ir.Value) string, indent string) error {
	for _, v := range s.Values {
		if !l[v] {
			continue
		}
		var e string
		if v.Op.IsLeaf() {
			e = read(v)
		} else {
			args := make([]string, len(v.Args))
			for k, a := range v.Args {
				args[k] = a.String()
			}
			var err error
			if e, err = expr(v, args); err != nil {
				return fmt.Errorf("step %s: %w", s.Name, err)
			}
		}
		fmt.Fprintf(w, "%s%s := %s\n", indent, v, e)
	}
	return nil
}

// paramRead returns the expression a kernel reads param p (index k) with.
func (k *stepKernel) paramRead(s *ir.Step, v *ir.Value) string {
	i := s.ParamIndex(v.Name)
	p := s.Params[i]
	switch k.params[k.step.ParamIndex(p.Name)] {
	case paramShared:
		return "p" + strconv.Itoa(k.step.ParamIndex(p.Name)) + "[0]"
	case paramPerNeuron:
		return "p" + strconv.Itoa(k.step.ParamIndex(p.Name)) + "[n]"
	}
	return f32(p.Default)
}

// paramArgs is the parameter list of bound params, "p0, p3 []float32".
func (k *stepKernel) paramArgs(grad bool) string {
	var ps []string
	for i, src := range k.params {
		if src != paramConst {
			ps = append(ps, "p"+strconv.Itoa(i))
			if grad {
				ps = append(ps, "dp"+strconv.Itoa(i))
			}
		}
	}
	if len(ps) == 0 {
		return ""
	}
	return ", " + strings.Join(ps, ", ") + " []float32"
}

// forward emits the forward kernel: every time step of the sequence for a
// tile of neurons at a time, so that the tile's states stay in L1 for the
// whole sequence (read once and written once per call).
func (k *stepKernel) forward(w *strings.Builder) error {
	s := k.step
	fmt.Fprintf(w, "// %sForward runs the %s neurons (%d per batch entry) over T time steps\n", k.fn, s.Name, k.n)
	fmt.Fprintf(w, "// of B batch entries. Inputs %s and output y are [T][B][%d]; the\n", strings.Join(s.Inputs, ", "), k.n)
	fmt.Fprintf(w, "// states (%s) are [B][%d], read at the start and updated in place.\n", stateNames(s), k.n)
	if len(k.saved) > 0 {
		fmt.Fprintf(w, "// Unless nil, the tape slices receive the states the backward kernel\n// needs, as they were at the start of each step, [T][B][%d].\n", k.n)
	}
	fmt.Fprintf(w, "func %sForward%s {\n", k.fn, k.forwardSig())
	fmt.Fprintf(w, "\tconst N = %d\n", k.n)
	w.WriteString("\tfor b := 0; b < B; b++ {\n\t\tfor n0 := 0; n0 < N; n0 += laneTile {\n\t\t\tn1 := min(n0+laneTile, N)\n")
	w.WriteString("\t\t\tfor t := 0; t < T; t++ {\n\t\t\t\trow := (t*B + b) * N\n\t\t\t\tfor n := n0; n < n1; n++ {\n")
	if err := k.lane(w, func(i int) string { return "x" + strconv.Itoa(i) + "[row+n]" }); err != nil {
		return err
	}
	w.WriteString("\t\t\t\t}\n\t\t\t}\n\t\t}\n\t}\n}\n\n")
	return nil
}

// epilogueForward emits the forward kernel fused with the product feeding
// its one input (fuse-linear-epilogue): per tile of neurons and time step,
// the tile's currents are computed into a local array, in the product's
// order (bias, then one fused multiply-add per input in order), and the
// neurons step on them at once.
func (k *stepKernel) epilogueForward(w *strings.Builder, in int) error {
	fmt.Fprintf(w, "// %sLinearForward is %sForward with its input computed in place: x0 =\n", k.fn, k.fn)
	fmt.Fprintf(w, "// xin·wᵀ + bias, xin [T][B][%d], wT the [%d][%d] transposed weights, bias\n// optional. The currents never leave the tile.\n", in, in, k.n)
	fmt.Fprintf(w, "func %sLinearForward%s {\n", k.fn, k.epilogueSig())
	fmt.Fprintf(w, "\tconst N, In = %d, %d\n\tvar cur [laneTile]float32\n", k.n, in)
	w.WriteString("\tfor b := 0; b < B; b++ {\n\t\tfor n0 := 0; n0 < N; n0 += laneTile {\n\t\t\tn1 := min(n0+laneTile, N)\n\t\t\tc := cur[:n1-n0]\n")
	w.WriteString("\t\t\tfor t := 0; t < T; t++ {\n\t\t\t\trow := (t*B + b) * N\n")
	w.WriteString("\t\t\t\tif bias != nil {\n\t\t\t\t\tcopy(c, bias[n0:n1])\n\t\t\t\t} else {\n\t\t\t\t\tclear(c)\n\t\t\t\t}\n")
	w.WriteString("\t\t\t\tfor i, xi := range xin[(t*B+b)*In : (t*B+b+1)*In] {\n\t\t\t\t\tmaddRow(c, wT[i*N+n0:i*N+n1], xi)\n\t\t\t\t}\n")
	w.WriteString("\t\t\t\tfor n := n0; n < n1; n++ {\n")
	if err := k.lane(w, func(int) string { return "c[n-n0]" }); err != nil {
		return err
	}
	w.WriteString("\t\t\t\t}\n\t\t\t}\n\t\t}\n\t}\n}\n\n")
	return nil
}

// lane writes one neuron's step at (t, b, n): the live values, the tape,
// the output and the next states. input(i) reads step input i.
func (k *stepKernel) lane(w *strings.Builder, input func(i int) string) error {
	s := k.step
	l := live(s, func(o int) bool { return o == 0 }, true)
	const ind = "\t\t\t\t\t"
	read := func(v *ir.Value) string {
		switch v.Op {
		case ir.OpInput:
			return input(s.InputIndex(v.Name))
		case ir.OpState:
			return "s" + strconv.Itoa(s.StateIndex(v.Name)) + "[b*N+n]"
		case ir.OpParam:
			return k.paramRead(s, v)
		}
		return f32(v.Const)
	}
	if err := body(w, s, l, read, ind); err != nil {
		return err
	}
	for _, i := range k.saved {
		st := s.Leaf(ir.OpState, s.States[i].Name)
		val := "s" + strconv.Itoa(i) + "[b*N+n]"
		if st != nil && l[st] {
			val = st.String()
		}
		fmt.Fprintf(w, "%sif tape%d != nil {\n%s\ttape%d[row+n] = %s\n%s}\n", ind, i, ind, i, val, ind)
	}
	fmt.Fprintf(w, "%sy[row+n] = %s\n", ind, s.Outputs[0].Value)
	for i, st := range s.States {
		if stateLive(s, l, i) {
			fmt.Fprintf(w, "%ss%d[b*N+n] = %s\n", ind, i, st.Next)
		}
	}
	return nil
}

// backward emits the reverse-time kernel of the adjoint step: for each
// tile, t = T-1 down to 0, it recomputes what the surrogate derivatives
// need from the saved states and the inputs, carries the state adjoints in
// gs (zeroed by the caller), adds the input gradients into dx and the bound
// parameters' gradients into dp.
func (k *stepKernel) backward(w *strings.Builder) error {
	a, s := k.adjoint, k.step
	wantOut := func(o int) bool {
		name := a.Outputs[o].Name
		if strings.HasPrefix(name, ir.GradInput) {
			return true
		}
		p := s.ParamIndex(strings.TrimPrefix(name, ir.GradParam))
		return p >= 0 && k.params[p] != paramConst
	}
	l := live(a, wantOut, false)
	fmt.Fprintf(w, "// %sBackward is the reverse-time adjoint of %sForward: given dy, the\n", k.fn, k.fn)
	fmt.Fprintf(w, "// loss gradient of y [T][B][%d], it adds the gradients of the inputs to\n", k.n)
	w.WriteString("// dx and of the bound parameters to dp. gs holds the state adjoints,\n// [B][N], zero before the last step.\n")
	fmt.Fprintf(w, "func %sBackward%s {\n", k.fn, k.backwardSig())
	fmt.Fprintf(w, "\tconst N = %d\n", k.n)
	w.WriteString("\tfor b := 0; b < B; b++ {\n\t\tfor n0 := 0; n0 < N; n0 += laneTile {\n\t\t\tn1 := min(n0+laneTile, N)\n")
	w.WriteString("\t\t\tfor t := T - 1; t >= 0; t-- {\n\t\t\t\trow := (t*B + b) * N\n\t\t\t\tfor n := n0; n < n1; n++ {\n")
	ind := "\t\t\t\t\t"
	nIn := len(s.Inputs)
	read := func(v *ir.Value) string {
		switch v.Op {
		case ir.OpInput:
			i := a.InputIndex(v.Name)
			switch {
			case i < nIn:
				return "x" + strconv.Itoa(i) + "[row+n]"
			case i < nIn+len(s.States):
				return "tape" + strconv.Itoa(i-nIn) + "[row+n]"
			case i == nIn+len(s.States):
				return "dy[row+n]" // the gradient of output 0
			}
			return "0" // outputs other than the layer's value have no gradient
		case ir.OpState:
			return "gs" + strconv.Itoa(a.StateIndex(v.Name)) + "[b*N+n]"
		case ir.OpParam:
			return k.paramRead(a, v)
		}
		return f32(v.Const)
	}
	if err := body(w, a, l, read, ind); err != nil {
		return err
	}
	for j, o := range a.Outputs {
		if !wantOut(j) {
			continue
		}
		if x, ok := strings.CutPrefix(o.Name, ir.GradInput); ok {
			fmt.Fprintf(w, "%sdx%d[row+n] += %s\n", ind, s.InputIndex(x), o.Value)
			continue
		}
		p := s.ParamIndex(strings.TrimPrefix(o.Name, ir.GradParam))
		idx := "[n]"
		if k.params[p] == paramShared {
			idx = "[0]"
		}
		fmt.Fprintf(w, "%sdp%d%s += %s\n", ind, p, idx, o.Value)
	}
	for i, st := range a.States {
		if stateLive(a, l, i) {
			fmt.Fprintf(w, "%sgs%d[b*N+n] = %s\n", ind, i, st.Next)
		}
	}
	w.WriteString("\t\t\t\t}\n\t\t\t}\n\t\t}\n\t}\n}\n\n")
	return nil
}

// forwardSig is the forward kernel's signature: inputs x0.., output y,
// states s0.., tape slices of the saved states, bound params p0...
func (k *stepKernel) forwardSig() string {
	var a []string
	for i := range k.step.Inputs {
		a = append(a, "x"+strconv.Itoa(i))
	}
	a = append(a, "y")
	for i := range k.step.States {
		a = append(a, "s"+strconv.Itoa(i))
	}
	for _, i := range k.saved {
		a = append(a, "tape"+strconv.Itoa(i))
	}
	return "(T, B int, " + strings.Join(a, ", ") + " []float32" + k.paramArgs(false) + ")"
}

// epilogueSig is the signature of the kernel fused with its input product:
// the product's input, transposed weights and bias replace x0.
func (k *stepKernel) epilogueSig() string {
	return strings.Replace(k.forwardSig(), "x0,", "xin, wT, bias,", 1)
}

// backwardSig is the backward kernel's signature: forward inputs x0..,
// tapes, the output gradient dy, input gradients dx0.., state adjoints
// gs0.., then bound params and their gradients p0, dp0...
func (k *stepKernel) backwardSig() string {
	var a []string
	for i := range k.step.Inputs {
		a = append(a, "x"+strconv.Itoa(i))
	}
	for _, i := range k.saved {
		a = append(a, "tape"+strconv.Itoa(i))
	}
	a = append(a, "dy")
	for i := range k.step.Inputs {
		a = append(a, "dx"+strconv.Itoa(i))
	}
	for i := range k.step.States {
		a = append(a, "gs"+strconv.Itoa(i))
	}
	return "(T, B int, " + strings.Join(a, ", ") + " []float32" + k.paramArgs(true) + ")"
}

func stateNames(s *ir.Step) string {
	names := make([]string, len(s.States))
	for i, st := range s.States {
		names[i] = "s" + strconv.Itoa(i) + " = " + st.Name
	}
	return strings.Join(names, ", ")
}
