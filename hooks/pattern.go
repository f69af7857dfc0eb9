package hooks

import (
	lua "github.com/yuin/gopher-lua"
)

// Lua 5.1 patterns, matched with a step budget. gopher-lua's matcher runs
// inside one Go call that nothing can stop, and patterns backtrack:
// ("a"):rep(3000):find(".-.-.-b") ran for minutes. This matcher follows
// lstrlib.c's and looks at the call's context every patternStep steps, so
// a handler's budget bounds it like any Lua loop.

const (
	maxCaptures  = 32
	maxMatchCall = 200 // nesting of the matcher's recursion
	patternStep  = 4096
	capUnfinish  = -1
	capPosition  = -2
)

type capture struct {
	init, len int
}

// matcher matches pattern p against src for one call on L. Errors, and
// running out of budget, raise Lua errors.
type matcher struct {
	L      *lua.LState
	src, p string
	level  int
	capt   [maxCaptures]capture
	depth  int
	steps  int
}

func (m *matcher) fail(format string, args ...any) {
	m.L.RaiseError(format, args...)
}

// step counts work and stops it when the budget is spent.
func (m *matcher) step() {
	m.steps++
	if m.steps%patternStep == 0 {
		budgetCheck(m.L)
	}
}

// find tries the pattern (from pattern index pi) at every start from init,
// or only at init when anchored. It returns the match's end, or -1.
func (m *matcher) find(init, pi int, anchored bool) (start, end int) {
	for s := init; s <= len(m.src); s++ {
		m.level = 0
		if e := m.match(s, pi); e >= 0 {
			return s, e
		}
		if anchored {
			break
		}
	}
	return -1, -1
}

// match matches p[pi:] at src[s:] and returns the end of the match, or -1.
func (m *matcher) match(s, pi int) int {
	m.depth++
	if m.depth > maxMatchCall {
		m.fail("pattern too complex")
	}
	defer func() { m.depth-- }()
	for {
		m.step()
		if pi == len(m.p) {
			return s
		}
		switch m.p[pi] {
		case '(':
			if pi+1 < len(m.p) && m.p[pi+1] == ')' {
				return m.startCapture(s, pi+2, capPosition)
			}
			return m.startCapture(s, pi+1, capUnfinish)
		case ')':
			return m.endCapture(s, pi+1)
		case '%':
			if pi+1 < len(m.p) {
				switch c := m.p[pi+1]; {
				case c == 'b':
					if s = m.matchBalance(s, pi+2); s < 0 {
						return -1
					}
					pi += 4
					continue
				case c == 'f':
					var ok bool
					if pi, ok = m.frontier(s, pi+2); !ok {
						return -1
					}
					continue
				case c >= '0' && c <= '9':
					if s = m.matchCapture(s, c); s < 0 {
						return -1
					}
					pi += 2
					continue
				}
			}
		case '$':
			if pi+1 == len(m.p) {
				if s == len(m.src) {
					return s
				}
				return -1
			}
		}
		ep := m.classEnd(pi)
		ok := s < len(m.src) && m.single(m.src[s], pi, ep)
		if ep < len(m.p) {
			switch m.p[ep] {
			case '?':
				if ok {
					if e := m.match(s+1, ep+1); e >= 0 {
						return e
					}
				}
				pi = ep + 1
				continue
			case '*':
				return m.maxExpand(s, pi, ep)
			case '+':
				if !ok {
					return -1
				}
				return m.maxExpand(s+1, pi, ep)
			case '-':
				return m.minExpand(s, pi, ep)
			}
		}
		if !ok {
			return -1
		}
		s, pi = s+1, ep
	}
}

func (m *matcher) frontier(s, pi int) (int, bool) {
	if pi >= len(m.p) || m.p[pi] != '[' {
		m.fail("missing '[' after '%%f' in pattern")
	}
	ep := m.classEnd(pi)
	var prev, cur byte
	if s > 0 {
		prev = m.src[s-1]
	}
	if s < len(m.src) {
		cur = m.src[s]
	}
	if !m.bracket(prev, pi, ep-1) && m.bracket(cur, pi, ep-1) {
		return ep, true
	}
	return 0, false
}

func (m *matcher) maxExpand(s, pi, ep int) int {
	i := 0
	for s+i < len(m.src) && m.single(m.src[s+i], pi, ep) {
		m.step()
		i++
	}
	for ; i >= 0; i-- {
		if e := m.match(s+i, ep+1); e >= 0 {
			return e
		}
	}
	return -1
}

func (m *matcher) minExpand(s, pi, ep int) int {
	for {
		if e := m.match(s, ep+1); e >= 0 {
			return e
		}
		if s < len(m.src) && m.single(m.src[s], pi, ep) {
			s++
			continue
		}
		return -1
	}
}

func (m *matcher) startCapture(s, pi, what int) int {
	if m.level >= maxCaptures {
		m.fail("too many captures")
	}
	m.capt[m.level] = capture{init: s, len: what}
	m.level++
	e := m.match(s, pi)
	if e < 0 {
		m.level--
	}
	return e
}

