// Package snnc holds the short names users type, the way Norse users write
// `import norse.torch as snn`: snnc.LIFParameters, snnc.Threshold,
// snnc.Linear, snnc.RunGraph, snnc.Compile. Everything here is an alias of, or a thin call
// into, the package that defines it; see those packages for the details.
package snnc

import (
	"github.com/snnc/snnc/backend/interp"
	"github.com/snnc/snnc/compiler"
	"github.com/snnc/snnc/functional"
	"github.com/snnc/snnc/ir"
	"github.com/snnc/snnc/module"
	"github.com/snnc/snnc/passes"
)

// IR.
type (
	Step      = ir.Step
	Value     = ir.Value
	Graph     = ir.Graph
	Surrogate = ir.Surrogate
)

// Surrogate methods.
const (
	Super       = ir.Super
	Heaviside   = ir.Heaviside
	Triangle    = ir.Triangle
	Tanh        = ir.Tanh
	Circ        = ir.Circ
	HeaviErfc   = ir.HeaviErfc
	ATan        = ir.ATan
	FastSigmoid = ir.FastSigmoid
)

// Neuron models: parameters and their defaults.
type (
	LIFParameters             = functional.LIFParameters
	LIFBoxParameters          = functional.LIFBoxParameters
	LIParameters              = functional.LIParameters
	LIBoxParameters           = functional.LIBoxParameters
	IAFParameters             = functional.IAFParameters
	LSNNParameters            = functional.LSNNParameters
	LIFExParameters           = functional.LIFExParameters
	LIFAdExParameters         = functional.LIFAdExParameters
	LIFRefracParameters       = functional.LIFRefracParameters
	LIFAdExRefracParameters   = functional.LIFAdExRefracParameters
	IzhikevichParameters      = functional.IzhikevichParameters
	IzhikevichSpikingBehavior = functional.IzhikevichSpikingBehavior
	CobaLIFParameters         = functional.CobaLIFParameters
	TsodyksMakramParameters   = functional.TsodyksMakramParameters
)

var (
	NewStep   = ir.NewStep
	Threshold = functional.Threshold

	LIFStep    = functional.LIF
	LIFBoxStep = functional.LIFBox
	LIStep     = functional.LI
	IAFStep    = functional.IAF
	LSNNStep   = functional.LSNN
	Izhikevich = functional.IzhikevichPreset
)

// Layers and networks.
type (
	Module          = module.Module
	Linear          = module.Linear
	Conv1d          = module.Conv1d
	Conv2d          = module.Conv2d
	Flatten         = module.Flatten
	SumPool2d       = module.SumPool2d
	AvgPool2d       = module.AvgPool2d
	Scale           = module.Scale
	Delay           = module.Delay
	Neuron          = module.Neuron
	Cell            = module.Cell
	Recurrent       = module.Recurrent
	Sequential      = module.Sequential
	SequentialState = module.SequentialState
	Lift            = module.Lift
)

var (
	// Load reads a *.snn.json model file and its weights.
	Load = module.Load
	// Backward derives the adjoint step of a neuron step.
	Backward = passes.BackwardStep
	// RunStep and GradStep run a step in the reference interpreter.
	RunStep  = interp.RunStep
	GradStep = interp.GradStep
	// RunGraph and GradGraph run a network in the reference interpreter.
	RunGraph  = interp.RunGraph
	GradGraph = interp.GradGraph
	// Optimize runs the compile pipeline over a copy of a graph, as a
	// compile does (compiler.Optimize).
	Optimize = compiler.Optimize
	// Compile generates the Go package of a graph, golden and tests
	// included, as snnc compile does (compiler.Compile); Package.Write
	// writes it into a directory.
	Compile = compiler.Compile
	// CheckPackage vets and tests a written package (compiler.Check).
	CheckPackage = compiler.Check
)

// CompileOptions are Compile's options.
type CompileOptions = compiler.Options

// Custom is a neuron layer applying a step the program built (module.Custom).
type Custom = module.Custom
