package hooks

import (
	"regexp"
	"sort"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// validModule is the shape of a module name: lib/a/b.lua is "a.b".
var validModule = regexp.MustCompile(`^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$`)

// require returns the state's require: it finds ftp, the Go modules and
// lib/NAME.lua, nothing else; each module is loaded once per state.
func (st *lstate) require(ftp lua.LValue) lua.LValue {
	return st.L.NewFunction(func(L *lua.LState) int {
		name := L.CheckString(1)
		if name == "ftp" {
			L.Push(ftp)
			return 1
		}
		v, ok := st.loaded[name]
		if !ok {
			v = st.loadModule(L, name)
			st.loaded[name] = v
		}
		L.Push(v)
		return 1
	})
}

func (st *lstate) loadModule(L *lua.LState, name string) lua.LValue {
	if loader, ok := st.e.mods[name]; ok {
		L.Push(L.NewFunction(loader))
		L.Call(0, 1)
		v := L.Get(-1)
		L.Pop(1)
		return v
	}
	proto, ok := st.set.libs[name]
	if !ok || !validModule.MatchString(name) {
		L.RaiseError("module %q not found: require finds %s and lib/NAME.lua", name, st.e.moduleList())
	}
	if st.loading[name] {
		L.RaiseError("module %q requires itself (a loop of requires)", name)
	}
	st.loading[name] = true
	defer delete(st.loading, name)
	fn := L.NewFunctionFromProto(proto)
	fn.Env = newEnv(L, st.env)
	L.Push(fn)
	L.Push(lua.LString(name))
	L.Call(1, 1)
	v := L.Get(-1)
	L.Pop(1)
	if v == lua.LNil {
		v = lua.LTrue
	}
	return v
}

// moduleList names the modules require finds, for its error message.
func (e *Engine) moduleList() string {
	names := []string{"ftp"}
	for name := range e.mods {
		names = append(names, name)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}
