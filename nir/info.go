package nir

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
)

// Summary writes a readable summary of g: its version and metadata, one
// line per node (nested graphs indented) with its type, input and output
// shapes and parameters, and the edges. Shapes are inferred as Check
// does; "?" marks one that cannot be.
func Summary(w io.Writer, g *Graph) error {
	c := &checker{}
	c.run(g.Clone())
	shapes := map[string]*fnode{}
	if c.flat != nil {
		shapes = c.flat.byName
	}
	var b strings.Builder
	version := g.Version
	if version == "" {
		version = "unknown"
	}
	fmt.Fprintf(&b, "NIR graph: %d nodes, %d edges (written by NIR %s)\n", len(g.Nodes), len(g.Edges), version)
	if len(g.Metadata) > 0 {
		fmt.Fprintf(&b, "metadata: %s\n", metadataString(g.Metadata))
	}
	b.WriteString("nodes:\n")
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	writeNodes(tw, g, "", shapes)
	if err := tw.Flush(); err != nil {
		return err
	}
	writeEdges(&b, g, "")
	_, err := io.WriteString(w, b.String())
	return err
}

// writeNodes writes one line per node of g, recursing into nested graphs.
func writeNodes(w io.Writer, g *Graph, prefix string, shapes map[string]*fnode) {
	indent := strings.Repeat("  ", strings.Count(prefix, ".")+1)
	for _, name := range g.Names() {
		n := g.Nodes[name]
		q := prefix + name
		io := "?"
		switch {
		case n.Type == TypeGraph && n.Graph != nil && len(shapes) > 0:
			io = graphShapes(n.Graph, q+".", shapes)
		case shapes[q] != nil:
			io = nodeShapes(shapes[q])
		}
		fmt.Fprintf(w, "%s%s\t%s\t%s\t%s\n", indent, name, n.Type, io, paramString(n))
		if n.Type == TypeGraph && n.Graph != nil {
			writeNodes(w, n.Graph, q+".", shapes)
		}
	}
}

// nodeShapes is "[in] → [out]", or the shape of a top-level port.
func nodeShapes(f *fnode) string {
	in := commonInput(f)
	switch {
	case f.node.Type == TypeInput && !f.inner:
		return f.out.String()
	case f.node.Type == TypeOutput && !f.inner:
		return in.String()
	}
	return in.String() + " → " + f.out.String()
}

// graphShapes is the shapes of a nested graph: what enters its Input
// nodes and leaves its Output nodes.
func graphShapes(g *Graph, prefix string, shapes map[string]*fnode) string {
	var ins, outs []string
	for _, name := range g.Names() {
		f := shapes[prefix+name]
		switch {
		case f == nil:
		case f.node.Type == TypeInput:
			ins = append(ins, commonInput(f).String())
		case f.node.Type == TypeOutput:
			outs = append(outs, f.out.String())
		}
	}
	return strings.Join(ins, ",") + " → " + strings.Join(outs, ",")
}

// paramString summarizes a node's parameters: weights by shape, neuron
// parameters by value when uniform and by range otherwise.
func paramString(n *Node) string {
	if n.Type == TypeGraph {
		if n.Graph == nil {
			return "(no nested graph)"
		}
		return fmt.Sprintf("%d nodes, %d edges", len(n.Graph.Nodes), len(n.Graph.Edges))
	}
	var names []string
	specs, _ := schemaOf(n.Type)
	for _, ps := range specs {
		if _, ok := n.Params[ps.name]; ok {
			names = append(names, ps.name)
		} else if _, ok := n.Strings[ps.name]; ok {
			names = append(names, ps.name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(n.Params)) {
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(n.Strings)) {
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	var parts []string
	for _, name := range names {
		var s string
		if str, ok := n.Strings[name]; ok {
			s = name + "=" + strconv.Quote(str)
		} else {
			s = name + " " + tensorString(n.Params[name], name == "weight" || name == "bias", intParams(n.Type, name))
		}
		if slices.Contains(n.Defaulted, name) {
			s += " (default)"
		}
		parts = append(parts, s)
	}
	if len(n.Metadata) > 0 {
		parts = append(parts, "metadata "+metadataString(n.Metadata))
	}
	return strings.Join(parts, ", ")
}

// tensorString shows a tensor: its shape only, or its values (one when
// all are equal, a range when there are many; integers are listed).
func tensorString(t Tensor, shapeOnly, ints bool) string {
	if shapeOnly || len(t.Data) == 0 {
		return shape(t.Shape).String()
	}
	if v, ok := t.Uniform(); ok && !(ints && len(t.Shape) > 0) {
		return num(v)
	}
	if len(t.Data) <= 4 {
		parts := make([]string, len(t.Data))
		for i, v := range t.Data {
			parts[i] = num(v)
		}
		return "[" + strings.Join(parts, " ") + "]"
	}
	return num(slices.Min(t.Data)) + "…" + num(slices.Max(t.Data))
}

func num(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }

// metadataString shows metadata as key=value pairs.
func metadataString(m Metadata) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		var s string
		switch v := m[k].(type) {
		case string:
			s = strconv.Quote(v)
		case float64:
			s = num(v)
		case Metadata:
			s = "{" + metadataString(v) + "}"
		case Array:
			s = fmt.Sprintf("%v %T", v.Data, v.Data)
		default:
			s = fmt.Sprint(v)
		}
		parts = append(parts, k+"="+s)
	}
	return strings.Join(parts, " ")
}

// writeEdges lists the edges of g and of its nested graphs.
func writeEdges(b *strings.Builder, g *Graph, prefix string) {
	fmt.Fprintf(b, "edges of %s:\n", graphLabel(prefix))
	if len(g.Edges) == 0 {
		b.WriteString("  (none)\n")
	}
	for _, e := range g.Edges {
		fmt.Fprintf(b, "  %s → %s\n", e.From, e.To)
	}
	for _, name := range g.Names() {
		if n := g.Nodes[name]; n.Type == TypeGraph && n.Graph != nil {
			writeEdges(b, n.Graph, prefix+name+".")
		}
	}
}
