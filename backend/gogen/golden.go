package gogen

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/snnc/snnc/backend/interp"
	"github.com/snnc/snnc/ir"
)

// Golden is what the float32 interpreter computed for one input at compile
// time; the generated model_test.go checks the compiled package against it.
type Golden struct {
	T, B   int
	Arrays []GoldenArray // "x", "y", and with gradients "dy", "grad.input", "grad.<param>"
}

// GoldenArray is one named array of a Golden.
type GoldenArray struct {
	Name string
	Data []float64
}

// goldenMagic starts a golden file; the version is its last byte.
const goldenMagic = "SNNCGLD1"

// encode writes the golden file: the magic, T and B as uint32, the array
// count, then per array a uint16 name length, the name, a uint32 length
// and float32 values, all little-endian.
func (gd *Golden) encode() []byte {
	var b bytes.Buffer
	b.WriteString(goldenMagic)
	le := binary.LittleEndian
	b.Write(le.AppendUint32(nil, uint32(gd.T)))
	b.Write(le.AppendUint32(nil, uint32(gd.B)))
	b.Write(le.AppendUint32(nil, uint32(len(gd.Arrays))))
	for _, a := range gd.Arrays {
		b.Write(le.AppendUint16(nil, uint16(len(a.Name))))
		b.WriteString(a.Name)
		b.Write(le.AppendUint32(nil, uint32(len(a.Data))))
		for _, v := range a.Data {
			b.Write(le.AppendUint32(nil, math.Float32bits(float32(v))))
		}
	}
	return b.Bytes()
}

// MakeGolden runs g in the float32 interpreter on a reproducible random
// input of T steps and B batch entries (each input value a spike with
// probability 0.3, else a uniform current in [0, 1)), and with grads also
// backpropagates a random normal dy.
func MakeGolden(g *ir.Graph, params map[string][]float64, T, B int, grads bool) (*Golden, error) {
	if len(g.Outputs) != 1 {
		return nil, fmt.Errorf("gogen: graph %s has %d outputs, want 1", g.Name, len(g.Outputs))
	}
	var in *ir.Node
	for _, n := range g.Nodes {
		if n.Op == ir.GInput {
			in = n
		}
	}
	if in == nil {
		return nil, fmt.Errorf("gogen: graph %s has no input", g.Name)
	}
	rng := rand.New(rand.NewPCG(uint64(T), uint64(B)))
	x := make([]float64, T*B*in.Type.Size())
	for i := range x {
		if rng.Float64() < 0.3 {
			x[i] = 1
		} else {
			x[i] = float64(float32(rng.Float64()) * 0.5)
		}
	}
	run := &interp.GraphRun{T: T, B: B, Inputs: map[string][]float64{in.Name: x}, Params: params, Precision: interp.Float32}
	out := g.Outputs[0]
	gd := &Golden{T: T, B: B}
	if !grads {
		res, err := interp.RunGraph(g, run)
		if err != nil {
			return nil, err
		}
		gd.Arrays = []GoldenArray{{"x", x}, {"y", res.Outputs[out.Name]}}
		return gd, nil
	}
	dy := make([]float64, T*B*out.Node.Type.Size())
	for i := range dy {
		dy[i] = float64(float32(rng.NormFloat64()))
	}
	res, gr, err := interp.GradGraph(g, run, map[string][]float64{out.Name: dy})
	if err != nil {
		return nil, err
	}
	gd.Arrays = []GoldenArray{{"x", x}, {"y", res.Outputs[out.Name]}, {"dy", dy}, {"grad.input", gr.Inputs[in.Name]}}
	for _, n := range g.Nodes {
		if n.Op == ir.GParam {
			gd.Arrays = append(gd.Arrays, GoldenArray{"grad." + n.Name, gr.Params[n.Name]})
		}
	}
	return gd, nil
}
