package nir

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/snnc/snnc/backend/interp"
	"github.com/snnc/snnc/functional"
	"github.com/snnc/snnc/ir"
	"github.com/snnc/snnc/module"
)

// alifParams are the parameters of an adaptive LIF neuron that snnc does
// not ship, as a user's package declares them.
type alifParams struct {
	TauMemInv   float64 `json:"tau_mem_inv"`
	TauAdaptInv float64 `json:"tau_adapt_inv"`
	Beta        float64 `json:"beta"`
	VTh         float64 `json:"v_th"`
	Alpha       float64 `json:"alpha"`
}

func alifDefaults() alifParams {
	return alifParams{TauMemInv: 100, TauAdaptInv: 20, Beta: 0.3, VTh: 1, Alpha: 100}
}

// alif: v' = v + dt/τm·(x − v − a); a' = a − dt/τa·a; z = [v' > v_th];
// v' ← 0 and a' ← a' + β where z.
func alif(p alifParams, dt float64) *ir.Step {
	states := []functional.StateVar{{Name: "v", Init: 0}, {Name: "a", Init: 0}}
	return functional.Lift("test_alif", "x", "z", states, func(s *ir.Step, x *ir.Value, st []*ir.Value) (*ir.Value, []*ir.Value) {
		v, a := st[0], st[1]
		h := s.Const(dt)
		vn := s.Add(v, s.Mul(s.Mul(h, s.Param("tau_mem_inv", p.TauMemInv)), s.Sub(s.Sub(x, v), a)))
		an := s.Sub(a, s.Mul(s.Mul(h, s.Param("tau_adapt_inv", p.TauAdaptInv)), a))
		z := functional.Threshold(s, s.Sub(vn, s.Param("v_th", p.VTh)), functional.Super, p.Alpha)
		return z, []*ir.Value{s.Mul(s.Sub(s.Const(1), z), vn), s.Add(an, s.Mul(s.Param("beta", p.Beta), z))}
	})
}

// alifMapping stores test_alif as a node type of its own; alpha is a
// constant of the step and so one value for all neurons.
var alifMapping = ModelMapping[alifParams]{
	Model:    "test_alif",
	NodeType: "TestALIF",
	Params:   []string{"tau_mem", "tau_adapt", "beta", "v_threshold", "alpha"},
	ToNIR: func(p alifParams, dt float64) (map[string]float64, error) {
		return map[string]float64{"tau_mem": Reciprocal(p.TauMemInv), "tau_adapt": Reciprocal(p.TauAdaptInv),
			"beta": p.Beta, "v_threshold": p.VTh, "alpha": p.Alpha}, nil
	},
	FromNIR: func(n *NodeParams, dt float64) (alifParams, error) {
		for _, tau := range []string{"tau_mem", "tau_adapt"} {
			for _, v := range n.Values(tau) {
				if !(v > 0) {
					return alifParams{}, fmt.Errorf("%s holds %g; time constants must be positive", tau, v)
				}
			}
		}
		inv := func(v float64) float64 { return 1 / v }
		return alifParams{
			TauMemInv:   n.PerNeuron("tau_mem", "tau_mem_inv", inv),
			TauAdaptInv: n.PerNeuron("tau_adapt", "tau_adapt_inv", inv),
			Beta:        n.PerNeuron("beta", "beta", nil),
			VTh:         n.PerNeuron("v_threshold", "v_th", nil),
			Alpha:       n.Value("alpha"),
		}, nil
	},
}

// lifMsParams is NIR's LIF with its time constant in milliseconds: a
// model whose dynamics are a NIR type's.
type lifMsParams struct {
	TauMs float64 `json:"tau_ms"`
	VTh   float64 `json:"v_th"`
	VLeak float64 `json:"v_leak"`
}

func lifMs(p lifMsParams, dt float64) *ir.Step {
	q := functional.DefaultLIFBoxParameters()
	q.TauMemInv, q.VTh, q.VLeak, q.VReset = 1000/p.TauMs, p.VTh, p.VLeak, 0
	return functional.LIFBox(q, dt)
}

