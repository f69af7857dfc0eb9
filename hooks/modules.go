package hooks

import (
	"log/slog"
	"net/http"

	lua "github.com/yuin/gopher-lua"
)

// moduleEnv is what the Go modules need from the engine. One moduleEnv
// serves every Lua state of the engine.
type moduleEnv struct {
	kv      KV           // the shared store; survives reloads
	client  *http.Client // one shared client for the http module
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

// Placeholder until the modules land: modules returns the Go modules by name
// ("log", "json", "http", "kv", "crypto", "time", "file"), each a loader that
// pushes the module's table.
func modules(env *moduleEnv) map[string]lua.LGFunction { return map[string]lua.LGFunction{} }
