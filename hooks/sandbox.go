package hooks

import (
	lua "github.com/yuin/gopher-lua"
)

// The sandbox is an allow-list: each script's globals table is built from
// the names below and nothing else. gopher-lua's base library brings
// require, module, dofile, loadfile, load, loadstring, setfenv, getfenv,
// print, _printregs, newproxy and collectgarbage with it, so the opened
// libraries are only a quarry to copy allowed functions from.
var (
	allowedBase = []string{
		"assert", "error", "getmetatable", "ipairs", "next", "pairs", "pcall",
		"rawequal", "rawget", "rawset", "select", "setmetatable", "tonumber",
		"tostring", "type", "unpack", "xpcall",
	}
	allowedLibs = map[string][]string{
		"string": {"byte", "char", "find", "format", "gmatch", "gsub", "len",
			"lower", "match", "rep", "reverse", "sub", "upper"},
		"table": {"concat", "getn", "insert", "maxn", "remove", "sort"},
		"math": {"abs", "acos", "asin", "atan", "atan2", "ceil", "cos", "cosh",
			"deg", "exp", "floor", "fmod", "frexp", "huge", "ldexp", "log",
			"log10", "max", "min", "mod", "modf", "pi", "pow", "rad", "random",
			"randomseed", "sin", "sinh", "sqrt", "tan", "tanh"},
		"os": {"clock", "date", "time"},
	}
)

// stdlib is the allow-listed part of the standard library of one state.
type stdlib struct {
	base map[string]lua.LValue
	libs map[string]map[string]lua.LValue
}

// newLState returns an empty state sized for hooks: a small registry that
// grows in big steps (so large concatenations stay linear) up to a bound,
// and a call stack deep enough for ordinary recursion.
func newLState() *lua.LState {
	return lua.NewState(lua.Options{
		SkipOpenLibs:        true,
		CallStackSize:       200,
		RegistrySize:        1024,
		RegistryGrowStep:    4096,
		RegistryMaxSize:     256 * 1024,
		MinimizeStackMemory: true,
	})
}

// openStdlib opens the libraries scripts may use, replaces the built-ins
// that cannot be interrupted with capped versions, locks the string
// metatable and empties the state's own globals, and returns what scripts
// may see.
func openStdlib(L *lua.LState) *stdlib {
	open := []struct {
		name string
		fn   lua.LGFunction
	}{
		{lua.BaseLibName, lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
		{lua.StringLibName, lua.OpenString},
		{lua.MathLibName, lua.OpenMath},
		{lua.OsLibName, lua.OpenOs},
	}
	for _, lib := range open {
		L.Push(L.NewFunction(lib.fn))
		L.Push(lua.LString(lib.name))
		L.Call(1, 0)
	}
	g := L.G.Global
	std := &stdlib{base: map[string]lua.LValue{}, libs: map[string]map[string]lua.LValue{}}
	for _, name := range allowedBase {
		std.base[name] = g.RawGetString(name)
	}
	str := g.RawGetString("string").(*lua.LTable)
	capStringLib(L, str)
	tab := g.RawGetString("table").(*lua.LTable)
	tab.RawSetString("concat", L.NewFunction(capConcat))
	std.base["unpack"] = L.NewFunction(capUnpack)
	for lib, names := range allowedLibs {
		src := g.RawGetString(lib).(*lua.LTable)
		m := make(map[string]lua.LValue, len(names))
		for _, name := range names {
			if v := src.RawGetString(name); v != lua.LNil {
				m[name] = v
			}
		}
		std.libs[lib] = m
	}
	// Strings index a private copy of the string library, behind a locked
	// metatable: getmetatable("") gives nothing a script can patch.
	mt := L.NewTable()
	mt.RawSetString("__index", str)
	mt.RawSetString("__metatable", lua.LString("locked"))
	L.SetMetatable(lua.LString(""), mt)
	// Nothing reaches the state's own globals, but leave them empty anyway.
	L.G.Global = L.NewTable()
	L.Env = L.G.Global
	return std
}

// capStringLib swaps in the capped string functions and drops string.dump.
func capStringLib(L *lua.LState, str *lua.LTable) {
	origFormat := str.RawGetString("format").(*lua.LFunction).GFunction
	str.RawSetString("rep", L.NewFunction(capRep))
	str.RawSetString("gsub", L.NewFunction(capGsub))
	str.RawSetString("format", L.NewFunction(capFormat(origFormat)))
	str.RawSetString("dump", lua.LNil)
}

// newEnv builds the globals table of one script (or lib module) in a state:
// the allowed base functions, private copies of the library tables and of
// ftp (so a script that assigns string.x changes only its own), and a
// require that hands out the same copy of ftp.
func newEnv(L *lua.LState, std *stdlib, ftp map[string]lua.LValue, require func(env *lua.LTable) lua.LValue) *lua.LTable {
	env := L.CreateTable(0, len(std.base)+len(std.libs)+4)
	for name, v := range std.base {
		env.RawSetString(name, v)
	}
	for lib, fns := range std.libs {
		t := L.CreateTable(0, len(fns))
		for name, v := range fns {
			t.RawSetString(name, v)
		}
		env.RawSetString(lib, t)
	}
	ft := L.CreateTable(0, len(ftp))
	for name, v := range ftp {
		ft.RawSetString(name, v)
	}
	env.RawSetString("ftp", ft)
	env.RawSetString("require", require(env))
	env.RawSetString("_G", env)
	env.RawSetString("_VERSION", lua.LString(lua.LuaVersion))
	return env
}
