package asm

import (
	"fmt"
	"go/token"
	"strconv"
	"strings"
)

// Kind classifies a Type for argument layout and loading.
type Kind uint8

// The kinds of Type.
const (
	KindInvalid Kind = iota
	KindInt          // signed integer: int, int8 … int64
	KindUint         // unsigned integer: uint, uint8 … uint64, uintptr
	KindFloat        // float32, float64
	KindBool         // bool
	KindPointer      // *T, unsafe.Pointer
	KindSlice        // []T: base, len, cap
	KindString       // string: base, len
)

// A Type is a Go type as far as an assembly function needs to know it: its
// spelling in the Go stub, its size and alignment in the ABI0 argument
// frame, and its kind. The zero Type is invalid.
//
// Sizes are those of the 64-bit targets (amd64, arm64): pointers and int
// are 8 bytes.
type Type struct {
	name  string // Go spelling, e.g. "[]float32"
	kind  Kind
	size  int
	align int
}

// The predeclared types and the slices kernels use.
var (
	Int           = scalar("int", KindInt, 8)
	Int8          = scalar("int8", KindInt, 1)
	Int16         = scalar("int16", KindInt, 2)
	Int32         = scalar("int32", KindInt, 4)
	Int64         = scalar("int64", KindInt, 8)
	Uint          = scalar("uint", KindUint, 8)
	Uint8         = scalar("uint8", KindUint, 1)
	Byte          = scalar("byte", KindUint, 1)
	Uint16        = scalar("uint16", KindUint, 2)
	Uint32        = scalar("uint32", KindUint, 4)
	Uint64        = scalar("uint64", KindUint, 8)
	Uintptr       = scalar("uintptr", KindUint, 8)
	Float32       = scalar("float32", KindFloat, 4)
	Float64       = scalar("float64", KindFloat, 8)
	Bool          = scalar("bool", KindBool, 1)
	String        = Type{name: "string", kind: KindString, size: 16, align: 8}
	UnsafePointer = Type{name: "unsafe.Pointer", kind: KindPointer, size: 8, align: 8}

	SliceFloat32 = SliceOf(Float32)
	SliceFloat64 = SliceOf(Float64)
	SliceInt32   = SliceOf(Int32)
	SliceUint32  = SliceOf(Uint32)
	SliceInt     = SliceOf(Int)
	SliceUint8   = SliceOf(Uint8)
	SliceByte    = SliceOf(Byte)
	SliceUint64  = SliceOf(Uint64)
)

func scalar(name string, k Kind, size int) Type {
	return Type{name: name, kind: k, size: size, align: size}
}

// SliceOf returns the type []elem.
func SliceOf(elem Type) Type {
	return Type{name: "[]" + elem.name, kind: KindSlice, size: 24, align: 8}
}

// PointerTo returns the type *elem.
func PointerTo(elem Type) Type {
	return Pointer(elem.name)
}

// Pointer returns the pointer type *goType, where goType is any Go type
// expression valid in the stub's package, e.g. Pointer("LIFParams") or
// Pointer("[16]float32"). Only its spelling matters: all pointers have the
// same layout.
func Pointer(goType string) Type {
	return Type{name: "*" + goType, kind: KindPointer, size: 8, align: 8}
}

// String returns the Go spelling of t.
func (t Type) String() string { return t.name }

// Kind returns t's kind.
func (t Type) Kind() Kind { return t.kind }

// Size returns t's size in bytes in the argument frame.
func (t Type) Size() int { return t.size }

// Align returns t's alignment in the argument frame.
func (t Type) Align() int { return t.align }

// hasPointers reports whether t holds a pointer (so the stub needs
// //go:noescape).
func (t Type) hasPointers() bool {
	return t.kind == KindPointer || t.kind == KindSlice || t.kind == KindString
}

// A Param is one parameter or result of a function signature.
type Param struct {
	Name string // Go identifier; empty only for unnamed results
	Type Type
}

// P returns the Param name of type t. It is shorthand for Param{Name: name,
// Type: t}, which go vet's composites check would otherwise want keyed in
// other packages.
func P(name string, t Type) Param { return Param{Name: name, Type: t} }

// A Signature is the Go signature of an assembly function.
type Signature struct {
	Params  []Param
	Results []Param // all named or all unnamed
}

// Sig returns the signature with the given parameters and no results.
func Sig(params ...Param) Signature { return Signature{Params: params} }

// Returns returns s with results added.
func (s Signature) Returns(results ...Param) Signature {
	s.Results = append(append([]Param(nil), s.Results...), results...)
	return s
}

// GoString returns s as Go source: "(x []float32, n int) float32". Adjacent
// parameters of the same type share it, as gofmt-ed code does.
func (s Signature) GoString() string {
	var b strings.Builder
	b.WriteString("(")
	writeParams(&b, s.Params)
	b.WriteString(")")
	switch {
	case len(s.Results) == 1 && s.Results[0].Name == "":
		b.WriteString(" " + s.Results[0].Type.name)
	case len(s.Results) > 0:
		b.WriteString(" (")
		writeParams(&b, s.Results)
		b.WriteString(")")
	}
	return b.String()
}

