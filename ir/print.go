package ir

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
)

// Print writes the step in the text form that ParseStep reads:
//
//	step lif_box {
//	  input x
//	  state v = 0
//	  param tau_mem_inv = 100
//	  param v_th = 1 per_neuron
//	  v1 = input x
//	  v2 = state v
//	  ...
//	  v9 = threshold super 100 v8
//	  output z = v9
//	  next v = v12
//	}
//
// Declarations come first, then the values in definition order, then the
// outputs and the state updates.
func (s *Step) Print(w io.Writer) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "step %s {\n", s.Name)
	for _, in := range s.Inputs {
		fmt.Fprintf(&b, "  input %s\n", in)
	}
	for _, st := range s.States {
		fmt.Fprintf(&b, "  state %s = %s\n", st.Name, formatFloat(st.Init))
	}
	for _, p := range s.Params {
		fmt.Fprintf(&b, "  param %s = %s", p.Name, formatFloat(p.Default))
		if p.PerNeuron {
			b.WriteString(" per_neuron")
		}
		b.WriteByte('\n')
	}
	for _, v := range s.Values {
		fmt.Fprintf(&b, "  %s\n", v.LongString())
	}
	for _, o := range s.Outputs {
		fmt.Fprintf(&b, "  output %s = %v\n", o.Name, o.Value)
	}
	for _, st := range s.States {
		if st.Next != nil {
			fmt.Fprintf(&b, "  next %s = %v\n", st.Name, st.Next)
		}
	}
	b.WriteString("}\n")
	_, err := w.Write(b.Bytes())
	return err
}

// String returns the text form of the step.
func (s *Step) String() string {
	var b bytes.Buffer
	s.Print(&b)
	return b.String()
}

// formatFloat prints the shortest decimal that parses back to f exactly.
func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
