package gogen

import (
	"regexp"
	"strings"
	"testing"

	"github.com/snnc/snnc/backend/amd64"
	"github.com/snnc/snnc/functional"
	"github.com/snnc/snnc/internal/teststeps"
	"github.com/snnc/snnc/ir"
	"github.com/snnc/snnc/passes"
)

// TestDispatchByShape checks that each amd64 kernel table takes, for
// every neuron kernel (forward and backward), the implementation
// amd64.KernelISA chooses for the layer's width: the AVX2 kernel in the
// AVX-512 table for small layers that are not whole 16-lane vectors, its
// own elsewhere; and that kernels_amd64.s carries no neuron kernel no
// table uses.
func TestDispatchByShape(t *testing.T) {
	m, err := functional.LookupModel("lif")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1, 8, 11, 16, 33, 64} {
		g := ir.NewGraph("shape")
		x := teststeps.Must(g.Input("input", 5))
		w := teststeps.Must(g.Param("w", n, 5))
		params := map[string][]float64{"w": make([]float64, n*5)}
		out := teststeps.Must(g.Op(ir.GNeuron, &ir.Node{Step: m.Build(m.Params(), 1e-3)}, teststeps.Must(g.Op(ir.GLinear, nil, x, w))))
		g.Output("output", out)
		opt, err := passes.Run(g, passes.Options{Train: true})
		if err != nil {
			t.Fatal(err)
		}
		files, err := Generate(opt, params, Options{Package: "shape", Source: "test", Train: true})
		if err != nil {
			t.Fatal(err)
		}
		dispatch, text := string(files["dispatch_amd64.go"]), string(files["kernels_amd64.s"])
		for _, isa := range amd64.ISAs {
			table := regexp.MustCompile(`(?s)var ` + isa.String() + `Kernels = kernels\{(.*?)\n\}`).FindStringSubmatch(dispatch)
			if table == nil {
				t.Fatalf("n=%d: no %sKernels in dispatch_amd64.go:\n%s", n, isa, dispatch)
			}
			use := amd64.KernelISA(isa, n)
			var fields [][]string
			for _, f := range regexp.MustCompile(`(\w+(?:Forward|Backward)):\s+(\w+),`).FindAllStringSubmatch(table[1], -1) {
				if !strings.HasPrefix(f[1], "linear") { // the products
					fields = append(fields, f)
				}
			}
			if len(fields) != 2 {
				t.Fatalf("n=%d: %s table has %d neuron kernels, want forward and backward:\n%s", n, isa, len(fields), table[1])
			}
			for _, f := range fields {
				if want := f[1] + use.Suffix(); f[2] != want {
					t.Errorf("n=%d: %s table: %s is %s, want %s", n, isa, f[1], f[2], want)
				}
			}
		}
		for _, isa := range amd64.ISAs {
			if amd64.KernelISA(isa, n) != isa && strings.Contains(text, "Forward"+isa.Suffix()+"(SB)") {
				t.Errorf("n=%d: kernels_amd64.s has a %s neuron kernel no table uses", n, isa)
			}
		}
	}
}
