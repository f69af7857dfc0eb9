package hooks

import (
	"context"
	"github.com/luaftpd/luaftpd/core/ftptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/luaftpd/luaftpd/core"
)

// watched starts Watch on an engine over files and returns the engine,
// its scripts folder and its log.
func watched(t *testing.T, files map[string]string, rescan time.Duration) (*Engine, string, *ftptest.LogBuf) {
	t.Helper()
	var dir string
	e, logs := newTestEngine(t, files, func(o *Options) { o.Rescan = rescan; dir = o.Dir })
	startWatch(t, e)
	return e, dir, logs
}

// startWatch runs e.Watch until the test ends, and returns once it watches.
func startWatch(t *testing.T, e *Engine) {
	t.Helper()
	ready := make(chan struct{})
	e.watchReady = func() { close(ready) }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Watch(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Watch: %v", err)
		}
	})
	<-ready
}

// siteSays is the reply text of SITE V, run directly on the engine.
func siteSays(e *Engine) string {
	r, err := e.RunSite(context.Background(), "V", &core.Event{Command: "V"})
	if err != nil {
		return "error"
	}
	return r.Message()
}

// eventually waits, bounded, for SITE V to say want.
func eventually(t *testing.T, e *Engine, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for siteSays(e) != want {
		if time.Now().After(deadline) {
			t.Fatalf("SITE V says %q, want %q", siteSays(e), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func site(text string) string {
	return `ftp.site("V", function() return ftp.reply(200, "` + text + `") end)`
}

func TestWatchWrite(t *testing.T) {
	e, dir, _ := watched(t, map[string]string{"10-v.lua": site("one")}, -1)
	writeScripts(t, dir, map[string]string{"10-v.lua": site("two")})
	eventually(t, e, "two")
}

// vim's save: write a new file, rename the old one away, rename the new
// one into place.
func TestWatchRenameSave(t *testing.T) {
	e, dir, _ := watched(t, map[string]string{"10-v.lua": site("one")}, -1)
	p := filepath.Join(dir, "10-v.lua")
	writeScripts(t, dir, map[string]string{"10-v.lua.new": site("two")})
	must(t, os.Rename(p, p+"~"))
	must(t, os.Rename(p+".new", p))
	eventually(t, e, "two")
}

// A tool's atomic replace: a temporary file renamed over the script.
func TestWatchAtomicReplace(t *testing.T) {
	e, dir, _ := watched(t, map[string]string{"10-v.lua": site("one")}, -1)
	tmp := filepath.Join(dir, ".tmp-123")
	must(t, os.WriteFile(tmp, []byte(site("two")), 0o644))
	must(t, os.Rename(tmp, filepath.Join(dir, "10-v.lua")))
	eventually(t, e, "two")
}

// A Kubernetes ConfigMap: 10-v.lua -> ..data/10-v.lua, ..data -> a
// timestamped folder; an update swaps the ..data link and names no .lua
// file at all.
func TestWatchSymlinkSwap(t *testing.T) {
	dir := t.TempDir()
	ts1, ts2 := filepath.Join(dir, "..2026_1"), filepath.Join(dir, "..2026_2")
	must(t, os.Mkdir(ts1, 0o755))
	must(t, os.Mkdir(ts2, 0o755))
	must(t, os.WriteFile(filepath.Join(ts1, "10-v.lua"), []byte(site("one")), 0o644))
	must(t, os.WriteFile(filepath.Join(ts2, "10-v.lua"), []byte(site("two")), 0o644))
	must(t, os.Symlink("..2026_1", filepath.Join(dir, "..data")))
	must(t, os.Symlink("..data/10-v.lua", filepath.Join(dir, "10-v.lua")))
	e, _ := newTestEngine(t, nil, func(o *Options) { o.Dir = dir; o.Rescan = -1 })
	startWatch(t, e)
	eventually(t, e, "one")
	must(t, os.Symlink("..2026_2", filepath.Join(dir, "..data_tmp")))
	must(t, os.Rename(filepath.Join(dir, "..data_tmp"), filepath.Join(dir, "..data")))
	eventually(t, e, "two")
}

// A broken edit keeps the running set and logs once; fixing it reloads.
func TestWatchBrokenEdit(t *testing.T) {
	e, dir, logs := watched(t, map[string]string{"10-v.lua": site("one")}, 20*time.Millisecond)
	writeScripts(t, dir, map[string]string{"10-v.lua": site("two") + "\nif then"})
	waitFor(t, func() bool { return strings.Contains(logs.String(), "scripts not reloaded") })
	time.Sleep(100 * time.Millisecond) // several periodic rescans of the same broken file
	if got := siteSays(e); got != "one" {
		t.Errorf("after a broken edit SITE V says %q", got)
	}
	if n := strings.Count(logs.String(), "scripts not reloaded"); n != 1 {
		t.Errorf("the same failure was logged %d times", n)
	}
	wantContains(t, "log", logs.String(), "10-v.lua:2:")
	writeScripts(t, dir, map[string]string{"10-v.lua": site("three")})
	eventually(t, e, "three")
}

// A folder deleted while the server runs: logged, the set stays; made
// again, it is picked up by the periodic rescan.
func TestWatchFolderDeleted(t *testing.T) {
	e, dir, logs := watched(t, map[string]string{"10-v.lua": site("one")}, 20*time.Millisecond)
	must(t, os.RemoveAll(dir))
	waitFor(t, func() bool { return strings.Contains(logs.String(), "does not exist") })
	if got := siteSays(e); got != "one" {
		t.Errorf("after the folder went SITE V says %q", got)
	}
	writeScripts(t, dir, map[string]string{"10-v.lua": site("back")})
	eventually(t, e, "back")
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition never became true")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A change to a lib module reloads the scripts that require it.
func TestWatchLib(t *testing.T) {
	e, dir, _ := watched(t, map[string]string{
		"10-v.lua":   `local m = require("m") ; ftp.site("V", function() return ftp.reply(200, m.text) end)`,
		"lib/m.lua":  `return {text = "one"}`,
		"data/x.txt": "data files are not scripts",
		"data/y.lua": "this is not Lua and not a script",
		"sub/z.lua":  "neither is this",
	}, -1)
	eventually(t, e, "one")
	writeScripts(t, dir, map[string]string{"lib/m.lua": `return {text = "two"}`})
	eventually(t, e, "two")
}
