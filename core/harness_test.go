package core

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/textproto"
	"strconv"
	"strings"
	"testing"
	"time"

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
	done chan error
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
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{Server: srv, Addr: l.Addr().String(), Mem: mem, done: make(chan error, 1)}
	go func() { ts.done <- srv.Serve(l) }()
	t.Cleanup(func() {
		srv.Close()
		if err := <-ts.done; !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
		srv.sessWG.Wait()
	})
	return ts
}

// ftpConn is a test client on the control connection.
type ftpConn struct {
	*textproto.Conn
	t  testing.TB
	nc net.Conn
}

// connect opens a control connection without reading the greeting.
func (ts *testServer) connect(t testing.TB) *ftpConn {
	t.Helper()
	nc, err := net.DialTimeout("tcp", ts.Addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	nc.SetDeadline(time.Now().Add(20 * time.Second))
	c := &ftpConn{Conn: textproto.NewConn(nc), t: t, nc: nc}
	t.Cleanup(func() { c.Close() })
	return c
}

// dial opens a control connection and reads the 220 greeting.
func (ts *testServer) dial(t testing.TB) *ftpConn {
	t.Helper()
	c := ts.connect(t)
	c.expect(220)
	return c
}

// login dials and logs in as user.
func (ts *testServer) login(t testing.TB, user, pass string) *ftpConn {
	t.Helper()
	c := ts.dial(t)
	c.cmd(331, "USER %s", user)
	c.cmd(230, "PASS %s", pass)
	return c
}

// loginAlice dials and logs in as the test user.
func (ts *testServer) loginAlice(t testing.TB) *ftpConn {
	t.Helper()
	return ts.login(t, testUser, testPass)
}

// send writes one command line and reads the reply.
func (c *ftpConn) send(format string, args ...any) (int, string) {
	c.t.Helper()
	if err := c.PrintfLine(format, args...); err != nil {
		c.t.Fatalf("send %q: %v", fmt.Sprintf(format, args...), err)
	}
	return c.read()
}

// read reads one reply.
func (c *ftpConn) read() (int, string) {
	c.t.Helper()
	code, msg, err := c.ReadResponse(0)
	if err != nil {
		c.t.Fatalf("read reply: %v", err)
	}
	return code, msg
}

// expect reads one reply and checks its code.
func (c *ftpConn) expect(want int) string {
	c.t.Helper()
	code, msg := c.read()
	if code != want {
		c.t.Fatalf("got %d %q, want %d", code, msg, want)
	}
	return msg
}

// cmd sends a command and checks the reply's code; it returns the text.
func (c *ftpConn) cmd(want int, format string, args ...any) string {
	c.t.Helper()
	code, msg := c.send(format, args...)
	if code != want {
		c.t.Fatalf("%s: got %d %q, want %d", fmt.Sprintf(format, args...), code, msg, want)
	}
	return msg
}

// raw writes bytes as they are on the control connection.
func (c *ftpConn) raw(b string) {
	c.t.Helper()
	if _, err := io.WriteString(c.nc, b); err != nil {
		c.t.Fatal(err)
	}
}

// expectClosed checks that the server closed the connection.
func (c *ftpConn) expectClosed() {
	c.t.Helper()
	line, err := c.ReadLine()
	if err == nil {
		c.t.Fatalf("connection still open, read %q", line)
	}
}

// pasv prepares a passive data connection with EPSV and dials it.
func (c *ftpConn) pasv() net.Conn {
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
	dc.SetDeadline(time.Now().Add(20 * time.Second))
	c.t.Cleanup(func() { dc.Close() })
	return dc
}

// retrieve runs a command that sends data (LIST, NLST, MLSD, RETR) through
// a passive connection and returns what came, checking 150 then 226.
func (c *ftpConn) retrieve(format string, args ...any) string {
	c.t.Helper()
	dc := c.pasv()
	c.cmd(150, format, args...)
	data, err := io.ReadAll(dc)
	if err != nil {
		c.t.Fatal(err)
	}
	c.expect(226)
	return string(data)
}

// store uploads data with STOR through a passive connection.
func (c *ftpConn) store(name, data string) {
	c.t.Helper()
	dc := c.pasv()
	c.cmd(150, "STOR %s", name)
	if _, err := io.WriteString(dc, data); err != nil {
		c.t.Fatal(err)
	}
	dc.Close()
	c.expect(226)
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
