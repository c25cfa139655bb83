package nir

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// euler is the discretization docs/nir.md gives for one neuron node: the
// state after input x (one value per neuron) and the output.
type euler func(p map[string][]float64, st map[string][]float64, x []float64, i int, dt float64) float64

// The NIR node types' documented forward-Euler dynamics, written out
// plainly; the interpreter's results must match them.
var eulerSteps = map[string]euler{
	TypeLIF: func(p, st map[string][]float64, x []float64, i int, dt float64) float64 {
		v := st["v"][i] + dt/p["tau"][i]*(p["v_leak"][i]-st["v"][i]+p["r"][i]*x[i])
		return spike(st, i, v, p["v_threshold"][i], p["v_reset"][i])
	},
	TypeLI: func(p, st map[string][]float64, x []float64, i int, dt float64) float64 {
		st["v"][i] += dt / p["tau"][i] * (p["v_leak"][i] - st["v"][i] + p["r"][i]*x[i])
		return st["v"][i]
	},
	TypeIF: func(p, st map[string][]float64, x []float64, i int, dt float64) float64 {
		return spike(st, i, st["v"][i]+p["r"][i]*x[i], p["v_threshold"][i], p["v_reset"][i])
	},
	TypeI: func(p, st map[string][]float64, x []float64, i int, dt float64) float64 {
		st["v"][i] += p["r"][i] * x[i]
		return st["v"][i]
	},
	TypeCubaLIF: func(p, st map[string][]float64, x []float64, i int, dt float64) float64 {
		st["i"][i] += dt / p["tau_syn"][i] * (p["w_in"][i]*x[i] - st["i"][i])
		v := st["v"][i] + dt/p["tau_mem"][i]*(p["v_leak"][i]-st["v"][i]+p["r"][i]*st["i"][i])
		return spike(st, i, v, p["v_threshold"][i], p["v_reset"][i])
	},
	TypeCubaLI: func(p, st map[string][]float64, x []float64, i int, dt float64) float64 {
		st["i"][i] += dt / p["tau_syn"][i] * (p["w_in"][i]*x[i] - st["i"][i])
		st["v"][i] += dt / p["tau_mem"][i] * (p["v_leak"][i] - st["v"][i] + p["r"][i]*st["i"][i])
		return st["v"][i]
	},
	TypeThreshold: func(p, st map[string][]float64, x []float64, i int, dt float64) float64 {
		if x[i] > p["threshold"][i] {
			return 1
		}
		return 0
	},
}

// spike thresholds v (strictly) and resets.
func spike(st map[string][]float64, i int, v, theta, reset float64) float64 {
	if v > theta {
		st["v"][i] = reset
		return 1
	}
	st["v"][i] = v
	return 0
}

// neuronParams draws parameters for a node of typ: the same value for
// every neuron (uniform) or one each.
func neuronParams(rng *rand.Rand, typ string, n int, uniform bool) map[string][]float64 {
	p := map[string][]float64{}
	draw := func(name string, lo, hi float64) {
		v := make([]float64, n)
		for i := range v {
			if uniform && i > 0 {
				v[i] = v[0]
			} else {
				v[i] = lo + (hi-lo)*rng.Float64()
			}
		}
		p[name] = v
	}
	for _, ps := range schemas[typ] {
		switch {
		case ps.name == "tau" || ps.name == "tau_mem":
			draw(ps.name, 0.004, 0.03)
		case ps.name == "tau_syn":
			draw(ps.name, 0.002, 0.01)
		case ps.name == "r" || ps.name == "w_in":
			draw(ps.name, 0.5, 3)
		case ps.name == "v_threshold" || ps.name == "threshold":
			draw(ps.name, 0.3, 1)
		case ps.name == "v_leak":
			draw(ps.name, -0.1, 0.1)
		case ps.name == "v_reset":
			draw(ps.name, -0.2, 0.1)
		}
	}
	return p
}

