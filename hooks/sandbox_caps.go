package hooks

import (
	"fmt"
	"strings"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/pm"
)

// A Go built-in runs to its end whatever the time budget says (the VM
// checks the context between instructions only), so the ones that build
// big results are replaced by versions that refuse to build more than
// maxResult bytes and look at the context while they loop.
const (
	maxResult = 4 << 20 // bytes one built-in call may produce
	maxUnpack = 8000    // values unpack may push (Lua 5.1's own limit is near)
	checkStep = 1024    // loop iterations between context checks
)

// budgetCheck raises a Lua error when the running call's budget is spent.
func budgetCheck(L *lua.LState) {
	if ctx := L.Context(); ctx != nil && ctx.Err() != nil {
		L.RaiseError("%s", ctx.Err().Error())
	}
}

func tooLarge(L *lua.LState, fn string) {
	L.RaiseError("%s: result too large (more than %d bytes)", fn, maxResult)
}

// capRep is string.rep with a bounded result.
func capRep(L *lua.LState) int {
	s := L.CheckString(1)
	n := L.CheckInt(2)
	if n <= 0 || s == "" {
		L.Push(lua.LString(""))
		return 1
	}
	if n > maxResult/len(s) {
		tooLarge(L, "string.rep")
	}
	L.Push(lua.LString(strings.Repeat(s, n)))
	return 1
}

// capConcat is table.concat with a bounded result, linear in its size.
func capConcat(L *lua.LState) int {
	t := L.CheckTable(1)
	sep := L.OptString(2, "")
	i := L.OptInt(3, 1)
	j := L.OptInt(4, t.Len())
	var b strings.Builder
	for k := i; k <= j; k++ {
		if (k-i)%checkStep == checkStep-1 {
			budgetCheck(L)
		}
		v := t.RawGetInt(k)
		if !lua.LVCanConvToString(v) {
			L.RaiseError("invalid value (%s) at index %d in table for concat", v.Type(), k)
		}
		if b.Len()+len(sep)+len(lua.LVAsString(v)) > maxResult {
			tooLarge(L, "table.concat")
		}
		b.WriteString(lua.LVAsString(v))
		if k != j {
			b.WriteString(sep)
		}
	}
	L.Push(lua.LString(b.String()))
	return 1
}

// capUnpack is unpack with Lua 5.1's bound on the number of results.
func capUnpack(L *lua.LState) int {
	t := L.CheckTable(1)
	i := L.OptInt(2, 1)
	j := L.OptInt(3, t.Len())
	if j < i {
		return 0
	}
	if j-i >= maxUnpack {
		L.RaiseError("too many results to unpack")
	}
	for k := i; k <= j; k++ {
		L.Push(t.RawGetInt(k))
	}
	return j - i + 1
}

// capFormat wraps string.format so that a width or precision has at most
// two digits and comes from the format itself, as in Lua 5.1:
// string.format("%999999999d", 1) would otherwise allocate a gigabyte.
func capFormat(orig lua.LGFunction) lua.LGFunction {
	return func(L *lua.LState) int {
		if err := checkFormat(L.CheckString(1)); err != nil {
			L.RaiseError("string.format: %s", err)
		}
		return orig(L)
	}
}

func checkFormat(f string) error {
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			continue
		}
		i++
		if i < len(f) && f[i] == '%' {
			continue
		}
		for i < len(f) && strings.IndexByte("-+ #0", f[i]) >= 0 {
			i++
		}
		i = skipDigits(f, i)
		if i < len(f) && f[i] == '.' {
			i = skipDigits(f, i+1)
		}
		if i == -1 {
			return fmt.Errorf("invalid format (width or precision too long)")
		}
		if i >= len(f) || strings.IndexByte("cdiouxXeEfgGqsaA", f[i]) < 0 {
			return fmt.Errorf("invalid conversion in format %q", f)
		}
	}
	return nil
}

// skipDigits skips at most two digits; -1 means there were more.
func skipDigits(f string, i int) int {
	if i < 0 {
		return i
	}
	n := 0
	for i < len(f) && f[i] >= '0' && f[i] <= '9' {
		i++
		n++
	}
	if n > 2 {
		return -1
	}
	return i
}

