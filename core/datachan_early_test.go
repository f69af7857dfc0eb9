package core

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

// dialPASV prepares a passive data connection with PASV and dials it.
func dialPASV(c *ftpConn) net.Conn {
	c.T.Helper()
	msg := c.cmd(227, "PASV")
	var h1, h2, h3, h4, p1, p2 int
	i := strings.IndexByte(msg, '(')
	if _, err := fmt.Sscanf(msg[i+1:], "%d,%d,%d,%d,%d,%d)", &h1, &h2, &h3, &h4, &p1, &p2); i < 0 || err != nil {
		c.T.Fatalf("bad PASV reply %q", msg)
	}
	dc, err := net.DialTimeout("tcp", fmt.Sprintf("%d.%d.%d.%d:%d", h1, h2, h3, h4, p1<<8|p2), 5*time.Second)
	if err != nil {
		c.T.Fatal(err)
	}
	return dc
}

// TestTLSDataHandshakeBeforeCommand: as curl does, the client connects to
// the passive port and completes its TLS handshake before it sends RETR,
// STOR or LIST. The server answers the handshake as soon as the client
// connects, so the handshake ends without the command (before, it waited
// for the command, and curl for a timer).
func TestTLSDataHandshakeBeforeCommand(t *testing.T) {
	ts, cfg := startTLSServer(t)
	putFile(t, ts.Mem, "/f", "early bytes")
	ccfg := clientTLS(t, cfg, tls.VersionTLS13)
	c := loginTLS(t, ts, ccfg, "P")
	for _, verb := range []string{"EPSV", "PASV"} {
		t.Run(verb, func(t *testing.T) {
			var dc *tls.Conn
			if verb == "EPSV" {
				dc = pasvTLS(c, ccfg)
			} else {
				dc = tls.Client(dialPASV(c), ccfg)
			}
			dc.SetDeadline(time.Now().Add(10 * time.Second))
			if err := dc.Handshake(); err != nil {
				t.Fatalf("handshake before RETR: %v", err)
			}
			if !dc.ConnectionState().DidResume {
				t.Error("the data connection did not resume the control session")
			}
			c.cmd(150, "RETR f")
			got, err := io.ReadAll(dc)
			if err != nil || string(got) != "early bytes" {
				t.Fatalf("RETR: %q, %v", got, err)
			}
			c.expect(226)
		})
	}
	// An upload, handshaken ahead too.
	dc := pasvTLS(c, ccfg)
	if err := dc.Handshake(); err != nil {
		t.Fatal(err)
	}
	c.cmd(150, "STOR up")
	io.WriteString(dc, "uploaded")
	dc.Close()
	c.expect(226)
	if got := getFile(t, ts.Mem, "/up"); got != "uploaded" {
		t.Fatalf("STOR stored %q", got)
	}
}

// TestTLSDataPreparedThenDropped: a passive channel prepared under PROT P
// and then replaced (a second PASV), dropped (REIN) or never used leaves
// nothing behind, and PROT C after the PASV refuses the transfer with 425
// instead of sending in the clear over a channel already protected.
func TestTLSDataPreparedThenDropped(t *testing.T) {
	ts, cfg := startTLSServer(t, func(s *Server) { s.DataTimeout = 2 * time.Second })
	putFile(t, ts.Mem, "/f", "x")
	ccfg := clientTLS(t, cfg, tls.VersionTLS13)
	c := loginTLS(t, ts, ccfg, "P")

	// Connected and handshaken ahead, then replaced by a second PASV: the
	// server closes it, so its read fails at once rather than timing out
	// on a connection left open.
	first := pasvTLS(c, ccfg)
	first.SetDeadline(time.Now().Add(5 * time.Second))
	if err := first.Handshake(); err != nil {
		t.Fatal(err)
	}
	second := pasvTLS(c, ccfg)
	if _, err := first.Read(make([]byte, 1)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("the replaced data connection is still open: %v", err)
	}
	if err := second.Handshake(); err != nil {
		t.Fatal(err)
	}
	c.cmd(150, "RETR f")
	if b, _ := io.ReadAll(second); string(b) != "x" {
		t.Fatalf("RETR over the second PASV: %q", b)
	}
	c.expect(226)

	c.pasv()
	c.cmd(200, "PROT C")
	c.cmd(150, "RETR f")
	c.expect(425)
	c.cmd(200, "NOOP")

	// A prepared channel whose client never connects: 425 after the data
	// timeout, counted from the command.
	c.cmd(200, "PROT P")
	c.pasv()
	start := time.Now()
	c.cmd(150, "RETR f")
	c.expect(425)
	if d := time.Since(start); d < 1500*time.Millisecond {
		t.Fatalf("425 after %v, want the 2 s data timeout", d)
	}
}
