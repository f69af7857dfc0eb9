package hooks

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luaftpd/luaftpd/core"
)

// evalBoth runs expr in a sandbox state (our pattern functions) and in a
// plain gopher-lua state, and returns both results as text.
func evalIn(L *lua.LState, expr string) string {
	fn, err := L.LoadString("return " + expr)
	if err != nil {
		return "compile: " + err.Error()
	}
	L.Push(fn)
	if err := L.PCall(0, lua.MultRet, nil); err != nil {
		return "error"
	}
	var parts []string
	for i := 1; i <= L.GetTop(); i++ {
		v := L.Get(i)
		if v.Type() == lua.LTString {
			parts = append(parts, fmt.Sprintf("%q", v.String()))
		} else {
			parts = append(parts, v.String())
		}
	}
	L.SetTop(0)
	return strings.Join(parts, ",")
}

func sandboxState(t testing.TB) *lua.LState {
	L := newLState()
	t.Cleanup(L.Close)
	base := openStdlib(L)
	L.SetGlobal("string", base.RawGetString("string"))
	L.SetGlobal("table", base.RawGetString("table"))
	L.SetGlobal("tostring", base.RawGetString("tostring"))
	return L
}

// Results known from Lua 5.1.
func TestPatternsLikeLua51(t *testing.T) {
	L := sandboxState(t)
	cases := map[string]string{
		`string.find("hello world", "o w")`:                                         `5,7`,
		`string.find("hello", "l+")`:                                                `3,4`,
		`string.find("hello", "(l)(l)")`:                                            `3,4,"l","l"`,
		`string.find("hello", "()ll()")`:                                            `3,4,3,5`,
		`string.find("a.b", ".", 1, true)`:                                          `2,2`,
		`string.find("abc", "b", -1)`:                                               `nil`,
		`string.find("abc", "", 10)`:                                                `4,3`,
		`string.find("abc", "^b")`:                                                  `nil`,
		`string.find("abc", "c$")`:                                                  `3,3`,
		`string.find("a$c", "$c")`:                                                  `2,3`,
		`string.match("key = value", "(%w+)%s*=%s*(%w+)")`:                          `"key","value"`,
		`string.match("  trim  ", "^%s*(.-)%s*$")`:                                  `"trim"`,
		`string.match("2026-11-21", "(%d+)-(%d+)-(%d+)")`:                           `"2026","11","21"`,
		`string.match("f(a(b)c)d", "%b()")`:                                         `"(a(b)c)"`,
		`string.match("THE (quick) fox", "%f[%a]%a+")`:                              `"THE"`,
		`string.match("abcabc", "(abc)%1")`:                                         `"abc"`,
		`string.match("x", "()")`:                                                   `1`,
		`string.match("hello", ".-l")`:                                              `"hel"`,
		`string.match("hello", "[^aeiou]+")`:                                        `"h"`,
		`string.match("a]b", "[]]")`:                                                `"]"`,
		`string.match("a-b", "[a%-]+")`:                                             `"a-"`,
		`string.match("x9", "[%d]")`:                                                `"9"`,
		`string.match("ABC", "%u%l?")`:                                              `"A"`,
		`string.gsub("hello world", "o", "0")`:                                      `"hell0 w0rld",2`,
		`string.gsub("abc", "", "-")`:                                               `"-a-b-c-",4`,
		`string.gsub("hello", "l", "L", 1)`:                                         `"heLlo",1`,
		`string.gsub("abc", "%w", "%0%0")`:                                          `"aabbcc",3`,
		`string.gsub("abc", "(b)", "[%1]")`:                                         `"a[b]c",1`,
		`string.gsub("abc", "b", "%%")`:                                             `"a%c",1`,
		`string.gsub("a b", "%w", {a = "x"})`:                                       `"x b",2`,
		`string.gsub("a b", "%w", function(c) if c == "b" then return "y" end end)`: `"a y",2`,
		`string.gsub("aaa", "^a", "b")`:                                             `"baa",1`,
		`string.gsub("abc", "(a)(b)(c)", "%3%2%1")`:                                 `"cba",1`,
		`string.gsub("x = 1, y = 2", "(%w+) = (%w+)", "%2 = %1")`:                   `"1 = x, 2 = y",2`,
		`(function() local t = {} for k, v in string.gmatch("a=1, b=2", "(%w+)=(%w+)") do t[#t+1] = k .. v end return table.concat(t, " ") end)()`: `"a1 b2"`,
		`(function() local t = {} for w in string.gmatch("one two", "%a+") do t[#t+1] = w end return table.concat(t, ",") end)()`:                  `"one,two"`,
		`(function() local n = 0 for w in string.gmatch("abc", "") do n = n + 1 end return n end)()`:                                               `4`,
		`string.find("a", "(")`:           `error`,
		`string.find("a", "%")`:           `error`,
		`string.find("a", "[a")`:          `error`,
		`string.find("a", "%1")`:          `error`,
		`string.gsub("a", "a", "%2")`:     `error`,
		`string.gsub("a", "a", {a = {}})`: `error`,
		`("x"):find("x")`:                 `1,1`,
	}
	for expr, want := range cases {
		if got := evalIn(L, expr); got != want {
			t.Errorf("%s = %s, want %s", expr, got, want)
		}
	}
}

