package model

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// A parser for the subset of the libconfig format (hyperrealm.github.io/
// libconfig) that wmediumd configuration files use:
//
//	config   = setting*
//	setting  = name ("=" | ":") value [";" | ","]
//	value    = scalar | array | list | group
//	array    = "[" [scalar ("," scalar)* [","]] "]"      all of one type
//	list     = "(" [value ("," value)* [","]] ")"
//	group    = "{" setting* "}"
//	scalar   = boolean | integer | float | string
//	name     = [A-Za-z*][A-Za-z0-9_*-]*
//
// Booleans are true/false in any case; integers decimal or 0x hex with an
// optional L/LL suffix; floats have a '.' or an exponent; strings are
// double-quoted with \\ \" \n \r \t \f \xNN escapes, and adjacent strings
// are concatenated. Comments are '#' and '//' to the end of the line and
// '/* ... */'. Not supported: @include directives and binary/octal
// integers. Setting names must be unique within a group.

// libconfigError is a syntax error at a line.
type libconfigError struct {
	line int
	msg  string
}

func (e *libconfigError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

type lcParser struct {
	src  string
	pos  int
	line int
	// depth limits nesting, so hostile input cannot exhaust the stack.
	depth int
}

const maxDepth = 64

// parseLibconfig parses src into a root group.
func parseLibconfig(src string) (root *value, err error) {
	p := &lcParser{src: src, line: 1}
	root = &value{kind: kindGroup, line: 1}
	if err := p.settings(root, 0); err != nil {
		return nil, err
	}
	return root, nil
}

func (p *lcParser) errorf(format string, args ...any) error {
	return &libconfigError{line: p.line, msg: fmt.Sprintf(format, args...)}
}

// skip skips white space and comments.
func (p *lcParser) skip() error {
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == '\n':
			p.line++
			p.pos++
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			p.pos++
		case c == '#' || strings.HasPrefix(p.src[p.pos:], "//"):
			for p.pos < len(p.src) && p.src[p.pos] != '\n' {
				p.pos++
			}
		case strings.HasPrefix(p.src[p.pos:], "/*"):
			start := p.line
			end := strings.Index(p.src[p.pos+2:], "*/")
			if end < 0 {
				p.line = start
				return p.errorf("unterminated /* comment")
			}
			p.line += strings.Count(p.src[p.pos:p.pos+2+end], "\n")
			p.pos += 2 + end + 2
		default:
			return nil
		}
	}
	return nil
}

func (p *lcParser) peek() byte {
	if p.pos < len(p.src) {
		return p.src[p.pos]
	}
	return 0
}

func isNameStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '*'
}