func (m *matcher) endCapture(s, pi int) int {
	l := -1
	for i := m.level - 1; i >= 0; i-- {
		if m.capt[i].len == capUnfinish {
			l = i
			break
		}
	}
	if l < 0 {
		m.fail("invalid pattern capture")
	}
	m.capt[l].len = s - m.capt[l].init
	e := m.match(s, pi)
	if e < 0 {
		m.capt[l].len = capUnfinish
	}
	return e
}

func (m *matcher) matchBalance(s, pi int) int {
	if pi+1 >= len(m.p) {
		m.fail("unbalanced pattern")
	}
	if s >= len(m.src) || m.src[s] != m.p[pi] {
		return -1
	}
	open, close, depth := m.p[pi], m.p[pi+1], 1
	for s++; s < len(m.src); s++ {
		m.step()
		switch m.src[s] {
		case close:
			if depth--; depth == 0 {
				return s + 1
			}
		case open:
			depth++
		}
	}
	return -1
}

func (m *matcher) matchCapture(s int, c byte) int {
	l := int(c - '1')
	if l < 0 || l >= m.level || m.capt[l].len == capUnfinish {
		m.fail("invalid capture index")
	}
	n := m.capt[l].len
	if n < 0 || len(m.src)-s < n {
		return -1
	}
	if m.src[m.capt[l].init:m.capt[l].init+n] == m.src[s:s+n] {
		return s + n
	}
	return -1
}

// classEnd returns the index just past the single-character class at pi.
func (m *matcher) classEnd(pi int) int {
	c := m.p[pi]
	pi++
	switch c {
	case '%':
		if pi >= len(m.p) {
			m.fail("malformed pattern (ends with '%%')")
		}
		return pi + 1
	case '[':
		if pi < len(m.p) && m.p[pi] == '^' {
			pi++
		}
		for {
			if pi >= len(m.p) {
				m.fail("malformed pattern (missing ']')")
			}
			c := m.p[pi]
			pi++
			if c == '%' && pi < len(m.p) {
				pi++
			}
			if pi < len(m.p) && m.p[pi] == ']' {
				return pi + 1
			}
			if pi >= len(m.p) {
				m.fail("malformed pattern (missing ']')")
			}
		}
	}
	return pi
}

// single reports whether c matches the class p[pi:ep].
func (m *matcher) single(c byte, pi, ep int) bool {
	switch m.p[pi] {
	case '.':
		return true
	case '%':
		return matchClass(c, m.p[pi+1])
	case '[':
		return m.bracket(c, pi, ep-1)
	}
	return m.p[pi] == c
}

// bracket matches c against the set p[pi:ec] ("[...]", ec at the ']').
func (m *matcher) bracket(c byte, pi, ec int) bool {
	sig := true
	if m.p[pi+1] == '^' {
		sig = false
		pi++
	}
	for pi++; pi < ec; pi++ {
		switch {
		case m.p[pi] == '%':
			pi++
			if matchClass(c, m.p[pi]) {
				return sig
			}
		case pi+2 < ec && m.p[pi+1] == '-':
			if m.p[pi] <= c && c <= m.p[pi+2] {
				return sig
			}
			pi += 2
		case m.p[pi] == c:
			return sig
		}
	}
	return !sig
}

// matchClass implements %a, %c, %d, %l, %p, %s, %u, %w, %x, %z and their
// complements (upper case); any other character matches itself.
func matchClass(c, cl byte) bool {
	var res bool
	switch cl | 0x20 {
	case 'a':
		res = isAlpha(c)
	case 'c':
		res = c < 32 || c == 127
	case 'd':
		res = '0' <= c && c <= '9'
	case 'l':
		res = 'a' <= c && c <= 'z'
	case 'p':
		res = isPunct(c)
	case 's':
		res = c == ' ' || ('\t' <= c && c <= '\r')
	case 'u':
		res = 'A' <= c && c <= 'Z'
	case 'w':
		res = isAlpha(c) || ('0' <= c && c <= '9')
	case 'x':
		res = ('0' <= c && c <= '9') || ('a' <= c|0x20 && c|0x20 <= 'f')
	case 'z':
		res = c == 0
	default:
		return cl == c
	}
	if 'A' <= cl && cl <= 'Z' {
		return !res
	}
	return res
}

func isAlpha(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

func isPunct(c byte) bool {
	return c > 32 && c < 127 && !isAlpha(c) && !('0' <= c && c <= '9')
}

// captureAt returns capture i of the last match that spanned s..e: a
// string, or a position (1-based) for a position capture; with no
// captures, capture 0 is the whole match.
func (m *matcher) captureAt(i, s, e int) (str string, pos int, isPos bool) {
	if i >= m.level {
		if i != 0 {
			m.fail("invalid capture index")
		}
		return m.src[s:e], 0, false
	}
	c := m.capt[i]
	switch c.len {
	case capUnfinish:
		m.fail("unfinished capture")
	case capPosition:
		return "", c.init + 1, true
	}
	return m.src[c.init : c.init+c.len], 0, false
}