func writeParams(b *strings.Builder, ps []Param) {
	for i, p := range ps {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(p.Name)
		if p.Name != "" && i+1 < len(ps) && ps[i+1].Type.name == p.Type.name && ps[i+1].Name != "" {
			continue // the next parameter shares the type
		}
		if p.Name != "" {
			b.WriteString(" ")
		}
		b.WriteString(p.Type.name)
	}
}

// An ArgVar is one word-sized or smaller variable of an ABI0 argument frame,
// named as go vet's asmdecl check names it: a scalar parameter "n", the
// components "x_base", "x_len", "x_cap" of a slice x, "s_base", "s_len" of
// a string s, and results by name or, when unnamed, "ret", "ret1", ….
type ArgVar struct {
	Name   string
	Offset int  // from the start of the argument frame, i.e. name+Offset(FP)
	Size   int  // bytes
	Kind   Kind // KindInt for slice lengths, KindPointer for bases
	Type   Type // the component's own type (int for x_len, *T for x_base)
	Result bool // part of a result
}

// A Layout is the ABI0 argument frame of a signature, as the Go toolchain
// lays it out and go vet checks it.
type Layout struct {
	Vars    []ArgVar // in frame order
	ArgSize int      // the "-argsize" of the TEXT line
}

// Var returns the variable called name, if any.
func (l *Layout) Var(name string) (ArgVar, bool) {
	for _, v := range l.Vars {
		if v.Name == name {
			return v, true
		}
	}
	return ArgVar{}, false
}

// ptrSize is the pointer size and maximal alignment of the 64-bit targets.
const ptrSize = 8

// ABI0 computes the argument frame of s for a 64-bit target, exactly as
// cmd/compile and go vet's asmdecl do it:
//
//   - parameters are laid out in order, each aligned to its own alignment
//     (a slice or string to 8, float32 and int32 to 4, …);
//   - if there are results, the offset is first rounded up to the pointer
//     size (8), then the results follow with the same rule;
//   - the argument size is the end offset of the last variable, not rounded:
//     func(int32) has argsize 4, func(int32) int32 has 12.
//
// It returns an error for unnamed or duplicate parameters, mixed named and
// unnamed results, and invalid types.
func ABI0(s Signature) (*Layout, error) {
	l := &Layout{}
	seen := map[string]bool{}
	off := 0
	add := func(ps []Param, result bool) error {
		named := 0
		for _, p := range ps {
			if p.Name != "" {
				named++
			}
		}
		if result && named != 0 && named != len(ps) {
			return fmt.Errorf("results must be all named or all unnamed")
		}
		for i, p := range ps {
			if p.Type.kind == KindInvalid {
				return fmt.Errorf("%s: invalid (zero) type", paramDesc(p, i, result))
			}
			name := p.Name
			switch {
			case name == "" && result:
				name = "ret"
				if i > 0 {
					name += strconv.Itoa(i)
				}
			case name == "":
				return fmt.Errorf("parameter %d is unnamed", i)
			case name == "_" || !token.IsIdentifier(name):
				return fmt.Errorf("%s: not a usable identifier", paramDesc(p, i, result))
			}
			off = alignUp(off, p.Type.align)
			for _, c := range components(name, p.Type) {
				if seen[c.Name] {
					return fmt.Errorf("duplicate argument name %s", c.Name)
				}
				seen[c.Name] = true
				c.Offset += off
				c.Result = result
				l.Vars = append(l.Vars, c)
			}
			off += p.Type.size
		}
		return nil
	}
	if err := add(s.Params, false); err != nil {
		return nil, err
	}
	if len(s.Results) > 0 {
		off = alignUp(off, ptrSize)
		if err := add(s.Results, true); err != nil {
			return nil, err
		}
	}
	l.ArgSize = off
	return l, nil
}

func paramDesc(p Param, i int, result bool) string {
	what := "parameter"
	if result {
		what = "result"
	}
	if p.Name != "" {
		return fmt.Sprintf("%s %s", what, p.Name)
	}
	return fmt.Sprintf("%s %d", what, i)
}

// components lists the variables asmdecl accepts for a parameter called
// name, with offsets relative to the parameter.
func components(name string, t Type) []ArgVar {
	switch t.kind {
	case KindSlice:
		return []ArgVar{
			{Name: name + "_base", Offset: 0, Size: 8, Kind: KindPointer, Type: Pointer(strings.TrimPrefix(t.name, "[]"))},
			{Name: name + "_len", Offset: 8, Size: 8, Kind: KindInt, Type: Int},
			{Name: name + "_cap", Offset: 16, Size: 8, Kind: KindInt, Type: Int},
		}
	case KindString:
		return []ArgVar{
			{Name: name + "_base", Offset: 0, Size: 8, Kind: KindPointer, Type: Pointer("byte")},
			{Name: name + "_len", Offset: 8, Size: 8, Kind: KindInt, Type: Int},
		}
	}
	return []ArgVar{{Name: name, Size: t.size, Kind: t.kind, Type: t}}
}

func alignUp(n, a int) int {
	if a <= 1 {
		return n
	}
	return (n + a - 1) &^ (a - 1)
}
