package nir

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// A flatGraph is a graph with its nested graphs inlined: every node that is
// not a NIRGraph, under its qualified name ("sub.x" for node x of the
// nested graph sub), and the edges between them. The Input and Output
// nodes of nested graphs stay, as ports that pass their input through.
type flatGraph struct {
	nodes  []*fnode // in qualified-name order
	byName map[string]*fnode
}

// fnode is one node of a flatGraph.
type fnode struct {
	name  string // qualified name
	node  *Node
	inner bool // an Input or Output of a nested graph
	srcs  []*fnode
	dsts  []*fnode
	order int // position in flatGraph.nodes

	valid bool  // parameters passed validation
	out   shape // inferred output shape; nil while unknown
}

// shape is a value's shape; nil means unknown and []int{} a scalar.
type shape []int

func (s shape) String() string {
	if s == nil {
		return "[?]"
	}
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = fmt.Sprint(d)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// desc names a node with its type, e.g. "lif1 (CubaLIF)".
func (f *fnode) desc() string { return fmt.Sprintf("%s (%s)", f.name, f.node.Type) }

// isPort reports whether f is an Input or Output node.
func (f *fnode) isPort() bool { return f.node.Type == TypeInput || f.node.Type == TypeOutput }

// graphLabel names a graph in messages: "the top graph" or "nested graph sub".
func graphLabel(prefix string) string {
	if prefix == "" {
		return "the top graph"
	}
	return "nested graph " + strings.TrimSuffix(prefix, ".")
}

// structure checks the edges of g and its nested graphs: both ends must
// name nodes, edges into a nested graph must find its Input, edges out of
// it its Output, and no edge may enter an Input or leave an Output of its
// own graph. With repair set it fixes what is unambiguous in place.
func (c *checker) structure(g *Graph, prefix string) {
	for _, name := range g.Names() {
		if n := g.Nodes[name]; n.Type == TypeGraph && n.Graph != nil {
			c.structure(n.Graph, prefix+name+".")
		}
	}
	if c.repair {
		c.repairMissing(g, prefix)
		c.repairDuplicates(g, prefix)
	}
	missing := map[string][]Edge{}
	var order []string
	seen := map[Edge]bool{}
	for _, e := range g.Edges {
		if seen[e] {
			c.problem(true, []string{prefix + e.From, prefix + e.To}, "%s lists the edge %s → %s twice", graphLabel(prefix), e.From, e.To)
		}
		seen[e] = true
		for _, end := range []struct {
			name string
			into bool
		}{{e.From, false}, {e.To, true}} {
			_, msg, isMissing := resolve(g, end.name, end.into)
			switch {
			case isMissing:
				if missing[end.name] == nil {
					order = append(order, end.name)
				}
				missing[end.name] = append(missing[end.name], e)
			case msg != "":
				c.problem(false, []string{prefix + end.name}, "%s: edge %s → %s: %s", graphLabel(prefix), e.From, e.To, msg)
			}
		}
		if n := g.Nodes[e.To]; n != nil && n.Type == TypeInput {
			c.problem(false, []string{prefix + e.To}, "%s: edge %s → %s enters Input node %s", graphLabel(prefix), e.From, e.To, e.To)
		}
		if n := g.Nodes[e.From]; n != nil && n.Type == TypeOutput {
			c.problem(false, []string{prefix + e.From}, "%s: edge %s → %s leaves Output node %s", graphLabel(prefix), e.From, e.To, e.From)
		}
	}
	fits := missingFits(g)
	for _, m := range order {
		c.problem(fits[m] != "", []string{prefix + m}, "%s: %s name%s node %q, which does not exist (nodes: %s)",
			graphLabel(prefix), edgeList(missing[m]), plural(len(missing[m]) == 1, "s", ""), m, strings.Join(g.Names(), ", "))
	}
	for _, name := range g.Names() {
		if n := g.Nodes[name]; n.Type == TypeGraph && n.Graph == nil {
			c.problem(false, []string{prefix + name}, "%s: NIRGraph node %s has no nested graph", graphLabel(prefix), name)
		}
	}
}

func plural(one bool, singular, many string) string {
	if one {
		return singular
	}
	return many
}

func edgeList(edges []Edge) string {
	parts := make([]string, len(edges))
	for i, e := range edges {
		parts[i] = e.From + " → " + e.To
	}
	return plural(len(edges) == 1, "edge ", "edges ") + strings.Join(parts, ", ")
}

// missingFits finds, for each edge end of g that names no node, the one
// node it can only have meant: no edge mentions that node, and one name is
// a prefix of the other (an edge naming "lif" for the node "lif1").
func missingFits(g *Graph) map[string]string {
	used := map[string]bool{}
	var missing []string
	for _, e := range g.Edges {
		for _, end := range []string{e.From, e.To} {
			if _, ok := g.Nodes[end]; ok {
				used[end] = true
			} else if _, _, isMissing := resolve(g, end, true); isMissing && !slices.Contains(missing, end) {
				missing = append(missing, end)
			}
		}
	}
	claimed := map[string]int{}
	fits := map[string]string{}
	for _, m := range missing {
		var cands []string
		for _, name := range g.Names() {
			if !used[name] && m != "" && (strings.HasPrefix(name, m) || strings.HasPrefix(m, name)) {
				cands = append(cands, name)
			}
		}
		if len(cands) == 1 {
			fits[m] = cands[0]
			claimed[cands[0]]++
		}
	}
	for m, to := range fits {
		if claimed[to] != 1 {
			delete(fits, m)
		}
	}
	return fits
}

// repairMissing renames the edge ends missingFits finds a node for.
func (c *checker) repairMissing(g *Graph, prefix string) {
	fits := missingFits(g)
	for _, m := range slices.Sorted(maps.Keys(fits)) {
		to, n := fits[m], 0
		for i, e := range g.Edges {
			if e.From == m {
				g.Edges[i].From, n = to, n+1
			}
			if e.To == m {
				g.Edges[i].To, n = to, n+1
			}
		}
		c.note("%s: renamed %q to %q in %d edge end%s: no node is called %q, and %s is the only node no edge mentions whose name fits",
			graphLabel(prefix), m, to, n, plural(n == 1, "", "s"), m, to)
	}
}

// repairDuplicates drops repeated edges.
func (c *checker) repairDuplicates(g *Graph, prefix string) {
	seen := map[Edge]bool{}
	kept := g.Edges[:0]
	for _, e := range g.Edges {
		if seen[e] {
			c.note("%s: dropped the repeated edge %s → %s", graphLabel(prefix), e.From, e.To)
			continue
		}
		seen[e] = true
		kept = append(kept, e)
	}
	g.Edges = kept
}

// resolve finds the node an edge end names in g: the node itself, the
// Input (into) or Output (!into) of a nested graph it names, or node X of
// nested graph G for "G.X". It returns the path of names from g down to
// that node, or why the end does not resolve; isMissing says no node of
// that name exists at all.
func resolve(g *Graph, name string, into bool) (path []string, msg string, isMissing bool) {
	port, portName := TypeOutput, "output"
	if into {
		port, portName = TypeInput, "input"
	}
	if n, ok := g.Nodes[name]; ok {
		if n.Type != TypeGraph || n.Graph == nil {
			return []string{name}, "", false
		}
		var ports []string
		for _, inner := range n.Graph.Names() {
			if n.Graph.Nodes[inner].Type == port {
				ports = append(ports, inner)
			}
		}
		if len(ports) != 1 {
			return nil, fmt.Sprintf("nested graph %s has %d %s nodes; name one as %s.NAME", name, len(ports), port, name), false
		}
		return []string{name, ports[0]}, "", false
	}
	for i := 0; i < len(name); i++ {
		if name[i] != '.' {
			continue
		}
		sub, ok := g.Nodes[name[:i]]
		if !ok || sub.Type != TypeGraph || sub.Graph == nil {
			continue
		}
		rest, msg, isMissing := resolve(sub.Graph, name[i+1:], into)
		if isMissing || msg != "" {
			continue
		}
		if len(rest) != 1 || sub.Graph.Nodes[rest[0]].Type != port {
			return nil, fmt.Sprintf("%s is not an %s node of nested graph %s", name[i+1:], portName, name[:i]), false
		}
		return append([]string{name[:i]}, rest...), "", false
	}
	return nil, "", true
}

// flatten inlines the nested graphs of g. It expects structure to have
// found no problems.
func (c *checker) flatten(g *Graph) *flatGraph {
	fg := &flatGraph{byName: map[string]*fnode{}}
	var add func(g *Graph, prefix string)
	add = func(g *Graph, prefix string) {
		for _, name := range g.Names() {
			n := g.Nodes[name]
			if n.Type == TypeGraph {
				add(n.Graph, prefix+name+".")
				continue
			}
			q := prefix + name
			if fg.byName[q] != nil {
				c.problem(false, []string{q}, "two nodes are called %s once nested graphs are inlined", q)
				continue
			}
			f := &fnode{name: q, node: n, inner: prefix != "" && (n.Type == TypeInput || n.Type == TypeOutput)}
			fg.byName[q] = f
			fg.nodes = append(fg.nodes, f)
		}
	}
	add(g, "")
	var link func(g *Graph, prefix string)
	link = func(g *Graph, prefix string) {
		for _, e := range g.Edges {
			from, _, _ := resolve(g, e.From, false)
			to, _, _ := resolve(g, e.To, true)
			a, b := fg.byName[prefix+strings.Join(from, ".")], fg.byName[prefix+strings.Join(to, ".")]
			if a == nil || b == nil {
				continue // a name clash, reported above
			}
			a.dsts = append(a.dsts, b)
			b.srcs = append(b.srcs, a)
		}
		for _, name := range g.Names() {
			if n := g.Nodes[name]; n.Type == TypeGraph {
				link(n.Graph, prefix+name+".")
			}
		}
	}
	link(g, "")
	slices.SortFunc(fg.nodes, func(a, b *fnode) int { return strings.Compare(a.name, b.name) })
	for i, f := range fg.nodes {
		f.order = i
	}
	return fg
}
