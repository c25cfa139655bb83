package ir

import (
	"fmt"
	"strconv"
	"strings"
)

// A Value is one node of a Step: Op applied to Args, computing one scalar per
// neuron lane. Values are immutable once created.
type Value struct {
	ID   int // unique within its Step, from 1; printed as v<ID>
	Op   Op  // what it computes
	Args []*Value

	Name   string    // OpInput, OpState, OpParam: the declaration read
	Const  float64   // OpConst: the value; OpThreshold: the surrogate's alpha
	Pred   Pred      // OpCmp: the comparison
	Method Surrogate // OpThreshold: the surrogate used backward
}

// String returns the value's name in the text form, "v12".
func (v *Value) String() string { return "v" + strconv.Itoa(v.ID) }

// LongString returns the value's definition as it appears in the text form,
// "v12 = add v3 v7".
func (v *Value) LongString() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%v = %v", v, v.Op)
	switch v.Op {
	case OpInput, OpState, OpParam:
		b.WriteString(" " + v.Name)
	case OpConst:
		b.WriteString(" " + formatFloat(v.Const))
	case OpCmp:
		b.WriteString(" " + v.Pred.String())
	case OpThreshold:
		b.WriteString(" " + v.Method.String() + " " + formatFloat(v.Const))
	}
	for _, a := range v.Args {
		if a == nil {
			b.WriteString(" <nil>")
			continue
		}
		b.WriteString(" " + a.String())
	}
	return b.String()
}

// StateVar declares a loop-carried state variable: its value at the start of
// a step is read by an OpState value, its value at the end is Next.
type StateVar struct {
	Name string
	Init float64 // the initial value a module uses when none is given
	Next *Value
}

// ParamVar declares a parameter. A shared parameter has one value for all
// neurons; a per-neuron one has a value for each neuron of the layer.
type ParamVar struct {
	Name      string
	Default   float64
	PerNeuron bool
}

// Output is a named result of the step, such as spikes or a voltage.
type Output struct {
	Name  string
	Value *Value
}

// A Step is the dynamics of one neuron for one time step, in SSA form over
// scalar lanes. Running it over time feeds each StateVar's Next into the
// state read of the following step.
//
// The methods that create values (Add, Mul, Threshold, ...) form the builder
// API. They panic on misuse that can only be a programming error, such as an
// argument from another Step; Verify checks everything else.
type Step struct {
	Name    string
	Inputs  []string
	States  []StateVar
	Params  []ParamVar
	Outputs []Output
	Values  []*Value // in definition order; arguments precede their users

	nextID int
	leaves map[string]*Value // "input x", "state v", "param tau" -> value
	owned  map[*Value]bool
}

// NewStep returns an empty step called name.
func NewStep(name string) *Step {
	return &Step{Name: name, nextID: 1, leaves: map[string]*Value{}, owned: map[*Value]bool{}}
}

func (s *Step) newValue(op Op, args ...*Value) *Value {
	for _, a := range args {
		if !s.owned[a] {
			panic(fmt.Sprintf("ir: step %s: %v argument %v does not belong to this step", s.Name, op, a))
		}
	}
	v := &Value{ID: s.nextID, Op: op, Args: args}
	s.nextID++
	s.Values = append(s.Values, v)
	s.owned[v] = true
	return v
}

// addValue appends a value built elsewhere (the parser), keeping its ID.
func (s *Step) addValue(v *Value) {
	s.Values = append(s.Values, v)
	s.owned[v] = true
	if v.ID >= s.nextID {
		s.nextID = v.ID + 1
	}
	if v.Op == OpInput || v.Op == OpState || v.Op == OpParam {
		s.leaves[v.Op.String()+" "+v.Name] = v
	}
}

// Owns reports whether v is a value of s.
func (s *Step) Owns(v *Value) bool { return s.owned[v] }