// Where gopher-lua's matcher is right, ours agrees with it (it has no %f).
func TestPatternsLikeGopherLua(t *testing.T) {
	ours, theirs := sandboxState(t), lua.NewState()
	defer theirs.Close()
	subjects := []string{"", "a", "hello world", "  x = 10; y=20  ", "[[nested [brackets]]]", "a.b.c", "éàü utf8", "line1\nline2\n"}
	patterns := []string{"a", ".", "%a+", "%s*", "(%w+)", "[%w_]+", "[^%s]+", "^%s*(.-)%s*$", "%d+", "(%w+)%s*=%s*(%w+)",
		"%b[]", "l+", "l*", "l-o", "o?", "[a-c]", "%.", "(.)%1", "()", "\n", "x$", "^h"}
	for _, s := range subjects {
		for _, p := range patterns {
			for _, f := range []string{"find", "match"} {
				expr := fmt.Sprintf("string.%s(%q, %q)", f, s, p)
				a, b := evalIn(ours, expr), evalIn(theirs, expr)
				if b == "" {
					b = "nil" // gopher-lua's match returns nothing instead of nil
				}
				if a != b {
					t.Errorf("%s: ours %s, gopher-lua %s", expr, a, b)
				}
			}
		}
	}
}

// A pattern that backtracks for minutes is stopped by the budget.
func TestPatternBudget(t *testing.T) {
	e, logs := newTestEngine(t, map[string]string{"10-a.lua": `
ftp.before("NOOP", function(ev) local s = string.rep("a", 3000) ; return ftp.reply(200, tostring(s:find(".-.-.-b"))) end)
ftp.before("PWD", function(ev) local n = 0 ; for w in string.rep("a", 3000):gmatch(".-.-.-b") do n = n + 1 end end)
ftp.before("CWD", function(ev) local r = string.rep("a", 3000):gsub(".-.-.-b", "") end)`},
		func(o *Options) { o.HookTimeout = 200 * time.Millisecond })
	for _, verb := range []string{"NOOP", "PWD", "CWD"} {
		start := time.Now()
		_, err := e.Before(context.Background(), &core.Event{Command: verb})
		if err == nil {
			t.Errorf("%s finished", verb)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s ran %v on a 200ms budget", verb, d)
		}
	}
	wantContains(t, "log", logs.String(), "time budget")
}

// The matcher raises Lua errors for bad patterns; it never panics in Go.
func FuzzPattern(f *testing.F) {
	for _, seed := range [][2]string{{"hello", "l+"}, {"a(b)c", "%b()"}, {"x", "[%a-z]"}, {"", "%f[%w]"}, {"aa", "(a)%1"}, {"a", "[]"}, {"a", "[^]"}, {"%", "%"}} {
		f.Add(seed[0], seed[1])
	}
	L := sandboxState(f)
	f.Fuzz(func(t *testing.T, s, p string) {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		L.SetContext(ctx) // backtracking patterns end here, as in a handler
		defer L.RemoveContext()
		for _, fn := range []string{"find", "match", "gsub"} {
			L.Push(L.GetField(L.GetGlobal("string"), fn))
			L.Push(lua.LString(s))
			L.Push(lua.LString(p))
			n := 2
			if fn == "gsub" {
				L.Push(lua.LString("%0"))
				n = 3
			}
			err := L.PCall(n, lua.MultRet, nil)
			L.SetTop(0)
			if isPanic(err) {
				t.Fatalf("string.%s(%q, %q): %v", fn, s, p, err)
			}
		}
	})
}
