package neuro

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

// One test per pitfall of docs/targets.md §9, each with values worked out
// by hand from the rules.

func TestPitfall1Rounding(t *testing.T) {
	// Half to even, as numpy and torch round; math.Round would give 1, 3, −3.
	for x, want := range map[float64]int64{0.5: 0, 1.5: 2, 2.5: 2, -2.5: -2, -0.5: 0, 3.5: 4} {
		if got, _ := toInt(x, -100, 100); got != want {
			t.Errorf("toInt(%g) = %d, want %d", x, got, want)
		}
	}
	// Loihi's decay truncates toward zero: −5·(4096−2048)/4096 = −2.5 → −2 (floor would give −3).
	l := NewLavaLIF(1, LavaLIFParams{Du: 4095, Dv: 2048, Vth: 131071, BiasMant: []int64{0}, BiasExp: []int64{0}})
	l.V[0] = -5
	l.Step([]int64{0}, []int64{0})
	if l.V[0] != -2 {
		t.Errorf("v decay of −5 by half = %d, want −2", l.V[0])
	}
	// Inhibitory weights round toward zero: −77 with 6 bits (2 truncated) is −76, not −80.
	w, _, _ := LavaWeights([]int64{-77}, SignInhibitory, 6)
	if w[0] != -76 {
		t.Errorf("inhibitory −77 → %d, want −76", w[0])
	}
	// Mixed weights floor: −77 with 8 bits (1 truncated) is −78.
	w, _, _ = LavaWeights([]int64{-77, 77}, SignMixed, 8)
	if w[0] != -78 || w[1] != 76 {
		t.Errorf("mixed ±77 → %v, want [−78 76]", w)
	}
	// A negative weight exponent floors: Σ = −3, exp −1 → −2.
	d := NewLavaDense(1, 1, []int64{-3}, -1, false)
	out := []int64{0}
	d.Step([]int64{1}, out)
	d.Step([]int64{0}, out)
	if out[0] != -2 {
		t.Errorf("−3 >> 1 = %d, want −2", out[0])
	}
}

func TestPitfall2GoShifts(t *testing.T) {
	if -5>>1 != -3 {
		t.Fatal("Go's >> on a negative int is not a floor")
	}
	if trunc0(-5, 1) != -2 || trunc0(5, 1) != 2 || trunc0(-1, 12) != 0 {
		t.Errorf("trunc0 does not round toward zero")
	}
}

func TestPitfall3StrictThreshold(t *testing.T) {
	// Loihi: v == vth<<6 does not spike.
	l := NewLavaLIF(1, LavaLIFParams{Du: 4095, Dv: 4095, Vth: 1, BiasMant: []int64{0}, BiasExp: []int64{0}})
	s := []int64{0}
	l.Step([]int64{1}, s) // u = 64, v = 64 = vth<<6
	if s[0] != 0 || l.V[0] != 64 {
		t.Errorf("Loihi spiked at v == threshold (s %d, v %d)", s[0], l.V[0])
	}
	l.Step([]int64{2}, s) // v = 128 > 64
	if s[0] != 1 || l.V[0] != 0 {
		t.Errorf("Loihi did not spike above threshold (s %d, v %d)", s[0], l.V[0])
	}
	// Xylo: v == θ spikes, and the reset subtracts.
	x := singleXylo(t, 100, 1, 15, 50, 0)
	st := x.Step([]int64{1}) // I = 100 − 50 = 50, v = 50 = θ
	if st.Spikes[0] != 1 || st.Vmem[0] != 0 {
		t.Errorf("Xylo at v == θ: %d spikes, v %d; want 1 spike, v 0", st.Spikes[0], st.Vmem[0])
	}
}

