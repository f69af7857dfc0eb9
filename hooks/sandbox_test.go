package hooks

import (
	"context"
	"github.com/luaftpd/luaftpd/core/ftptest"
	"strings"
	"testing"
	"time"

	"github.com/luaftpd/luaftpd/core"
)

// runLua runs body as a before handler for NOOP and returns the reply text
// it gives with ftp.reply, or the error text logged.
func runLua(t *testing.T, body string) (string, *ftptest.LogBuf) {
	t.Helper()
	e, logs := newTestEngine(t, map[string]string{"10-t.lua": "ftp.before('NOOP', function(ev)\n" + body + "\nend)"},
		func(o *Options) { o.HookTimeout = time.Second })
	r, err := e.Before(context.Background(), &core.Event{Command: "NOOP"})
	if err != nil {
		return "error", logs
	}
	if r == nil {
		return "", logs
	}
	return r.Message(), logs
}

func TestSandboxForbiddenNames(t *testing.T) {
	names := []string{"io", "debug", "load", "loadstring", "dofile", "loadfile",
		"collectgarbage", "module", "setfenv", "getfenv", "print", "newproxy",
		"_printregs", "package", "coroutine", "channel", "os.execute", "os.exit",
		"os.getenv", "os.remove", "os.rename", "os.tmpname", "os.setenv", "string.dump", "math.randomseed",
		"_GOPHER_LUA_VERSION"}
	var b strings.Builder
	b.WriteString("local bad = {}\n")
	for _, n := range names {
		b.WriteString("if " + n + " ~= nil then bad[#bad+1] = '" + n + "' end\n")
	}
	b.WriteString("return ftp.reply(200, 'present:' .. table.concat(bad, ','))")
	got, logs := runLua(t, b.String())
	if got != "present:" {
		t.Errorf("got %q\n%s", got, logs)
	}
}

func TestSandboxAllowedNames(t *testing.T) {
	got, logs := runLua(t, `
local names = {pairs, ipairs, type, tostring, tonumber, select, error, pcall, assert,
  next, rawget, rawset, rawequal, setmetatable, getmetatable, unpack, xpcall,
  string.format, string.rep, string.gsub, table.concat, table.insert, math.floor,
  os.time, os.date, os.clock, require, ftp.before, _G}
return ftp.reply(200, tostring(#names))`)
	if got != "29" {
		t.Errorf("got %q\n%s", got, logs)
	}
}

func TestSandboxRequire(t *testing.T) {
	for _, name := range []string{"io", "os", "debug", "../secret", "lib/x", "missing"} {
		got, logs := runLua(t, `require("`+name+`")`)
		if got != "error" || !strings.Contains(logs.String(), "not found") {
			t.Errorf("require(%q): %q\n%s", name, got, logs)
		}
	}
}

func TestStringMetatableLocked(t *testing.T) {
	got, logs := runLua(t, `
local mt = getmetatable("")
local ok = pcall(setmetatable, "", {})
local ok2 = pcall(function() string.rep = nil end)
return ftp.reply(200, tostring(mt) .. " " .. tostring(ok) .. " " .. ("ab"):rep(2) .. " " .. ("x"):upper())`)
	if got != "locked false ABAB X" && got != "locked false abab X" {
		t.Errorf("got %q\n%s", got, logs)
	}
}

func TestCappedBuiltins(t *testing.T) {
	cases := map[string]string{
		"rep":     `local s = string.rep("a", 200 * 1024 * 1024)`,
		"rep2":    `local s = ("ab"):rep(1e9)`,
		"format":  `local s = string.format("%999999999d", 1)`,
		"format*": `local s = string.format("%*d", 1000000000, 1)`,
		"concat": `local t = {} ; local s = string.rep("x", 1024 * 1024)
			for i = 1, 10 do t[i] = s end ; local r = table.concat(t)`,
		"gsub":   `local s = string.rep("x", 1024 * 1024) ; local r = s:gsub("x", "yyyyyyyy")`,
		"unpack": `local t = {} ; for i = 1, 10000 do t[i] = i end ; local a = unpack(t)`,
	}
	for name, body := range cases {
		start := time.Now()
		got, logs := runLua(t, body)
		if got != "error" {
			t.Errorf("%s: %q, want an error\n%s", name, got, logs)
		}
		if d := time.Since(start); d > 2*time.Second { // the budget is 1s; -race slows the matcher
			t.Errorf("%s took %v", name, d)
		}
	}
}

func TestCappedBuiltinsStillWork(t *testing.T) {
	got, logs := runLua(t, `
local a = string.format("%5.2f|%-3s|%d|%%", 3.14159, "x", 42)
local b = ("hello world"):gsub("o", "0")
local c, n = string.gsub("abc", "(b)", "[%1%0]")
local d = string.gsub("hello", "l", {l = "L"})
local e = string.gsub("a-b", "%w", function(s) return s:upper() end)
local f = table.concat({1, 2, 3}, ",")
local g = select("#", unpack({1, 2, 3}))
return ftp.reply(200, table.concat({a, b, c, n, d, e, f, g}, " "))`)
	want := " 3.14|x  |42|% hell0 w0rld a[bb]c 1 heLLo A-B 1,2,3 3"
	if got != want {
		t.Errorf("got  %q\nwant %q\n%s", got, want, logs)
	}
}

func TestGlobalsArePerScript(t *testing.T) {
	e, logs := newTestEngine(t, map[string]string{
		"10-a.lua": `shared = "a" ; assert(not pcall(function() string.upper = nil end))
assert(not pcall(function() ftp.before = nil end)) ; assert(getmetatable(_G) == "locked")
ftp.before("NOOP", function() end)`,
		"20-b.lua": `ftp.before("NOOP", function() return ftp.reply(200, tostring(shared) .. " " .. string.upper("x")) end)`,
	})
	r, err := e.Before(context.Background(), &core.Event{Command: "NOOP"})
	if err != nil || r.Message() != "nil X" {
		t.Errorf("%+v %v\n%s", r, err, logs)
	}
}

func TestGsubBatches(t *testing.T) {
	got, logs := runLua(t, `
local s = string.rep("ab", 3000)
local r, n = s:gsub("a", "")
local r2, n2 = s:gsub("", "-", 5)
local r3, n3 = ("aaa"):gsub("^a", "b")
local r4, n4 = s:gsub("b", "c", 2000)
return ftp.reply(200, #r .. " " .. n .. " " .. r2:sub(1, 12) .. " " .. n2 .. " " .. r3 .. n3 .. " " .. n4 .. " " .. r4:sub(3999, 4002))`)
	want := "3000 3000 -a-b-a-b-aba 5 baa1 2000 acab"
	if got != want {
		t.Errorf("got  %q\nwant %q\n%s", got, want, logs)
	}
}
