package query

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// SyntaxError is a problem with an expression at a column.
type SyntaxError struct {
	// Expr is the expression as given.
	Expr string
	// Column is the 1-based column (in characters) of the problem.
	Column int
	// Msg says what is wrong.
	Msg string
}

// Error shows the message, then the expression with a caret under the
// column.
func (e *SyntaxError) Error() string {
	line := strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' {
			return ' '
		}
		return r
	}, e.Expr)
	pad := make([]rune, 0, e.Column)
	for i, r := range []rune(line) {
		if i >= e.Column-1 {
			break
		}
		if r != '\t' {
			r = ' '
		}
		pad = append(pad, r)
	}
	return fmt.Sprintf("%s at column %d\n  %s\n  %s^", e.Msg, e.Column, line, string(pad))
}

// tokKind is the kind of a token.
type tokKind int

const (
	tokEOF tokKind = iota
	tokIdent
	tokString
	tokNumber
	tokOp     // == != < <= > >= ~
	tokLParen // (
	tokRParen // )
	tokLBrack // [
	tokRBrack // ]
	tokComma  // ,
)

// token is one lexeme with its byte offset in the expression.
type token struct {
	kind tokKind
	text string // identifier, operator, number text, or the unquoted string
	raw  string // the source text
	pos  int
}

func (t token) describe() string {
	switch t.kind {
	case tokEOF:
		return "end of expression"
	case tokString:
		return "string " + t.raw
	}
	return fmt.Sprintf("%q", t.raw)
}

// lexer splits an expression into tokens.
type lexer struct {
	src string
	pos int
}

func isIdentStart(c byte) bool { return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func isIdentChar(c byte) bool {
	return isIdentStart(c) || '0' <= c && c <= '9' || c == '.' || c == '-' || c == '/'
}

// next returns the next token or a syntax error (as an offset and message).
func (l *lexer) next() (token, *lexError) {
	for l.pos < len(l.src) && strings.IndexByte(" \t\r\n", l.src[l.pos]) >= 0 {
		l.pos++
	}
	start := l.pos
	if start == len(l.src) {
		return token{kind: tokEOF, pos: start}, nil
	}
	c := l.src[start]
	tok := func(kind tokKind, n int) (token, *lexError) {
		l.pos += n
		s := l.src[start:l.pos]
		return token{kind: kind, text: s, raw: s, pos: start}, nil
	}
	switch {
	case c == '(':
		return tok(tokLParen, 1)
	case c == ')':
		return tok(tokRParen, 1)
	case c == '[':
		return tok(tokLBrack, 1)
	case c == ']':
		return tok(tokRBrack, 1)
	case c == ',':
		return tok(tokComma, 1)
	case c == '~':
		return tok(tokOp, 1)
	case c == '=' || c == '!':
		if start+1 < len(l.src) && l.src[start+1] == '=' {
			return tok(tokOp, 2)
		}
		return token{}, &lexError{start, fmt.Sprintf("unexpected %q (did you mean %q?)", c, string(c)+"=")}
	case c == '<' || c == '>':
		if start+1 < len(l.src) && l.src[start+1] == '=' {
			return tok(tokOp, 2)
		}
		return tok(tokOp, 1)
	case c == '"':
		var b strings.Builder
		for i := start + 1; i < len(l.src); {
			switch ch := l.src[i]; ch {
			case '"':
				l.pos = i + 1
				return token{kind: tokString, text: b.String(), raw: l.src[start:l.pos], pos: start}, nil
			case '\\':
				if i+1 >= len(l.src) || (l.src[i+1] != '"' && l.src[i+1] != '\\') {
					return token{}, &lexError{i, `unknown escape (only \" and \\ are allowed)`}
				}
				b.WriteByte(l.src[i+1])
				i += 2
			default:
				b.WriteByte(ch)
				i++
			}
		}
		return token{}, &lexError{start, "unterminated string"}
	case '0' <= c && c <= '9' || c == '.':
		i := start
		for i < len(l.src) && ('0' <= l.src[i] && l.src[i] <= '9' || l.src[i] == '.') {
			i++
		}
		for i < len(l.src) && isIdentStart(l.src[i]) {
			i++ // unit suffix: 16GiB, 500m
		}
		return tok(tokNumber, i-start)
	case isIdentStart(c):
		i := start
		for i < len(l.src) && isIdentChar(l.src[i]) {
			i++
		}
		return tok(tokIdent, i-start)
	}
	r, _ := utf8.DecodeRuneInString(l.src[start:])
	return token{}, &lexError{start, fmt.Sprintf("unexpected character %q", r)}
}

// lexError is a lexing problem at a byte offset.
type lexError struct {
	pos int
	msg string
}
