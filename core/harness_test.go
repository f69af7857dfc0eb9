package core

import (
	"io"
	"log/slog"
	"net"
	"testing"

	"github.com/luaftpd/luaftpd/core/ftptest"
	"github.com/luaftpd/luaftpd/vfs"
)

// Test accounts of startServer.
const (
	testUser = "alice"
	testPass = "secret"
)

// testServer is a Server serving a vfs.Mem on 127.0.0.1:0.
type testServer struct {
	*Server
	Addr string
	Mem  *vfs.Mem
}

// startServer starts a server with the user alice/secret on a fresh
// vfs.Mem; configure may change the Server before it serves. The server is
// closed, and its sessions waited for, when the test ends.
func startServer(t testing.TB, configure ...func(*Server)) *testServer {
	t.Helper()
	mem := vfs.NewMem()
	users := NewUsers()
	if err := users.Add(testUser, testPass, ""); err != nil {
		t.Fatal(err)
	}
	srv := &Server{FS: mem, Auth: users, Logger: slog.New(slog.DiscardHandler)}
	for _, f := range configure {
		f(srv)
	}
	// Cleanups run last in, first out: the sessions are waited for after
	// Serve's cleanup has closed the server.
	t.Cleanup(srv.sessWG.Wait)
	ts := &testServer{Server: srv, Mem: mem}
	ts.Addr = ftptest.Serve(t, srv, ErrServerClosed)
	return ts
}

// ftpConn is a test client on the control connection: ftptest's, with the
// short names core's tests use.
type ftpConn struct{ *ftptest.Conn }

// connect opens a control connection without reading the greeting.
func (ts *testServer) connect(t testing.TB) *ftpConn {
	t.Helper()
	return &ftpConn{ftptest.Connect(t, ts.Addr)}
}

// dial opens a control connection and reads the 220 greeting.
func (ts *testServer) dial(t testing.TB) *ftpConn {
	t.Helper()
	return &ftpConn{ftptest.Dial(t, ts.Addr)}
}

// login dials and logs in as user.
func (ts *testServer) login(t testing.TB, user, pass string) *ftpConn {
	t.Helper()
	return &ftpConn{ftptest.Login(t, ts.Addr, user, pass)}
}

// loginAlice dials and logs in as the test user.
func (ts *testServer) loginAlice(t testing.TB) *ftpConn {
	t.Helper()
	return ts.login(t, testUser, testPass)
}

func (c *ftpConn) send(format string, args ...any) (int, string) {
	c.T.Helper()
	return c.Send(format, args...)
}

func (c *ftpConn) read() (int, string) {
	c.T.Helper()
	return c.Read()
}

func (c *ftpConn) expect(want int) string {
	c.T.Helper()
	return c.Expect(want)
}

func (c *ftpConn) cmd(want int, format string, args ...any) string {
	c.T.Helper()
	return c.Cmd(want, format, args...)
}

func (c *ftpConn) raw(b string) {
	c.T.Helper()
	c.Raw(b)
}

func (c *ftpConn) expectClosed() {
	c.T.Helper()
	c.ExpectClosed()
}

// pasv prepares a passive data connection with EPSV and dials it.
func (c *ftpConn) pasv() net.Conn {
	c.T.Helper()
	return c.EPSV()
}

func (c *ftpConn) retrieve(format string, args ...any) string {
	c.T.Helper()
	return c.Retrieve(format, args...)
}

func (c *ftpConn) store(name, data string) {
	c.T.Helper()
	c.Store(name, data)
}

// putFile writes a file into the served tree directly.
func (ts *testServer) putFile(t testing.TB, name, data string) {
	t.Helper()
	up, err := ts.Mem.Create(t.Context(), name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(up, data); err != nil {
		t.Fatal(err)
	}
	if err := up.Commit(); err != nil {
		t.Fatal(err)
	}
}

// mkdir makes a folder in the served tree directly.
func (ts *testServer) mkdir(t testing.TB, name string) {
	t.Helper()
	if err := ts.Mem.Mkdir(t.Context(), name); err != nil {
		t.Fatal(err)
	}
}

// countIdle counts the sessions of ss with no command running.
func countIdle(ss []*Session) int {
	n := 0
	for _, s := range ss {
		s.mu.Lock()
		if !s.running {
			n++
		}
		s.mu.Unlock()
	}
	return n
}

// queuedLines counts the lines the server's sessions hold queued behind a
// running command, so a test can wait until the reader has taken them.
func (ts *testServer) queuedLines() int {
	n := 0
	for _, s := range ts.snapshot() {
		s.mu.Lock()
		n += len(s.queue)
		s.mu.Unlock()
	}
	return n
}
