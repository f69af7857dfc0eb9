package hooks

import (
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
	"time"

	"github.com/luaftpd/luaftpd/core"
	"github.com/luaftpd/luaftpd/core/ftptest"
	"github.com/luaftpd/luaftpd/vfs"
)

// e2e is a server on 127.0.0.1:0 serving a temporary folder, with the user
// alice/secret and an Engine over a scripts folder.
type e2e struct {
	addr    string
	root    string // the folder served
	scripts string // the scripts folder
	eng     *Engine
	logs    *ftptest.LogBuf
}

// startE2E writes files into a scripts folder and serves with them.
func startE2E(t testing.TB, files map[string]string, opts ...func(*Options)) *e2e {
	t.Helper()
	return startE2EWith(t, files, nil, opts...)
}

// startE2EWith is startE2E with configure changing the Server first.
func startE2EWith(t testing.TB, files map[string]string, configure func(*core.Server), opts ...func(*Options)) *e2e {
	t.Helper()
	x := &e2e{root: t.TempDir(), scripts: t.TempDir(), logs: &ftptest.LogBuf{}}
	writeScripts(t, x.scripts, files)
	logger := slog.New(slog.NewTextHandler(x.logs, nil))
	o := Options{Dir: x.scripts, Stock: fstest.MapFS{}, Logger: logger,
		HookTimeout: 300 * time.Millisecond, AuthTimeout: 300 * time.Millisecond}
	for _, f := range opts {
		f(&o)
	}
	eng, err := New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	x.eng = eng
	fsys, err := vfs.NewLocal(x.root)
	if err != nil {
		t.Fatal(err)
	}
	users := core.NewUsers()
	if err := users.Add("alice", "secret", ""); err != nil {
		t.Fatal(err)
	}
	srv := &core.Server{FS: fsys, Auth: users, Hooks: eng, Logger: logger, MaxLoginFailures: 100}
	if configure != nil {
		configure(srv)
	}
	// Cleanups run last in, first out: the engine closes after the server.
	t.Cleanup(func() { eng.Close() })
	x.addr = ftptest.Serve(t, srv, core.ErrServerClosed)
	return x
}

// dial connects and reads the greeting, which must have code 220.
func (x *e2e) dial(t testing.TB) *ftptest.Conn {
	t.Helper()
	return ftptest.Dial(t, x.addr)
}

// dialRaw connects without reading the greeting.
func (x *e2e) dialRaw(t testing.TB) *ftptest.Conn {
	t.Helper()
	return ftptest.Connect(t, x.addr)
}

// login logs in as alice.
func (x *e2e) login(t testing.TB) *ftptest.Conn {
	t.Helper()
	return ftptest.Login(t, x.addr, "alice", "secret")
}

// writeFile puts a file into the served folder.
func (x *e2e) writeFile(t testing.TB, name, data string) {
	t.Helper()
	p := filepath.Join(x.root, name)
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// waitLog waits (bounded) until the log contains want: observers run after
// the reply is sent.
func (x *e2e) waitLog(t testing.TB, want string) string {
	t.Helper()
	return x.logs.Wait(t, want)
}
