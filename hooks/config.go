package hooks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"sort"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// configTimeout bounds how long a config file may run: it only builds a
// table, so anything longer is a loop that would stop the server starting.
var configTimeout = 5 * time.Second

// configMaxDepth bounds nesting, so a table that contains itself cannot
// recurse without end.
const configMaxDepth = 32

// configBase is the allow-list of base functions a config file sees. The
// base library also brings require, load, dofile and friends: they are left
// out by building the globals from this list rather than removing from it.
var configBase = []string{
	"assert", "error", "ipairs", "next", "pairs", "pcall", "rawequal",
	"rawget", "rawlen", "rawset", "select", "tonumber", "tostring", "type",
	"unpack", "xpcall", "_VERSION",
}

// LoadConfig runs a Lua config file in the sandbox and returns the table it
// returns, converted to Go values (string, float64, bool, []any, map[string]any).
//
// The file sees only the base functions that compute (no require, load,
// dofile, print...), string, table and math, and must finish within 5
// seconds. A table with keys 1..n becomes a list, one with string keys a
// map; functions, mixed or sparse tables are errors naming the key.
func LoadConfig(path string) (map[string]any, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	L := newConfigState()
	defer L.Close()
	ctx, cancel := context.WithTimeout(context.Background(), configTimeout)
	defer cancel()
	L.SetContext(ctx)

	fn, err := L.Load(bytes.NewReader(src), path)
	if err != nil {
		return nil, fmt.Errorf("config: %s", luaMessage(err))
	}
	L.Push(fn)
	if err := L.PCall(0, 1, nil); err != nil {
		return nil, fmt.Errorf("config: %s", luaMessage(err))
	}
	tbl, ok := L.Get(-1).(*lua.LTable)
	if !ok {
		return nil, fmt.Errorf("config %s: must return a table, got %s", path, L.Get(-1).Type())
	}
	v, err := fromLua(tbl, 0)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("config %s: must return a table of named keys", path)
	}
	return m, nil
}

// luaMessage is the message of a Lua error without its stack trace, which
// for a config file only repeats the line the message already names.
func luaMessage(err error) string {
	var apiErr *lua.ApiError
	if errors.As(err, &apiErr) && apiErr.Object != nil {
		return strings.TrimSpace(apiErr.Object.String())
	}
	return err.Error()
}

// newConfigState returns a state whose globals are the allowed base
// functions and the string, table and math libraries, nothing more.
func newConfigState() *lua.LState {
	L := lua.NewState(lua.Options{SkipOpenLibs: true})
	openLibs(L)
	full := L.G.Global
	safe := L.NewTable()
	for _, name := range configBase {
		if v := full.RawGetString(name); v != lua.LNil {
			safe.RawSetString(name, v)
		}
	}
	for _, name := range []string{lua.TabLibName, lua.StringLibName, lua.MathLibName} {
		safe.RawSetString(name, full.RawGetString(name))
	}
	safe.RawSetString("_G", safe)
	L.G.Global = safe
	L.Env = safe
	return L
}

// fromLua converts a Lua value to Go: a table with only the keys 1..n
// becomes []any, one with only string keys map[string]any; an empty table
// is an empty map.
func fromLua(v lua.LValue, depth int) (any, error) {
	if depth > configMaxDepth {
		return nil, fmt.Errorf("tables nested deeper than %d", configMaxDepth)
	}
	switch v := v.(type) {
	case lua.LString:
		return string(v), nil
	case lua.LNumber:
		return float64(v), nil
	case lua.LBool:
		return bool(v), nil
	case *lua.LTable:
		return tableFromLua(v, depth)
	default:
		return nil, fmt.Errorf("a %s cannot be a config value", v.Type())
	}
}

// tableFromLua converts a table to a list or a map (see fromLua).
func tableFromLua(t *lua.LTable, depth int) (any, error) {
	n := t.Len()
	count := 0
	stringKeys := 0
	var bad lua.LValue
	t.ForEach(func(k, _ lua.LValue) {
		count++
		if _, ok := k.(lua.LString); ok {
			stringKeys++
		} else if !isIndex(k, n) && bad == nil {
			bad = k
		}
	})
	if bad != nil {
		return nil, fmt.Errorf("a table key must be a name or a list index, not %s", bad.String())
	}
	switch {
	case count == stringKeys:
		return mapFromLua(t, depth)
	case stringKeys == 0 && count == n:
		return listFromLua(t, n, depth)
	default:
		return nil, fmt.Errorf("a table must be a list (keys 1..n with no gaps) or have only named keys")
	}
}

// isIndex reports whether k is an integer key in 1..n.
func isIndex(k lua.LValue, n int) bool {
	num, ok := k.(lua.LNumber)
	f := float64(num)
	return ok && f == math.Trunc(f) && f >= 1 && f <= float64(n)
}

func mapFromLua(t *lua.LTable, depth int) (map[string]any, error) {
	m := map[string]any{}
	var keys []string
	t.ForEach(func(k, _ lua.LValue) { keys = append(keys, string(k.(lua.LString))) })
	sort.Strings(keys) // so the first error reported does not depend on map order
	for _, k := range keys {
		v, err := fromLua(t.RawGetString(k), depth+1)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		m[k] = v
	}
	return m, nil
}

func listFromLua(t *lua.LTable, n, depth int) ([]any, error) {
	list := make([]any, n)
	for i := 1; i <= n; i++ {
		v, err := fromLua(t.RawGetInt(i), depth+1)
		if err != nil {
			return nil, fmt.Errorf("[%d]: %w", i, err)
		}
		list[i-1] = v
	}
	return list, nil
}
