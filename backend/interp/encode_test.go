package interp_test

import (
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/snnc/snnc/backend/interp"
	"github.com/snnc/snnc/functional"
	"github.com/snnc/snnc/ir"
)

// encoderGraph is input [n] → one encoder node; attrs builds it.
func encoderGraph(t *testing.T, n int, build func(g *ir.Graph, x *ir.Node) (*ir.Node, error)) *ir.Graph {
	t.Helper()
	g := ir.NewGraph("enc")
	x, err := g.Input("x", n)
	require.NoError(t, err)
	y, err := build(g, x)
	require.NoError(t, err)
	g.Output("y", y)
	return g
}

func poissonGraph(t *testing.T, n int, p ir.Poisson) *ir.Graph {
	return encoderGraph(t, n, func(g *ir.Graph, x *ir.Node) (*ir.Node, error) {
		return g.Op(ir.GPoisson, &ir.Node{Poisson: p}, x)
	})
}

func stepGraph(t *testing.T, n int, s *ir.Step) *ir.Graph {
	return encoderGraph(t, n, func(g *ir.Graph, x *ir.Node) (*ir.Node, error) {
		return g.Op(ir.GNeuron, &ir.Node{Step: s}, x)
	})
}

// The Poisson encoder's rate is dt·f_max·x per step (Norse's
// poisson_encode): over 40 000 draws per rate the spike fraction is within
// 5 standard deviations of it. The same seed gives the same spikes, another
// seed others, and x = 0 never spikes.
func TestPoissonRate(t *testing.T) {
	const T, B, n = 500, 4, 20
	rates := []float64{0, 0.05, 0.3, 0.5}
	x := make([]float64, T*B*n)
	for i := range x {
		x[i] = rates[i%n%len(rates)] / 0.5 // f_max·dt = 0.5
	}
	p := ir.Poisson{FMax: 500, DT: 1e-3, Seed: 7}
	run := func(p ir.Poisson, prec interp.Precision) []float64 {
		res, err := interp.RunGraph(poissonGraph(t, n, p), &interp.GraphRun{T: T, B: B, Inputs: map[string][]float64{"x": x}, Precision: prec})
		require.NoError(t, err)
		return res.Outputs["y"]
	}
	y := run(p, interp.Float64)
	count := make([]float64, len(rates))
	for i, v := range y {
		require.True(t, v == 0 || v == 1, "y[%d] = %v", i, v)
		count[i%n%len(rates)] += v
	}
	draws := float64(T * B * n / len(rates))
	for k, r := range rates {
		got := count[k] / draws
		sd := math.Sqrt(r * (1 - r) / draws)
		if r == 0 {
			require.Zero(t, count[k], "rate 0 spiked")
			continue
		}
		require.InDelta(t, r, got, 5*sd, "rate %v: spike fraction %v over %v draws", r, got, draws)
	}
	require.Equal(t, y, run(p, interp.Float64), "the same seed gives the same spikes")
	require.Equal(t, y, run(p, interp.Float32), "float32 and float64 draw the same spikes for these rates")
	other := p
	other.Seed = 8
	require.NotEqual(t, y, run(other, interp.Float64), "another seed gives other spikes")

	// Norse's formula, element by element: rand < dt·f_max·x.
	for k := range y {
		row := k / n
		want := 0.0
		if ir.PoissonUniform(p.Seed, int64(row/B), row%B, k%n) < p.Rate()*x[k] {
			want = 1
		}
		require.Equal(t, want, y[k], "y[%d]", k)
	}
}

// A sequence run in pieces (GraphRun.Start) draws the spikes of the whole.
func TestPoissonPieces(t *testing.T) {
	const T, B, n = 6, 2, 9
	x := make([]float64, T*B*n)
	for i := range x {
		x[i] = float64(i%5) / 4
	}
	g := poissonGraph(t, n, ir.Poisson{FMax: 300, DT: 1e-3, Seed: 99})
	whole, err := interp.RunGraph(g, &interp.GraphRun{T: T, B: B, Inputs: map[string][]float64{"x": x}})
	require.NoError(t, err)
	var pieces []float64
	for t0 := 0; t0 < T; t0 += 4 {
		steps := min(4, T-t0)
		res, err := interp.RunGraph(g, &interp.GraphRun{T: steps, B: B, Start: int64(t0), Inputs: map[string][]float64{"x": x[t0*B*n : (t0+steps)*B*n]}})
		require.NoError(t, err)
		pieces = append(pieces, res.Outputs["y"]...)
	}
	require.Equal(t, whole.Outputs["y"], pieces)
}

