package gogen

import (
	"bytes"
	"fmt"
	"go/format"

	"github.com/snnc/snnc/asm"
	"github.com/snnc/snnc/backend/arm64"
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
	if gen.opt.Train {
		if err := arm64.EmitBackwardProducts(file); err != nil {
			return err
		}
		for _, name := range backwardProducts {
			table[name] = name + arm64.Suffix
		}
		table["adamUpdate"] = "nil" // no NEON Adam: the plain-Go loop
	}
	if gen.listInput() {
		// No NEON lists kernels: the input's products run row by row
		// (linearSpikesNEON, outerSpikesNEON).
		for _, name := range listKernels {
			table[name] = "nil"
		}
	}
	if err := lowerAll(gen.asmKernels(arm64.Suffix, "NEON"), em.Kernel, arm64.ErrUnsupported, table); err != nil {
		return err
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
	gen.writeTable(w, arm64.Name+"Kernels", arm64.Name, []string{"ASIMD"}, table)
	return w.String()
}
