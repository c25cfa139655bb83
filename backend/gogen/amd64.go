package gogen

import (
	"bytes"
	"fmt"
	"go/format"
	"strings"

	"github.com/snnc/snnc/asm"
	"github.com/snnc/snnc/backend/amd64"
	"github.com/snnc/snnc/backend/kernel"
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
	neurons := map[string]int{}                 // neuron kernel table field → N
	for _, isa := range amd64.ISAs {
		table := map[string]string{}
		if err := amd64.EmitProducts(file, isa); err != nil {
			return err
		}
		table["linear"] = "linear" + isa.Suffix()
		table["linearSpikes"] = "linearSpikes" + isa.Suffix()
		if gen.input.Spikes {
			if err := amd64.EmitSpikeCheck(file, isa); err != nil {
				return err
			}
			table["firstNonSpike"] = "firstNonSpike" + isa.Suffix()
		}
		if gen.listInput() {
			if err := amd64.EmitSpikeLists(file, isa); err != nil {
				return err
			}
			for _, name := range listKernels {
				table[name] = name + isa.Suffix()
			}
			table["spikeListsBits"] = "spikeListsBits" + amd64.ListsBitsISA(isa).Suffix()
		}
		if gen.opt.Train {
			if err := amd64.EmitBackwardProducts(file, isa); err != nil {
				return err
			}
			for _, name := range backwardProducts {
				table[name] = name + isa.Suffix()
			}
			if err := amd64.EmitAdam(file, isa); err != nil {
				return err
			}
			table["adamUpdate"] = "adamUpdate" + isa.Suffix()
		}
		emit := func(k *kernel.Kernel) error { return em.Kernel(k, isa) }
		// Only the kernels the table uses: amd64.KernelISA may prefer
		// another instruction set's kernel by shape.
		var own []asmKernel
		for _, a := range gen.asmKernels(isa.Suffix(), strings.ToUpper(isa.String())) {
			neurons[a.field] = a.k.N
			if amd64.KernelISA(isa, a.k.N) == isa {
				own = append(own, a)
			}
		}
		if err := lowerAll(own, emit, amd64.ErrUnsupported, table); err != nil {
			return err
		}
		tables[isa] = table
	}
	for _, isa := range amd64.ISAs {
		for field, n := range neurons {
			if use := amd64.KernelISA(isa, n); use != isa {
				if fn, ok := tables[use][field]; ok {
					tables[isa][field] = fn
				}
			}
		}
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
		if tables[isa] != nil {
			w.f("// %sKernels uses the %s kernels of kernels_amd64.s where the backend\n// emitted one, and the plain-Go kernels elsewhere.\n", isa, strings.ToUpper(isa.String()))
			gen.writeTable(w, isa.String()+"Kernels", isa.String(), isa.Features(), tables[isa])
		}
	}
	return w.String()
}