var lifMsMapping = ModelMapping[lifMsParams]{
	Model:    "test_lif_ms",
	NodeType: TypeLIF,
	ToNIR: func(p lifMsParams, dt float64) (map[string]float64, error) {
		return map[string]float64{"tau": p.TauMs / 1000, "r": 1, "v_leak": p.VLeak, "v_threshold": p.VTh}, nil
	},
	FromNIR: func(n *NodeParams, dt float64) (lifMsParams, error) {
		if r := n.Value("r"); r != 1 {
			return lifMsParams{}, fmt.Errorf("r = %g; the model takes its input unscaled (r = 1)", r)
		}
		if v := n.Value("v_reset"); v != 0 {
			return lifMsParams{}, fmt.Errorf("v_reset = %g; the model resets to 0", v)
		}
		return lifMsParams{TauMs: n.Value("tau") * 1000, VTh: n.Value("v_threshold"), VLeak: n.Value("v_leak")}, nil
	},
}

func init() {
	functional.MustRegister("test_alif", "adaptive LIF", alifDefaults, alif)
	functional.MustRegister("test_lif_ms", "LIF, tau in ms", func() lifMsParams { return lifMsParams{TauMs: 10, VTh: 1} }, lifMs)
	// Registered with functional only: no NIR mapping.
	functional.MustRegister("test_unmapped", "adaptive LIF without a NIR mapping", alifDefaults, alif)
	functional.MustRegister("test_badbind", "adaptive LIF whose mapping binds a missing step parameter", alifDefaults, alif)
	MustRegisterModel(alifMapping)
	MustRegisterModel(lifMsMapping)
	badBind := alifMapping
	badBind.Model, badBind.NodeType = "test_badbind", "TestBadBind"
	badBind.FromNIR = func(n *NodeParams, dt float64) (alifParams, error) {
		p, err := alifMapping.FromNIR(n, dt)
		n.PerNeuron("beta", "no_such_param", nil)
		return p, err
	}
	MustRegisterModel(badBind)
}

// normals returns n normally distributed values times scale.
func normals(rng *rand.Rand, n int, scale float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64() * scale
	}
	return v
}

// runBuilder runs a built network on x ([T][B][input]) in the float64
// interpreter and returns its output.
func runBuilder(t *testing.T, b *module.Builder, x []float64, T, B int) []float64 {
	t.Helper()
	res, err := interp.RunGraph(b.Graph, &interp.GraphRun{T: T, B: B, Inputs: map[string][]float64{"input": x}, Params: b.Params})
	require.NoError(t, err)
	return res.Values[b.Graph.Outputs[0].Node]
}

// A model of a registered model with a node type of its own, feed-forward
// and recurrent, exports, writes, reads and imports back to the same
// graph, whose outputs on random input equal the model's bit for bit.
func TestRegisteredModelRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	p := alifDefaults()
	p.TauMemInv, p.Beta, p.VTh, p.Alpha = 130, 0.45, 0.8, 20
	const dt = 5e-4
	m := &module.Model{Name: "alifnet", DT: dt, InputShape: []int{8}, Net: module.Sequential{
		&module.Linear{Name: "fc1", In: 8, Out: 16, Weight: normals(rng, 16*8, 2)},
		&module.Neuron{Name: "a1", Model: "test_alif", Params: &p, DT: dt},
		&module.Recurrent{Neuron: module.Neuron{Name: "rec", Model: "test_alif", DT: dt},
			In: 16, Hidden: 12, InputWeights: normals(rng, 12*16, 3), RecurrentWeights: normals(rng, 12*12, 1)},
		&module.Linear{Name: "fc2", In: 12, Out: 4, Weight: normals(rng, 4*12, 1)},
		&module.Neuron{Name: "readout", Model: "li", DT: dt},
	}}
	want, err := module.Build(m.Name, m.Net, m.InputShape...)
	require.NoError(t, err)
	g, imp := exportImport(t, m)
	a1 := g.Nodes["a1"]
	require.Equal(t, "TestALIF", a1.Type)
	require.Equal(t, Metadata{metaModel: "test_alif"}, a1.Metadata)
	require.Equal(t, Fill([]int{16}, 0.45), a1.Params["beta"])
	require.Equal(t, []int{16}, a1.Params["tau_mem"].Shape)
	require.Equal(t, 130.0, 1/a1.Params["tau_mem"].Data[0], "1/τ gives the rate back exactly")
	require.Equal(t, "TestALIF", g.Nodes["rec"].Type)
	require.Equal(t, []string{"test_alif", "test_alif", "li"}, neuronModels(imp))
	require.Equal(t, graphText(want), graphText(imp.Builder))
	// The recurrent matrix's diagonal is exported as zeros (no autapses).
	rw := want.Params["rec.recurrent_weights"]
	for i := range 12 {
		rw[i*12+i] = 0
	}
	requireSameParams(t, want, imp.Builder)

	const T, B = 60, 3
	x := normals(rng, T*B*8, 1)
	got, ref := runBuilder(t, imp.Builder, x, T, B), runBuilder(t, want, x, T, B)
	require.Equal(t, ref, got)
	// The outputs depend on the neurons: the hidden layer spikes.
	res, err := interp.RunGraph(want.Graph, &interp.GraphRun{T: T, B: B, Inputs: map[string][]float64{"input": x}, Params: want.Params})
	require.NoError(t, err)
	spikes := 0.0
	for _, n := range want.Graph.Nodes {
		if n.Step != nil && n.Step.Name == "a1" {
			for _, z := range res.Values[n] {
				spikes += z
			}
		}
	}
	require.Greater(t, spikes, 0.0, "layer a1 never spikes")
}

