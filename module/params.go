package module

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"strings"
)

// Sizes is a layer's kernel, stride, padding or dilation: in a model file
// one number (the same for every spatial dimension) or a list of one
// number per dimension.
type Sizes []int

// UnmarshalJSON reads a number or a list of numbers.
func (s *Sizes) UnmarshalJSON(b []byte) error {
	var n int
	if err := json.Unmarshal(b, &n); err == nil {
		*s = Sizes{n}
		return nil
	}
	var l []int
	if err := json.Unmarshal(b, &l); err != nil {
		// The decoder adds the field's name to an UnmarshalTypeError.
		return &json.UnmarshalTypeError{Value: jsonKind(b), Type: reflect.TypeFor[[]int]()}
	}
	*s = l
	return nil
}

// jsonKind describes a JSON value for an error message.
func jsonKind(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return "nothing"
	}
	switch b[0] {
	case '"':
		return "string " + string(b)
	case '{':
		return "object"
	case '[':
		return "list " + string(b)
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	}
	return "number " + string(b)
}

// paramError is a neuron parameter outside its domain; path is its JSON
// keys inside "params" (e.g. ["lif", "tau_mem_inv"]).
type paramError struct {
	path []string
	msg  string
}

func (e *paramError) Error() string { return strings.Join(e.path, ".") + " " + e.msg }

// checkParams checks the neuron parameters p (a pointer to one of the
// functional parameter structs) against their domains, by JSON name:
// inverse time constants and c_m_inv (*_inv) are positive, as are the
// surrogate sharpness alpha and the exponential sharpness delta_T;
// the refractory period rho_reset and the leak conductance g_l are not
// negative; the STP utilisation U is in [0, 1]; every number is finite.
// Other fields (potentials, couplings) may take any finite value.
func checkParams(p any) error {
	v := reflect.ValueOf(p)
	for v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return nil
	}
	return checkStruct(v, nil)
}

func checkStruct(v reflect.Value, path []string) error {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		at := append(path[:len(path):len(path)], name)
		fv := v.Field(i)
		switch fv.Kind() {
		case reflect.Struct:
			if err := checkStruct(fv, at); err != nil {
				return err
			}
		case reflect.Float64:
			if msg := paramDomain(name, fv.Float()); msg != "" {
				return &paramError{at, strconv.FormatFloat(fv.Float(), 'g', -1, 64) + ": " + msg}
			}
		}
	}
	return nil
}

// paramDomain returns what is wrong with x as the parameter called name,
// or "".
func paramDomain(name string, x float64) string {
	switch {
	case math.IsNaN(x) || math.IsInf(x, 0):
		return "must be finite"
	case strings.HasSuffix(name, "_inv") && !(x > 0):
		return "must be positive (an inverse time constant in 1/s, or an inverse capacitance)"
	case (name == "alpha" || name == "delta_T") && !(x > 0):
		return "must be positive"
	case (name == "rho_reset" || name == "g_l") && x < 0:
		return "must not be negative"
	case name == "U" && !(x >= 0 && x <= 1):
		return "must be in [0, 1]"
	}
	return ""
}

// valueOffset returns the byte offset, in the JSON object raw, of the
// value at the keys path (nested objects), and whether it is there.
func valueOffset(raw []byte, path []string) (int64, bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	var base int64
	for depth, key := range path {
		if t, err := dec.Token(); err != nil || t != json.Delim('{') {
			return 0, false
		}
		found := false
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return 0, false
			}
			if k != key {
				var skip json.RawMessage
				if dec.Decode(&skip) != nil {
					return 0, false
				}
				continue
			}
			// InputOffset is just past the key; the value follows the
			// colon and any spaces.
			off := dec.InputOffset()
			for off < int64(len(raw)) && strings.ContainsRune(": \t\r\n", rune(raw[off])) {
				off++
			}
			if depth == len(path)-1 {
				return base + off, true
			}
			var sub json.RawMessage
			if dec.Decode(&sub) != nil {
				return 0, false
			}
			base, raw = base+off, sub
			dec = json.NewDecoder(bytes.NewReader(raw))
			found = true
			break
		}
		if !found {
			return 0, false
		}
	}
	return 0, false
}