func isNameChar(c byte) bool {
	return isNameStart(c) || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// settings parses settings into g until end of input (close == 0) or the
// closing brace.
func (p *lcParser) settings(g *value, close byte) error {
	for {
		if err := p.skip(); err != nil {
			return err
		}
		c := p.peek()
		if c == 0 {
			if close != 0 {
				return p.errorf("missing %q", close)
			}
			return nil
		}
		if c == close {
			p.pos++
			return nil
		}
		if c == '@' {
			return p.errorf("@include and other directives are not supported")
		}
		if !isNameStart(c) {
			return p.errorf("expected a setting name, got %s", p.near())
		}
		line := p.line
		start := p.pos
		for p.pos < len(p.src) && isNameChar(p.src[p.pos]) {
			p.pos++
		}
		name := p.src[start:p.pos]
		for _, m := range g.items {
			if m.name == name {
				return p.errorf("duplicate setting %q (first on line %d)", name, m.line)
			}
		}
		if err := p.skip(); err != nil {
			return err
		}
		if c := p.peek(); c != '=' && c != ':' {
			return p.errorf("expected '=' or ':' after %q, got %s", name, p.near())
		}
		p.pos++
		v, err := p.value()
		if err != nil {
			return err
		}
		v.name = name
		v.line = line
		g.items = append(g.items, v)
		if err := p.skip(); err != nil {
			return err
		}
		if c := p.peek(); c == ';' || c == ',' {
			p.pos++
		}
	}
}

// near describes the input at the current position.
func (p *lcParser) near() string {
	if p.pos >= len(p.src) {
		return "end of file"
	}
	end := p.pos + 1
	for end < len(p.src) && end < p.pos+12 && isNameChar(p.src[end]) && isNameChar(p.src[p.pos]) {
		end++
	}
	return strconv.Quote(p.src[p.pos:end])
}

func (p *lcParser) value() (*value, error) {
	if err := p.skip(); err != nil {
		return nil, err
	}
	line := p.line
	switch c := p.peek(); c {
	case '{':
		if p.depth++; p.depth > maxDepth {
			return nil, p.errorf("nested too deeply")
		}
		p.pos++
		g := &value{kind: kindGroup, line: line}
		if err := p.settings(g, '}'); err != nil {
			return nil, err
		}
		p.depth--
		return g, nil
	case '[', '(':
		if p.depth++; p.depth > maxDepth {
			return nil, p.errorf("nested too deeply")
		}
		p.pos++
		close, k := byte(']'), kindArray
		if c == '(' {
			close, k = ')', kindList
		}
		v := &value{kind: k, line: line}
		if err := p.elements(v, close); err != nil {
			return nil, err
		}
		p.depth--
		return v, nil
	case '"':
		return p.str()
	case 0:
		return nil, p.errorf("expected a value, got end of file")
	}
	return p.scalar()
}

// elements parses the elements of an array or list up to close.
func (p *lcParser) elements(v *value, close byte) error {
	for {
		if err := p.skip(); err != nil {
			return err
		}
		if p.peek() == close {
			p.pos++
			return nil
		}
		e, err := p.value()
		if err != nil {
			return err
		}
		if v.kind == kindArray {
			if e.kind == kindGroup || e.kind == kindArray || e.kind == kindList {
				return p.errorf("an array [...] holds only scalars; use a list (...) for %ss", e.kind)
			}
			if len(v.items) > 0 && v.items[0].kind != e.kind {
				return p.errorf("array elements must all be of one type: %s after %s", e.kind, v.items[0].kind)
			}
		}
		v.items = append(v.items, e)
		if err := p.skip(); err != nil {
			return err
		}
		switch p.peek() {
		case ',':
			p.pos++
		case close:
		case 0:
			return p.errorf("missing %q", close)
		default:
			return p.errorf("expected ',' or %q, got %s", close, p.near())
		}
	}
}

// str parses one or more adjacent quoted strings.
func (p *lcParser) str() (*value, error) {
	v := &value{kind: kindString, line: p.line}
	var b strings.Builder
	for {
		p.pos++ // opening quote
		for {
			if p.pos >= len(p.src) {
				return nil, p.errorf("unterminated string")
			}
			c := p.src[p.pos]
			if c == '"' {
				p.pos++
				break
			}
			if c == '\n' {
				return nil, p.errorf("newline in string")
			}
			if c != '\\' {
				b.WriteByte(c)
				p.pos++
				continue
			}
			if p.pos+1 >= len(p.src) {
				return nil, p.errorf("unterminated string")
			}
			p.pos += 2
			switch e := p.src[p.pos-1]; e {
			case '\\', '"':
				b.WriteByte(e)
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'f':
				b.WriteByte('\f')
			case 'x':
				if p.pos+2 > len(p.src) {
					return nil, p.errorf("bad \\x escape")
				}
				n, err := strconv.ParseUint(p.src[p.pos:p.pos+2], 16, 8)
				if err != nil {
					return nil, p.errorf("bad \\x escape")
				}
				b.WriteByte(byte(n))
				p.pos += 2
			default:
				return nil, p.errorf("unknown escape \\%c", e)
			}
		}
		// Adjacent strings are concatenated.
		save, saveLine := p.pos, p.line
		if err := p.skip(); err != nil {
			return nil, err
		}
		if p.peek() != '"' {
			p.pos, p.line = save, saveLine
			break
		}
	}
	v.str = b.String()
	return v, nil
}

// scalar parses a boolean or number.
func (p *lcParser) scalar() (*value, error) {
	start := p.pos
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		if isNameChar(c) || c == '.' || c == '+' {
			p.pos++
			continue
		}
		break
	}
	tok := p.src[start:p.pos]
	v := &value{line: p.line}
	if tok == "" {
		return nil, p.errorf("expected a value, got %s", p.near())
	}
	switch strings.ToLower(tok) {
	case "true":
		v.kind, v.b = kindBool, true
		return v, nil
	case "false":
		v.kind, v.b = kindBool, false
		return v, nil
	}
	num := strings.TrimSuffix(strings.TrimSuffix(tok, "L"), "L")
	isHex := strings.HasPrefix(num, "0x") || strings.HasPrefix(num, "0X") ||
		strings.HasPrefix(num, "-0x") || strings.HasPrefix(num, "-0X")
	if isHex {
		neg := strings.HasPrefix(num, "-")
		digits := strings.TrimPrefix(num, "-")[2:]
		u, err := strconv.ParseUint(digits, 16, 64)
		if err == nil && digits[0] != '+' && digits[0] != '-' {
			v.kind, v.i = kindInt, int64(u)
			if neg {
				v.i = -v.i
			}
			return v, nil
		}
	} else if num != tok || !strings.ContainsAny(tok, ".eE") {
		// Integers: decimal, optional sign. A leading zero is decimal
		// (octal is not supported).
		if i, err := strconv.ParseInt(num, 10, 64); err == nil && !strings.Contains(num, "_") {
			v.kind, v.i = kindInt, i
			return v, nil
		}
	} else if f, err := strconv.ParseFloat(tok, 64); err == nil &&
		!strings.ContainsAny(tok, "_xXpPiInN") && !math.IsInf(f, 0) {
		v.kind, v.f = kindFloat, f
		return v, nil
	}
	return nil, p.errorf("bad value %q", tok)
}
