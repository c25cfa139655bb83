package ir

import "fmt"

// Op is the operation a Value performs. The table opInfo gives each op its
// text name and arity; gradRules (grad.go) gives its derivative rule.
type Op uint8

const (
	OpInvalid Op = iota

	// Leaves. Their Name field says which declaration of the Step they read.
	OpInput // this step's input lane
	OpState // the loop-carried state at the start of the step
	OpParam // a parameter, shared by all neurons or one value per neuron
	OpConst // the constant in Const

	// Arithmetic, all elementwise over the neuron lanes.
	OpAdd  // a + b
	OpSub  // a - b
	OpMul  // a * b
	OpDiv  // a / b
	OpNeg  // -a
	OpFMA  // a*b + c with one rounding
	OpExp  // e^a
	OpLog  // natural logarithm
	OpTanh // hyperbolic tangent
	OpSqrt // square root
	OpAbs  // |a|
	OpMin  // min(a, b)
	OpMax  // max(a, b)
	OpRelu // max(a, 0)

	OpCmp       // 1 if a Pred b, else 0
	OpSelect    // c != 0 ? a : b
	OpDetach    // a forward, no gradient backward
	OpThreshold // Heaviside a > 0 forward, the surrogate Method backward

	numOps
)

type opInfo struct {
	name  string
	arity int
}

var opTable = [numOps]opInfo{
	OpInvalid:   {"invalid", 0},
	OpInput:     {"input", 0},
	OpState:     {"state", 0},
	OpParam:     {"param", 0},
	OpConst:     {"const", 0},
	OpAdd:       {"add", 2},
	OpSub:       {"sub", 2},
	OpMul:       {"mul", 2},
	OpDiv:       {"div", 2},
	OpNeg:       {"neg", 1},
	OpFMA:       {"fma", 3},
	OpExp:       {"exp", 1},
	OpLog:       {"log", 1},
	OpTanh:      {"tanh", 1},
	OpSqrt:      {"sqrt", 1},
	OpAbs:       {"abs", 1},
	OpMin:       {"min", 2},
	OpMax:       {"max", 2},
	OpRelu:      {"relu", 1},
	OpCmp:       {"cmp", 2},
	OpSelect:    {"select", 3},
	OpDetach:    {"detach", 1},
	OpThreshold: {"threshold", 1},
}

var opByName = func() map[string]Op {
	m := make(map[string]Op, numOps)
	for op := OpInput; op < numOps; op++ {
		m[opTable[op].name] = op
	}
	return m
}()

// String returns the op's name in the text form.
func (op Op) String() string {
	if op < numOps {
		return opTable[op].name
	}
	return fmt.Sprintf("op(%d)", uint8(op))
}

// Arity is the number of arguments the op takes.
func (op Op) Arity() int {
	if op < numOps {
		return opTable[op].arity
	}
	return -1
}

// IsLeaf reports whether the op reads a declaration or constant rather than
// computing from arguments.
func (op Op) IsLeaf() bool { return op >= OpInput && op <= OpConst }

// Pred is the comparison an OpCmp performs.
type Pred uint8

const (
	PredInvalid Pred = iota
	PredGT           // a > b
	PredGE           // a >= b
	PredLT           // a < b
	PredLE           // a <= b
	PredEQ           // a == b
	PredNE           // a != b
	numPreds
)

var predNames = [numPreds]string{"invalid", "gt", "ge", "lt", "le", "eq", "ne"}

func (p Pred) String() string {
	if p < numPreds {
		return predNames[p]
	}
	return fmt.Sprintf("pred(%d)", uint8(p))
}

// Holds reports whether a p b.
func (p Pred) Holds(a, b float64) bool {
	switch p {
	case PredGT:
		return a > b
	case PredGE:
		return a >= b
	case PredLT:
		return a < b
	case PredLE:
		return a <= b
	case PredEQ:
		return a == b
	case PredNE:
		return a != b
	}
	return false
}

func parsePred(s string) (Pred, bool) {
	for p := PredGT; p < numPreds; p++ {
		if predNames[p] == s {
			return p, true
		}
	}
	return PredInvalid, false
}
