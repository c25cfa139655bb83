package ir

import (
	"strings"
	"testing"
)

// The text form of a spike input and a Poisson encoder reads back to the
// same graph, and their type rules refuse what does not fit.
func TestEncodeTextRoundTrip(t *testing.T) {
	g := NewGraph("enc")
	x, err := g.Input("x", 4)
	if err != nil {
		t.Fatal(err)
	}
	x.Spikes = true
	c, err := g.Input("c", 4)
	if err != nil {
		t.Fatal(err)
	}
	p, err := g.Op(GPoisson, &Node{Poisson: Poisson{FMax: 250, DT: 5e-4, Seed: 18446744073709551615}}, c)
	if err != nil {
		t.Fatal(err)
	}
	s, err := g.Op(GAdd, nil, x, p)
	if err != nil {
		t.Fatal(err)
	}
	g.Output("y", s)
	text := g.String()
	for _, want := range []string{"n1 = input x spikes=true : seq[4]", "n3 = poisson f_max=250 dt=0.0005 seed=18446744073709551615 n2 : seq[4]"} {
		if !strings.Contains(text, want) {
			t.Fatalf("text form lacks %q:\n%s", want, text)
		}
	}
	back, err := ParseGraph(text)
	if err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	if back.String() != text {
		t.Fatalf("round trip changed the graph:\n%s\nwant\n%s", back.String(), text)
	}
	if !back.Nodes[0].Spikes || back.Nodes[1].Spikes || back.Nodes[2].Poisson != p.Poisson {
		t.Fatalf("attributes lost: %+v %+v", back.Nodes[0], back.Nodes[2].Poisson)
	}

	for _, bad := range []struct{ text, msg string }{
		{"graph g {\n  n1 = input x spikes=maybe : seq[4]\n  output y = n1\n}\n", `bad spikes "maybe"`},
		{"graph g {\n  n1 = input x : seq[4]\n  n2 = poisson f_max=-1 dt=0.001 seed=0 n1 : seq[4]\n  output y = n2\n}\n", "f_max = -1"},
		{"graph g {\n  n1 = input x : seq[4]\n  n2 = poisson f_max=100 dt=0 seed=0 n1 : seq[4]\n  output y = n2\n}\n", "dt = 0"},
		{"graph g {\n  n1 = input x : seq[4]\n  n2 = poisson f_max=100 dt=0.001 seed=-3 n1 : seq[4]\n  output y = n2\n}\n", `bad seed "-3"`},
		{"graph g {\n  n1 = input x : batch[4]\n  n2 = poisson f_max=100 dt=0.001 seed=0 n1 : batch[4]\n  output y = n2\n}\n", "must be a sequence"},
		{"graph g {\n  n1 = input x spikes=true : batch[4]\n  output y = n1\n}\n", "only a sequence input can be spikes"},
		{"graph g {\n  n1 = input x : seq[4]\n  n2 = flatten seed=3 n1 : seq[4]\n  output y = n2\n}\n", `has no attribute "seed"`},
	} {
		_, err := ParseGraph(bad.text)
		if err == nil || !strings.Contains(err.Error(), bad.msg) {
			t.Errorf("%q: error %v, want one containing %q", bad.text, err, bad.msg)
		}
	}
}

// The generator's draws are multiples of 2⁻²⁴ in [0, 1), depend on every
// coordinate, and average ½.
func TestPoissonUniform(t *testing.T) {
	sum, n := 0.0, 0
	for tt := int64(0); tt < 50; tt++ {
		for b := 0; b < 4; b++ {
			for i := 0; i < 100; i++ {
				u := PoissonUniform(1, tt, b, i)
				if u < 0 || u >= 1 || u*(1<<24) != float64(int64(u*(1<<24))) {
					t.Fatalf("draw %v is not a multiple of 2^-24 in [0, 1)", u)
				}
				sum += u
				n++
			}
		}
	}
	if mean := sum / float64(n); mean < 0.49 || mean > 0.51 {
		t.Errorf("mean of %d draws = %v, want about 0.5", n, mean)
	}
	base := PoissonUniform(1, 2, 3, 4)
	for _, other := range []float64{PoissonUniform(2, 2, 3, 4), PoissonUniform(1, 3, 3, 4), PoissonUniform(1, 2, 4, 4), PoissonUniform(1, 2, 3, 5)} {
		if other == base {
			t.Errorf("a draw does not depend on every coordinate")
		}
	}
}