// A model whose dynamics are NIR's LIF exports as a LIF node: snnc reads
// it back as the model (its metadata names it) and, without the metadata,
// as NIR's LIF; both run as the model.
func TestRegisteredModelStandardType(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	p := lifMsParams{TauMs: 7, VTh: 0.6, VLeak: 0.05}
	m := &module.Model{Name: "lifms", DT: 1e-3, InputShape: []int{6}, Net: module.Sequential{
		&module.Linear{Name: "fc", In: 6, Out: 10, Weight: normals(rng, 60, 1.5)},
		&module.Neuron{Name: "l", Model: "test_lif_ms", Params: &p, DT: 1e-3},
	}}
	want, err := module.Build(m.Name, m.Net, m.InputShape...)
	require.NoError(t, err)
	g, imp := exportImport(t, m)
	require.Equal(t, TypeLIF, g.Nodes["l"].Type)
	require.Equal(t, Metadata{metaModel: "test_lif_ms"}, g.Nodes["l"].Metadata)
	require.Equal(t, []string{"test_lif_ms"}, neuronModels(imp))

	plain := g.Clone()
	plain.Nodes["l"].Metadata = nil
	asLIF, err := Convert(plain, Options{Name: "lifms"})
	require.NoError(t, err)
	require.Equal(t, []string{"lif_box"}, neuronModels(asLIF))

	const T, B = 50, 2
	x := normals(rng, T*B*6, 1)
	ref := runBuilder(t, want, x, T, B)
	require.Contains(t, ref, 1.0, "no spikes")
	for name, b := range map[string]*module.Builder{"as the model": imp.Builder, "as NIR's LIF": asLIF.Builder} {
		got := runBuilder(t, b, x, T, B)
		require.Len(t, got, len(ref))
		for i := range ref {
			require.InDelta(t, ref[i], got[i], 1e-12, "%s: output %d", name, i)
		}
	}

	// A LIF whose metadata names a model without a mapping is NIR's LIF.
	other := g.Clone()
	other.Nodes["l"].Metadata = Metadata{metaModel: "test_unmapped"}
	imp, err = Convert(other, Options{})
	require.NoError(t, err)
	require.Contains(t, fmt.Sprint(imp.Notes), "l (LIF): its metadata names the neuron model test_unmapped, which has no LIF mapping")
}

// alifNode is a TestALIF node of n neurons with the given values, each
// parameter filled with the first value where one is given.
func alifNode(n int, vals map[string][]float64) *Node {
	node := NewNode("TestALIF")
	def := map[string]float64{"tau_mem": 0.01, "tau_adapt": 0.05, "beta": 0.3, "v_threshold": 0.5, "alpha": 100}
	for name, v := range def {
		node.Params[name] = Fill([]int{n}, v)
	}
	for name, v := range vals {
		node.Params[name] = Tensor{Shape: []int{len(v)}, Data: v}
	}
	return node
}

