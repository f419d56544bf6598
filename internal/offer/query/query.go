// Package query is the small expression language people use to search
// offers, e.g. `gpu.model ~ "A100" and gpus >= 2 and price.gpu_hour <= 1.5`.
// It has and, or, not, parentheses, the comparisons == != < <= > >=, ~
// (case-insensitive regular expression, so a plain word matches as a
// substring) and in [..]. Quantities take the units of job specs ("16GiB",
// "500m"); prices are decimal amounts of the token.
//
// Fields: cpu, memory, disk (free capacity), gpus (free GPUs), gpu.model,
// gpu.vendor, gpu.vram (true when any free GPU matches), price.cpu_hour,
// price.memory_gib_hour, price.disk_gib_hour, price.gpu_hour, region,
// executor (any of the offer's executors), pool, node, label.<key>.
package query

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/deco-network/deco/internal/offer"
)

// Limits on expressions.
const (
	MaxLength = 4096
	MaxDepth  = 64
)

// Query is a parsed expression. It is immutable and safe for concurrent use.
type Query struct {
	root node
}

// Parse reads an expression over offers. Problems are *SyntaxError with
// the column.
func Parse(expr string) (*Query, error) { return parse(expr, lookupField, fieldNames) }

func parse(expr string, lookup func(string) (field, bool), names string) (*Query, error) {
	p := &parser{lex: lexer{src: expr}, src: expr, lookup: lookup, names: names}
	fail := func(pos int, msg string) error {
		return &SyntaxError{Expr: expr, Column: utf8.RuneCountInString(expr[:min(pos, len(expr))]) + 1, Msg: msg}
	}
	if len(expr) > MaxLength {
		return nil, fail(MaxLength, fmt.Sprintf("expression longer than %d bytes", MaxLength))
	}
	if !utf8.ValidString(expr) {
		return nil, fail(0, "expression is not valid UTF-8")
	}
	if err := p.advance(); err != nil {
		return nil, fail(err.pos, err.msg)
	}
	if p.tok.kind == tokEOF {
		return nil, fail(0, "empty expression")
	}
	root, err := p.or(0)
	if err == nil && p.tok.kind != tokEOF {
		err = &lexError{p.tok.pos, fmt.Sprintf("expected and, or or the end, got %s", p.tok.describe())}
	}
	if err != nil {
		return nil, fail(err.pos, err.msg)
	}
	return &Query{root: root}, nil
}

// Match reports whether o satisfies the query.
func (q *Query) Match(o *offer.Offer) bool { return q.root.eval(o) }

// MatchRecord reports whether rec, a record of the schema the query was
// parsed with, satisfies the query.
func (q *Query) MatchRecord(rec any) bool { return q.root.eval(rec) }

// Filter returns the offers that satisfy the query, in order.
func (q *Query) Filter(offers []offer.Offer) []offer.Offer {
	var out []offer.Offer
	for i := range offers {
		if q.Match(&offers[i]) {
			out = append(out, offers[i])
		}
	}
	return out
}

// String is the canonical form: and/or groups parenthesised, literals
// normalised. Parsing it gives the same query.
func (q *Query) String() string {
	var b strings.Builder
	q.root.format(&b)
	return b.String()
}

// parser is a recursive-descent parser over the lexer's tokens.
type parser struct {
	lex    lexer
	src    string
	tok    token
	lookup func(string) (field, bool)
	names  string
}

func (p *parser) advance() *lexError {
	t, err := p.lex.next()
	if err != nil {
		return err
	}
	p.tok = t
	return nil
}

func (p *parser) keyword(word string) bool {
	return p.tok.kind == tokIdent && strings.EqualFold(p.tok.text, word)
}

func (p *parser) or(depth int) (node, *lexError) {
	left, err := p.and(depth)
	if err != nil {
		return nil, err
	}
	for p.keyword("or") {
		if err := p.advance(); err != nil {
			return nil, err
		}
		right, err := p.and(depth)
		if err != nil {
			return nil, err
		}
		left = &binary{op: "or", left: left, right: right}
	}
	return left, nil
}

func (p *parser) and(depth int) (node, *lexError) {
	left, err := p.unary(depth)
	if err != nil {
		return nil, err
	}
	for p.keyword("and") {
		if err := p.advance(); err != nil {
			return nil, err
		}
		right, err := p.unary(depth)
		if err != nil {
			return nil, err
		}
		left = &binary{op: "and", left: left, right: right}
	}
	return left, nil
}

