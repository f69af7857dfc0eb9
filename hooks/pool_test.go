package hooks

import (
	"context"
	"github.com/luaftpd/luaftpd/core/ftptest"
	"log/slog"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luaftpd/luaftpd/core"
)

// engineWithBoom is an engine whose scripts can require "boom", a Go
// module whose function panics: a stand-in for a bug in a Go binding.
func engineWithBoom(t *testing.T, script string) (*Engine, *ftptest.LogBuf) {
	t.Helper()
	dir := t.TempDir()
	writeScripts(t, dir, map[string]string{"10-a.lua": script})
	logs := &ftptest.LogBuf{}
	e := newEngine(Options{Dir: dir, Stock: fstest.MapFS{}, Logger: slog.New(slog.NewTextHandler(logs, nil)),
		HookTimeout: 100 * time.Millisecond})
	e.mods["boom"] = func(L *lua.LState) int {
		t := L.NewTable()
		t.RawSetString("now", L.NewFunction(func(*lua.LState) int { panic("index out of range") }))
		L.Push(t)
		return 1
	}
	s, err := e.load()
	if err != nil {
		t.Fatal(err)
	}
	e.cur.Store(s)
	t.Cleanup(func() { e.Close() })
	return e, logs
}

func idle(e *Engine) int { return len(e.cur.Load().pool.free) }

// A panic in a Go binding costs the command a 451, is logged with the
// script, line and session, and the state it happened in is not reused.
func TestGoPanicDiscardsState(t *testing.T) {
	e, logs := engineWithBoom(t, `
local boom = require("boom")
ftp.before("MKD", function(ev) return nil end)
ftp.before("DELE", function(ev)
  boom.now()
end)`)
	ctx := context.Background()
	if _, err := e.Before(ctx, &core.Event{Command: "MKD"}); err != nil || idle(e) != 1 {
		t.Fatalf("MKD: %v, %d idle states", err, idle(e))
	}
	_, err := e.Before(ctx, &core.Event{Command: "DELE", Session: &core.Session{}})
	if err != errHook {
		t.Errorf("DELE: %v", err)
	}
	if idle(e) != 0 {
		t.Errorf("the state that panicked went back to the pool")
	}
	wantContains(t, "log", logs.String(), "script=10-a.lua line=5", "panic in a Go function: index out of range", "session=")
	if _, err := e.Before(ctx, &core.Event{Command: "MKD"}); err != nil || idle(e) != 1 {
		t.Errorf("after the panic: %v, %d idle states", err, idle(e))
	}
}

func TestTimeoutDiscardsState(t *testing.T) {
	e, _ := newTestEngine(t, map[string]string{"10-a.lua": `
ftp.before("MKD", function(ev) while true do end end)
ftp.before("RMD", function(ev) error("plain") end)`})
	ctx := context.Background()
	e.Before(ctx, &core.Event{Command: "RMD"})
	if idle(e) != 1 {
		t.Errorf("a state that only raised an error was dropped")
	}
	e.Before(ctx, &core.Event{Command: "MKD"})
	if idle(e) != 0 {
		t.Errorf("a state that ran out of time went back to the pool")
	}
}

// States are shared: many sessions one after another use one state; many
// at once use at most as many states as calls run at once.
func TestPoolSharesStates(t *testing.T) {
	e, _ := newTestEngine(t, map[string]string{"10-a.lua": `ftp.before("NOOP", function(ev) ev.session:set("n", 1) end)`})
	ctx := context.Background()
	for range 50 {
		if _, err := e.Before(ctx, &core.Event{Command: "NOOP", Session: &core.Session{}}); err != nil {
			t.Fatal(err)
		}
	}
	p := e.cur.Load().pool
	if n := p.built.Load(); n != 0 {
		t.Errorf("50 sessions in turn built %d more states", n)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				e.Before(ctx, &core.Event{Command: "NOOP", Session: &core.Session{}})
			}
		}()
	}
	wg.Wait()
	if n := p.built.Load(); n > 8 {
		t.Errorf("8 goroutines built %d more states", n)
	}
}

// A script that registers differently in a new state (here: by a counter
// kept in kv) is caught when the state is built.
func TestRegistrationsMustRepeat(t *testing.T) {
	e, logs := newTestEngine(t, map[string]string{"10-a.lua": `
local kv = require("kv")
if kv.incr("loads") == 1 then ftp.before("NOOP", function() end) else ftp.before("PWD", function() end) end
ftp.before("MKD", function() while true do end end)`})
	ctx := context.Background()
	e.Before(ctx, &core.Event{Command: "MKD"}) // discards the only state
	if _, err := e.Before(ctx, &core.Event{Command: "NOOP"}); err == nil {
		t.Error("a state with other registrations was used")
	}
	wantContains(t, "log", logs.String(), "registered other handlers")
}