// Parameters that differ between neurons are bound per neuron: each
// neuron runs as in a population where every neuron has its values.
func TestRegisteredModelPerNeuron(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	mixed := chain([]int{3}, []int{3}, alifNode(3, map[string][]float64{"tau_mem": {0.01, 0.004, 0.01}, "beta": {0.3, 0.7, 0.3}}))
	imp, err := Convert(mixed, Options{})
	require.NoError(t, err)
	require.Equal(t, []float64{100, 250, 100}, imp.Builder.Params["n0.tau_mem_inv"])
	uniform := func(tau, beta float64) *Imported {
		imp, err := Convert(chain([]int{3}, []int{3}, alifNode(3, map[string][]float64{"tau_mem": {tau, tau, tau}, "beta": {beta, beta, beta}})), Options{})
		require.NoError(t, err)
		return imp
	}
	const T, B = 80, 2
	x := normals(rng, T*B*3, 2)
	got := run(t, imp, x, T, B)
	first, second := run(t, uniform(0.01, 0.3), x, T, B), run(t, uniform(0.004, 0.7), x, T, B)
	spikes := 0.0
	for i := range got {
		want := first[i]
		if i%3 == 1 {
			want = second[i]
		}
		require.Equal(t, want, got[i], "output %d", i)
		spikes += got[i]
	}
	require.Greater(t, spikes, 0.0)
}

// The errors of importing a node of a registered model wrap their
// sentinels and name the node.
func TestRegisteredModelImportErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		node *Node
		err  error
		want string
	}{
		{"alpha differs", alifNode(2, map[string][]float64{"alpha": {100, 50}}), ErrNotUniform,
			"n0 (TestALIF): NIR parameter differs between neurons: alpha ranges from 50 to 100; model test_alif takes one value for all neurons"},
		{"shapes differ", alifNode(3, map[string][]float64{"beta": {0.1, 0.2}}), ErrParamShape,
			"n0 (TestALIF): beta has shape [2], but tau_mem has [3]: a neuron's parameters share one shape"},
		{"missing", func() *Node { n := alifNode(2, nil); delete(n.Params, "beta"); return n }(), ErrParamShape,
			"n0 (TestALIF): parameter beta is missing"},
		{"extra", alifNode(2, map[string][]float64{"r": {1, 1}}), ErrParamShape,
			"n0 (TestALIF): parameter r is not one of TestALIF's (tau_mem, tau_adapt, beta, v_threshold, alpha)"},
		{"FromNIR refuses", alifNode(2, map[string][]float64{"tau_adapt": {0.05, -1}}), ErrParamValue,
			"n0 (TestALIF): invalid NIR parameter value: model test_alif: tau_adapt holds -1; time constants must be positive"},
		{"bad binding", func() *Node {
			n := alifNode(2, map[string][]float64{"beta": {0.1, 0.2}})
			n.Type = "TestBadBind"
			return n
		}(), ErrBadMapping, "n0 (TestBadBind): invalid NIR mapping: FromNIR of model test_badbind binds no_such_param per neuron, but the model's step has no such parameter"},
		{"unknown type", func() *Node {
			n := alifNode(2, nil)
			n.Type, n.Metadata = "QIFOther", Metadata{metaModel: "qif_other"}
			return n
		}(), ErrUnknownNodeType, `n0 (QIFOther): unknown node type "QIFOther": snnc wrote it for the registered neuron model qif_other, which this program has no NIR mapping for (a program that imports the model's package, whose init calls nir.RegisterModel, reads it)`},
		{"standard type refused", node(TypeLIF, "tau", Vector(0.01, 0.01), "r", Vector(2, 2), "v_leak", Vector(0, 0),
			"v_threshold", Vector(1, 1), "v_reset", Vector(0, 0)).withMeta(metaModel, "test_lif_ms"), ErrParamValue,
			"n0 (LIF): invalid NIR parameter value: model test_lif_ms: r = 2; the model takes its input unscaled (r = 1)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pop := tc.node.Params[func() string {
				if tc.node.Type == TypeLIF {
					return "tau"
				}
				return "tau_mem"
			}()].Shape
			_, err := Convert(chain(pop, pop, tc.node), Options{})
			require.Error(t, err)
			require.True(t, errors.Is(err, tc.err), "%v does not wrap %v", err, tc.err)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

