package gogen

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/snnc/snnc/backend/kernel"
	"github.com/snnc/snnc/ir"
)

// asmKernel is one neuron kernel an assembly backend may replace: the
// kernel table field it fills and its description.
type asmKernel struct {
	field string
	k     *kernel.Kernel
}

// asmKernels lists the neuron kernels of the package as descriptions for
// an assembly backend: kernel names get suffix ("AVX2", "NEON"), docs name
// isa.
func (gen *generator) asmKernels(suffix, isa string) []asmKernel {
	var out []asmKernel
	for _, n := range gen.sortedNeurons() {
		k := gen.neuron[n]
		out = append(out, asmKernel{k.fn + "Forward", k.forwardKernel(suffix, isa, nil)})
		if lin := gen.epilogueOf(n); lin != nil {
			ep := &kernel.Epilogue{X: "xin", WT: "wT", Bias: "bias", In: lin.Args[0].Type.Size()}
			out = append(out, asmKernel{k.fn + "LinearForward", k.forwardKernel(suffix, isa, ep)})
		}
		if k.adjoint != nil {
			out = append(out, asmKernel{k.fn + "Backward", k.backwardKernel(suffix, isa)})
		}
	}
	return out
}

// lowerAll emits every kernel of ks with emit and returns the table of
// those emitted (field → assembly function). A kernel the backend reports
// as unsupported (errors.Is(err, unsupported)) keeps its plain-Go
// function; other errors stop.
func lowerAll(ks []asmKernel, emit func(*kernel.Kernel) error, unsupported error, table map[string]string) error {
	for _, a := range ks {
		err := emit(a.k)
		switch {
		case err == nil:
			table[a.field] = a.k.Name
		case !errors.Is(err, unsupported):
			return err
		}
	}
	return nil
}

// backwardProducts are the kernel table's backward products of a training
// package, which the assembly backends emit (the signature of linear; see
// backend/gogen/rt/linear.go).
var backwardProducts = []string{"linearAdd", "linearAddXT", "outerSpikes"}

// listKernels are the kernel table's kernels of the products from spike
// lists (listInput); the last only in training packages.
var listKernels = []string{"spikeLists", "spikeListsBits", "spikeTile", "spikeColumnsOuter"}

// tableFields lists the kernel table's fields in order: the products, then
// each neuron layer's kernels.
func (gen *generator) tableFields() []string {
	fields := []string{"linear", "linearSpikes"}
	if gen.input.Spikes {
		fields = append(fields, "firstNonSpike")
	}
	if gen.listInput() {
		fields = append(fields, listKernels[:3]...)
		if gen.opt.Train {
			fields = append(fields, listKernels[3])
		}
	}
	if gen.opt.Train {
		fields = append(fields, backwardProducts...)
		fields = append(fields, "linearBackward", "adamUpdate")
	}
	for _, n := range gen.sortedNeurons() {
		k := gen.neuron[n]
		fields = append(fields, k.fn+"Forward")
		if gen.epilogueOf(n) != nil {
			fields = append(fields, k.fn+"LinearForward")
		}
		if k.adjoint != nil {
			fields = append(fields, k.fn+"Backward")
		}
	}
	return fields
}

// writeTable writes the kernels variable v of the implementation called
// name: its CPU requirements (cpuid constant names) and, per field, the
// function of table or else the plain-Go function of the field's name.
func (gen *generator) writeTable(w *src, v, name string, requires []string, table map[string]string) {
	w.f("var %s = kernels{\n\tname: %q,\n", v, name)
	if len(requires) > 0 {
		req := make([]string, len(requires))
		for i, r := range requires {
			req[i] = "cpuid." + r
		}
		w.f("\trequires: []cpuid.FeatureID{%s},\n", strings.Join(req, ", "))
	}
	for _, field := range gen.tableFields() {
		fn := field
		if asmFn, ok := table[field]; ok {
			fn = asmFn
		}
		w.f("\t%s: %s,\n", field, fn)
	}
	w.f("}\n\n")
}

// forwardKernel describes the forward kernel (with ep, the one fused with
// its input product) for an assembly backend: the same Go signature as the
// plain-Go kernel, under that kernel's name plus suffix ("AVX2", "NEON").
// isa names the instruction set in the doc comment.
func (k *stepKernel) forwardKernel(suffix, isa string, ep *kernel.Epilogue) *kernel.Kernel {
	s := k.step
	name, sig := k.fn+"Forward", k.forwardSig()
	if ep != nil {
		name, sig = k.fn+"LinearForward", k.epilogueSig()
	}
	ak := &kernel.Kernel{
		Name: name + suffix, Args: sigArgs(sig), Step: s, N: k.n, Loop: kernel.LoopFor(k.n),
		Doc:    fmt.Sprintf("%s%s is %s in %s.", name, suffix, name, isa),
		Leaves: map[*ir.Value]kernel.Source{}, Epilogue: ep,
	}
	for _, v := range s.Values {
		switch v.Op {
		case ir.OpInput:
			i := s.InputIndex(v.Name)
			ak.Leaves[v] = kernel.Source{Kind: kernel.FromSeq, Arg: "x" + strconv.Itoa(i)}
			if ep != nil && i == 0 {
				ep.Input = v
				delete(ak.Leaves, v)
			}
		case ir.OpState:
			ak.Leaves[v] = kernel.Source{Kind: kernel.FromState, State: s.StateIndex(v.Name)}
		case ir.OpParam:
			ak.Leaves[v] = k.paramSource(s, v)
		case ir.OpConst:
			ak.Leaves[v] = kernel.Source{Kind: kernel.FromConst, Const: v.Const}
		}
	}
	for i, st := range s.States {
		ak.States = append(ak.States, kernel.State{Arg: "s" + strconv.Itoa(i), Next: st.Next})
	}
	for _, i := range k.saved {
		ak.Sinks = append(ak.Sinks, kernel.Sink{Kind: kernel.ToSeqIfSet, Arg: "tape" + strconv.Itoa(i), Value: s.Leaf(ir.OpState, s.States[i].Name)})
	}
	ak.Sinks = append(ak.Sinks, kernel.Sink{Kind: kernel.ToSeq, Arg: "y", Value: s.Outputs[0].Value})
	return ak
}

