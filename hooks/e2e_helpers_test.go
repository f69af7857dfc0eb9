package hooks

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"net/textproto"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/luaftpd/luaftpd/core"
	"github.com/luaftpd/luaftpd/vfs"
)

// e2e is a server on 127.0.0.1:0 serving a temporary folder, with the user
// alice/secret and an Engine over a scripts folder.
type e2e struct {
	addr    string
	root    string // the folder served
	scripts string // the scripts folder
	eng     *Engine
	logs    *logBuf
}

// startE2E writes files into a scripts folder and serves with them.
func startE2E(t testing.TB, files map[string]string, opts ...func(*Options)) *e2e {
	t.Helper()
	return startE2EWith(t, files, nil, opts...)
}

// startE2EWith is startE2E with configure changing the Server first.
func startE2EWith(t testing.TB, files map[string]string, configure func(*core.Server), opts ...func(*Options)) *e2e {
	t.Helper()
	x := &e2e{root: t.TempDir(), scripts: t.TempDir(), logs: &logBuf{}}
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
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	x.addr = l.Addr().String()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	t.Cleanup(func() {
		srv.Close()
		if err := <-done; !errors.Is(err, core.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
		eng.Close()
	})
	return x
}

// client is a control connection driven by net/textproto.
type client struct {
	*textproto.Conn
	t testing.TB
}

// dial connects and reads the greeting, which must have code 220.
func (x *e2e) dial(t testing.TB) *client {
	t.Helper()
	c := x.dialRaw(t)
	c.expect(220)
	return c
}

func (x *e2e) dialRaw(t testing.TB) *client {
	t.Helper()
	nc, err := net.DialTimeout("tcp", x.addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	nc.SetDeadline(time.Now().Add(20 * time.Second))
	c := &client{Conn: textproto.NewConn(nc), t: t}
	t.Cleanup(func() { c.Close() })
	return c
}

// login logs in as alice.
func (x *e2e) login(t testing.TB) *client {
	t.Helper()
	c := x.dial(t)
	c.cmd(331, "USER alice")
	c.cmd(230, "PASS secret")
	return c
}

// expect reads a reply and checks its code; it returns the text (lines
// joined with "\n").
func (c *client) expect(code int) string {
	c.t.Helper()
	got, msg, err := c.ReadResponse(0)
	if err != nil && got == 0 {
		c.t.Fatalf("reading a reply: %v", err)
	}
	if got != code {
		c.t.Fatalf("got %d %q, want code %d", got, msg, code)
	}
	return msg
}

// cmd sends a command and checks the reply's code; it returns the text.
func (c *client) cmd(code int, line string) string {
	c.t.Helper()
	if err := c.PrintfLine("%s", line); err != nil {
		c.t.Fatal(err)
	}
	return c.expect(code)
}

// is sends a command and checks the whole reply, code and text.
func (c *client) is(line string, code int, text string) {
	c.t.Helper()
	if got := c.cmd(code, line); got != text {
		c.t.Errorf("%s: got %d %q, want %q", line, code, got, text)
	}
}

var epsvPort = regexp.MustCompile(`\(\|\|\|(\d+)\|\)`)

// epsv prepares a passive data connection and dials it.
func (c *client) epsv() net.Conn {
	c.t.Helper()
	m := epsvPort.FindStringSubmatch(c.cmd(229, "EPSV"))
	if m == nil {
		c.t.Fatal("no port in the EPSV reply")
	}
	port, _ := strconv.Atoi(m[1])
	dc, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), 5*time.Second)
	if err != nil {
		c.t.Fatal(err)
	}
	dc.SetDeadline(time.Now().Add(20 * time.Second))
	return dc
}

// retrieve runs a command that sends data (LIST, RETR, a script's
// ev:send) and returns what came over the data connection.
func (c *client) retrieve(line string) string {
	c.t.Helper()
	dc := c.epsv()
	defer dc.Close()
	c.cmd(150, line)
	data, err := io.ReadAll(dc)
	if err != nil {
		c.t.Fatal(err)
	}
	c.expect(226)
	return string(data)
}

// store uploads data with line (STOR name).
func (c *client) store(line, data string) {
	c.t.Helper()
	dc := c.epsv()
	c.cmd(150, line)
	if _, err := io.WriteString(dc, data); err != nil {
		c.t.Fatal(err)
	}
	dc.Close()
	c.expect(226)
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
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := x.logs.String()
		if strings.Contains(got, want) {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("the log never had %q:\n%s", want, got)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
