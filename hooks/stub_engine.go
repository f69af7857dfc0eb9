package hooks

import (
	"context"
	"log/slog"
	"time"

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
}

// Engine runs the scripts. It implements core.Hooks.
type Engine struct{}

var _ core.Hooks = (*Engine)(nil)

// New loads the scripts; an error lists every script that failed.
func New(opts Options) (*Engine, error) { return &Engine{}, nil }

// Watch reloads the scripts when their folder changes, until ctx ends.
func (e *Engine) Watch(ctx context.Context) error { return nil }

// Reload loads the scripts again and swaps them in if all load (SIGHUP).
func (e *Engine) Reload() error { return nil }

// Close releases the engine's Lua states.
func (e *Engine) Close() error { return nil }

// Check compiles and loads the scripts of dir without serving and returns
// every error (luaftpd check).
func Check(dir string, disable []string) []error { return nil }

func (e *Engine) Wants(verb string) (before, after bool)                          { return false, false }
func (e *Engine) Before(ctx context.Context, ev *core.Event) (*core.Reply, error) { return nil, nil }
func (e *Engine) After(ctx context.Context, ev *core.Event, res *core.Result)     {}
func (e *Engine) Command(verb string) (core.CommandInfo, bool)                    { return core.CommandInfo{}, false }
func (e *Engine) RunCommand(ctx context.Context, ev *core.Event) (core.Reply, error) {
	return core.Reply{}, nil
}
func (e *Engine) Commands() []core.CommandInfo              { return nil }
func (e *Engine) Site(name string) (core.CommandInfo, bool) { return core.CommandInfo{}, false }
func (e *Engine) RunSite(ctx context.Context, name string, ev *core.Event) (core.Reply, error) {
	return core.Reply{}, nil
}
func (e *Engine) Sites() []core.CommandInfo { return nil }
func (e *Engine) Authenticate(ctx context.Context, user, password string, s *core.Session) (*core.Account, error) {
	return nil, nil
}
func (e *Engine) WantsEvent(name string) bool { return false }
func (e *Engine) On(ctx context.Context, name string, ev *core.Event) (*core.Reply, error) {
	return nil, nil
}