func (p *parser) unary(depth int) (node, *lexError) {
	if depth >= MaxDepth {
		return nil, &lexError{p.tok.pos, fmt.Sprintf("expression nested deeper than %d", MaxDepth)}
	}
	switch {
	case p.keyword("not"):
		if err := p.advance(); err != nil {
			return nil, err
		}
		x, err := p.unary(depth + 1)
		if err != nil {
			return nil, err
		}
		return &not{x: x}, nil
	case p.tok.kind == tokLParen:
		open := p.tok.pos
		if err := p.advance(); err != nil {
			return nil, err
		}
		x, err := p.or(depth + 1)
		if err != nil {
			return nil, err
		}
		if p.tok.kind != tokRParen {
			if p.tok.kind == tokEOF {
				return nil, &lexError{open, "unclosed parenthesis"}
			}
			return nil, &lexError{p.tok.pos, fmt.Sprintf("expected ), got %s", p.tok.describe())}
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		return x, nil
	}
	return p.comparison()
}

func (p *parser) comparison() (node, *lexError) {
	if p.tok.kind != tokIdent || isKeyword(p.tok.text) {
		return nil, &lexError{p.tok.pos, fmt.Sprintf("expected a field name, not or (, got %s", p.tok.describe())}
	}
	f, ok := p.lookup(p.tok.text)
	if !ok {
		return nil, &lexError{p.tok.pos, fmt.Sprintf("unknown field %q (fields: %s)", p.tok.text, p.names)}
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	c := &cmp{f: f}
	switch {
	case p.keyword("in"), p.keyword("not"):
		negate := p.keyword("not")
		if negate {
			if err := p.advance(); err != nil {
				return nil, err
			}
			if !p.keyword("in") {
				return nil, &lexError{p.tok.pos, fmt.Sprintf("expected in after not, got %s", p.tok.describe())}
			}
		}
		c.op = "in"
		if err := p.advance(); err != nil {
			return nil, err
		}
		if err := p.list(c); err != nil {
			return nil, err
		}
		if negate {
			return &not{x: c, notIn: true}, nil
		}
		return c, nil
	case p.tok.kind == tokOp:
		c.op = p.tok.text
	default:
		return nil, &lexError{p.tok.pos, fmt.Sprintf("expected an operator (== != < <= > >= ~ in) after %s, got %s", f.name, p.tok.describe())}
	}
	opPos := p.tok.pos
	if f.kind == kindString && strings.ContainsAny(c.op, "<>") {
		return nil, &lexError{opPos, fmt.Sprintf("%s is text: use == != ~ or in, not %s", f.name, c.op)}
	}
	if f.kind != kindString && c.op == "~" {
		return nil, &lexError{opPos, fmt.Sprintf("~ matches text; %s is a quantity", f.name)}
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	v, err := p.value(f, c.op == "~")
	if err != nil {
		return nil, err
	}
	c.vals = []value{v}
	return c, nil
}

func (p *parser) list(c *cmp) *lexError {
	if p.tok.kind != tokLBrack {
		return &lexError{p.tok.pos, fmt.Sprintf("expected [ after in, got %s", p.tok.describe())}
	}
	open := p.tok.pos
	if err := p.advance(); err != nil {
		return err
	}
	for {
		if p.tok.kind == tokEOF {
			return &lexError{open, "unclosed ["}
		}
		v, err := p.value(c.f, false)
		if err != nil {
			return err
		}
		c.vals = append(c.vals, v)
		switch p.tok.kind {
		case tokComma:
			if err := p.advance(); err != nil {
				return err
			}
		case tokRBrack:
			return p.advance()
		case tokEOF:
			return &lexError{open, "unclosed ["}
		default:
			return &lexError{p.tok.pos, fmt.Sprintf("expected , or ], got %s", p.tok.describe())}
		}
	}
}

// value reads one literal for field f.
func (p *parser) value(f field, regex bool) (value, *lexError) {
	t := p.tok
	if t.kind == tokIdent && !isKeyword(t.text) {
		return value{}, &lexError{t.pos, fmt.Sprintf("expected a value for %s, got %s (quote text: %s)", f.name, t.describe(), quote(t.text))}
	}
	if t.kind != tokString && t.kind != tokNumber {
		return value{}, &lexError{t.pos, fmt.Sprintf("expected a value for %s, got %s", f.name, t.describe())}
	}
	v, err := f.parse(t.text, regex)
	if err != nil {
		return value{}, &lexError{t.pos, fmt.Sprintf("bad value %s for %s: %v", t.raw, f.name, err)}
	}
	return v, p.advance()
}

func isKeyword(s string) bool {
	switch strings.ToLower(s) {
	case "and", "or", "not", "in":
		return true
	}
	return false
}
