package hooks

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/luaftpd/luaftpd/core/ftptest"
)

// writeScripts writes files (name → text) under dir, each to a hidden
// temporary name first and then renamed into place, as editors save: a
// watcher never sees a file half written.
func writeScripts(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		tmp := filepath.Join(filepath.Dir(p), "."+filepath.Base(p)+".tmp")
		if err := os.WriteFile(tmp, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, p); err != nil {
			t.Fatal(err)
		}
	}
}

// newTestEngine loads files as the scripts folder, without the stock
// scripts, and returns the engine and its log.
func newTestEngine(t testing.TB, files map[string]string, opts ...func(*Options)) (*Engine, *ftptest.LogBuf) {
	t.Helper()
	dir := t.TempDir()
	writeScripts(t, dir, files)
	logs := &ftptest.LogBuf{}
	o := Options{Dir: dir, Stock: fstest.MapFS{}, Logger: slog.New(slog.NewTextHandler(logs, nil)),
		HookTimeout: 200 * time.Millisecond, AuthTimeout: 200 * time.Millisecond}
	for _, f := range opts {
		f(&o)
	}
	e, err := New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { e.Close() })
	return e, logs
}

// loadErr loads files and returns the load error's text.
func loadErr(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	writeScripts(t, dir, files)
	_, err := New(Options{Dir: dir, Stock: fstest.MapFS{}, Logger: slog.New(slog.DiscardHandler),
		HookTimeout: 100 * time.Millisecond, AuthTimeout: 100 * time.Millisecond})
	if err == nil {
		t.Fatalf("New loaded %v", files)
	}
	return err.Error()
}

func wantContains(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s = %q, want it to contain %q", what, got, w)
		}
	}
}
