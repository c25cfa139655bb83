package ir

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseError is a syntax or naming error in IR text, at a 1-based line and
// column.
type ParseError struct {
	Line, Col int
	Msg       string
}

func (e *ParseError) Error() string { return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg) }

type token struct {
	text      string
	line, col int
}

// lex splits src into lines of tokens. "=", ":", "{" and "}" are tokens of
// their own; "#" starts a comment.
func lex(src string) [][]token {
	var lines [][]token
	for ln, line := range strings.Split(src, "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		var toks []token
		start := -1
		flush := func(end int) {
			if start >= 0 {
				toks = append(toks, token{line[start:end], ln + 1, start + 1})
				start = -1
			}
		}
		for i := 0; i < len(line); i++ {
			switch c := line[i]; c {
			case ' ', '\t', '\r':
				flush(i)
			case '=', ':', '{', '}':
				flush(i)
				toks = append(toks, token{string(c), ln + 1, i + 1})
			default:
				if start < 0 {
					start = i
				}
			}
		}
		flush(len(line))
		if len(toks) > 0 {
			lines = append(lines, toks)
		}
	}
	return lines
}

// ParseStep reads a step in the text form Print writes, and verifies it.
func ParseStep(src string) (*Step, error) {
	p := &stepParser{values: map[int]*Value{}}
	s, err := p.parse(lex(src))
	if err != nil {
		return nil, err
	}
	if err := Verify(s); err != nil {
		return nil, err
	}
	return s, nil
}

type stepParser struct {
	values map[int]*Value
}

func errAt(t token, format string, args ...any) error {
	return &ParseError{Line: t.line, Col: t.col, Msg: fmt.Sprintf(format, args...)}
}

func (p *stepParser) parse(lines [][]token) (*Step, error) {
	if len(lines) == 0 {
		return nil, &ParseError{Line: 1, Col: 1, Msg: "empty input: want \"step NAME {\""}
	}
	head := lines[0]
	if len(head) != 3 || head[0].text != "step" || head[2].text != "{" {
		return nil, errAt(head[0], "want \"step NAME {\"")
	}
	if !isIdent(head[1].text) {
		return nil, errAt(head[1], "bad step name %q", head[1].text)
	}
	s := NewStep(head[1].text)
	declared := map[string]token{}
	declare := func(t token) error {
		if !isIdent(t.text) {
			return errAt(t, "bad name %q", t.text)
		}
		if prev, dup := declared[t.text]; dup {
			return errAt(t, "%s already declared at %d:%d", t.text, prev.line, prev.col)
		}
		declared[t.text] = t
		return nil
	}
	outputs := map[string]bool{}
	for i, toks := range lines[1:] {
		kw := toks[0]
		switch {
		case kw.text == "}":
			if len(toks) != 1 || i != len(lines)-2 {
				return nil, errAt(kw, "unexpected text after the closing brace")
			}
			return s, nil
		case kw.text == "input":
			if len(toks) != 2 {
				return nil, errAt(kw, "want \"input NAME\"")
			}
			if err := declare(toks[1]); err != nil {
				return nil, err
			}
			s.Inputs = append(s.Inputs, toks[1].text)
		case kw.text == "state":
			if len(toks) != 4 || toks[2].text != "=" {
				return nil, errAt(kw, "want \"state NAME = INIT\"")
			}
			if err := declare(toks[1]); err != nil {
				return nil, err
			}
			init, err := parseFloat(toks[3])
			if err != nil {
				return nil, err
			}
			s.States = append(s.States, StateVar{Name: toks[1].text, Init: init})
		case kw.text == "param":
			if (len(toks) != 4 && len(toks) != 5) || toks[2].text != "=" {
				return nil, errAt(kw, "want \"param NAME = DEFAULT [per_neuron]\"")
			}
			if err := declare(toks[1]); err != nil {
				return nil, err
			}
			def, err := parseFloat(toks[3])
			if err != nil {
				return nil, err
			}
			pv := ParamVar{Name: toks[1].text, Default: def}
			if len(toks) == 5 {
				if toks[4].text != "per_neuron" {
					return nil, errAt(toks[4], "want per_neuron, got %q", toks[4].text)
				}
				pv.PerNeuron = true
			}
			s.Params = append(s.Params, pv)
		case kw.text == "output":
			if len(toks) != 4 || toks[2].text != "=" {
				return nil, errAt(kw, "want \"output NAME = vN\"")
			}
			if !isIdent(toks[1].text) {
				return nil, errAt(toks[1], "bad output name %q", toks[1].text)
			}
			if outputs[toks[1].text] {
				return nil, errAt(toks[1], "output %s already defined", toks[1].text)
			}
			outputs[toks[1].text] = true
			v, err := p.ref(toks[3])
			if err != nil {
				return nil, err
			}
			s.Outputs = append(s.Outputs, Output{Name: toks[1].text, Value: v})
		case kw.text == "next":
			if len(toks) != 4 || toks[2].text != "=" {
				return nil, errAt(kw, "want \"next STATE = vN\"")
			}
			k := s.StateIndex(toks[1].text)
			if k < 0 {
				return nil, errAt(toks[1], "next of undeclared state %q", toks[1].text)
			}
			if s.States[k].Next != nil {
				return nil, errAt(toks[1], "next %s already set", toks[1].text)
			}
			v, err := p.ref(toks[3])
			if err != nil {
				return nil, err
			}
			s.States[k].Next = v
		case strings.HasPrefix(kw.text, "v"):
			v, err := p.value(s, toks)
			if err != nil {
				return nil, err
			}
			s.addValue(v)
		default:
			return nil, errAt(kw, "unexpected %q", kw.text)
		}
	}
	last := lines[len(lines)-1]
	return nil, errAt(last[len(last)-1], "missing closing brace")
}

