package kernel

import "github.com/snnc/snnc/ir"

// A Kernel is a fused neuron kernel to emit: the Step evaluated for every
// lane (batch entry b, neuron n) and time step t of [T][B][N] data, in one
// call for the whole sequence, in the order Loop gives. It
// says where each leaf value of the step comes from and where results go;
// backend/gogen builds it from its own plan of the kernel, so the emitted
// function has exactly the Go signature of the plain-Go kernel it replaces:
//
//	func Name(T, B int, <Args> []float32)
type Kernel struct {
	Name    string   // the TEXT symbol, e.g. "lif1ForwardAVX2"
	Doc     string   // comment above the stub
	Args    []string // the []float32 parameters after T and B, in order
	Step    *ir.Step // the step (forward) or the adjoint step (backward)
	N       int      // neurons per batch entry
	Reverse bool     // run t = T-1 down to 0
	Loop    Loop     // the loop nest; LoopFor(N) for every ISA
	Leaves  map[*ir.Value]Source
	States  []State
	Sinks   []Sink
	// Epilogue, if not nil, computes the step input Epilogue.Input itself
	// as a product (fuse-linear-epilogue) instead of reading it.
	Epilogue *Epilogue
}

// SourceKind says where a leaf value comes from.
type SourceKind int

const (
	FromSeq       SourceKind = iota // Arg [T][B][N], at the lane and time step
	FromState                       // the register of state State
	FromPerNeuron                   // Arg [N], at the lane's neuron
	FromShared                      // Arg[0], in every lane
	FromConst                       // Const
)

// Source is where a leaf value comes from.
type Source struct {
	Kind  SourceKind
	Arg   string
	State int
	Const float64
}

// State is a value carried from one time step to the next, in Arg [B][N]:
// the kernel reads it from there at every time step where the step first
// needs it and writes its next value back at the end of the step, so that
// after the call Arg holds the state after the last step. Between steps
// it lives in memory (in L1 with a tiled Loop, else in L1, L2 or L3 by
// B·N), not in registers.
type State struct {
	Arg  string
	Next *ir.Value // the value the state takes for the next time step
}

// SinkKind says what happens to a result.
type SinkKind int

const (
	ToSeq          SinkKind = iota // store into Arg [T][B][N]
	ToSeqIfSet                     // the same, unless Arg is nil (tapes)
	AddToSeq                       // add into Arg [T][B][N] (input gradients)
	AddToPerNeuron                 // add into Arg [N] at every time step
	AddToShared                    // add every lane's value into Arg[0]
)

// Sink is where a result goes after every time step.
type Sink struct {
	Kind  SinkKind
	Arg   string
	Value *ir.Value
}

// Epilogue is a product computed inside the kernel: Input = X·Wᵀ + Bias,
// X [T][B][In], W given transposed as WT [In][N], Bias [N] or a nil slice.
// Each lane's sum starts from the bias and takes one fused multiply-add per
// input in order, as the plain-Go product does.
type Epilogue struct {
	Input       *ir.Value
	X, WT, Bias string
	In          int
}

// Order lists the values of k.Step a kernel computes every time step (those
// the sinks and the next states depend on) in IR order, and for each the
// position of its last use: the position of the last value reading it, or
// len(order) for values the sinks or the next states read at the end of
// the step (and values nothing reads). Backends free a value's registers
// after its last use.
func (k *Kernel) Order() (order []*ir.Value, lastUse map[*ir.Value]int) {
	live := map[*ir.Value]bool{}
	var mark func(v *ir.Value)
	mark = func(v *ir.Value) {
		if live[v] {
			return
		}
		live[v] = true
		for _, a := range v.Args {
			mark(a)
		}
	}
	for _, sk := range k.Sinks {
		mark(sk.Value)
	}
	for _, st := range k.States {
		mark(st.Next)
	}
	pos := map[*ir.Value]int{}
	for _, v := range k.Step.Values {
		if live[v] {
			pos[v] = len(order)
			order = append(order, v)
		}
	}
	lastUse = map[*ir.Value]int{}
	for _, v := range order {
		for _, a := range v.Args {
			lastUse[a] = max(lastUse[a], pos[v])
		}
	}
	end := len(order)
	for _, sk := range k.Sinks {
		lastUse[sk.Value] = end
	}
	for _, st := range k.States {
		lastUse[st.Next] = end
	}
	for _, v := range order {
		if _, ok := lastUse[v]; !ok {
			lastUse[v] = end
		}
	}
	return order, lastUse
}
