package gogen

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/snnc/snnc/ir"
)

// unfused emits the baseline the fused kernel is measured against: the same
// step evaluated one op at a time over every lane of a time step, each op's
// result written to memory, as an eager tensor library would.
func (k *stepKernel) unfused(w *src) error {
	s := k.step
	w.f("// %sUnfused is %sForward one op at a time: every value of the step\n", k.fn, k.fn)
	w.f("// is a [B][N] array written and read back per time step. tmp holds one\n// such array per value.\n")
	w.f("func %sUnfused(T, B int, %s, tmp [][]float32) {\n", k.fn, strings.TrimSuffix(strings.TrimPrefix(k.forwardSig(), "(T, B int, "), ")"))
	w.f("\tconst N = %d\n\tL := B * N\n\tfor t := 0; t < T; t++ {\n\t\trow := t * L\n\t\t_ = row\n", k.n)
	for idx, v := range s.Values {
		w.f("\t\t%s := tmp[%d][:L]\n", v, idx)
		var e string
		switch v.Op {
		case ir.OpInput:
			e = "x" + strconv.Itoa(s.InputIndex(v.Name)) + "[row+i]"
		case ir.OpState:
			e = "s" + strconv.Itoa(s.StateIndex(v.Name)) + "[i]"
		case ir.OpParam:
			e = k.paramRead(s, v)
		case ir.OpConst:
			e = f32(v.Const)
		default:
			args := make([]string, len(v.Args))
			for j, a := range v.Args {
				args[j] = a.String() + "[i]"
			}
			var err error
			if e, err = expr(v, args); err != nil {
				return err
			}
		}
		w.f("\t\tfor i := range %s {\n\t\t\tn := i %% N\n\t\t\t_ = n\n\t\t\t%s[i] = %s\n\t\t}\n", v, v, e)
	}
	w.f("\t\tcopy(y[row:row+L], %s)\n", s.Outputs[0].Value)
	for i, st := range s.States {
		w.f("\t\tcopy(s%d, %s)\n", i, st.Next)
	}
	w.f("\t}\n}\n\n")
	return nil
}

// kernelBench writes kernels_bench_test.go: per neuron layer, the fused
// forward kernel of every implementation the CPU runs and the unfused
// plain-Go baseline over [T=100][B=32][N], reporting ns per neuron-step
// (`snnc bench` reads that metric), and for training the forward and
// backward kernels together. The helpers are testrt/bench_test.go's. A
// package without neuron layers has none.
func (gen *generator) kernelBench() (string, error) {
	if len(gen.neuron) == 0 {
		return "", nil
	}
	w := &src{}
	w.f(header, gen.opt.Source)
	w.f("package %s\n\nimport (\n\t\"math\"\n\t\"testing\"\n)\n\nvar _ = math.Exp\n\n", gen.opt.Package)
	for _, n := range gen.sortedNeurons() {
		k := gen.neuron[n]
		if err := k.unfused(w); err != nil {
			return "", err
		}
		s := k.step
		var ins, states []string
		for range s.Inputs {
			ins = append(ins, fmt.Sprintf("benchInput(benchT*benchB*%d)", k.n))
		}
		for i := range s.States {
			states = append(states, fmt.Sprintf("s%d", i))
		}
		for range k.saved {
			states = append(states, "nil")
		}
		params := gen.boundArgs(n, k, false)
		w.f("func Benchmark%sKernel(b *testing.B) {\n\tm := newModel(b)\n\t_ = m\n", exported(k.fn))
		w.f("\tconst N = %d\n", k.n)
		for i, st := range s.States {
			w.f("\ts%d := make([]float32, benchB*N)\n\tfill(s%d, %s)\n", i, i, f32(st.Init))
		}
		w.f("\tx := [][]float32{%s}\n\ty := make([]float32, benchT*benchB*N)\n", strings.Join(ins, ", "))
		var xs []string
		for i := range s.Inputs {
			xs = append(xs, fmt.Sprintf("x[%d]", i))
		}
		args := append(append(append([]string{}, xs...), "y"), states...)
		call := fmt.Sprintf("benchT, benchB, %s%s", strings.Join(args, ", "), params)
		w.f("\tfor _, impl := range Implementations() {\n\t\tk := byName(impl)\n")
		w.f("\t\tb.Run(\"impl=\"+impl, func(b *testing.B) {\n\t\t\tbenchKernel(b, N, func() { k.%sForward(%s) })\n\t\t})\n\t}\n", k.fn, call)
		w.f("\tb.Run(\"impl=unfused\", func(b *testing.B) {\n\t\ttmp := make([][]float32, %d)\n\t\tfor i := range tmp {\n\t\t\ttmp[i] = make([]float32, benchB*N)\n\t\t}\n", len(s.Values))
		unfusedCall := fmt.Sprintf("benchT, benchB, %s%s, tmp", strings.Join(args, ", "), params)
		w.f("\t\tbenchKernel(b, N, func() { %sUnfused(%s) })\n\t})\n", k.fn, unfusedCall)
		// The streaming floor: the same bytes moved by copy, each input read
		// once and the output written once.
		w.f("\tb.Run(\"impl=floor\", func(b *testing.B) {\n\t\tbenchKernel(b, N, func() {\n\t\t\tfor _, xi := range x {\n\t\t\t\tcopy(y, xi)\n\t\t\t}\n\t\t})\n\t})\n}\n\n")
		if k.adjoint != nil {
			gen.benchTrain(w, n, k)
		}
	}
	return w.String(), nil
}

