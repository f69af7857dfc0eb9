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
			"sin", "sinh", "sqrt", "tan", "tanh"}, // no randomseed: it seeds the whole process
		"os": {"clock", "date", "time"},
	}
)

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

// openLibs opens the base, table, string and math libraries into L's
// globals, and the extra ones named (of the standard ones gopher-lua has).
// What scripts then see is copied from there into a table of their own.
func openLibs(L *lua.LState, extra ...string) {
	libs := map[string]lua.LGFunction{
		lua.BaseLibName:   lua.OpenBase,
		lua.TabLibName:    lua.OpenTable,
		lua.StringLibName: lua.OpenString,
		lua.MathLibName:   lua.OpenMath,
		lua.OsLibName:     lua.OpenOs,
	}
	names := append([]string{lua.BaseLibName, lua.TabLibName, lua.StringLibName, lua.MathLibName}, extra...)
	for _, name := range names {
		L.Push(L.NewFunction(libs[name]))
		L.Push(lua.LString(name))
		L.Call(1, 0)
	}
}

// openStdlib opens the libraries scripts may use, replaces the built-ins
// that cannot be interrupted with capped versions, locks the string
// metatable, empties the state's own globals, and returns the table of
// what scripts may see: the allowed base functions and read-only views of
// string, table, math and os.
func openStdlib(L *lua.LState) *lua.LTable {
	openLibs(L, lua.OsLibName)
	g := L.G.Global
	base := L.CreateTable(0, len(allowedBase)+len(allowedLibs)+4)
	for _, name := range allowedBase {
		base.RawSetString(name, g.RawGetString(name))
	}
	base.RawSetString("unpack", L.NewFunction(capUnpack))
	str := g.RawGetString("string").(*lua.LTable)
	capStringLib(L, str)
	g.RawGetString("table").(*lua.LTable).RawSetString("concat", L.NewFunction(capConcat))
	for lib, names := range allowedLibs {
		src := g.RawGetString(lib).(*lua.LTable)
		t := L.CreateTable(0, len(names))
		for _, name := range names {
			t.RawSetString(name, src.RawGetString(name))
		}
		base.RawSetString(lib, readOnlyTable(L, lib, t))
	}
	base.RawSetString("_VERSION", lua.LString(lua.LuaVersion))
	// Strings index the (capped) string library behind a locked metatable:
	// getmetatable("") gives nothing a script can patch.
	mt := L.NewTable()
	mt.RawSetString("__index", str)
	mt.RawSetString("__metatable", lua.LString("locked"))
	L.SetMetatable(lua.LString(""), mt)
	// Nothing reaches the state's own globals, but leave them empty anyway.
	L.G.Global = L.NewTable()
	L.Env = L.G.Global
	return base
}

// readOnlyTable returns an empty table that reads from t and refuses writes,
// so that one script cannot change string.x for the others of its state.
func readOnlyTable(L *lua.LState, name string, t *lua.LTable) *lua.LTable {
	proxy := L.NewTable()
	mt := L.CreateTable(0, 3)
	mt.RawSetString("__index", t)
	mt.RawSetString("__newindex", L.NewFunction(func(L *lua.LState) int {
		L.RaiseError("%s is read-only", name)
		return 0
	}))
	mt.RawSetString("__metatable", lua.LString("locked"))
	proxy.Metatable = mt
	return proxy
}

// capStringLib swaps in the capped string functions and the budgeted
// pattern functions, and drops string.dump.
func capStringLib(L *lua.LState, str *lua.LTable) {
	origFormat := str.RawGetString("format").(*lua.LFunction).GFunction
	str.RawSetString("rep", L.NewFunction(capRep))
	str.RawSetString("gsub", L.NewFunction(capGsub))
	str.RawSetString("find", L.NewFunction(strFind))
	str.RawSetString("match", L.NewFunction(strMatch))
	str.RawSetString("gmatch", L.NewFunction(strGmatch))
	str.RawSetString("gfind", lua.LNil)
	str.RawSetString("format", L.NewFunction(capFormat(origFormat)))
	str.RawSetString("dump", lua.LNil)
}

// newEnv builds the globals table of one script (or lib module): its own
// table, so the globals a script sets are its own, reading through envMeta
// to the state's shared base (the library views, ftp, require).
func newEnv(L *lua.LState, envMeta *lua.LTable) *lua.LTable {
	env := L.CreateTable(0, 2)
	env.RawSetString("_G", env)
	env.Metatable = envMeta
	return env
}

// envMeta is the metatable of every script's globals in a state.
func envMeta(L *lua.LState, base *lua.LTable) *lua.LTable {
	mt := L.CreateTable(0, 2)
	mt.RawSetString("__index", base)
	mt.RawSetString("__metatable", lua.LString("locked"))
	return mt
}
