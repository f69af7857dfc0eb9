package hooks

import (
	"context"
	"log/slog"
	"net/http"

	lua "github.com/yuin/gopher-lua"
)

// moduleEnv is what the Go modules need from the engine. One moduleEnv
// serves every Lua state of the engine.
type moduleEnv struct {
	kv      KV           // the shared store; survives reloads
	client  *http.Client // one shared client for the http module (nil: newHTTPClient's)
	dataDir string       // the scripts folder's data/ subfolder, for the file module ("" : none)
	// logger returns the logger for the handler running on L: tagged with
	// its script and, inside a command, the session.
	logger func(L *lua.LState) *slog.Logger
}

// KV is the store behind the kv module. The in-memory one is the default; a
// networked store (Redis) can replace it without touching a script. Values
// are string, float64 or bool. Every method is safe for concurrent use and
// atomic.
type KV interface {
	Get(key string) (any, bool)
	// Set stores value; ttl <= 0 keeps it until deleted.
	Set(key string, value any, ttlSeconds float64)
	// Incr adds delta to a number (a missing key counts as 0) and returns the
	// new value; ttl > 0 (re)sets the expiry.
	Incr(key string, delta float64, ttlSeconds float64) (float64, error)
	Delete(key string)
}

// modules returns the Go modules by name ("log", "json", "http", "kv",
// "crypto", "time", "file"), each a loader that pushes the module's table.
// The loaders close over env only, so one map serves every state; each
// loader call builds a fresh table for the state that calls it.
func modules(env *moduleEnv) map[string]lua.LGFunction {
	return map[string]lua.LGFunction{
		"log":    loader(func(*lua.LState) map[string]lua.LGFunction { return logFuncs(env) }),
		"json":   loadJSON,
		"http":   loader(func(*lua.LState) map[string]lua.LGFunction { return httpFuncs(env) }),
		"kv":     loader(func(*lua.LState) map[string]lua.LGFunction { return kvFuncs(env) }),
		"crypto": loader(func(*lua.LState) map[string]lua.LGFunction { return cryptoFuncs() }),
		"time":   loader(func(*lua.LState) map[string]lua.LGFunction { return timeFuncs() }),
		"file":   loader(func(*lua.LState) map[string]lua.LGFunction { return fileFuncs(env) }),
	}
}

// loader turns a function table into a module loader.
func loader(funcs func(*lua.LState) map[string]lua.LGFunction) lua.LGFunction {
	return func(L *lua.LState) int {
		L.Push(L.SetFuncs(L.NewTable(), funcs(L)))
		return 1
	}
}

// pushFail returns the module convention for a failure that depends on the
// outside world (the network, a file, the input text): nil plus a message.
// Misuse (a wrong argument type) raises instead, like the standard library.
func pushFail(L *lua.LState, msg string) int {
	L.Push(lua.LNil)
	L.Push(lua.LString(msg))
	return 2
}

// stateContext is the context of the handler running on L: it carries the
// hook's time budget. A state used outside a handler has none.
func stateContext(L *lua.LState) context.Context {
	if ctx := L.Context(); ctx != nil {
		return ctx
	}
	return context.Background()
}
