package tensorio

import (
	"fmt"
	"strconv"
	"strings"
)

// A .npy header is a Python dict literal. pyParser accepts the subset of
// Python literal syntax that numpy writes (and a little more, so that errors
// about structured dtypes can name the descr instead of failing to parse):
// strings in single or double quotes, integers (with the "L" suffix of
// Python 2 longs), True, False, None, and tuples, lists and dicts of these,
// with trailing commas. Nesting depth is bounded, so no input can exhaust the
// stack.

type pyKind int

const (
	pyStr pyKind = iota
	pyInt
	pyBool
	pyNone
	pyTuple
	pyList
	pyDict
)

type pyValue struct {
	kind  pyKind
	str   string    // pyStr
	num   int64     // pyInt
	b     bool      // pyBool
	items []pyValue // pyTuple and pyList; pyDict holds key, value, key, value...
	raw   string    // the source text, for error messages
}

const maxPyDepth = 32

type pyParser struct {
	src   string
	pos   int
	depth int
}

// parsePyLiteral parses src, which must hold exactly one literal surrounded
// by optional whitespace.
func parsePyLiteral(src string) (pyValue, error) {
	p := &pyParser{src: src}
	v, err := p.value()
	if err != nil {
		return v, err
	}
	p.skipSpace()
	if p.pos < len(p.src) {
		return v, p.errorf("unexpected %q after the literal", p.src[p.pos])
	}
	return v, nil
}

func (p *pyParser) errorf(format string, args ...any) error {
	return fmt.Errorf("at offset %d: %s", p.pos, fmt.Sprintf(format, args...))
}

func (p *pyParser) skipSpace() {
	for p.pos < len(p.src) && strings.IndexByte(" \t\r\n", p.src[p.pos]) >= 0 {
		p.pos++
	}
}

// peek returns the next byte, or 0 at the end of the input.
func (p *pyParser) peek() byte {
	if p.pos < len(p.src) {
		return p.src[p.pos]
	}
	return 0
}

func (p *pyParser) value() (pyValue, error) {
	p.skipSpace()
	start := p.pos
	var (
		v   pyValue
		err error
	)
	switch c := p.peek(); {
	case c == 0:
		return v, p.errorf("unexpected end of input")
	case c == '\'' || c == '"':
		v, err = p.str()
	case c == '(' || c == '[' || c == '{':
		v, err = p.container()
	case c == '-' || c == '+' || isDigit(c):
		v, err = p.integer()
	case isIdentStart(c):
		v, err = p.name()
	default:
		return v, p.errorf("unexpected %q", c)
	}
	if err != nil {
		return v, err
	}
	v.raw = p.src[start:p.pos]
	return v, nil
}

func (p *pyParser) str() (pyValue, error) {
	quote := p.src[p.pos]
	p.pos++
	var b strings.Builder
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		p.pos++
		switch c {
		case quote:
			return pyValue{kind: pyStr, str: b.String()}, nil
		case '\n':
			return pyValue{}, p.errorf("newline in string")
		case '\\':
			if p.pos == len(p.src) {
				return pyValue{}, p.errorf("unterminated string")
			}
			e := p.src[p.pos]
			p.pos++
			switch e {
			case '\\', '\'', '"':
				b.WriteByte(e)
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			default:
				return pyValue{}, p.errorf("unsupported escape \\%c in string", e)
			}
		default:
			b.WriteByte(c)
		}
	}
	return pyValue{}, p.errorf("unterminated string")
}

func (p *pyParser) integer() (pyValue, error) {
	start := p.pos
	if c := p.peek(); c == '-' || c == '+' {
		p.pos++
	}
	digits := p.pos
	for isDigit(p.peek()) {
		p.pos++
	}
	if p.pos == digits {
		return pyValue{}, p.errorf("expected digits after sign")
	}
	text := p.src[start:p.pos]
	if c := p.peek(); c == 'L' || c == 'l' {
		p.pos++
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return pyValue{}, p.errorf("integer %s out of range", text)
	}
	return pyValue{kind: pyInt, num: n}, nil
}

func (p *pyParser) name() (pyValue, error) {
	start := p.pos
	for isIdentStart(p.peek()) || isDigit(p.peek()) {
		p.pos++
	}
	switch id := p.src[start:p.pos]; id {
	case "True":
		return pyValue{kind: pyBool, b: true}, nil
	case "False":
		return pyValue{kind: pyBool}, nil
	case "None":
		return pyValue{kind: pyNone}, nil
	default:
		p.pos = start
		return pyValue{}, p.errorf("unsupported name %q", id)
	}
}

// container parses a tuple, list or dict. A parenthesised single value
// without a trailing comma is that value, not a tuple, as in Python.
func (p *pyParser) container() (pyValue, error) {
	if p.depth++; p.depth > maxPyDepth {
		return pyValue{}, p.errorf("nested more than %d levels deep", maxPyDepth)
	}
	defer func() { p.depth-- }()

	open := p.src[p.pos]
	p.pos++
	var v pyValue
	var closer byte
	switch open {
	case '(':
		v.kind, closer = pyTuple, ')'
	case '[':
		v.kind, closer = pyList, ']'
	default:
		v.kind, closer = pyDict, '}'
	}
	comma := false // whether the last element was followed by a comma
	for {
		p.skipSpace()
		if p.peek() == closer {
			p.pos++
			break
		}
		if len(v.items) > 0 && !comma {
			return pyValue{}, p.errorf("expected ',' or %q", closer)
		}
		item, err := p.value()
		if err != nil {
			return pyValue{}, err
		}
		v.items = append(v.items, item)
		if v.kind == pyDict {
			p.skipSpace()
			if p.peek() != ':' {
				return pyValue{}, p.errorf("expected ':' after dict key")
			}
			p.pos++
			if item, err = p.value(); err != nil {
				return pyValue{}, err
			}
			v.items = append(v.items, item)
		}
		p.skipSpace()
		if comma = p.peek() == ','; comma {
			p.pos++
		}
	}
	if v.kind == pyTuple && len(v.items) == 1 && !comma {
		return v.items[0], nil
	}
	return v, nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isIdentStart(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_'
}