// Every neuron type, with parameters equal over the neurons (module.Neuron)
// and different (bound per neuron), runs as docs/nir.md's forward Euler
// says.
func TestDiscretization(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const n, T, dt = 5, 60, 1e-3
	for _, typ := range []string{TypeLIF, TypeLI, TypeIF, TypeI, TypeCubaLIF, TypeCubaLI, TypeThreshold} {
		for _, uniform := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/uniform=%v", typ, uniform), func(t *testing.T) {
				p := neuronParams(rng, typ, n, uniform)
				nd := NewNode(typ)
				for k, v := range p {
					nd.Params[k] = Vector(v...)
				}
				g := chain([]int{n}, []int{n}, nd)
				imp, err := Convert(g, Options{DT: dt})
				require.NoError(t, err)
				x := make([]float64, T*n)
				for i := range x {
					x[i] = 2 * rng.Float64() * float64(rng.IntN(2))
				}
				got := run(t, imp, x, T, 1)
				// The reference: v starts at v_leak (at 0 when v_leak
				// differs between neurons), the synaptic current at 0.
				st := map[string][]float64{"v": make([]float64, n), "i": make([]float64, n)}
				if vl := p["v_leak"]; vl != nil && (Tensor{Data: vl}).isUniformTest() {
					for i := range st["v"] {
						st["v"][i] = vl[0]
					}
				}
				if typ == TypeIF {
					if vr := p["v_reset"]; (Tensor{Data: vr}).isUniformTest() {
						for i := range st["v"] {
							st["v"][i] = vr[0] // Norse's IAF starts at v_reset
						}
					}
				}
				for step := range T {
					for i := range n {
						want := eulerSteps[typ](p, st, x[step*n:(step+1)*n], i, dt)
						require.InDelta(t, want, got[step*n+i], 1e-9, "step %d neuron %d", step, i)
					}
				}
			})
		}
	}
}

func (t Tensor) isUniformTest() bool { _, ok := t.Uniform(); return ok }

// Delays become whole steps; elements with different delays are delayed
// each by its own. Scale multiplies per element.
func TestDelayAndScale(t *testing.T) {
	g := chain([]int{3}, []int{3},
		node(TypeScale, "scale", Vector(2, -1, 0.5)),
		node(TypeDelay, "delay", Vector(0, 0.002, 0.0031)))
	imp, err := Convert(g, Options{DT: 1e-3})
	require.NoError(t, err)
	require.Len(t, imp.Notes, 1)
	require.Contains(t, imp.Notes[0], "n1 (Delay): delays 0.0031 s are not whole multiples of dt = 0.001 s")
	T := 6
	x := make([]float64, T*3)
	for i := range x {
		x[i] = float64(i + 1)
	}
	y := run(t, imp, x, T, 1)
	for step := range T {
		for i, d := range []int{0, 2, 3} {
			want := 0.0
			if step-d >= 0 {
				want = x[(step-d)*3+i] * []float64{2, -1, 0.5}[i]
			}
			require.Equal(t, want, y[step*3+i], "step %d element %d", step, i)
		}
	}
}

// A recurrent CubaLIF ⇄ Linear cycle is Norse's recurrent LIF: the
// recurrent spikes arrive one step later.
func TestRecurrentCycle(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	const n, in, T, dt = 4, 3, 40, 1e-3
	p := neuronParams(rng, TypeCubaLIF, n, true)
	lif := NewNode(TypeCubaLIF)
	for k, v := range p {
		lif.Params[k] = Vector(v...)
	}
	win := make([]float64, n*in)
	wrec := make([]float64, n*n)
	for i := range win {
		win[i] = rng.NormFloat64()
	}
	for i := range wrec {
		wrec[i] = rng.NormFloat64()
	}
	g := NewGraph()
	g.Nodes["input"] = node(TypeInput, "shape", Ints(in))
	g.Nodes["fc"] = node(TypeLinear, "weight", Tensor{Shape: []int{n, in}, Data: win})
	g.Nodes["lif"] = lif
	g.Nodes["rec"] = node(TypeAffine, "weight", Tensor{Shape: []int{n, n}, Data: wrec}, "bias", Vector(0.1, 0, 0, -0.1))
	g.Nodes["output"] = node(TypeOutput, "shape", Ints(n))
	g.Edges = []Edge{{"input", "fc"}, {"fc", "lif"}, {"lif", "rec"}, {"rec", "lif"}, {"lif", "output"}}
	imp, err := Convert(g, Options{DT: dt})
	require.NoError(t, err)
	require.Contains(t, graphText(imp.Builder), "recurrent lif autapses=true")
	x := spikes(rng, T, 1, in, 0.5)
	got := run(t, imp, x, T, 1)
	st := map[string][]float64{"v": make([]float64, n), "i": make([]float64, n)}
	for i := range st["v"] {
		st["v"][i] = p["v_leak"][0]
	}
	z := make([]float64, n)
	for step := range T {
		cur := make([]float64, n)
		for o := range n {
			cur[o] = []float64{0.1, 0, 0, -0.1}[o]
			for k := range in {
				cur[o] += win[o*in+k] * x[step*in+k]
			}
			for k := range n {
				cur[o] += wrec[o*n+k] * z[k]
			}
		}
		for o := range n {
			z[o] = eulerSteps[TypeCubaLIF](p, st, cur, o, dt)
			require.InDelta(t, z[o], got[step*n+o], 1e-12, "step %d neuron %d", step, o)
		}
	}
	require.False(t, math.IsNaN(got[0]))
}
