package neuro

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/snnc/snnc/internal/hdf5"
)

func compileMNIST(t *testing.T) *Program {
	t.Helper()
	m, b := loadModel(t, "mnist_lif")
	p, err := CompileGraph(b.Graph, b.Params, m.DT, mustTarget(t, "loihi2"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestNetxLayout(t *testing.T) {
	p := compileMNIST(t)
	data, err := p.NetxHDF5()
	if err != nil {
		t.Fatal(err)
	}
	f, err := hdf5.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	for k, l := range p.Loihi {
		g, err := f.Group("layer/" + string(rune('0'+k)))
		if err != nil {
			t.Fatal(err)
		}
		get := func(name string) []int64 {
			d, err := g.Dataset(name)
			if err != nil {
				t.Fatal(err)
			}
			v, err := d.Int64s()
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		if got := get("neuron/iDecay"); got[0] != l.LIF.Du+1 {
			t.Errorf("layer %d iDecay %d, want du+1 = %d (netx subtracts 1)", k, got[0], l.LIF.Du+1)
		}
		if got := get("neuron/vThMant"); got[0] != l.LIF.Vth {
			t.Errorf("layer %d vThMant %d, want %d", k, got[0], l.LIF.Vth)
		}
		if got := get("bias"); !reflect.DeepEqual(got, l.LIF.BiasMant) {
			t.Errorf("layer %d bias differs", k)
		}
		wd, err := g.Dataset("weight")
		if err != nil {
			t.Fatal(err)
		}
		w, err := wd.Float64s()
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(wd.Shape(), []int{l.FF.Post, l.FF.Pre}) {
			t.Fatalf("weight shape %v", wd.Shape())
		}
		for i, x := range l.FF.W {
			if w[i] != shiftExpExact(x, l.FF.WeightExp) {
				t.Fatalf("layer %d weight %d = %g, want %d·2^%d", k, i, w[i], x, l.FF.WeightExp)
			}
		}
		typ, err := g.Dataset("type")
		if err != nil {
			t.Fatal(err)
		}
		s, err := typ.Strings()
		if err != nil || len(s) != 1 || s[0] != "dense" {
			t.Fatalf("type %v %v", s, err)
		}
	}
}

// TestNetxH5py reads the export with h5py (HDF5's own library). It skips
// without python3 and h5py, unless SNNC_REQUIRE_REF=1 (make neuro-check).
func TestNetxH5py(t *testing.T) {
	py := os.Getenv("H5PY_PYTHON")
	if py == "" {
		py = "/usr/bin/python3"
	}
	if err := exec.Command(py, "-c", "import h5py").Run(); err != nil {
		msg := py + " cannot import h5py; install python3-h5py (or set H5PY_PYTHON) to check the netx export"
		if os.Getenv("SNNC_REQUIRE_REF") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	p := compileMNIST(t)
	path := filepath.Join(t.TempDir(), "mnist.net")
	if _, err := p.Export(path); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(py, "testdata/check_netx.py", path).Output()
	if err != nil {
		t.Fatalf("h5py could not read the export: %v", err)
	}
	var layers []struct {
		Type        string  `json:"type"`
		NeuronType  string  `json:"neuron_type"`
		WeightShape []int   `json:"weight_shape"`
		WeightSum   float64 `json:"weight_sum"`
		BiasSum     int64   `json:"bias_sum"`
		Du, Dv, Vth int64
	}
	if err := json.Unmarshal(out, &layers); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if len(layers) != len(p.Loihi) {
		t.Fatalf("h5py found %d layers, want %d", len(layers), len(p.Loihi))
	}
	for k, l := range p.Loihi {
		got := layers[k]
		var ws float64
		for _, x := range l.FF.W {
			ws += shiftExpExact(x, l.FF.WeightExp)
		}
		var bs int64
		for _, x := range l.LIF.BiasMant {
			bs += x
		}
		if got.Type != "dense" || got.NeuronType != "CUBA" || got.Du != l.LIF.Du || got.Dv != l.LIF.Dv || got.Vth != l.LIF.Vth ||
			!reflect.DeepEqual(got.WeightShape, []int{l.N, l.FF.Pre}) || got.WeightSum != ws || got.BiasSum != bs {
			t.Errorf("layer %d as h5py reads it: %+v", k, got)
		}
	}
}

func TestXyloSpecRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	b, dt := randomNet(t, rng, []int{10, 20, 12, 3}, false, 30)
	p, err := CompileGraph(b.Graph, b.Params, dt, mustTarget(t, "xylo-audio2"))
	if err != nil {
		t.Fatal(err)
	}
	data, err := p.XyloSpecJSON()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte("has_bias")) {
		t.Error("the spec passes has_bias, which from_specification does not take")
	}
	spec, err := ReadXyloSpec(data)
	if err != nil {
		t.Fatal(err)
	}
	a, err := NewXyloNet(spec)
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewXyloNet(p.Xylo)
	if err != nil {
		t.Fatal(err)
	}
	for step := 0; step < 50; step++ {
		in := make([]int64, 10)
		for i := range in {
			in[i] = rng.Int64N(3)
		}
		if sa, sc := a.Step(in), c.Step(in); !reflect.DeepEqual(sa, sc) {
			t.Fatalf("step %d: the re-read spec runs differently", step)
		}
	}
	for src, want := range map[string]string{
		"{\n  \"weights_in\": [[[1, 2]]],\n  \"bogus\": 1}": `xylo spec:3:3: unknown field "bogus"`,
		"{\n  \"dash_mem\": [1,,2]}":                        "xylo spec:2:19: invalid character ','",
		"{\n  \"dash_mem\": \"three\"}":                     "xylo spec:2:3: dash_mem: want []int64",
		`{"weights_in": [[[300, 0]]], "dash_mem": [1], "dash_syn": [1], "dash_syn_2": [1], "threshold": [1]}`: "not an int8",
	} {
		_, err := ReadXyloSpec([]byte(src))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", src, err, want)
		}
	}
}
