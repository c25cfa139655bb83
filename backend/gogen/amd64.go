package gogen

import (
	"bytes"
	"errors"
	"fmt"
	"go/format"
	"strconv"
	"strings"

	"github.com/snnc/snnc/asm"
	"github.com/snnc/snnc/backend/amd64"
	"github.com/snnc/snnc/backend/kernel"
	"github.com/snnc/snnc/ir"
)

// amd64Files writes the assembly kernels: kernels_amd64.s, their stubs
// kernels_amd64.go, and dispatch_amd64.go, whose kernel tables use them
// (and the plain-Go kernels for what the backend cannot lower). Every
// package gets the product kernels; each neuron kernel is lowered where
// the backend can.
func (gen *generator) amd64Files(files Files) error {
	file := asm.NewFile(asm.AMD64, gen.opt.Package)
	file.Generator = "snnc compile from " + gen.opt.Source
	file.Constraint = "!purego"
	em := amd64.NewEmitter(file)
	tables := map[amd64.ISA]map[string]string{} // kernel table field → assembly function
	for _, isa := range amd64.ISAs {
		table := map[string]string{}
		if err := amd64.EmitProducts(file, isa); err != nil {
			return err
		}
		table["linear"] = "linear" + isa.Suffix()
		table["linearSpikes"] = "linearSpikes" + isa.Suffix()
		try := func(field string, k *kernel.Kernel) error {
			err := em.Kernel(k, isa)
			switch {
			case err == nil:
				table[field] = k.Name
			case !errors.Is(err, amd64.ErrUnsupported):
				return err
			}
			return nil
		}
		for _, n := range gen.sortedNeurons() {
			k := gen.neuron[n]
			if err := try(k.fn+"Forward", k.amd64Forward(isa, nil)); err != nil {
				return err
			}
			if lin := gen.epilogueOf(n); lin != nil {
				ep := &kernel.Epilogue{X: "xin", WT: "wT", Bias: "bias", In: lin.Args[0].Type.Size()}
				if err := try(k.fn+"LinearForward", k.amd64Forward(isa, ep)); err != nil {
					return err
				}
			}
			if k.adjoint != nil {
				if err := try(k.fn+"Backward", k.amd64Backward(isa)); err != nil {
					return err
				}
			}
		}
		tables[isa] = table
	}
	{
		var s, stubs bytes.Buffer
		if err := file.WriteAsm(&s); err != nil {
			return err
		}
		if err := file.WriteStubs(&stubs); err != nil {
			return err
		}
		files["kernels_amd64.s"] = s.Bytes()
		files["kernels_amd64.go"] = stubs.Bytes()
	}
	src, err := format.Source([]byte(gen.dispatchAMD64(tables)))
	if err != nil {
		return fmt.Errorf("gogen: dispatch_amd64.go does not parse (a generator bug): %w", err)
	}
	files["dispatch_amd64.go"] = src
	return nil
}

// dispatchAMD64 writes the kernel tables of the assembly implementations,
// best first, ahead of generic.
func (gen *generator) dispatchAMD64(tables map[amd64.ISA]map[string]string) string {
	w := &src{}
	w.f(header, gen.opt.Source)
	w.f("//go:build !purego\n\npackage %s\n\nimport \"github.com/klauspost/cpuid/v2\"\n\n", gen.opt.Package)
	w.f("// implementations lists the kernel sets in order of preference.\nvar implementations = []*kernels{")
	var names []string
	for _, isa := range amd64.ISAs {
		if tables[isa] != nil {
			names = append(names, "&"+isa.String()+"Kernels")
		}
	}
	w.f("%s}\n\n", strings.Join(append(names, "&generic"), ", "))
	for _, isa := range amd64.ISAs {
		table := tables[isa]
		if table == nil {
			continue
		}
		var req []string
		for _, f := range isa.Features() {
			req = append(req, "cpuid."+f)
		}
		w.f("// %sKernels uses the %s kernels of kernels_amd64.s where the backend\n// emitted one, and the plain-Go kernels elsewhere.\n", isa, strings.ToUpper(isa.String()))
		w.f("var %sKernels = kernels{\n\tname: %q,\n\trequires: []cpuid.FeatureID{%s},\n", isa, isa.String(), strings.Join(req, ", "))
		w.f("\tlinear: %s,\n\tlinearSpikes: %s,\n", table["linear"], table["linearSpikes"])
		if gen.opt.Train {
			w.f("\tlinearBackward: linearBackward,\n")
		}
		for _, n := range gen.sortedNeurons() {
			k := gen.neuron[n]
			fields := []string{k.fn + "Forward"}
			if gen.epilogueOf(n) != nil {
				fields = append(fields, k.fn+"LinearForward")
			}
			if k.adjoint != nil {
				fields = append(fields, k.fn+"Backward")
			}
			for _, field := range fields {
				fn := field
				if asmFn, ok := table[field]; ok {
					fn = asmFn
				}
				w.f("\t%s: %s,\n", field, fn)
			}
		}
		w.f("}\n\n")
	}
	return w.String()
}

// amd64Forward describes the forward kernel (with ep, the one fused with
// its input product) for the amd64 backend: the same Go signature as the
// plain-Go kernel.
func (k *stepKernel) amd64Forward(isa amd64.ISA, ep *kernel.Epilogue) *kernel.Kernel {
	s := k.step
	name, sig := k.fn+"Forward", k.forwardSig()
	if ep != nil {
		name, sig = k.fn+"LinearForward", k.epilogueSig()
	}
	ak := &kernel.Kernel{
		Name: name + isa.Suffix(), Args: sigArgs(sig), Step: s, N: k.n,
		Doc:    fmt.Sprintf("%s%s is %s in %s.", name, isa.Suffix(), name, strings.ToUpper(isa.String())),
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

// amd64Backward describes the reverse-time adjoint kernel.
func (k *stepKernel) amd64Backward(isa amd64.ISA) *kernel.Kernel {
	a, s := k.adjoint, k.step
	name := k.fn + "Backward"
	ak := &kernel.Kernel{
		Name: name + isa.Suffix(), Args: sigArgs(k.backwardSig()), Step: a, N: k.n, Reverse: true,
		Doc:    fmt.Sprintf("%s%s is %s in %s.", name, isa.Suffix(), name, strings.ToUpper(isa.String())),
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
