package core

import (
	"crypto/tls"
	"io"
	"net"
	"net/textproto"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/luaftpd/luaftpd/core/ftptest"
)

// tlsServer starts a server with a self-signed certificate.
func tlsServer(t *testing.T, configure ...func(*Server)) *testServer {
	cfg, err := SelfSignedTLSConfig()
	if err != nil {
		t.Fatal(err)
	}
	return startServer(t, append([]func(*Server){func(s *Server) { s.TLSConfig = cfg }}, configure...)...)
}

// authTLS upgrades the control connection with AUTH TLS.
func (c *ftpConn) authTLS() *tls.Conn {
	c.T.Helper()
	c.cmd(234, "AUTH TLS")
	tc := tls.Client(c.NC, &tls.Config{InsecureSkipVerify: true})
	if err := tc.Handshake(); err != nil {
		c.T.Fatal(err)
	}
	c.Conn.Conn = textproto.NewConn(tc)
	c.NC = tc
	return tc
}

func TestAUTHTLS(t *testing.T) {
	ts := tlsServer(t)
	c := ts.dial(t)
	feats := c.cmd(211, "FEAT")
	for _, f := range []string{" AUTH TLS", " PBSZ", " PROT"} {
		if !slices.Contains(strings.Split(feats, "\n"), f) {
			t.Errorf("FEAT lacks %q", f)
		}
	}
	c.cmd(503, "PBSZ 0")
	c.cmd(503, "PROT P")
	c.cmd(504, "AUTH KERBEROS")
	c.cmd(533, "CCC")
	c.authTLS()
	c.cmd(503, "AUTH TLS")
	// PROT without PBSZ implies PBSZ 0, as other servers allow.
	c.cmd(200, "PROT P")
	c.cmd(501, "PBSZ x")
	c.cmd(200, "PBSZ 0")
	c.cmd(536, "PROT S")
	c.cmd(504, "PROT X")
	c.cmd(200, "PROT C")
	c.cmd(200, "PROT P")
	c.cmd(534, "CCC")
	c.cmd(331, "USER alice")
	c.cmd(230, "PASS secret")
	if !strings.Contains(c.cmd(211, "STAT"), "Control channel TLS: true, PROT P: true") {
		t.Error("STAT does not show TLS")
	}
}

func TestAUTHWithoutTLSConfig(t *testing.T) {
	ts := startServer(t)
	c := ts.dial(t)
	c.cmd(502, "AUTH TLS")
}

// Bytes sent after AUTH TLS in the same segment must never run as commands
// (the STARTTLS injection attack).
func TestAUTHTLSDropsBufferedBytes(t *testing.T) {
	ts := tlsServer(t)
	c := ts.dial(t)
	c.raw("AUTH TLS\r\nUSER alice\r\nPASS secret\r\n")
	c.expect(234)
	tc := tls.Client(c.NC, &tls.Config{InsecureSkipVerify: true})
	if err := tc.Handshake(); err != nil {
		t.Fatal(err)
	}
	c.Conn.Conn = textproto.NewConn(tc)
	c.cmd(530, "PWD")
}

func TestAUTHTLSBadHandshake(t *testing.T) {
	ts := tlsServer(t)
	c := ts.dial(t)
	c.cmd(234, "AUTH TLS")
	c.raw("this is not a TLS client hello\r\n")
	c.expect(421) // in plain text, as ProFTPD answers
	c.expectClosed()
	ts.dial(t).cmd(200, "NOOP")
}

func TestRequireTLS(t *testing.T) {
	ts := tlsServer(t, func(s *Server) { s.RequireTLS = true })
	c := ts.dial(t)
	c.cmd(530, "USER alice")
	c.authTLS()
	c.cmd(200, "PBSZ 0")
	c.cmd(534, "PROT C")
	c.cmd(331, "USER alice")
	c.cmd(230, "PASS secret")
}

func TestImplicitTLS(t *testing.T) {
	ts := tlsServer(t)
	addr := serveImplicit(t, ts)
	tc, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	tc.SetDeadline(time.Now().Add(10 * time.Second))
	c := &ftpConn{&ftptest.Conn{Conn: textproto.NewConn(tc), T: t, NC: tc}}
	c.expect(220)
	c.cmd(503, "AUTH TLS")
	c.cmd(331, "USER alice")
	c.cmd(230, "PASS secret")
	if !strings.Contains(c.cmd(211, "STAT"), "Control channel TLS: true, PROT P: true") {
		t.Error("implicit session not protected")
	}
	c.cmd(221, "QUIT")
}

// The third failed login gets its 530, then a 421 that says why the
// connection closes, and nothing else; a fourth PASS is never read.
func TestTooManyFailedLogins(t *testing.T) {
	ts := startServer(t, func(s *Server) { s.LoginFailDelay = -1 })
	c := ts.dial(t)
	for range 2 {
		c.cmd(331, "USER alice")
		c.cmd(530, "PASS wrong")
	}
	c.cmd(331, "USER alice")
	c.raw("PASS wrong\r\nUSER alice\r\nPASS secret\r\n")
	rest, err := io.ReadAll(c.R)
	if err != nil {
		t.Fatal(err)
	}
	want := "530 Login incorrect.\r\n421 Too many failed logins, closing control connection.\r\n"
	if string(rest) != want {
		t.Fatalf("after the third failure the server sent %q, want %q", rest, want)
	}
}

// A script that refuses a login with 421 ends the session at once, with
// its own reply only, whatever the count of failures.
func TestAuth421Closes(t *testing.T) {
	h := &fakeHooks{auth: func(user, pass string) (*Account, error) {
		if user == "mallory" {
			return nil, Errorf(421, "Blocked, closing control connection.")
		}
		return nil, nil
	}}
	ts := startServer(t, hooked(h))
	c := ts.dial(t)
	c.cmd(331, "USER mallory")
	c.raw("PASS x\r\nNOOP\r\n")
	rest, err := io.ReadAll(c.R)
	if err != nil {
		t.Fatal(err)
	}
	if want := "421 Blocked, closing control connection.\r\n"; string(rest) != want {
		t.Fatalf("after a 421 refusal the server sent %q, want %q", rest, want)
	}
	c = ts.dial(t)
	c.cmd(331, "USER alice")
	c.cmd(530, "PASS wrong")
	c.cmd(331, "USER alice")
	c.cmd(230, "PASS secret")
}
