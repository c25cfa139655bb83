package qif

import (
	"fmt"

	"github.com/snnc/snnc/nir"
)

// NodeType is the NIR node type of qif_adapt layers. NIR has no quadratic
// neuron, so the type is the model's own: snnc programs that import this
// package read it; NIR tools that do not know it reject the file.
const NodeType = "QIFAdapt"

// The parameters of a QIFAdapt node, one value per neuron, named as NIR
// names them (time constants in seconds, v_threshold).
var nodeParams = []string{"tau_mem", "tau_adapt", "a", "b", "v_threshold", "v_reset", "alpha"}

// toNIR gives the node's parameters. nir.Reciprocal makes 1/τ give the
// rates back exactly.
func toNIR(p Parameters, dt float64) (map[string]float64, error) {
	return map[string]float64{
		"tau_mem": nir.Reciprocal(p.TauMemInv), "tau_adapt": nir.Reciprocal(p.TauAdaptInv),
		"a": p.A, "b": p.B, "v_threshold": p.VTh, "v_reset": p.VReset, "alpha": p.Alpha,
	}, nil
}

// fromNIR reads a node back. Every parameter the step reads with
// s.Param may differ between neurons; alpha is a constant of the
// surrogate and so one value for all.
func fromNIR(n *nir.NodeParams, dt float64) (Parameters, error) {
	for _, name := range []string{"tau_mem", "tau_adapt"} {
		for _, tau := range n.Values(name) {
			if !(tau > 0) {
				return Parameters{}, fmt.Errorf("%s holds %g; time constants must be positive", name, tau)
			}
		}
	}
	inv := func(tau float64) float64 { return 1 / tau }
	return Parameters{
		TauMemInv:   n.PerNeuron("tau_mem", "tau_mem_inv", inv),
		TauAdaptInv: n.PerNeuron("tau_adapt", "tau_adapt_inv", inv),
		A:           n.PerNeuron("a", "a", nil),
		B:           n.PerNeuron("b", "b", nil),
		VTh:         n.PerNeuron("v_threshold", "v_th", nil),
		VReset:      n.PerNeuron("v_reset", "v_reset", nil),
		Alpha:       n.Value("alpha"),
	}, nil
}

// nirMapping is how qif_adapt maps to NIR; init registers it.
var nirMapping = nir.ModelMapping[Parameters]{
	Model: "qif_adapt", NodeType: NodeType, Params: nodeParams, ToNIR: toNIR, FromNIR: fromNIR,
}
