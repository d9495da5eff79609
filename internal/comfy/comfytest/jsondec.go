package comfytest

import (
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// Every POST /prompt body is decoded in order. encoding/json's Token API, which decodeTokens
// uses, runs a full Decode for every string and number and builds a syntax error for each
// (deferred, then dropped); parseOrdered reads plain JSON in one pass. It accepts only input
// decodeTokens accepts too, and gives up on anything else (bad syntax, trailing data, deep
// nesting), leaving decodeTokens to answer, quirks and errors included.

// maxParseDepth bounds parseOrdered's recursion; deeper input goes the slow way.
const maxParseDepth = 1000

type orderedParser struct {
	src   string // substrings of it become the decoded strings, sparing a copy each
	pos   int
	depth int
}

// parseOrdered decodes src like decodeTokens and reports whether it could.
func parseOrdered(src string) (any, bool) {
	p := orderedParser{src: src}
	v, ok := p.value()
	if !ok {
		return nil, false
	}
	p.skipSpace()
	return v, p.pos == len(p.src)
}

func (p *orderedParser) value() (any, bool) {
	p.skipSpace()
	switch c := p.peek(); {
	case c == '{':
		return p.nested(p.object)
	case c == '[':
		return p.nested(p.array)
	case c == '"':
		if s, ok := p.string(); ok {
			return s, true
		}
	case c == 't':
		return p.literal("true", true)
	case c == 'f':
		return p.literal("false", false)
	case c == 'n':
		return p.literal("null", nil)
	case c == '-' || ('0' <= c && c <= '9'):
		return p.number()
	}
	return nil, false
}

func (p *orderedParser) nested(parse func() (any, bool)) (any, bool) {
	if p.depth >= maxParseDepth {
		return nil, false
	}
	p.depth++
	v, ok := parse()
	p.depth--
	return v, ok
}

func (p *orderedParser) object() (any, bool) {
	p.pos++ // {
	o := object{}
	p.skipSpace()
	if p.peek() == '}' {
		p.pos++
		return o, true
	}
	for {
		p.skipSpace()
		if p.peek() != '"' {
			return nil, false
		}
		k, ok := p.string()
		if !ok || !p.expect(':') {
			return nil, false
		}
		v, ok := p.value()
		if !ok {
			return nil, false
		}
		// Python keeps the last duplicate key, in the position of the first.
		o.set(k, v)
		if done, ok := p.next('}'); !ok || done {
			return o, ok
		}
	}
}

func (p *orderedParser) array() (any, bool) {
	p.pos++ // [
	a := []any{}
	p.skipSpace()
	if p.peek() == ']' {
		p.pos++
		return a, true
	}
	for {
		v, ok := p.value()
		if !ok {
			return nil, false
		}
		a = append(a, v)
		if done, ok := p.next(']'); !ok || done {
			return a, ok
		}
	}
}

// next reads the comma before another element or the closing delimiter.
func (p *orderedParser) next(closing byte) (done, ok bool) {
	p.skipSpace()
	switch p.peek() {
	case ',':
		p.pos++
		return false, true
	case closing:
		p.pos++
		return true, true
	}
	return false, false
}

func (p *orderedParser) expect(c byte) bool {
	p.skipSpace()
	if p.peek() != c {
		return false
	}
	p.pos++
	return true
}

// string reads a quoted string. Plain UTF-8 text is the string itself; escapes and invalid
// UTF-8 are left to encoding/json, so every rule of its unquoting holds.
func (p *orderedParser) string() (string, bool) {
	start := p.pos + 1
	plain := true
	for i := start; i < len(p.src); i++ {
		switch c := p.src[i]; {
		case c == '"':
			p.pos = i + 1
			if raw := p.src[start:i]; plain && utf8.ValidString(raw) {
				return raw, true
			}
			return unquote(p.src[start-1 : i+1])
		case c == '\\':
			plain = false
			i++ // an escaped quote does not end the string
		case c < 0x20:
			return "", false
		}
	}
	return "", false
}

func unquote(quoted string) (string, bool) {
	var s string
	if err := json.Unmarshal([]byte(quoted), &s); err != nil {
		return "", false
	}
	return s, true
}

// number reads a number literal, kept as written like json.Decoder.UseNumber keeps it.
func (p *orderedParser) number() (any, bool) {
	end := p.pos
	for end < len(p.src) && strings.IndexByte("0123456789+-.eE", p.src[end]) >= 0 {
		end++
	}
	lit := p.src[p.pos:end]
	if !validNumber(lit) {
		return nil, false
	}
	p.pos = end
	return json.Number(lit), true
}

func (p *orderedParser) literal(word string, v any) (any, bool) {
	if !strings.HasPrefix(p.src[p.pos:], word) {
		return nil, false
	}
	p.pos += len(word)
	return v, true
}

func (p *orderedParser) peek() byte {
	if p.pos < len(p.src) {
		return p.src[p.pos]
	}
	return 0
}

func (p *orderedParser) skipSpace() {
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}