// benchTrain writes the benchmark of one training step of a neuron layer:
// the forward kernel saving its tapes, then the reverse-time backward
// kernel, against the floor of the bytes they must move (inputs read
// twice, output and tapes written, tapes and output gradient read, input
// gradients written), moved by copy.
func (gen *generator) benchTrain(w *src, n *ir.Node, k *stepKernel) {
	s := k.step
	nIn, saved := len(s.Inputs), len(k.saved)
	floats := 2*nIn + 1 + 2*saved + 1 + nIn // per neuron-step, read and written
	w.f("func Benchmark%sTrain(b *testing.B) {\n\tm := newModel(b)\n\tg := m.NewGrads() // bound parameters' gradients\n\t_ = g\n\tconst N = %d\n\tconst size = benchT * benchB * N\n", exported(k.fn), k.n)
	var fwd, bwd []string
	for i := range s.Inputs {
		w.f("\tx%d, dx%d := benchInput(size), make([]float32, size)\n", i, i)
		fwd = append(fwd, fmt.Sprintf("x%d", i))
		bwd = append(bwd, fmt.Sprintf("x%d", i))
	}
	fwd = append(fwd, "y")
	w.f("\ty, dy := make([]float32, size), benchInput(size)\n")
	for i, st := range s.States {
		w.f("\ts%d, gs%d := make([]float32, benchB*N), make([]float32, benchB*N)\n\tfill(s%d, %s)\n", i, i, i, f32(st.Init))
		fwd = append(fwd, fmt.Sprintf("s%d", i))
	}
	for _, i := range k.saved {
		w.f("\ttape%d := make([]float32, size)\n", i)
		fwd = append(fwd, fmt.Sprintf("tape%d", i))
		bwd = append(bwd, fmt.Sprintf("tape%d", i))
	}
	bwd = append(bwd, "dy")
	for i := range s.Inputs {
		bwd = append(bwd, fmt.Sprintf("dx%d", i))
	}
	for i := range s.States {
		bwd = append(bwd, fmt.Sprintf("gs%d", i))
	}
	w.f("\tfor _, impl := range Implementations() {\n\t\tk := byName(impl)\n\t\tb.Run(\"impl=\"+impl, func(b *testing.B) {\n\t\t\tbenchKernel(b, N, func() {\n")
	w.f("\t\t\t\tk.%sForward(benchT, benchB, %s%s)\n", k.fn, strings.Join(fwd, ", "), gen.boundArgs(n, k, false))
	for i := range s.States {
		w.f("\t\t\t\tclear(gs%d)\n", i)
	}
	w.f("\t\t\t\tk.%sBackward(benchT, benchB, %s%s)\n", k.fn, strings.Join(bwd, ", "), gen.boundArgs(n, k, true))
	w.f("\t\t\t})\n\t\t})\n\t}\n")
	w.f("\tb.Run(\"impl=floor\", func(b *testing.B) {\n\t\tsrc, dst := make([]float32, size*%d/2), make([]float32, size*%d/2)\n", floats, floats)
	w.f("\t\tbenchKernel(b, N, func() { copy(dst, src) })\n\t})\n}\n\n")
}