// neuronModels lists the models of the neuron layers of an import.
func neuronModels(imp *Imported) []string {
	var models []string
	for _, l := range imp.Model.Net[0].(*Net).layers {
		switch m := l.mod.(type) {
		case *module.Neuron:
			models = append(models, m.Model)
		case *module.Recurrent:
			models = append(models, m.Model)
		}
	}
	return models
}

func (n *Node) withMeta(key string, v any) *Node {
	n.Metadata = Metadata{key: v}
	return n
}

// Exporting a registered model without a mapping names the model and
// RegisterModel.
func TestRegisteredModelWithoutMapping(t *testing.T) {
	m := &module.Model{Name: "u", DT: 1e-3, InputShape: []int{4}, Net: module.Sequential{
		&module.Neuron{Name: "u1", Model: "test_unmapped"},
	}}
	_, err := Export(m)
	require.True(t, errors.Is(err, ErrNoMapping), "%v", err)
	require.EqualError(t, err, `layer 0 (u1): no NIR mapping: neuron model test_unmapped is registered with functional.Register but not with nir.RegisterModel: its package must declare how it maps to a NIR node (docs/nir.md, "Registered models")`)
	// A built-in model NIR cannot express is not about registering.
	m.Net[0] = &module.Neuron{Name: "l", Model: "lif_adex"}
	_, err = Export(m)
	require.False(t, errors.Is(err, ErrNoMapping))
	require.ErrorContains(t, err, "neuron model lif_adex has no NIR equivalent")
}

