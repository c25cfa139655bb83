package neuro

import (
	"math"
	"testing"
)

func TestXyloDashFromTau(t *testing.T) {
	// dash = round(log2(τ/dt)), half to even, clipped to 0..15 (Rockpool).
	for _, tc := range []struct {
		tauSteps float64
		want     int64
	}{
		{1, 0}, {2, 1}, {5, 2}, {10, 3}, {math.Pow(2, 2.5), 2}, {math.Pow(2, 3.5), 4}, {1e9, 15},
	} {
		if got := dashFor(1 / tc.tauSteps); got != tc.want {
			t.Errorf("τ = %g steps: dash %d, want %d", tc.tauSteps, got, tc.want)
		}
	}
}

func TestXyloPerNeuronParameters(t *testing.T) {
	net := signNet(t, 4, 6, 2)
	l := &net.Layers[0]
	l.Params.TauMemInv[2] = 1000 / 32.0 // τ = 32 steps: dash 5
	l.Params.VTh[4] = 2
	p, err := Compile(net, mustTarget(t, "xylo-audio2"))
	if err != nil {
		t.Fatal(err)
	}
	s := p.Xylo
	if s.DashMem[2] != 5 || s.DashMem[0] != 3 {
		t.Errorf("dash_mem %v: want neuron 2 at 5, the others at 3", s.DashMem)
	}
	if s.Threshold[4] != 2*s.Threshold[0] && s.Threshold[4] != 2*s.Threshold[0]+1 && s.Threshold[4] != 2*s.Threshold[0]-1 {
		t.Errorf("thresholds %v: neuron 4's should be twice neuron 0's", s.Threshold)
	}
}

func TestXyloThresholdRescale(t *testing.T) {
	// With tiny weights, 127/max|w| would put θ beyond int16: Rockpool then
	// scales weights and thresholds down together so the largest θ is 32767.
	net := signNet(t, 4, 6, 2)
	for i := range net.Layers[0].W {
		net.Layers[0].W[i] *= 1e-4
	}
	p, err := Compile(net, mustTarget(t, "xylo-audio2"))
	if err != nil {
		t.Fatal(err)
	}
	maxW := int64(0)
	for _, row := range p.Xylo.WeightsIn {
		for _, syn := range row {
			maxW = max(maxW, syn[0], -syn[0])
		}
	}
	if p.Xylo.Threshold[0] != 32767 || maxW >= 127 {
		t.Errorf("threshold %d, max |w| %d: want 32767 and weights scaled below 127", p.Xylo.Threshold[0], maxW)
	}
}

func TestLoihiWeightsOnGrid(t *testing.T) {
	net := signNet(t, 30, 20, 5)
	net.Layers[0].W[7] = 0.001 // a small weight among ±4/30
	p, err := Compile(net, mustTarget(t, "loihi2"))
	if err != nil {
		t.Fatal(err)
	}
	for k, l := range p.Loihi {
		c := l.FF
		// What Lava's Dense would do to them must change nothing.
		again, _, err := LavaWeights(c.W, c.Mode, c.NumWeightBits)
		if err != nil {
			t.Fatal(err)
		}
		for i := range again {
			if again[i] != c.W[i] {
				t.Fatalf("layer %d weight %d = %d is not on Lava's %v grid (→ %d)", k, i, c.W[i], c.Mode, again[i])
			}
		}
		if c.WeightExp < -8 || c.WeightExp > 7 {
			t.Errorf("weight_exp %d outside −8..7", c.WeightExp)
		}
		q := p.Quant.Layers[k]
		// Rounding to an even step of 2^(6+exp)/(S·gain) errs by at most one step.
		unit := math.Ldexp(1, 6+c.WeightExp) / (l.floatGain * l.Scale)
		if q.FF.MaxErr > unit*1.0001 || q.FF.Clipped != 0 {
			t.Errorf("layer %d: max error %g over one step %g, or %d clipped", k, q.FF.MaxErr, unit, q.FF.Clipped)
		}
	}
	// The largest weight uses the top of the mantissa range.
	top := int64(0)
	for _, w := range p.Loihi[0].FF.W {
		top = max(top, w, -w)
	}
	if top < 128 {
		t.Errorf("largest mantissa %d: the exponent wastes precision", top)
	}
}
