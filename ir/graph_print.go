package ir

import (
	"bytes"
	"fmt"
	"io"
	"strings"
)

// Print writes the graph in the text form ParseGraph reads: the steps it
// uses, then one node per line with its type after the colon, then the
// outputs.
//
//	graph mlp {
//	  step lif { ... }
//	  n1 = input x : seq[784]
//	  n2 = param fc1.weight : [256,784]
//	  n3 = param fc1.bias : [256]
//	  n4 = linear n1 n2 n3 : seq[256]
//	  n5 = neuron lif n4 : seq[256]
//	  output spikes = n5
//	}
func (g *Graph) Print(w io.Writer) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "graph %s {\n", g.Name)
	for _, s := range g.Steps {
		for _, line := range strings.SplitAfter(s.String(), "\n") {
			if line != "" {
				b.WriteString("  " + line)
			}
		}
	}
	for _, n := range g.Nodes {
		fmt.Fprintf(&b, "  %s\n", n.LongString())
	}
	for _, o := range g.Outputs {
		fmt.Fprintf(&b, "  output %s = %v\n", o.Name, o.Node)
	}
	b.WriteString("}\n")
	_, err := w.Write(b.Bytes())
	return err
}

// String returns the text form of the graph.
func (g *Graph) String() string {
	var b bytes.Buffer
	g.Print(&b)
	return b.String()
}