// backwardKernel describes the reverse-time adjoint kernel for an assembly
// backend, as forwardKernel does the forward one.
func (k *stepKernel) backwardKernel(suffix, isa string) *kernel.Kernel {
	a, s := k.adjoint, k.step
	name := k.fn + "Backward"
	ak := &kernel.Kernel{
		Name: name + suffix, Args: sigArgs(k.backwardSig()), Step: a, N: k.n, Reverse: true, Loop: kernel.LoopFor(k.n),
		Doc:    fmt.Sprintf("%s%s is %s in %s.", name, suffix, name, isa),
		Leaves: map[*ir.Value]kernel.Source{},
	}
	nIn, nSt := len(s.Inputs), len(s.States)
	for _, v := range a.Values {
		switch v.Op {
		case ir.OpInput:
			i := a.InputIndex(v.Name)
			switch {
			case i < nIn:
				ak.Leaves[v] = kernel.Source{Kind: kernel.FromSeq, Arg: "x" + strconv.Itoa(i)}
			case i < nIn+nSt:
				// Read only if saved; an unsaved state is never live here.
				ak.Leaves[v] = kernel.Source{Kind: kernel.FromSeq, Arg: "tape" + strconv.Itoa(i-nIn)}
			case i == nIn+nSt:
				ak.Leaves[v] = kernel.Source{Kind: kernel.FromSeq, Arg: "dy"}
			default:
				ak.Leaves[v] = kernel.Source{Kind: kernel.FromConst} // outputs other than the layer's value
			}
		case ir.OpState:
			ak.Leaves[v] = kernel.Source{Kind: kernel.FromState, State: a.StateIndex(v.Name)}
		case ir.OpParam:
			ak.Leaves[v] = k.paramSource(a, v)
		case ir.OpConst:
			ak.Leaves[v] = kernel.Source{Kind: kernel.FromConst, Const: v.Const}
		}
	}
	for i, st := range a.States {
		ak.States = append(ak.States, kernel.State{Arg: "gs" + strconv.Itoa(i), Next: st.Next})
	}
	for _, o := range a.Outputs {
		if x, ok := strings.CutPrefix(o.Name, ir.GradInput); ok {
			ak.Sinks = append(ak.Sinks, kernel.Sink{Kind: kernel.AddToSeq, Arg: "dx" + strconv.Itoa(s.InputIndex(x)), Value: o.Value})
			continue
		}
		p := s.ParamIndex(strings.TrimPrefix(o.Name, ir.GradParam))
		switch {
		case p < 0 || k.params[p] == paramConst:
		case k.params[p] == paramShared:
			ak.Sinks = append(ak.Sinks, kernel.Sink{Kind: kernel.AddToShared, Arg: "dp" + strconv.Itoa(p), Value: o.Value})
		default:
			ak.Sinks = append(ak.Sinks, kernel.Sink{Kind: kernel.AddToPerNeuron, Arg: "dp" + strconv.Itoa(p), Value: o.Value})
		}
	}
	return ak
}

// paramSource says where a kernel reads step parameter v (of s, the step or
// its adjoint, which declares the same parameters).
func (k *stepKernel) paramSource(s *ir.Step, v *ir.Value) kernel.Source {
	p := k.step.ParamIndex(v.Name)
	switch k.params[p] {
	case paramShared:
		return kernel.Source{Kind: kernel.FromShared, Arg: "p" + strconv.Itoa(p)}
	case paramPerNeuron:
		return kernel.Source{Kind: kernel.FromPerNeuron, Arg: "p" + strconv.Itoa(p)}
	}
	return kernel.Source{Kind: kernel.FromConst, Const: s.Params[s.ParamIndex(v.Name)].Default}
}

// sigArgs lists the []float32 parameter names of a kernel signature
// "(T, B int, a, b []float32, c, d []float32)".
func sigArgs(sig string) []string {
	sig = strings.TrimSuffix(strings.TrimPrefix(sig, "(T, B int, "), ")")
	var out []string
	for _, group := range strings.Split(sig, "[]float32") {
		for _, name := range strings.Split(group, ",") {
			if name = strings.TrimSpace(name); name != "" {
				out = append(out, name)
			}
		}
	}
	return out
}