// singleXylo is one hidden neuron fed by one input channel with weight w.
func singleXylo(t *testing.T, w, dashSyn, dashMem, theta, bias int64) *XyloNet {
	t.Helper()
	spec := &XyloSpec{
		WeightsIn: [][][]int64{{{w, 0}}}, WeightsOut: [][]int64{{0}},
		DashMem: []int64{dashMem}, DashSyn: []int64{dashSyn}, DashSyn2: []int64{1}, Threshold: []int64{theta}, Bias: []int64{bias},
		DashMemOut: []int64{1}, DashSynOut: []int64{1}, ThresholdO: []int64{1000}, BiasOut: []int64{0}, HasBias: bias != 0,
	}
	x, err := NewXyloNet(spec)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func TestPitfall4OrderAndDelay(t *testing.T) {
	// Loihi decays then adds: the input lands undecayed in u.
	l := NewLavaLIF(1, LavaLIFParams{Du: 2047, Dv: 0, Vth: 131071, BiasMant: []int64{0}, BiasExp: []int64{0}})
	s := []int64{0}
	l.Step([]int64{1}, s)
	if l.U[0] != 64 {
		t.Errorf("u after a_in=1 = %d, want 64", l.U[0])
	}
	l.Step([]int64{0}, s)
	if l.U[0] != 32 {
		t.Errorf("u decayed by half = %d, want 32", l.U[0])
	}
	// Xylo adds then decays: I = 100 → 100 − 100>>1 = 50 in the same step.
	x := singleXylo(t, 100, 1, 1, 30000, 0)
	if st := x.Step([]int64{1}); st.Isyn[0] != 50 {
		t.Errorf("Xylo I after one spike of 100 with dash 1 = %d, want 50", st.Isyn[0])
	}
	// Lava Dense: spikes of step t arrive at t+1.
	d := NewLavaDense(1, 1, []int64{10}, 0, false)
	out := []int64{0}
	d.Step([]int64{1}, out)
	if out[0] != 0 {
		t.Errorf("Dense delivered in the same step")
	}
	d.Step([]int64{0}, out)
	if out[0] != 10 {
		t.Errorf("Dense delivered %d one step later, want 10", out[0])
	}
}

func TestPitfall5Overflow(t *testing.T) {
	// u wraps once by 2^24: 2^23 stays (the (−2^23, 2^23] quirk), 2^23+64 wraps.
	l := NewLavaLIF(2, LavaLIFParams{Du: 4095, Dv: 4095, Vth: 131071, BiasMant: []int64{0, 0}, BiasExp: []int64{0, 0}})
	s := []int64{0, 0}
	l.Step([]int64{1 << 17, 1<<17 + 1}, s) // a_in<<6 = 2^23, 2^23+64
	if l.U[0] != 1<<23 || l.U[1] != 64-(1<<23) {
		t.Errorf("u = %v, want [2^23, 64−2^23]", l.U)
	}
	// v saturated at 2^23−1 > vth<<6 = 8388544, so neuron 0 spiked and reset.
	if s[0] != 1 || l.V[0] != 0 {
		t.Errorf("neuron 0: s %d, v %d; want a spike and v 0", s[0], l.V[0])
	}
	l.Step([]int64{-(1 << 17), -(1 << 17)}, s) // u = −2^23 → wraps to +2^23
	if l.U[0] != 1<<23 {
		t.Errorf("u at −2^23 = %d, want +2^23 (the single correction)", l.U[0])
	}
	// Counted for the report: u wrapped for neuron 1 in step 1 and for both
	// in step 2; v saturated for neuron 0 in both steps (2^23 each time).
	if l.UWraps != 3 || l.VSaturations != 2 {
		t.Errorf("counted %d wraps and %d saturations, want 3 and 2", l.UWraps, l.VSaturations)
	}
	// v saturates at −(2^23−1) instead of wrapping.
	sv := NewLavaLIF(1, LavaLIFParams{Du: 4095, Dv: 0, Vth: 131071, BiasMant: []int64{0}, BiasExp: []int64{0}})
	sv.V[0] = -(1<<23 - 10)
	sv.Step([]int64{-1}, s[:1])
	if sv.V[0] != -(1<<23 - 1) {
		t.Errorf("v = %d, want the negative limit %d", sv.V[0], -(1<<23 - 1))
	}
	// Xylo saturates after every spike: 15 spikes of 127<<8 = 32512 saturate at 32767.
	x := singleXylo(t, 127, 15, 15, 32767, 0)
	x.spec.ShiftIn = 8
	st := x.Step([]int64{15})
	if st.Isyn[0] != 32767-(32767>>15|1) {
		t.Errorf("saturated I = %d, want 32766", st.Isyn[0])
	}
	if x.Saturations != 14 {
		t.Errorf("counted %d saturating additions, want 14 (spikes 2..15)", x.Saturations)
	}
	// w<<shift is passed as int16: 127<<9 = 65024 wraps to −512.
	x = singleXylo(t, 127, 15, 15, 32767, 0)
	x.spec.ShiftIn = 9
	if st := x.Step([]int64{1}); st.Isyn[0] != -512+1 {
		t.Errorf("I after 127<<9 = %d, want −511 (−512 wrapped, then the 1-LSB leak)", st.Isyn[0])
	}
	// −decay(−32768, 0) = +32768 wraps to −32768: v sticks at −32768.
	x = singleXylo(t, 0, 1, 0, 1000, -32768)
	x.hid[0].v = -32768
	x.hid[0].bias = 0
	if st := x.Step([]int64{0}); st.Vmem[0] != -32768 {
		t.Errorf("v with dash_mem 0 at −32768 = %d, want −32768 (xylosim's int16 wrap)", st.Vmem[0])
	}
}

func TestPitfall6ParameterSharing(t *testing.T) {
	// Loihi shares du, dv and vth per population: per-neuron τ is refused.
	rng := rand.New(rand.NewPCG(21, 22))
	b, dt := randomNet(t, rng, []int{8, 6, 2}, false, 5)
	net, err := ExtractNet(b.Graph, b.Params, dt)
	if err != nil {
		t.Fatal(err)
	}
	net.Layers[0].Params.TauMemInv[3] = 50
	_, err = Compile(net, mustTarget(t, "loihi2"))
	if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "tau_mem_inv differs") {
		t.Fatalf("per-neuron τ on loihi2: %v", err)
	}
}

