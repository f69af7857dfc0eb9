package hooks

import (
	"fmt"
	"strings"

	lua "github.com/yuin/gopher-lua"
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