// No gradient reaches a Poisson encoder's input (Norse compares a random
// draw with the rate, which has no gradient).
func TestPoissonNoGradient(t *testing.T) {
	const T, B, n = 3, 2, 4
	x := make([]float64, T*B*n)
	dy := make([]float64, T*B*n)
	for i := range x {
		x[i], dy[i] = 0.5, 1
	}
	_, grads, err := interp.GradGraph(poissonGraph(t, n, ir.Poisson{FMax: 1000, DT: 1e-3}), &interp.GraphRun{T: T, B: B, Inputs: map[string][]float64{"x": x}}, map[string][]float64{"y": dy})
	require.NoError(t, err)
	require.Equal(t, make([]float64, len(x)), grads.Inputs["x"])
}

// lifCurrentEncoder is Norse's lif_current_encoder written out in float64.
func lifCurrentEncoder(x, v float64, p functional.LIFParameters, dt float64) (z, vNew float64) {
	v = v + dt*p.TauMemInv*((p.VLeak-v)+x)
	if v-p.VTh > 0 {
		z = 1
	}
	return z, v - z*(v-p.VReset)
}

// constant_current_lif reproduces the example in Norse's docstring of
// constant_current_lif_encode (currents 2, 4, 8, 16 over two steps), and a
// straightforward loop of lif_current_encoder with other parameters on
// changing currents.
func TestConstantCurrentLIF(t *testing.T) {
	g := stepGraph(t, 4, functional.ConstantCurrentLIF(functional.DefaultLIFParameters(), 1e-3))
	x := []float64{2, 4, 8, 16, 2, 4, 8, 16}
	res, err := interp.RunGraph(g, &interp.GraphRun{T: 2, B: 1, Inputs: map[string][]float64{"x": x}})
	require.NoError(t, err)
	require.Equal(t, []float64{0, 0, 0, 1, 0, 0, 1, 1}, res.Outputs["y"], "Norse's docstring example")
	require.InDeltaSlice(t, []float64{0.38, 0.76, 0, 0}, res.States[g.Nodes[1]]["v"][4:], 1e-12, "the voltages of the example")

	p := functional.LIFParameters{TauMemInv: 150, VLeak: 0.1, VTh: 0.8, VReset: -0.2, Method: functional.Super, Alpha: 100}
	const T, B, n, dt = 40, 2, 6, 1e-3
	g = stepGraph(t, n, functional.ConstantCurrentLIF(p, dt))
	x = make([]float64, T*B*n)
	for i := range x {
		x[i] = float64(i%7) * 1.5
	}
	res, err = interp.RunGraph(g, &interp.GraphRun{T: T, B: B, Inputs: map[string][]float64{"x": x}})
	require.NoError(t, err)
	v := make([]float64, B*n) // Norse starts the encoder at 0
	spikes := 0.0
	for k, got := range res.Outputs["y"] {
		var z float64
		z, v[k%(B*n)] = lifCurrentEncoder(x[k], v[k%(B*n)], p, dt)
		require.Equal(t, z, got, "z[%d]", k)
		spikes += z
	}
	require.Greater(t, spikes, 10.0, "the reference must spike to test anything")
}