func TestPitfall7XyloCorners(t *testing.T) {
	// dash_syn = 0 wipes the input: I − I = 0.
	x := singleXylo(t, 100, 0, 1, 1000, 0)
	if st := x.Step([]int64{1}); st.Isyn[0] != 0 || st.Vmem[0] != 0 {
		t.Errorf("dash_syn 0: I %d, v %d; want 0, 0", st.Isyn[0], st.Vmem[0])
	}
	// States leak at least one LSB, even with dash 15.
	if xyloDecay(5, 15) != 1 || xyloDecay(-5, 15) != -1 {
		t.Errorf("decay below one LSB is not ±1")
	}
	// Negative states decay faster: dec(−5, 1) = −3 (floor), dec(5, 1) = 2.
	if xyloDecay(-5, 1) != -3 || xyloDecay(5, 1) != 2 {
		t.Errorf("dec(±5, 1) = %d, %d; want −3, 2", xyloDecay(-5, 1), xyloDecay(5, 1))
	}
}

func TestPitfall8PartitionRevalidates(t *testing.T) {
	// 100 neurons × 3000 inputs, dense: the neuron ratio says one core,
	// synapse memory forces more, and every chunk is re-checked.
	tg := mustTarget(t, "loihi2")
	s := layerShape{name: "big", n: 100, in: 3000, nnzCol: func(first, cnt int) []int64 {
		cols := make([]int64, 3000)
		for j := range cols {
			cols[j] = int64(cnt)
		}
		return cols
	}}
	m, err := mapPerCore([]layerShape{s}, tg)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Cores) < 2 {
		t.Fatalf("%d cores; synapse memory needs more than one", len(m.Cores))
	}
	for _, c := range m.Cores {
		if c.SynapseBits > limitOf(tg.Core.SynapseMemBits) {
			t.Errorf("core %d holds %d synapse bits, over the limit", c.Core, c.SynapseBits)
		}
	}
}
