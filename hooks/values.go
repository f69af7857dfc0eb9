package hooks

import (
	lua "github.com/yuin/gopher-lua"
)

// Limits on a value stored with s:set, so a session cannot be made to hold
// a huge or cyclic structure.
const (
	maxValueDepth = 16
	maxValueItems = 10000
)

// toGo copies a Lua value into Go: nil, bool, float64, string, or a
// map[any]any (keys bool, float64 or string) for a table. Functions,
// userdata and threads are refused.
func toGo(L *lua.LState, v lua.LValue, depth int, n *int) any {
	*n++
	if *n > maxValueItems {
		L.RaiseError("value too large (more than %d items)", maxValueItems)
	}
	switch v := v.(type) {
	case *lua.LNilType:
		return nil
	case lua.LBool:
		return bool(v)
	case lua.LNumber:
		return float64(v)
	case lua.LString:
		return string(v)
	case *lua.LTable:
		if depth >= maxValueDepth {
			L.RaiseError("value nested too deep (more than %d tables)", maxValueDepth)
		}
		m := map[any]any{}
		v.ForEach(func(k, item lua.LValue) {
			key := toGo(L, k, depth+1, n)
			if _, ok := key.(map[any]any); ok {
				L.RaiseError("table keys must be strings, numbers or booleans")
			}
			m[key] = toGo(L, item, depth+1, n)
		})
		return m
	default:
		L.RaiseError("a %s cannot be stored (strings, numbers, booleans and tables of them can)", v.Type())
		return nil
	}
}

// toLua makes a fresh Lua value from one made by toGo.
func toLua(L *lua.LState, v any) lua.LValue {
	switch v := v.(type) {
	case bool:
		return lua.LBool(v)
	case float64:
		return lua.LNumber(v)
	case string:
		return lua.LString(v)
	case map[any]any:
		t := L.CreateTable(0, len(v))
		for k, item := range v {
			t.RawSet(toLua(L, k), toLua(L, item))
		}
		return t
	default:
		return lua.LNil
	}
}
