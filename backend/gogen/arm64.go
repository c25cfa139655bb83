package gogen

import (
	"bytes"
	"errors"
	"fmt"
	"go/format"

	"github.com/snnc/snnc/asm"
	"github.com/snnc/snnc/backend/arm64"
	"github.com/snnc/snnc/backend/kernel"
)

// arm64Files writes the NEON kernels: kernels_arm64.s, their stubs
// kernels_arm64.go, and dispatch_arm64.go, whose kernel table uses them
// (and the plain-Go kernels for what the backend cannot lower). Every
// package gets the product kernels; each neuron kernel is lowered where
// the backend can. The table requires ASIMD (NEON), which cpuid reports on
// every arm64 CPU Go runs on; the generic kernels stay selectable
// (SetImplementation("generic")).
func (gen *generator) arm64Files(files Files) error {
	file := asm.NewFile(asm.ARM64, gen.opt.Package)
	file.Generator = "snnc compile from " + gen.opt.Source
	file.Constraint = "!purego"
	em := arm64.NewEmitter(file)
	table := map[string]string{} // kernel table field → assembly function
	if err := arm64.EmitProducts(file); err != nil {
		return err
	}
	table["linear"] = "linear" + arm64.Suffix
	table["linearSpikes"] = "linearSpikes" + arm64.Suffix
	try := func(field string, k *kernel.Kernel) error {
		err := em.Kernel(k)
		switch {
		case err == nil:
			table[field] = k.Name
		case !errors.Is(err, arm64.ErrUnsupported):
			return err
		}
		return nil
	}
	for _, n := range gen.sortedNeurons() {
		k := gen.neuron[n]
		if err := try(k.fn+"Forward", k.forwardKernel(arm64.Suffix, "NEON", nil)); err != nil {
			return err
		}
		if lin := gen.epilogueOf(n); lin != nil {
			ep := &kernel.Epilogue{X: "xin", WT: "wT", Bias: "bias", In: lin.Args[0].Type.Size()}
			if err := try(k.fn+"LinearForward", k.forwardKernel(arm64.Suffix, "NEON", ep)); err != nil {
				return err
			}
		}
		if k.adjoint != nil {
			if err := try(k.fn+"Backward", k.backwardKernel(arm64.Suffix, "NEON")); err != nil {
				return err
			}
		}
	}
	var s, stubs bytes.Buffer
	if err := file.WriteAsm(&s); err != nil {
		return err
	}
	if err := file.WriteStubs(&stubs); err != nil {
		return err
	}
	files["kernels_arm64.s"] = s.Bytes()
	files["kernels_arm64.go"] = stubs.Bytes()
	src, err := format.Source([]byte(gen.dispatchARM64(table)))
	if err != nil {
		return fmt.Errorf("gogen: dispatch_arm64.go does not parse (a generator bug): %w", err)
	}
	files["dispatch_arm64.go"] = src
	return nil
}

// dispatchARM64 writes the kernel tables of arm64: NEON, then generic.
func (gen *generator) dispatchARM64(table map[string]string) string {
	w := &src{}
	w.f(header, gen.opt.Source)
	w.f("//go:build !purego\n\npackage %s\n\nimport \"github.com/klauspost/cpuid/v2\"\n\n", gen.opt.Package)
	w.f("// implementations lists the kernel sets in order of preference.\nvar implementations = []*kernels{&%sKernels, &generic}\n\n", arm64.Name)
	w.f("// %sKernels uses the NEON kernels of kernels_arm64.s where the backend\n// emitted one, and the plain-Go kernels elsewhere.\n", arm64.Name)
	w.f("var %sKernels = kernels{\n\tname: %q,\n\trequires: []cpuid.FeatureID{cpuid.ASIMD},\n", arm64.Name, arm64.Name)
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
	w.f("}\n")
	return w.String()
}