// capGsub is string.gsub written over gopher-lua's pattern matcher: linear
// in its output (gopher-lua's copies the whole string once per match),
// bounded to maxResult bytes, and finding matches a batch at a time so that
// it can watch the budget in between.
func capGsub(L *lua.LState) int {
	str := L.CheckString(1)
	pat := L.CheckString(2)
	L.CheckTypes(3, lua.LTString, lua.LTTable, lua.LTFunction)
	repl := L.Get(3)
	limit := L.OptInt(4, -1)
	src := []byte(str)
	var b strings.Builder
	last, offset, total := 0, 0, 0
	for offset <= len(src) {
		want := checkStep
		if limit >= 0 {
			want = min(want, limit-total)
		}
		if want <= 0 {
			break
		}
		mds, err := pm.Find(pat, src, offset, want)
		if err != nil {
			L.RaiseError("%s", err.Error())
		}
		for _, m := range mds {
			start, end := m.Capture(0), m.Capture(1)
			b.WriteString(str[last:start])
			b.WriteString(gsubReplacement(L, str, repl, m))
			last = end
			if b.Len() > maxResult {
				tooLarge(L, "string.gsub")
			}
		}
		total += len(mds)
		if len(mds) < want || strings.HasPrefix(pat, "^") {
			break
		}
		m := mds[len(mds)-1]
		offset = m.Capture(1)
		if m.Capture(0) == offset {
			offset++ // an empty match: the next try starts one further
		}
		budgetCheck(L)
	}
	b.WriteString(str[last:])
	if b.Len() > maxResult {
		tooLarge(L, "string.gsub")
	}
	L.Push(lua.LString(b.String()))
	L.Push(lua.LNumber(total))
	return 2
}

// gsubReplacement is the text that replaces match m.
func gsubReplacement(L *lua.LState, str string, repl lua.LValue, m *pm.MatchData) string {
	whole := str[m.Capture(0):m.Capture(1)]
	var v lua.LValue
	switch r := repl.(type) {
	case lua.LString:
		return expandRepl(L, str, string(r), m)
	case *lua.LTable:
		v = L.GetTable(r, captureValue(L, str, m, 1))
	case *lua.LFunction:
		L.Push(r)
		n := 0
		for i := 1; i == 1 || 2*i < m.CaptureLength(); i++ {
			L.Push(captureValue(L, str, m, i))
			n++
		}
		L.Call(n, 1)
		v = L.Get(-1)
		L.Pop(1)
	}
	if !lua.LVAsBool(v) {
		return whole
	}
	if !lua.LVCanConvToString(v) {
		L.RaiseError("invalid replacement value (a %s)", v.Type())
	}
	return lua.LVAsString(v)
}

// expandRepl expands %0-%9 in a string replacement; "%x" for any other x
// is x, as in Lua 5.1.
func expandRepl(L *lua.LState, str, repl string, m *pm.MatchData) string {
	if strings.IndexByte(repl, '%') < 0 {
		return repl
	}
	var b strings.Builder
	for i := 0; i < len(repl); i++ {
		c := repl[i]
		if c != '%' || i+1 == len(repl) {
			b.WriteByte(c)
			continue
		}
		i++
		c = repl[i]
		switch {
		case c == '0':
			b.WriteString(str[m.Capture(0):m.Capture(1)])
		case c >= '1' && c <= '9':
			b.WriteString(lua.LVAsString(captureValue(L, str, m, int(c-'0'))))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// captureValue is capture i (1-based) of m: a string, or a number for a
// position capture; capture 1 of a pattern without captures is the match.
func captureValue(L *lua.LState, str string, m *pm.MatchData, i int) lua.LValue {
	idx := 2 * i
	if m.CaptureLength() <= 2 && i == 1 {
		idx = 0
	} else if idx+1 >= m.CaptureLength() {
		L.RaiseError("invalid capture index")
	}
	if m.IsPosCapture(idx) {
		return lua.LNumber(m.Capture(idx))
	}
	return lua.LString(str[m.Capture(idx):m.Capture(idx+1)])
}
