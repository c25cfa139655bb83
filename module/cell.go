package module

import "github.com/snnc/snnc/ir"

// Cell is the one-time-step form of a functional model, as Norse's
// LIFCell, LICell, ... are: a caller advances it one time step at a time
// and keeps the state between steps itself. The module only builds the
// step; interp.RunStep with T=1 runs it, taking the state as Init and
// returning the next state as States.
//
// In a network a Cell builds the same layer as Neuron. To stream a whole
// network, run its graph with T=1 and pass each run's
// interp.GraphResult.FinalStates as the next run's GraphRun.Init.
type Cell struct {
	Name   string
	Model  string
	Params any // a pointer to the model's parameter struct; nil means Norse's defaults
	DT     float64
}

// Step builds the model's step for one time step of DT (default 1 ms).
func (c *Cell) Step() (*ir.Step, error) { return (*Neuron)(c).step() }

func (c *Cell) Build(b *Builder, x *ir.Node) (*ir.Node, error) { return (*Neuron)(c).Build(b, x) }
