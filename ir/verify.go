package ir

import (
	"errors"
	"fmt"
)

// Verify checks that s is well formed: names are unique identifiers, every
// value has its op's arity and attributes, arguments are defined before use
// and belong to s, leaves read declared names, every state has a next value,
// and there is at least one output. Errors name the offending value.
func Verify(s *Step) error {
	if s == nil {
		return errors.New("ir: nil step")
	}
	fail := func(format string, args ...any) error {
		return fmt.Errorf("ir: step %s: %s", s.Name, fmt.Sprintf(format, args...))
	}
	if !isIdent(s.Name) {
		return fmt.Errorf("ir: step name %q is not an identifier", s.Name)
	}
	declared := map[string]string{}
	declare := func(kind, name string) error {
		if !isIdent(name) {
			return fail("%s name %q is not an identifier", kind, name)
		}
		if prev, dup := declared[name]; dup {
			return fail("%s %s: the name is already a %s", kind, name, prev)
		}
		declared[name] = kind
		return nil
	}
	for _, n := range s.Inputs {
		if err := declare("input", n); err != nil {
			return err
		}
	}
	for _, st := range s.States {
		if err := declare("state", st.Name); err != nil {
			return err
		}
	}
	for _, p := range s.Params {
		if err := declare("param", p.Name); err != nil {
			return err
		}
	}

	defined := make(map[*Value]bool, len(s.Values))
	ids := make(map[int]bool, len(s.Values))
	leaves := map[string]bool{}
	for _, v := range s.Values {
		if v == nil {
			return fail("nil value in Values")
		}
		if v.ID <= 0 || ids[v.ID] {
			return fail("%s: ID %d is not positive or not unique", v.LongString(), v.ID)
		}
		ids[v.ID] = true
		if v.Op == OpInvalid || v.Op >= numOps {
			return fail("%s: invalid op", v.LongString())
		}
		if len(v.Args) != v.Op.Arity() {
			return fail("%s: %v takes %d arguments, got %d", v.LongString(), v.Op, v.Op.Arity(), len(v.Args))
		}
		for _, a := range v.Args {
			if a == nil || !defined[a] {
				return fail("%s: argument %v is not defined before it", v.LongString(), a)
			}
		}
		switch v.Op {
		case OpInput, OpState, OpParam:
			kind := v.Op.String()
			if declared[v.Name] != kind {
				return fail("%s: no %s called %q is declared", v.LongString(), kind, v.Name)
			}
			if leaves[v.Name] {
				return fail("%s: %s %s is read by two values", v.LongString(), kind, v.Name)
			}
			leaves[v.Name] = true
		case OpCmp:
			if v.Pred == PredInvalid || v.Pred >= numPreds {
				return fail("%s: invalid predicate", v.LongString())
			}
		case OpThreshold:
			if !v.Method.Valid() {
				return fail("%s: invalid surrogate method", v.LongString())
			}
		}
		defined[v] = true
	}
	for _, st := range s.States {
		if st.Next == nil {
			return fail("state %s has no next value", st.Name)
		}
		if !defined[st.Next] {
			return fail("next %s = %v: the value is not defined in the step", st.Name, st.Next)
		}
	}
	if len(s.Outputs) == 0 {
		return fail("no outputs")
	}
	outs := map[string]bool{}
	for _, o := range s.Outputs {
		if !isIdent(o.Name) || outs[o.Name] {
			return fail("output name %q is not an identifier or not unique", o.Name)
		}
		outs[o.Name] = true
		if o.Value == nil || !defined[o.Value] {
			return fail("output %s = %v: the value is not defined in the step", o.Name, o.Value)
		}
	}
	return nil
}
