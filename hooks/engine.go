package hooks

import (
	"errors"
	"io/fs"
	"log/slog"
	"path"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luaftpd/luaftpd/core"
)

// Options configure an Engine.
type Options struct {
	// Dir is the scripts folder; "" runs the stock scripts only.
	Dir string
	// HookTimeout is the budget of command and event handlers; 0: 1s.
	HookTimeout time.Duration
	// AuthTimeout is the budget of ftp.auth handlers; 0: 5s.
	AuthTimeout time.Duration
	// Disable names stock scripts (file names, "20-transfer-log.lua") not to load.
	Disable []string
	// Logger receives script logs and errors; nil: slog.Default().
	Logger *slog.Logger

	// Stock is the stock scripts (the binary passes scripts.FS()); a script
	// of the same name in Dir replaces a stock one. Nil: none.
	Stock fs.FS
	// KV is the store behind the kv module, shared by every script and kept
	// across reloads; nil: an in-memory store.
	KV KV
	// Rescan is the interval of Watch's periodic rescan, the safety net for
	// filesystems that send no change events; 0: 5s; negative: none.
	Rescan time.Duration
}

// Engine runs the scripts. It implements core.Hooks and core.Authenticator.
// The scripts loaded together form a set; a reload builds a new set and
// swaps it in at once, so a command always runs on one whole set.
type Engine struct {
	opts        Options
	log         *slog.Logger
	stock       fs.FS
	hookTimeout time.Duration
	authTimeout time.Duration
	env         *moduleEnv
	mods        map[string]lua.LGFunction

	cur atomic.Pointer[set]

	reloadMu sync.Mutex // one load at a time
	failedFP string     // sources of the last failed load (under reloadMu)
	closed   bool       // (under reloadMu)

	watchReady func() // tests: called once Watch watches the folder
}

var _ core.Hooks = (*Engine)(nil)

// New loads the scripts; an error lists every script that failed.
func New(opts Options) (*Engine, error) {
	e := newEngine(opts)
	for _, name := range opts.Disable {
		if e.stock == nil || !stockHas(e.stock, name) {
			e.log.Warn("no stock script of that name to disable", "script", name)
		}
	}
	s, err := e.load()
	if err != nil {
		return nil, err
	}
	e.cur.Store(s)
	return e, nil
}

func stockHas(fsys fs.FS, name string) bool {
	_, err := fs.Stat(fsys, name)
	return err == nil
}

func newEngine(opts Options) *Engine {
	e := &Engine{opts: opts, log: opts.Logger, stock: opts.Stock,
		hookTimeout: opts.HookTimeout, authTimeout: opts.AuthTimeout}
	if e.log == nil {
		e.log = slog.Default()
	}
	if e.hookTimeout <= 0 {
		e.hookTimeout = time.Second
	}
	if e.authTimeout <= 0 {
		e.authTimeout = 5 * time.Second
	}
	e.env = &moduleEnv{kv: opts.KV, client: newHTTPClient(), logger: e.scriptLogger}
	if e.env.kv == nil {
		e.env.kv = NewMemKV()
	}
	if opts.Dir != "" {
		e.env.dataDir = filepath.Join(opts.Dir, "data")
	}
	e.mods = modules(e.env)
	return e
}

// loadBudget bounds one script's main chunk while a state is built.
func (e *Engine) loadBudget() time.Duration { return max(e.hookTimeout, e.authTimeout) }

// scriptLogger is the logger of the handler running on L, tagged with its
// script and session.
func (e *Engine) scriptLogger(L *lua.LState) *slog.Logger {
	st := stateOf(L)
	if st == nil {
		return e.log
	}
	if st.sess != nil {
		return e.log.With("script", st.script, "session", st.sess.ID())
	}
	return e.log.With("script", st.script)
}

// Reload loads the scripts again and swaps them in if all load (SIGHUP).
// If any fails, the running set stays and the error lists every failure,
// each with its file and line; the caller logs it.
func (e *Engine) Reload() error {
	_, err := e.reload(true)
	return err
}

// reload loads the scripts; unless force, it does nothing (changed false)
// when they are the ones running, or the ones that failed last time.
func (e *Engine) reload(force bool) (changed bool, err error) {
	e.reloadMu.Lock()
	defer e.reloadMu.Unlock()
	if e.closed {
		return false, errClosed
	}
	key := e.sourcesKey()
	if !force && key == e.cur.Load().fp {
		e.failedFP = ""
		return false, nil
	}
	if !force && key == e.failedFP {
		return false, nil
	}
	s, err := e.load()
	if err != nil {
		e.failedFP = key
		return true, err
	}
	e.failedFP = ""
	old := e.cur.Swap(s)
	old.pool.close()
	return true, nil
}

// sourcesKey fingerprints the sources as they are now, or names the error
// that keeps them from being read, so the same failure is logged once.
func (e *Engine) sourcesKey() string {
	scripts, libs, err := e.sources()
	if err != nil {
		return "error: " + err.Error()
	}
	return fingerprint(scripts, libs)
}

var errClosed = errors.New("hooks: engine closed")

func (e *Engine) isClosed() bool {
	e.reloadMu.Lock()
	defer e.reloadMu.Unlock()
	return e.closed
}

// Close releases the engine's Lua states. Calls still running finish.
func (e *Engine) Close() error {
	e.reloadMu.Lock()
	defer e.reloadMu.Unlock()
	if !e.closed {
		e.closed = true
		e.cur.Load().pool.close()
	}
	return nil
}

// Check compiles and loads the scripts of opts.Dir and opts.Stock (those not
// disabled) as New would, without serving, and returns every error (luaftpd check).
func Check(opts Options) []error {
	opts.Logger = slog.New(slog.DiscardHandler)
	e := newEngine(opts)
	s, err := e.load()
	if err != nil {
		var me interface{ WrappedErrors() []error }
		if errors.As(err, &me) {
			return me.WrappedErrors()
		}
		return []error{err}
	}
	s.pool.close()
	return nil
}

// cleanAbs makes a script-given folder absolute and clean ("" stays "").
func cleanAbs(p string) string {
	if p == "" {
		return ""
	}
	return path.Clean("/" + p)
}
