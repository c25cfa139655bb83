// Package functional holds the neuron models, written once as step
// functions over ir.Step values, the way Norse's functional package writes
// them over tensors.
//
// Each model has a parameter struct with Norse's field names and defaults
// (LIFParameters, DefaultLIFParameters), a state struct of ir values
// (LIFFeedForwardState) and a step function (LIFFeedForwardStep) that adds
// one time step's dynamics to an ir.Step and returns the output and the next
// state. The order of operations is Norse's, so the interpreter reproduces
// Norse's runs; the reference runs in shared/reference/norse check that.
// Gradients, fused kernels and assembly are all derived from these steps.
//
// Feed-forward steps take an input current x of the neuron's shape. The
// recurrent forms (LIFStep, LSNNStep, CobaLIFStep, ...) take the summed
// weighted input and recurrent spikes, which the recurrent cell of the graph
// computes; they differ from the feed-forward forms only where Norse does
// (a detached reset, CoBa's two conductance inputs).
//
// Models (LIF, LSNN, Izhikevich, ...) wrap a step function into a complete
// ir.Step with named states and their initial values, and LookupModel finds
// them by name for model files and tools.
//
// Where snnc differs from Norse:
//   - CobaLIFStep adds the input-driven and recurrent conductance jumps;
//     Norse's coba_lif_step overwrites the former, so input spikes have no
//     effect there.
//   - The CoBa models start v at v_rest; Norse's CobaLIFCell starts it at 0.
package functional