// Input declares (on first use) the input called name and returns its value.
func (s *Step) Input(name string) *Value {
	if v := s.leaves["input "+name]; v != nil {
		return v
	}
	s.Inputs = append(s.Inputs, name)
	v := s.newValue(OpInput)
	v.Name = name
	s.leaves["input "+name] = v
	return v
}

// State declares (on first use) the state variable called name with initial
// value init and returns its value at the start of the step. Set its value
// at the end with SetNext.
func (s *Step) State(name string, init float64) *Value {
	if v := s.leaves["state "+name]; v != nil {
		return v
	}
	s.States = append(s.States, StateVar{Name: name, Init: init})
	v := s.newValue(OpState)
	v.Name = name
	s.leaves["state "+name] = v
	return v
}

// Param declares (on first use) a shared parameter called name with default
// value def, and returns its value. Declaring it again with another default
// panics: the same name must mean the same parameter.
func (s *Step) Param(name string, def float64) *Value {
	return s.param(name, def, false)
}

// PerNeuronParam is Param for a parameter with one value per neuron.
func (s *Step) PerNeuronParam(name string, def float64) *Value {
	return s.param(name, def, true)
}

func (s *Step) param(name string, def float64, perNeuron bool) *Value {
	if v := s.leaves["param "+name]; v != nil {
		p := s.Params[s.ParamIndex(name)]
		if p.Default != def && !(def != def && p.Default != p.Default) {
			panic(fmt.Sprintf("ir: step %s: param %s declared with defaults %v and %v", s.Name, name, p.Default, def))
		}
		return v
	}
	s.Params = append(s.Params, ParamVar{Name: name, Default: def, PerNeuron: perNeuron})
	v := s.newValue(OpParam)
	v.Name = name
	s.leaves["param "+name] = v
	return v
}

// Leaf returns the value reading the declaration of the given kind (OpInput,
// OpState or OpParam) called name, or nil if the step never reads it.
func (s *Step) Leaf(kind Op, name string) *Value { return s.leaves[kind.String()+" "+name] }

// InputIndex, StateIndex and ParamIndex return the position of a declaration
// by name, or -1.
func (s *Step) InputIndex(name string) int {
	for i, n := range s.Inputs {
		if n == name {
			return i
		}
	}
	return -1
}

func (s *Step) StateIndex(name string) int {
	for i, st := range s.States {
		if st.Name == name {
			return i
		}
	}
	return -1
}

func (s *Step) ParamIndex(name string) int {
	for i, p := range s.Params {
		if p.Name == name {
			return i
		}
	}
	return -1
}

// SetNext sets the value that state (a value returned by State) holds at the
// end of the step.
func (s *Step) SetNext(state, next *Value) {
	if state.Op != OpState || !s.owned[state] || !s.owned[next] {
		panic(fmt.Sprintf("ir: step %s: SetNext(%v, %v) needs a state value and a value of this step", s.Name, state, next))
	}
	s.States[s.StateIndex(state.Name)].Next = next
}

// Output adds a named result.
func (s *Step) Output(name string, v *Value) {
	if !s.owned[v] {
		panic(fmt.Sprintf("ir: step %s: output %s: %v does not belong to this step", s.Name, name, v))
	}
	s.Outputs = append(s.Outputs, Output{Name: name, Value: v})
}

// OutputValue returns the value of the output called name, or nil.
func (s *Step) OutputValue(name string) *Value {
	for _, o := range s.Outputs {
		if o.Name == name {
			return o.Value
		}
	}
	return nil
}

// Const returns a constant.
func (s *Step) Const(c float64) *Value {
	v := s.newValue(OpConst)
	v.Const = c
	return v
}

