package ir

import (
	"strconv"
	"strings"
)

// ParseGraph reads a graph in the text form Print writes, and verifies it.
func ParseGraph(src string) (*Graph, error) {
	g, err := parseGraph(lex(src))
	if err != nil {
		return nil, err
	}
	if err := VerifyGraph(g); err != nil {
		return nil, err
	}
	return g, nil
}

func parseGraph(lines [][]token) (*Graph, error) {
	if len(lines) == 0 {
		return nil, &ParseError{Line: 1, Col: 1, Msg: "empty input: want \"graph NAME {\""}
	}
	head := lines[0]
	if len(head) != 3 || head[0].text != "graph" || head[2].text != "{" || !isIdent(head[1].text) {
		return nil, errAt(head[0], "want \"graph NAME {\"")
	}
	g := NewGraph(head[1].text)
	nodes := map[int]*Node{}
	outputs := map[string]bool{}
	for i := 1; i < len(lines); i++ {
		toks := lines[i]
		kw := toks[0]
		switch {
		case kw.text == "}":
			if len(toks) != 1 || i != len(lines)-1 {
				return nil, errAt(kw, "unexpected text after the closing brace")
			}
			return g, nil
		case kw.text == "step":
			end := i + 1
			for end < len(lines) && !(len(lines[end]) == 1 && lines[end][0].text == "}") {
				end++
			}
			if end == len(lines) {
				return nil, errAt(kw, "step without its closing brace")
			}
			s, err := (&stepParser{values: map[int]*Value{}}).parse(lines[i : end+1])
			if err != nil {
				return nil, err
			}
			if err := Verify(s); err != nil {
				return nil, errAt(kw, "%v", err)
			}
			if g.StepByName(s.Name) != nil {
				return nil, errAt(lines[i][1], "step %s defined twice", s.Name)
			}
			g.Steps = append(g.Steps, s)
			i = end
		case kw.text == "output":
			if len(toks) != 4 || toks[2].text != "=" || !isIdent(toks[1].text) {
				return nil, errAt(kw, "want \"output NAME = nN\"")
			}
			if outputs[toks[1].text] {
				return nil, errAt(toks[1], "output %s already defined", toks[1].text)
			}
			outputs[toks[1].text] = true
			n, err := nodeRef(nodes, toks[3])
			if err != nil {
				return nil, err
			}
			g.Output(toks[1].text, n)
		case strings.HasPrefix(kw.text, "n"):
			n, err := parseNode(g, nodes, toks)
			if err != nil {
				return nil, err
			}
			// Type errors (and sizes over the limits) here, where the
			// line is known; VerifyGraph checks the same again.
			t, err := inferType(n)
			if err != nil {
				return nil, errAt(toks[0], "%v", err)
			}
			if !t.equal(n.Type) {
				return nil, errAt(toks[len(toks)-1], "the type should be %v", t)
			}
			nodes[n.ID] = n
			g.Nodes = append(g.Nodes, n)
			if n.ID >= g.nextID {
				g.nextID = n.ID + 1
			}
		default:
			return nil, errAt(kw, "unexpected %q", kw.text)
		}
	}
	last := lines[len(lines)-1]
	return nil, errAt(last[len(last)-1], "missing closing brace")
}

var graphOpByName = func() map[string]GraphOp {
	m := map[string]GraphOp{}
	for op := GInput; op < numGraphOps; op++ {
		m[graphOps[op].name] = op
	}
	return m
}()

// parseNode reads "nN = OP [attributes] ARGS : TYPE".
func parseNode(g *Graph, nodes map[int]*Node, toks []token) (*Node, error) {
	id, ok := parseNodeID(toks[0].text)
	if !ok {
		return nil, errAt(toks[0], "bad node name %q", toks[0].text)
	}
	if nodes[id] != nil {
		return nil, errAt(toks[0], "%s defined twice", toks[0].text)
	}
	if len(toks) < 5 || toks[1].text != "=" || toks[len(toks)-2].text != ":" {
		return nil, errAt(toks[0], "want \"%s = OP ARGS... : TYPE\"", toks[0].text)
	}
	op, ok := graphOpByName[toks[2].text]
	if !ok {
		return nil, errAt(toks[2], "unknown graph op %q", toks[2].text)
	}
	typ, err := parseType(toks[len(toks)-1])
	if err != nil {
		return nil, err
	}
	n := &Node{ID: id, Op: op, Type: typ, Window: Window{Stride: [2]int{1, 1}, Dilation: [2]int{1, 1}, Groups: 1}}
	rest := toks[3 : len(toks)-2]
	switch op {
	case GInput, GParam:
		if len(rest) != 1 && !(op == GInput && len(rest) == 4) {
			return nil, errAt(toks[2], "want \"%v NAME : TYPE\"", op)
		}
		n.Name = rest[0].text
		if len(rest) == 4 {
			if rest[1].text != "spikes" || rest[2].text != "=" {
				return nil, errAt(rest[1], "want \"input NAME [spikes=BOOL] : TYPE\"")
			}
			b, err := strconv.ParseBool(rest[3].text)
			if err != nil {
				return nil, errAt(rest[3], "bad spikes %q", rest[3].text)
			}
			n.Spikes = b
		}
		return n, nil
	case GNeuron, GRecurrent:
		if len(rest) == 0 {
			return nil, errAt(toks[2], "%v needs a step name", op)
		}
		if n.Step = g.StepByName(rest[0].text); n.Step == nil {
			return nil, errAt(rest[0], "no step called %q defined before this line", rest[0].text)
		}
		rest = rest[1:]
	case GDelay:
		if len(rest) == 0 {
			return nil, errAt(toks[2], "delay needs a step count")
		}
		d, err := strconv.Atoi(rest[0].text)
		if err != nil {
			return nil, errAt(rest[0], "bad delay %q", rest[0].text)
		}
		n.Delay = d
		rest = rest[1:]
	}
	for k := 0; k < len(rest); k++ {
		t := rest[k]
		if k+2 < len(rest) && rest[k+1].text == "=" {
			key, val := t, rest[k+2]
			k += 2
			if err := setNodeAttr(g, n, nodes, key, val); err != nil {
				return nil, err
			}
			continue
		}
		if len(n.Bind) > 0 {
			return nil, errAt(t, "positional argument after a bound param")
		}
		a, err := nodeRef(nodes, t)
		if err != nil {
			return nil, err
		}
		n.Args = append(n.Args, a)
	}
	return n, nil
}

