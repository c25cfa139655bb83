package gogen

import (
	"embed"
	"fmt"
	"strings"
)

// testFS holds the generated packages' tests and benchmarks, written as
// real Go files in testrt/ (which compile and run there against a small
// generated model). Each is copied into a package under its own name,
// with the package clause renamed; the training ones only into training
// packages.
//
//go:embed testrt/model_test.go testrt/bench_test.go testrt/train_test.go testrt/bench_train_test.go testrt/bits_test.go testrt/bits_train_test.go
var testFS embed.FS

// testFiles are the files of testFS every package gets; trainTestFiles
// those only training packages get; bitsTestFiles and bitsTrainTestFiles
// those only packages whose input is declared spikes get (the latter,
// training ones).
var (
	testFiles          = []string{"model_test.go", "bench_test.go"}
	trainTestFiles     = []string{"train_test.go", "bench_train_test.go"}
	bitsTestFiles      = []string{"bits_test.go"}
	bitsTrainTestFiles = []string{"bits_train_test.go"}
)

// tests returns the package's test files: the testrt files, table_test.go
// with what they need to know of this model, and the benchmarks of its
// neuron kernels (kernels_bench_test.go, when it has any).
func (gen *generator) tests() (map[string]string, error) {
	names := append([]string(nil), testFiles...)
	if gen.opt.Train {
		names = append(names, trainTestFiles...)
	}
	if gen.input.Spikes {
		names = append(names, bitsTestFiles...)
		if gen.opt.Train {
			names = append(names, bitsTrainTestFiles...)
		}
	}
	files := map[string]string{}
	for _, name := range names {
		src, err := testFS.ReadFile("testrt/" + name)
		if err != nil {
			return nil, err
		}
		text := string(src)
		clause := "\npackage testrt\n"
		i := strings.Index(text, clause)
		if i < 0 {
			return nil, fmt.Errorf("gogen: testrt/%s has no package clause %q", name, strings.TrimSpace(clause))
		}
		files[name] = fmt.Sprintf(header, gen.opt.Source) + text[:i] + "\npackage " + gen.opt.Package + "\n" + text[i+len(clause):]
	}
	files["table_test.go"] = gen.testTable()
	bench, err := gen.kernelBench()
	if err != nil {
		return nil, err
	}
	if bench != "" {
		files["kernels_bench_test.go"] = bench
	}
	return files, nil
}

// testTable writes table_test.go: the names and settings of this model
// that the testrt files read.
func (gen *generator) testTable() string {
	w := &src{}
	w.f(header, gen.opt.Source)
	w.f("package %s\n\n", gen.opt.Package)
	w.f("// packageName prefixes the errors of the package's entry points.\nconst packageName = %q\n", gen.opt.Package)
	if !gen.opt.Train {
		return w.String()
	}
	w.f("\n// inputGrad: Backward computes g.Input (snnc compile --input-grad).\nconst inputGrad = %v\n\n", gen.opt.InputGrad)
	w.f("// gradFields are the parameters' gradients in Grads order: each\n// parameter's name in the model file, the name of its Grads field, and\n// that field of a given Grads.\n")
	w.f("var gradFields = []struct {\n\tparam, field string\n\tof           func(g *Grads) *[]float32\n}{\n")
	for _, p := range gen.params {
		f := exported(gen.field[p])
		w.f("\t{%q, %q, func(g *Grads) *[]float32 { return &g.%s }},\n", p.Name, f, f)
	}
	w.f("}\n")
	return w.String()
}
