// Package nir reads and writes NIR (Neuromorphic Intermediate
// Representation) graphs and converts them to and from snnc's modules and
// graph IR.
//
// A NIR file is HDF5 (read and written by internal/hdf5): a root
// "version" string and a group "node" holding the top NIRGraph, whose
// nodes are groups with a "type" string and one dataset per parameter.
// [ReadFile], [Read] and [Decode] return a [Graph]: nodes by name, each a
// [Node] with its type, parameters as float64 [Tensor] values with shapes,
// a nested [Graph] for NIRGraph nodes, and [Metadata]; edges in file
// order. Parameters that files written before NIR 1.0.6 lack get their
// documented defaults: v_reset = 0 and w_in = 1. [Encode], [Write] and
// [WriteFile] store a Graph the way released NIR does, so nir.read, h5py
// and h5dump read it.
//
// [Graph.Check] reports what disagrees in a graph, naming the nodes: an
// edge naming a missing node, a missing parameter, a nested graph's Input
// whose shape is not what enters it, an Output whose shape is not what it
// receives, weights that do not fit their input. [Graph.Repair] fixes what
// has one unambiguous repair and says what it changed.
//
// [Convert] (or [Load] for a file) checks a graph and builds the network:
// a module.Model whose Net holds a [*Net], and the module.Builder with the
// IR graph and its parameters, as module.Load and module.Build give for a
// model file, so snnc's commands treat .nir files like model files. NIR
// nodes are continuous-time ODEs; Convert discretizes them with forward
// Euler at Options.DT (default 1 ms, as Norse's importer) onto Norse's
// models: LIF → lif_box, LI → li_box, IF → iaf, CubaLIF → lif, CubaLI →
// li, with the input scaled by r (and by w_in·dt/τ_syn for the current-
// based ones). A neuron ⇄ Linear/Affine cycle becomes a recurrent layer;
// nested graphs are inlined. docs/nir.md gives each node's discrete
// dynamics and the mapping to and from Norse's modules.
//
// [Export] turns a module.Model into a Graph: one node per layer, neuron
// models mapped back so that importing the file at the model's dt builds
// the same graph.
//
// Neuron models a program registers with functional.Register export and
// import once their package declares a [ModelMapping] with
// [RegisterModel]: the NIR node type (one of NIR's neuron types when the
// model's dynamics are that node's, else a type of the model's own whose
// parameters are datasets) and the conversion of the parameters both
// ways ([NodeParams] gives FromNIR a node's values, per neuron). The
// errors wrap sentinels such as [ErrNoMapping], [ErrParamShape] and
// [ErrNotUniform]; docs/nir.md ("Registered models") says why a model
// NIR cannot express gets a type of its own.
package nir