// setNodeAttr reads key=val: a window attribute, autapses, a schedule
// attribute, or a step parameter bound to a node.
func setNodeAttr(g *Graph, n *Node, nodes map[int]*Node, key, val token) error {
	switch key.text {
	case "buffer":
		if val.text == "out" {
			n.Sched.Buffer = BufferOutput
			return nil
		}
		k, err := strconv.Atoi(val.text)
		if err != nil || k <= 0 {
			return errAt(val, "bad buffer %q: want a positive number or out", val.text)
		}
		n.Sched.Buffer = k
		return nil
	case "fuse_time", "spike_input", "epilogue":
		if key.text == "fuse_time" && !n.Op.has(attrStep) || key.text != "fuse_time" && !n.Op.has(attrSpikeInput) {
			break
		}
		b, err := strconv.ParseBool(val.text)
		if err != nil {
			return errAt(val, "bad %s %q", key.text, val.text)
		}
		switch key.text {
		case "fuse_time":
			n.Sched.FuseTime = b
		case "spike_input":
			n.Sched.SpikeInput = b
		default:
			n.Sched.Epilogue = b
		}
		return nil
	case "adjoint":
		if !n.Op.has(attrStep) {
			break
		}
		if n.Sched.Adjoint = g.StepByName(val.text); n.Sched.Adjoint == nil {
			return errAt(val, "no step called %q defined before this line", val.text)
		}
		return nil
	case "stride", "padding", "dilation", "kernel":
		if !n.Op.has(attrWindow) || key.text == "kernel" && !n.Op.has(attrKernel) {
			break
		}
		p, err := parsePair(val)
		if err != nil {
			return err
		}
		switch key.text {
		case "stride":
			n.Window.Stride = p
		case "padding":
			n.Window.Padding = p
		case "dilation":
			n.Window.Dilation = p
		case "kernel":
			n.Window.Kernel = p
		}
		return nil
	case "groups":
		if !n.Op.has(attrGroups) {
			break
		}
		v, err := strconv.Atoi(val.text)
		if err != nil {
			return errAt(val, "bad groups %q", val.text)
		}
		n.Window.Groups = v
		return nil
	case "f_max", "dt", "seed":
		if !n.Op.has(attrPoisson) {
			break
		}
		return n.Poisson.set(key, val)
	case "autapses":
		if !n.Op.has(attrAutapses) {
			break
		}
		b, err := strconv.ParseBool(val.text)
		if err != nil {
			return errAt(val, "bad autapses %q", val.text)
		}
		n.Autapses = b
		return nil
	}
	if !n.Op.has(attrStep) {
		return errAt(key, "%v has no attribute %q", n.Op, key.text)
	}
	a, err := nodeRef(nodes, val)
	if err != nil {
		return err
	}
	n.Bind = append(n.Bind, key.text)
	n.Args = append(n.Args, a)
	return nil
}

func parsePair(t token) ([2]int, error) {
	a, b, ok := strings.Cut(t.text, "x")
	x, err1 := strconv.Atoi(a)
	y, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil {
		return [2]int{}, errAt(t, "want HxW, got %q", t.text)
	}
	return [2]int{x, y}, nil
}

// parseType reads "seq[3,4]", "batch[10]" or "[256,784]".
func parseType(t token) (Type, error) {
	s := t.text
	var typ Type
	switch {
	case strings.HasPrefix(s, "seq["):
		typ.Kind, s = Sequence, s[3:]
	case strings.HasPrefix(s, "batch["):
		typ.Kind, s = Batch, s[5:]
	}
	if len(s) < 2 || s[0] != '[' || s[len(s)-1] != ']' {
		return typ, errAt(t, "bad type %q: want seq[...], batch[...] or [...]", t.text)
	}
	if inner := s[1 : len(s)-1]; inner != "" {
		for _, d := range strings.Split(inner, ",") {
			v, err := strconv.Atoi(d)
			if err != nil || v <= 0 || v > 1<<30 {
				return typ, errAt(t, "bad dimension %q in type %q", d, t.text)
			}
			typ.Shape = append(typ.Shape, v)
		}
	}
	return typ, nil
}

func nodeRef(nodes map[int]*Node, t token) (*Node, error) {
	id, ok := parseNodeID(t.text)
	if !ok {
		return nil, errAt(t, "want a node name nN, got %q", t.text)
	}
	n := nodes[id]
	if n == nil {
		return nil, errAt(t, "%s is not defined before this line", t.text)
	}
	return n, nil
}

func parseNodeID(s string) (int, bool) {
	if len(s) < 2 || s[0] != 'n' {
		return 0, false
	}
	return parseID("v" + s[1:])
}
