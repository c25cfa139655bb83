// Package module holds Norse-style layers and networks: Linear, Conv1d,
// Conv2d, Flatten, SumPool2d, AvgPool2d, Scale, Delay, Neuron (a sequence
// module for any functional model), Recurrent (recurrent cells with
// autapses off by default) and Sequential. Modules hold parameters and
// build ir.Graph values; they never compute.
//
// Load and Save read and write model files: a *.snn.json description of the
// layers (docs/model-format.md) with weights in safetensors.
package module