// value parses "vN = op [attributes] args...".
func (p *stepParser) value(s *Step, toks []token) (*Value, error) {
	id, ok := parseID(toks[0].text)
	if !ok {
		return nil, errAt(toks[0], "bad value name %q", toks[0].text)
	}
	if _, dup := p.values[id]; dup {
		return nil, errAt(toks[0], "%s defined twice", toks[0].text)
	}
	if len(toks) < 3 || toks[1].text != "=" {
		return nil, errAt(toks[0], "want \"%s = OP ARGS...\"", toks[0].text)
	}
	op, ok := opByName[toks[2].text]
	if !ok {
		return nil, errAt(toks[2], "unknown op %q", toks[2].text)
	}
	v := &Value{ID: id, Op: op}
	rest := toks[3:]
	need := func(n int, what string) error {
		if len(rest) < n {
			return errAt(toks[2], "%s needs %s", op, what)
		}
		return nil
	}
	switch op {
	case OpInput, OpState, OpParam:
		if len(rest) != 1 {
			return nil, errAt(toks[2], "want \"%s NAME\"", op)
		}
		v.Name = rest[0].text
		if !isIdent(v.Name) {
			return nil, errAt(rest[0], "bad name %q", v.Name)
		}
		if s.Leaf(op, v.Name) != nil {
			return nil, errAt(rest[0], "%s %s is read twice", op, v.Name)
		}
		rest = nil
	case OpConst:
		if len(rest) != 1 {
			return nil, errAt(toks[2], "want \"const NUMBER\"")
		}
		c, err := parseFloat(rest[0])
		if err != nil {
			return nil, err
		}
		v.Const = c
		rest = nil
	case OpCmp:
		if err := need(1, "a predicate (gt, ge, lt, le, eq, ne)"); err != nil {
			return nil, err
		}
		pred, ok := parsePred(rest[0].text)
		if !ok {
			return nil, errAt(rest[0], "unknown predicate %q", rest[0].text)
		}
		v.Pred = pred
		rest = rest[1:]
	case OpThreshold:
		if err := need(2, "a method and alpha"); err != nil {
			return nil, err
		}
		m, err := ParseSurrogate(rest[0].text)
		if err != nil {
			return nil, errAt(rest[0], "%v", err)
		}
		alpha, err := parseFloat(rest[1])
		if err != nil {
			return nil, err
		}
		v.Method, v.Const = m, alpha
		rest = rest[2:]
	}
	if len(rest) != op.Arity() {
		return nil, errAt(toks[2], "%s takes %d arguments, got %d", op, op.Arity(), len(rest))
	}
	for _, t := range rest {
		a, err := p.ref(t)
		if err != nil {
			return nil, err
		}
		v.Args = append(v.Args, a)
	}
	p.values[id] = v
	return v, nil
}

// ref resolves "vN" to a value defined on an earlier line.
func (p *stepParser) ref(t token) (*Value, error) {
	id, ok := parseID(t.text)
	if !ok {
		return nil, errAt(t, "want a value name vN, got %q", t.text)
	}
	v := p.values[id]
	if v == nil {
		return nil, errAt(t, "%s is not defined before this line", t.text)
	}
	return v, nil
}

func parseID(s string) (int, bool) {
	if len(s) < 2 || s[0] != 'v' || s[1] == '0' || s[1] == '+' || s[1] == '-' {
		return 0, false
	}
	id, err := strconv.Atoi(s[1:])
	if err != nil || id <= 0 || id > 1<<30 {
		return 0, false
	}
	return id, true
}

func parseFloat(t token) (float64, error) {
	f, err := strconv.ParseFloat(t.text, 64)
	if err != nil {
		return 0, errAt(t, "bad number %q", t.text)
	}
	return f, nil
}

// isIdent reports whether s is a name: a letter or underscore, then letters,
// digits, underscores or dots.
func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '.'):
		default:
			return false
		}
	}
	return true
}
