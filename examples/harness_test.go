package examples_test

import (
	"errors"
	"log/slog"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jlaffaye/ftp"

	"github.com/luaftpd/luaftpd/core"
	"github.com/luaftpd/luaftpd/core/ftptest"
	"github.com/luaftpd/luaftpd/hooks"
	"github.com/luaftpd/luaftpd/scripts"
	"github.com/luaftpd/luaftpd/vfs"
)

// server is a core.Server running one example's scripts on 127.0.0.1:0,
// serving a vfs.Local on a temporary folder.
type server struct {
	Addr string
	// Root is the folder on disk that the server serves.
	Root string
	// Scripts is the temporary copy of the example's folder the engine loaded.
	Scripts string
	Logs    *ftptest.LogBuf
	Engine  *hooks.Engine
}

// setup configures a server before it starts.
type setup struct {
	// users are built-in users (name → "password" or "password:root"),
	// asked after the scripts.
	users map[string]string
	// kv replaces the engine's in-memory store.
	kv hooks.KV
	// data are files written into the copy's data/ folder (name → text).
	data map[string]string
	// dirs are folders made in the served tree.
	dirs []string
	// files are files written into the served tree (name → text).
	files map[string]string
	// server changes the Server before it serves.
	server func(*core.Server)
}

// startExample copies examples/NAME to a temporary folder, loads it with
// hooks.New as `luaftpd -scripts` would (stock scripts included), and serves
// a fresh temporary folder with it. Everything stops when the test ends.
func startExample(t *testing.T, name string, cfg setup) *server {
	t.Helper()
	return startScripts(t, copyExample(t, name), cfg)
}

// startScripts serves a fresh temporary folder with the scripts folder dir.
func startScripts(t *testing.T, dir string, cfg setup) *server {
	t.Helper()
	srv := &server{Root: t.TempDir(), Scripts: dir, Logs: &ftptest.LogBuf{}}
	for n, text := range cfg.data {
		writeFile(t, filepath.Join(srv.Scripts, "data", n), text)
	}
	for _, d := range cfg.dirs {
		if err := os.MkdirAll(filepath.Join(srv.Root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for n, text := range cfg.files {
		writeFile(t, filepath.Join(srv.Root, n), text)
	}
	logger := slog.New(slog.NewJSONHandler(srv.Logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	// bcrypt at cost 10 takes one to two seconds under -race on a small
	// machine; the auth budget is widened so a busy test run stays green.
	eng, err := hooks.New(hooks.Options{Dir: srv.Scripts, Stock: scripts.FS(), Logger: logger, KV: cfg.kv, AuthTimeout: 30 * time.Second})
	if err != nil {
		t.Fatalf("loading %s: %v", dir, err)
	}
	t.Cleanup(func() { eng.Close() })
	srv.Engine = eng
	fsys, err := vfs.NewLocal(srv.Root)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fsys.Close() })
	cs := &core.Server{FS: fsys, Hooks: eng, Logger: logger}
	if cfg.users != nil {
		users := core.NewUsers()
		for n, p := range cfg.users {
			pass, root, _ := strings.Cut(p, ":")
			if err := users.Add(n, pass, root); err != nil {
				t.Fatal(err)
			}
		}
		cs.Auth = users
	}
	if cfg.server != nil {
		cfg.server(cs)
	}
	srv.Addr = ftptest.Serve(t, cs, core.ErrServerClosed)
	return srv
}

// copyExample copies the example's folder, so a test may add data files.
func copyExample(t *testing.T, name string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	if err := os.CopyFS(dir, os.DirFS(name)); err != nil {
		t.Fatalf("copy example %s: %v", name, err)
	}
	return dir
}

func writeFile(t *testing.T, name, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// readFile reads a file of the served tree.
func (s *server) readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(s.Root, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// exists reports whether name exists in the served tree.
func (s *server) exists(name string) bool {
	_, err := os.Stat(filepath.Join(s.Root, name))
	return err == nil
}

// connect opens a control connection without reading the greeting.
func (s *server) connect(t *testing.T) *ftptest.Conn {
	t.Helper()
	return ftptest.Connect(t, s.Addr)
}

// dial connects and reads the 220 greeting.
func (s *server) dial(t *testing.T) *ftptest.Conn {
	t.Helper()
	return ftptest.Dial(t, s.Addr)
}

// login dials and logs in.
func (s *server) login(t *testing.T, user, pass string) *ftptest.Conn {
	t.Helper()
	return ftptest.Login(t, s.Addr, user, pass)
}

// ftpClient logs in with github.com/jlaffaye/ftp, a real client library.
func (s *server) ftpClient(t *testing.T, user, pass string) *ftp.ServerConn {
	t.Helper()
	fc, err := ftp.Dial(s.Addr, ftp.DialWithTimeout(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fc.Quit() })
	if err := fc.Login(user, pass); err != nil {
		t.Fatalf("login %s: %v", user, err)
	}
	return fc
}

// ftpCode is the reply code in an error of github.com/jlaffaye/ftp, or 0.
func ftpCode(err error) int {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	return 0
}

// newEngine loads a scripts folder as `luaftpd check` would.
func newEngine(dir string) (*hooks.Engine, error) {
	eng, err := hooks.New(hooks.Options{Dir: dir, Stock: scripts.FS(), Logger: slog.New(slog.DiscardHandler)})
	if err == nil {
		eng.Close()
	}
	return eng, err
}
