package hooks

import (
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// string.find, string.match, string.gmatch and string.gsub over the
// budgeted matcher of pattern.go, with Lua 5.1's semantics.

// patternSpecials are the characters that make find use patterns.
const patternSpecials = "^$*+?.([%-"

// posrelat turns a Lua string position (negative: from the end) into a
// 0-based offset clamped to [0, n].
func posrelat(pos, n int) int {
	if pos < 0 {
		pos += n + 1
	}
	pos--
	return min(max(pos, 0), n)
}

func strFind(L *lua.LState) int  { return findAux(L, true) }
func strMatch(L *lua.LState) int { return findAux(L, false) }

func findAux(L *lua.LState, find bool) int {
	src := L.CheckString(1)
	p := L.CheckString(2)
	init := posrelat(L.OptInt(3, 1), len(src))
	if find && (lua.LVAsBool(L.Get(4)) || !strings.ContainsAny(p, patternSpecials)) {
		i := strings.Index(src[init:], p)
		if i < 0 {
			L.Push(lua.LNil)
			return 1
		}
		L.Push(lua.LNumber(init + i + 1))
		L.Push(lua.LNumber(init + i + len(p)))
		return 2
	}
	m := &matcher{L: L, src: src, p: p}
	pi, anchored := 0, strings.HasPrefix(p, "^")
	if anchored {
		pi = 1
	}
	s, e := m.find(init, pi, anchored)
	if s < 0 {
		L.Push(lua.LNil)
		return 1
	}
	if !find {
		return m.pushCaptures(s, e, true)
	}
	L.Push(lua.LNumber(s + 1))
	L.Push(lua.LNumber(e))
	return 2 + m.pushCaptures(s, e, false)
}

// pushCaptures pushes the captures of the last match; with none, the
// whole match when whole is set.
func (m *matcher) pushCaptures(s, e int, whole bool) int {
	n := m.level
	if n == 0 && whole {
		n = 1
	}
	for i := 0; i < n; i++ {
		m.L.Push(m.captureValue(i, s, e))
	}
	return n
}

func (m *matcher) captureValue(i, s, e int) lua.LValue {
	str, pos, isPos := m.captureAt(i, s, e)
	if isPos {
		return lua.LNumber(pos)
	}
	return lua.LString(str)
}

// strGmatch returns an iterator over the matches, found one at a time.
func strGmatch(L *lua.LState) int {
	src := L.CheckString(1)
	p := L.CheckString(2)
	next := 0
	L.Push(L.NewFunction(func(L *lua.LState) int {
		m := &matcher{L: L, src: src, p: p}
		for s := next; s <= len(src); s++ {
			m.level = 0
			if e := m.match(s, 0); e >= 0 {
				next = e
				if e == s {
					next++
				}
				return m.pushCaptures(s, e, true)
			}
		}
		next = len(src) + 1
		return 0
	}))
	return 1
}

// capGsub is string.gsub: linear in its output (gopher-lua's copies the
// whole string once per match), bounded to maxResult bytes, and budgeted.
func capGsub(L *lua.LState) int {
	src := L.CheckString(1)
	p := L.CheckString(2)
	L.CheckTypes(3, lua.LTString, lua.LTTable, lua.LTFunction)
	repl := L.Get(3)
	limit := L.OptInt(4, len(src)+1)
	m := &matcher{L: L, src: src, p: p}
	pi, anchored := 0, strings.HasPrefix(p, "^")
	if anchored {
		pi = 1
	}
	var b strings.Builder
	s, n := 0, 0
	for n < limit {
		m.level = 0
		e := m.match(s, pi)
		if e >= 0 {
			n++
			m.addValue(&b, s, e, repl)
		}
		switch {
		case e > s:
			s = e
		case s < len(src):
			b.WriteByte(src[s])
			s++
		default:
			limit = n // the end of the subject
		}
		if b.Len() > maxResult {
			tooLarge(L, "string.gsub")
		}
		if anchored {
			break
		}
	}
	b.WriteString(src[s:])
	if b.Len() > maxResult {
		tooLarge(L, "string.gsub")
	}
	L.Push(lua.LString(b.String()))
	L.Push(lua.LNumber(n))
	return 2
}

// addValue appends the replacement of the match s..e.
func (m *matcher) addValue(b *strings.Builder, s, e int, repl lua.LValue) {
	L := m.L
	var v lua.LValue
	switch r := repl.(type) {
	case lua.LString:
		m.addString(b, s, e, string(r))
		return
	case *lua.LTable:
		v = L.GetTable(r, m.captureValue(0, s, e))
	case *lua.LFunction:
		L.Push(r)
		L.Call(m.pushCaptures(s, e, true), 1)
		v = L.Get(-1)
		L.Pop(1)
	}
	switch {
	case !lua.LVAsBool(v):
		b.WriteString(m.src[s:e])
	case lua.LVCanConvToString(v):
		b.WriteString(lua.LVAsString(v))
	default:
		L.RaiseError("invalid replacement value (a %s)", v.Type())
	}
}

// addString expands a string replacement: %0 the match, %1-%9 captures,
// % before anything else that character.
func (m *matcher) addString(b *strings.Builder, s, e int, repl string) {
	for i := 0; i < len(repl); i++ {
		c := repl[i]
		if c != '%' || i+1 == len(repl) {
			b.WriteByte(c)
			continue
		}
		i++
		switch c = repl[i]; {
		case c == '0':
			b.WriteString(m.src[s:e])
		case '1' <= c && c <= '9':
			b.WriteString(lua.LVAsString(m.captureValue(int(c-'1'), s, e)))
		default:
			b.WriteByte(c)
		}
	}
}