// RegisterModel refuses mappings that cannot work, and registers none of
// them.
func TestRegisterModelErrors(t *testing.T) {
	ok := alifMapping
	ok.Model = "test_unmapped"
	ok.NodeType = "TestUnmapped"
	with := func(change func(m *ModelMapping[alifParams])) ModelMapping[alifParams] {
		m := ok
		m.Params = append([]string(nil), ok.Params...)
		change(&m)
		return m
	}
	for _, tc := range []struct {
		name string
		err  error
		is   error
		want string
	}{
		{"unknown model", RegisterModel(with(func(m *ModelMapping[alifParams]) { m.Model = "no_such_model" })), ErrUnknownModel,
			`nir: unknown neuron model "no_such_model": register it with functional.Register before its NIR mapping`},
		{"model mapped", RegisterModel(with(func(m *ModelMapping[alifParams]) { m.Model = "test_alif" })), ErrDuplicateMapping,
			"nir: NIR mapping already registered: model test_alif already maps to node type TestALIF"},
		{"type taken", RegisterModel(with(func(m *ModelMapping[alifParams]) { m.NodeType = "TestALIF" })), ErrDuplicateMapping,
			"nir: NIR mapping already registered: node type TestALIF already stores model test_alif"},
		{"built in", RegisterModel(ModelMapping[functional.LIFParameters]{Model: "lif", NodeType: TypeCubaLIF,
			ToNIR:   func(functional.LIFParameters, float64) (map[string]float64, error) { return nil, nil },
			FromNIR: func(*NodeParams, float64) (functional.LIFParameters, error) { return functional.LIFParameters{}, nil }}),
			ErrBadMapping, "lif is built in"},
		{"parameter type", RegisterModel(ModelMapping[lifMsParams]{Model: "test_unmapped", NodeType: TypeLIF,
			ToNIR: lifMsMapping.ToNIR, FromNIR: lifMsMapping.FromNIR}),
			ErrBadMapping, "the model's parameters are *nir.alifParams, but the mapping converts nir.lifMsParams"},
		{"nil", RegisterModel(with(func(m *ModelMapping[alifParams]) { m.FromNIR = nil })), ErrBadMapping, "ToNIR and FromNIR must not be nil"},
		{"not a neuron", RegisterModel(with(func(m *ModelMapping[alifParams]) { m.NodeType, m.Params = TypeLinear, nil })), ErrBadMapping,
			"node type Linear is not a neuron"},
		{"NIR's name in another case", RegisterModel(with(func(m *ModelMapping[alifParams]) { m.NodeType = "cubalif" })), ErrBadMapping,
			"node type cubalif is NIR's CubaLIF"},
		{"not an identifier", RegisterModel(with(func(m *ModelMapping[alifParams]) { m.NodeType = "my type" })), ErrBadMapping,
			`node type "my type" is neither one of NIR's neuron types`},
		{"params of a NIR type", RegisterModel(with(func(m *ModelMapping[alifParams]) { m.NodeType = TypeCubaLIF })), ErrBadMapping,
			"NIR fixes the parameters of CubaLIF"},
		{"no params", RegisterModel(with(func(m *ModelMapping[alifParams]) { m.Params = nil })), ErrBadMapping,
			"node type TestUnmapped of the model's own needs Params"},
		{"reserved name", RegisterModel(with(func(m *ModelMapping[alifParams]) { m.Params[0] = "type" })), ErrBadMapping,
			`parameter name "type" is taken by the node's type dataset`},
		{"named twice", RegisterModel(with(func(m *ModelMapping[alifParams]) { m.Params[1] = "tau_mem" })), ErrBadMapping,
			"parameter tau_mem is named twice"},
		{"ToNIR misses one", RegisterModel(with(func(m *ModelMapping[alifParams]) { m.Params = append(m.Params, "gain") })), ErrBadMapping,
			"on the model's default parameters: invalid NIR mapping: ToNIR of model test_unmapped gives no gain"},
		{"ToNIR gives more", RegisterModel(with(func(m *ModelMapping[alifParams]) { m.Params = m.Params[:4] })), ErrBadMapping,
			"ToNIR of model test_unmapped gives alpha, which TestUnmapped nodes do not have"},
		{"ToNIR panics", RegisterModel(with(func(m *ModelMapping[alifParams]) {
			m.ToNIR = func(alifParams, float64) (map[string]float64, error) { panic("boom") }
		})), ErrBadMapping, "ToNIR of model test_unmapped panicked: boom"},
		{"FromNIR reads another", RegisterModel(with(func(m *ModelMapping[alifParams]) {
			m.FromNIR = func(n *NodeParams, dt float64) (alifParams, error) { return alifParams{VTh: n.Value("v_th")}, nil }
		})), ErrBadMapping, "FromNIR of model test_unmapped reads v_th, which TestUnmapped nodes do not have"},
		{"FromNIR refuses the defaults", RegisterModel(with(func(m *ModelMapping[alifParams]) {
			m.FromNIR = func(*NodeParams, float64) (alifParams, error) { return alifParams{}, errors.New("no") }
		})), ErrBadMapping, "the default parameters: invalid NIR parameter value: model test_unmapped: no"},
	} {
		require.Error(t, tc.err, tc.name)
		require.True(t, errors.Is(tc.err, tc.is), "%s: %v does not wrap %v", tc.name, tc.err, tc.is)
		require.ErrorContains(t, tc.err, tc.want, tc.name)
	}
	require.Nil(t, mappingOf("test_unmapped"), "a refused mapping was registered")
	_, known := customSchema("TestUnmapped")
	require.False(t, known)
	require.Panics(t, func() { MustRegisterModel(with(func(m *ModelMapping[alifParams]) { m.Model = "lif" })) })
}

// Export checks the values a mapping to a NIR type gives as NIR does.
func TestRegisteredModelExportChecksValues(t *testing.T) {
	p := lifMsParams{TauMs: -3, VTh: 1}
	m := &module.Model{Name: "neg", DT: 1e-3, InputShape: []int{2}, Net: module.Sequential{
		&module.Neuron{Name: "l", Model: "test_lif_ms", Params: &p},
	}}
	_, err := Export(m)
	require.True(t, errors.Is(err, ErrParamValue), "%v", err)
	require.EqualError(t, err, "layer 0 (l): invalid NIR parameter value: model test_lif_ms as a LIF node: tau holds -0.003; time constants must be positive")
}