func (s *Step) Add(a, b *Value) *Value    { return s.newValue(OpAdd, a, b) }
func (s *Step) Sub(a, b *Value) *Value    { return s.newValue(OpSub, a, b) }
func (s *Step) Mul(a, b *Value) *Value    { return s.newValue(OpMul, a, b) }
func (s *Step) Div(a, b *Value) *Value    { return s.newValue(OpDiv, a, b) }
func (s *Step) Neg(a *Value) *Value       { return s.newValue(OpNeg, a) }
func (s *Step) FMA(a, b, c *Value) *Value { return s.newValue(OpFMA, a, b, c) }
func (s *Step) Exp(a *Value) *Value       { return s.newValue(OpExp, a) }
func (s *Step) Log(a *Value) *Value       { return s.newValue(OpLog, a) }
func (s *Step) Tanh(a *Value) *Value      { return s.newValue(OpTanh, a) }
func (s *Step) Sqrt(a *Value) *Value      { return s.newValue(OpSqrt, a) }
func (s *Step) Abs(a *Value) *Value       { return s.newValue(OpAbs, a) }
func (s *Step) Min(a, b *Value) *Value    { return s.newValue(OpMin, a, b) }
func (s *Step) Max(a, b *Value) *Value    { return s.newValue(OpMax, a, b) }
func (s *Step) Relu(a *Value) *Value      { return s.newValue(OpRelu, a) }
func (s *Step) Detach(a *Value) *Value    { return s.newValue(OpDetach, a) }

// Cmp returns 1 where a p b holds and 0 elsewhere. It has no gradient.
func (s *Step) Cmp(p Pred, a, b *Value) *Value {
	v := s.newValue(OpCmp, a, b)
	v.Pred = p
	return v
}

// Select returns a where c is not 0 and b elsewhere.
func (s *Step) Select(c, a, b *Value) *Value { return s.newValue(OpSelect, c, a, b) }

// Threshold returns the Heaviside step x > 0 (1 or 0). Its gradient is the
// surrogate method's derivative at x, scaled by alpha as the method defines.
func (s *Step) Threshold(x *Value, method Surrogate, alpha float64) *Value {
	v := s.newValue(OpThreshold, x)
	v.Method = method
	v.Const = alpha
	return v
}

// Uses counts, for every value of s, how many arguments, outputs and state
// updates refer to it.
func (s *Step) Uses() map[*Value]int {
	n := make(map[*Value]int, len(s.Values))
	for _, v := range s.Values {
		for _, a := range v.Args {
			n[a]++
		}
	}
	for _, o := range s.Outputs {
		n[o.Value]++
	}
	for _, st := range s.States {
		if st.Next != nil {
			n[st.Next]++
		}
	}
	return n
}

// Prune removes values that no output or state update depends on. Leaf
// values of declared inputs, states and parameters stay, so the step's
// signature does not change.
func (s *Step) Prune() {
	// Arguments precede their users, so one backward sweep finds every
	// live value.
	live := make(map[*Value]bool, len(s.Values))
	for _, o := range s.Outputs {
		live[o.Value] = true
	}
	for _, st := range s.States {
		if st.Next != nil {
			live[st.Next] = true
		}
	}
	for i := len(s.Values) - 1; i >= 0; i-- {
		if v := s.Values[i]; live[v] {
			for _, a := range v.Args {
				live[a] = true
			}
		}
	}
	kept := s.Values[:0]
	for _, v := range s.Values {
		if live[v] || v.Op == OpInput || v.Op == OpState || v.Op == OpParam {
			kept = append(kept, v)
		} else {
			delete(s.owned, v)
		}
	}
	clear(s.Values[len(kept):])
	s.Values = kept
}

// Copy adds to s a value computing what v computes (its op and attributes)
// from the arguments args, which belong to s. Leaves cannot be copied; use
// Input, State, Param or Const.
func (s *Step) Copy(v *Value, args ...*Value) *Value {
	if v.Op.IsLeaf() && v.Op != OpConst {
		panic(fmt.Sprintf("ir: step %s: Copy of leaf %s", s.Name, v.LongString()))
	}
	c := s.newValue(v.Op, args...)
	c.Const, c.Pred, c.Method = v.Const, v.Pred, v.Method
	return c
}