// spike_latency keeps each neuron's first spike of the constant-current
// encoder (Norse's spike_latency_lif_encode) and nothing after it.
func TestSpikeLatency(t *testing.T) {
	p := functional.DefaultLIFParameters()
	const T, B, n, dt = 30, 2, 5, 1e-3
	x := make([]float64, T*B*n)
	for i := range x {
		x[i] = float64(i%(B*n)) * 3
	}
	ccl, err := interp.RunGraph(stepGraph(t, n, functional.ConstantCurrentLIF(p, dt)), &interp.GraphRun{T: T, B: B, Inputs: map[string][]float64{"x": x}})
	require.NoError(t, err)
	lat, err := interp.RunGraph(stepGraph(t, n, functional.SpikeLatency(p, dt)), &interp.GraphRun{T: T, B: B, Inputs: map[string][]float64{"x": x}})
	require.NoError(t, err)
	seen := make([]bool, B*n)
	first := 0
	for k, z := range ccl.Outputs["y"] {
		want := 0.0
		if z == 1 && !seen[k%(B*n)] {
			want, seen[k%(B*n)] = 1, true
			first++
		}
		require.Equal(t, want, lat.Outputs["y"][k], "z[%d]", k)
	}
	require.Greater(t, first, 3, "some neurons must spike")
}

// One step from v = 0 with v_leak = 0: v = a·x with a = dt·tau_mem_inv, so
// dz/dx = a·SuperSpike'(a·x − v_th) = a/(alpha·|a·x − v_th| + 1)². The
// spike-latency encoder has the same gradient until the first spike, and 0
// once the mask is set.
func TestEncoderGradients(t *testing.T) {
	p := functional.DefaultLIFParameters()
	x := []float64{3, 9, 12, 20}
	a := 1e-3 * p.TauMemInv
	want := make([]float64, len(x))
	for i, xi := range x {
		want[i] = a / math.Pow(p.Alpha*math.Abs(a*xi-p.VTh)+1, 2)
	}
	dy := []float64{1, 1, 1, 1}
	for _, s := range []*ir.Step{functional.ConstantCurrentLIF(p, 1e-3), functional.SpikeLatency(p, 1e-3)} {
		_, grads, err := interp.GradGraph(stepGraph(t, 4, s), &interp.GraphRun{T: 1, B: 1, Inputs: map[string][]float64{"x": x}}, map[string][]float64{"y": dy})
		require.NoError(t, err)
		require.InDeltaSlice(t, want, grads.Inputs["x"], 1e-15, s.Name)
	}
	// Two steps of a current that spikes at once (x = 20 → v = 2): the
	// second step's output is masked, so its gradient is 0.
	s := functional.SpikeLatency(p, 1e-3)
	_, grads, err := interp.GradGraph(stepGraph(t, 1, s), &interp.GraphRun{T: 2, B: 1, Inputs: map[string][]float64{"x": {20, 20}}}, map[string][]float64{"y": {0, 1}})
	require.NoError(t, err)
	require.Equal(t, []float64{0, 0}, grads.Inputs["x"], "after the first spike, the output carries no gradient")
}

// An input declared as spikes takes 0 and 1 only; any other value is an
// error naming the input, the time step, batch entry, feature and value.
func TestSpikeInputChecked(t *testing.T) {
	g := ir.NewGraph("spk")
	x, err := g.Input("x", 3)
	require.NoError(t, err)
	x.Spikes = true
	w, err := g.Param("w", 2, 3)
	require.NoError(t, err)
	y, err := g.Op(ir.GLinear, nil, x, w)
	require.NoError(t, err)
	g.Output("y", y)
	params := map[string][]float64{"w": {1, 2, 3, 4, 5, 6}}
	in := []float64{0, 1, 1, 0, 0, 1, 1, 1, 0, 0, 0, 0}
	_, err = interp.RunGraph(g, &interp.GraphRun{T: 2, B: 2, Inputs: map[string][]float64{"x": in}, Params: params})
	require.NoError(t, err)
	in[10] = 0.5
	_, err = interp.RunGraph(g, &interp.GraphRun{T: 2, B: 2, Inputs: map[string][]float64{"x": in}, Params: params})
	require.Error(t, err)
	require.Contains(t, err.Error(), "input x: declared spikes, but the value at t=1, b=1, i=1 (flat index 10) is 0.5")
	in[10] = math.NaN()
	_, err = interp.RunGraph(g, &interp.GraphRun{T: 2, B: 2, Inputs: map[string][]float64{"x": in}, Params: params})
	require.True(t, err != nil && strings.Contains(err.Error(), "is NaN"), "NaN: %v", err)
}
