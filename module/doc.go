// Package module holds Norse-style layers and networks: Linear, Conv1d,
// Conv2d, Flatten, SumPool2d, AvgPool2d, Scale, Delay, Neuron (a sequence
// module for any functional model; model "li" is the usual readout), Cell
// (its one-time-step form), Recurrent (recurrent cells with autapses off by
// default), Lift, Sequential and SequentialState (which also outputs every
// layer's result). Modules hold parameters and build ir.Graph values; they
// never compute: backend/interp runs the graphs, and runs them one time
// step at a time with the state kept by the caller.
//
// Load and Save read and write model files: a *.snn.json description of the
// layers (docs/model-format.md) with weights in safetensors.
package module
