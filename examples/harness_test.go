package examples_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/luaftpd/luaftpd/scripts"
	"io"
	"log/slog"
	"net"
	"net/textproto"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jlaffaye/ftp"

	"github.com/luaftpd/luaftpd/core"
	"github.com/luaftpd/luaftpd/hooks"
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
	Logs    *logBuf
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
	srv := &server{Root: t.TempDir(), Scripts: dir, Logs: &logBuf{}}
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
	srv.Addr = serve(t, cs)
	return srv
}

// serve runs cs on 127.0.0.1:0 until the test ends.
func serve(t *testing.T, cs *core.Server) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cs.Serve(l) }()
	t.Cleanup(func() {
		cs.Close()
		if err := <-done; !errors.Is(err, core.ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	})
	return l.Addr().String()
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

// client is a test client on the control connection.
type client struct {
	*textproto.Conn
	t  *testing.T
	nc net.Conn
}

// connect opens a control connection without reading the greeting.
func (s *server) connect(t *testing.T) *client {
	t.Helper()
	nc, err := net.DialTimeout("tcp", s.Addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	nc.SetDeadline(time.Now().Add(30 * time.Second))
	c := &client{Conn: textproto.NewConn(nc), t: t, nc: nc}
	t.Cleanup(func() { c.Close() })
	return c
}

// dial connects and reads the 220 greeting.
func (s *server) dial(t *testing.T) *client {
	t.Helper()
	c := s.connect(t)
	c.expect(220)
	return c
}

// login dials and logs in.
func (s *server) login(t *testing.T, user, pass string) *client {
	t.Helper()
	c := s.dial(t)
	c.cmd(331, "USER %s", user)
	c.cmd(230, "PASS %s", pass)
	return c
}

// send writes one command line and reads the reply.
func (c *client) send(format string, args ...any) (int, string) {
	c.t.Helper()
	if err := c.PrintfLine(format, args...); err != nil {
		c.t.Fatalf("send %q: %v", fmt.Sprintf(format, args...), err)
	}
	return c.read()
}

// read reads one reply.
func (c *client) read() (int, string) {
	c.t.Helper()
	code, msg, err := c.ReadResponse(0)
	if err != nil {
		c.t.Fatalf("read reply: %v", err)
	}
	return code, msg
}

// expect reads one reply and checks its code; it returns the text.
func (c *client) expect(want int) string {
	c.t.Helper()
	code, msg := c.read()
	if code != want {
		c.t.Fatalf("got %d %q, want %d", code, msg, want)
	}
	return msg
}

// cmd sends a command and checks the reply's code; it returns the text.
func (c *client) cmd(want int, format string, args ...any) string {
	c.t.Helper()
	code, msg := c.send(format, args...)
	if code != want {
		c.t.Fatalf("%s: got %d %q, want %d", fmt.Sprintf(format, args...), code, msg, want)
	}
	return msg
}

// reply sends a command and checks the whole reply, code and text.
func (c *client) reply(wantCode int, wantMsg, format string, args ...any) {
	c.t.Helper()
	code, msg := c.send(format, args...)
	if code != wantCode || msg != wantMsg {
		c.t.Fatalf("%s: got %d %q, want %d %q", fmt.Sprintf(format, args...), code, msg, wantCode, wantMsg)
	}
}

// expectClosed checks that the server closed the connection.
func (c *client) expectClosed() {
	c.t.Helper()
	if line, err := c.ReadLine(); err == nil {
		c.t.Fatalf("connection still open, read %q", line)
	}
}

// epsv prepares a passive data connection with EPSV and dials it.
func (c *client) epsv() net.Conn {
	c.t.Helper()
	msg := c.cmd(229, "EPSV")
	i, j := strings.Index(msg, "(|||"), strings.LastIndex(msg, "|)")
	if i < 0 || j < i {
		c.t.Fatalf("bad EPSV reply %q", msg)
	}
	port, err := strconv.Atoi(msg[i+4 : j])
	if err != nil {
		c.t.Fatalf("bad EPSV reply %q", msg)
	}
	host, _, _ := net.SplitHostPort(c.nc.RemoteAddr().String())
	dc, err := net.DialTimeout("tcp", net.JoinHostPort(host, strconv.Itoa(port)), 5*time.Second)
	if err != nil {
		c.t.Fatal(err)
	}
	dc.SetDeadline(time.Now().Add(30 * time.Second))
	c.t.Cleanup(func() { dc.Close() })
	return dc
}

// retrieve runs a command that sends data (LIST, NLST, RETR, or a script's
// command) and returns what came, checking 150 then 226.
func (c *client) retrieve(format string, args ...any) string {
	c.t.Helper()
	dc := c.epsv()
	c.cmd(150, format, args...)
	data, err := io.ReadAll(dc)
	if err != nil {
		c.t.Fatal(err)
	}
	c.expect(226)
	return string(data)
}

// store uploads data with STOR, checking 150 then 226.
func (c *client) store(name, data string) {
	c.t.Helper()
	c.storeReply(name, data, 226)
}

// storeReply uploads data with STOR and checks the final reply's code.
func (c *client) storeReply(name, data string, want int) string {
	c.t.Helper()
	dc := c.epsv()
	c.cmd(150, "STOR %s", name)
	if _, err := io.WriteString(dc, data); err != nil {
		c.t.Fatal(err)
	}
	dc.Close()
	return c.expect(want)
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

// logBuf collects the server's JSON log; safe for concurrent use.
type logBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// records returns the log lines whose msg is msg, decoded.
func (l *logBuf) records(t *testing.T, msg string) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(l.String()))
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		if rec["msg"] == msg {
			out = append(out, rec)
		}
	}
	return out
}

// newEngine loads a scripts folder as `luaftpd check` would.
func newEngine(dir string) (*hooks.Engine, error) {
	eng, err := hooks.New(hooks.Options{Dir: dir, Stock: scripts.FS(), Logger: slog.New(slog.DiscardHandler)})
	if err == nil {
		eng.Close()
	}
	return eng, err
}

// on returns the client reporting to t, for a subtest that goes on with
// its parent's connection.
func (c *client) on(t *testing.T) *client {
	cc := *c
	cc.t = t
	return &cc
}
