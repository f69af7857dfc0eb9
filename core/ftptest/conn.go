package ftptest

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Timeout bounds every connection a test opens, so a server that stops
// answering fails the test instead of hanging it.
const Timeout = 30 * time.Second

// Conn is a control connection to a server under test. Its helpers report
// failures to T and stop the test.
type Conn struct {
	*textproto.Conn
	// T is the test failures are reported to.
	T testing.TB
	// NC is the network connection under the textproto reader.
	NC net.Conn
}

// Connect opens a control connection to addr without reading the greeting.
// It is closed when the test ends.
func Connect(t testing.TB, addr string) *Conn {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	nc.SetDeadline(time.Now().Add(Timeout))
	c := &Conn{Conn: textproto.NewConn(nc), T: t, NC: nc}
	t.Cleanup(func() { c.Close() })
	return c
}

// Dial connects to addr and reads the greeting, which must be a 220.
func Dial(t testing.TB, addr string) *Conn {
	t.Helper()
	c := Connect(t, addr)
	c.Expect(220)
	return c
}

// Login dials addr and logs in with USER and PASS (331, then 230).
func Login(t testing.TB, addr, user, pass string) *Conn {
	t.Helper()
	c := Dial(t, addr)
	c.Cmd(331, "USER %s", user)
	c.Cmd(230, "PASS %s", pass)
	return c
}

// On returns the connection reporting to t, for a subtest that goes on
// with its parent's connection.
func (c *Conn) On(t testing.TB) *Conn {
	cc := *c
	cc.T = t
	return &cc
}

// Send writes one command line and reads the reply.
func (c *Conn) Send(format string, args ...any) (int, string) {
	c.T.Helper()
	if err := c.PrintfLine(format, args...); err != nil {
		c.T.Fatalf("send %q: %v", fmt.Sprintf(format, args...), err)
	}
	return c.Read()
}

// Read reads one reply: its code and its text (the lines of a multi-line
// reply joined with "\n").
func (c *Conn) Read() (int, string) {
	c.T.Helper()
	code, msg, err := c.ReadResponse(0)
	if err != nil {
		c.T.Fatalf("read reply: %v", err)
	}
	return code, msg
}

// Expect reads one reply and checks its code; it returns the text.
func (c *Conn) Expect(want int) string {
	c.T.Helper()
	code, msg := c.Read()
	if code != want {
		c.T.Fatalf("got %d %q, want %d", code, msg, want)
	}
	return msg
}

// Cmd sends a command and checks the reply's code; it returns the text.
func (c *Conn) Cmd(want int, format string, args ...any) string {
	c.T.Helper()
	code, msg := c.Send(format, args...)
	if code != want {
		c.T.Fatalf("%s: got %d %q, want %d", fmt.Sprintf(format, args...), code, msg, want)
	}
	return msg
}

// Is sends a command and checks the whole reply, code and text.
func (c *Conn) Is(wantCode int, wantMsg, format string, args ...any) {
	c.T.Helper()
	code, msg := c.Send(format, args...)
	if code != wantCode || msg != wantMsg {
		c.T.Fatalf("%s: got %d %q, want %d %q", fmt.Sprintf(format, args...), code, msg, wantCode, wantMsg)
	}
}

// Raw writes bytes as they are on the control connection.
func (c *Conn) Raw(b string) {
	c.T.Helper()
	if _, err := io.WriteString(c.NC, b); err != nil {
		c.T.Fatal(err)
	}
}

// ExpectClosed checks that the server closed the connection. A read that
// times out means the server kept it open, and fails the test.
func (c *Conn) ExpectClosed() {
	c.T.Helper()
	line, err := c.ReadLine()
	switch {
	case err == nil:
		c.T.Fatalf("connection still open, read %q", line)
	case errors.Is(err, os.ErrDeadlineExceeded):
		c.T.Fatalf("connection still open: %v", err)
	}
}

// EPSV prepares a passive data connection with EPSV and dials it; it is
// closed when the test ends.
func (c *Conn) EPSV() net.Conn {
	c.T.Helper()
	msg := c.Cmd(229, "EPSV")
	i, j := strings.Index(msg, "(|||"), strings.LastIndex(msg, "|)")
	if i < 0 || j < i {
		c.T.Fatalf("bad EPSV reply %q", msg)
	}
	port, err := strconv.Atoi(msg[i+4 : j])
	if err != nil {
		c.T.Fatalf("bad EPSV reply %q", msg)
	}
	host, _, _ := net.SplitHostPort(c.NC.RemoteAddr().String())
	dc, err := net.DialTimeout("tcp", net.JoinHostPort(host, strconv.Itoa(port)), 5*time.Second)
	if err != nil {
		c.T.Fatal(err)
	}
	dc.SetDeadline(time.Now().Add(Timeout))
	c.T.Cleanup(func() { dc.Close() })
	return dc
}

// Retrieve runs a command that sends data (LIST, NLST, MLSD, RETR, or a
// script's command) through a passive connection and returns what came,
// checking 150 then 226.
func (c *Conn) Retrieve(format string, args ...any) string {
	c.T.Helper()
	dc := c.EPSV()
	c.Cmd(150, format, args...)
	data, err := io.ReadAll(dc)
	if err != nil {
		c.T.Fatal(err)
	}
	c.Expect(226)
	return string(data)
}

// Store uploads data with STOR name, checking 150 then 226.
func (c *Conn) Store(name, data string) {
	c.T.Helper()
	c.StoreReply(name, data, 226)
}

// StoreReply uploads data with STOR name and checks the final reply's
// code; it returns the final reply's text.
func (c *Conn) StoreReply(name, data string, want int) string {
	c.T.Helper()
	dc := c.EPSV()
	c.Cmd(150, "STOR %s", name)
	if _, err := io.WriteString(dc, data); err != nil {
		c.T.Fatal(err)
	}
	dc.Close()
	return c.Expect(want)
}
