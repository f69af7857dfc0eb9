package core

import (
	"bytes"
	"crypto/tls"
	"io"
	"net"
	"net/textproto"
	"testing"

	"github.com/luaftpd/luaftpd/core/ftptest"
)

// tapConn keeps a copy of what the client reads off the socket.
type tapConn struct {
	net.Conn
	got bytes.Buffer
}

func (c *tapConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.got.Write(b[:n])
	return n, err
}

// recordTypes lists the content types of the TLS records in b.
func recordTypes(b []byte) []byte {
	var types []byte
	for len(b) >= 5 {
		types = append(types, b[0])
		n := 5 + (int(b[3])<<8 | int(b[4]))
		if n > len(b) {
			break
		}
		b = b[n:]
	}
	return types
}

// QUIT on a TLS session ends it with a close_notify after the 221, not
// with a bare FIN (TLS 1.2, where an alert record shows as one).
func TestTLSQuitSendsCloseNotify(t *testing.T) {
	ts, cfg := startTLSServer(t)
	c := ts.dial(t)
	c.cmd(234, "AUTH TLS")
	tap := &tapConn{Conn: c.NC}
	tc := tls.Client(tap, clientTLS(t, cfg, tls.VersionTLS12))
	if err := tc.Handshake(); err != nil {
		t.Fatal(err)
	}
	c = &ftpConn{&ftptest.Conn{Conn: textproto.NewConn(tc), T: t, NC: tc}}
	c.cmd(331, "USER %s", testUser)
	c.cmd(230, "PASS %s", testPass)
	c.cmd(221, "QUIT")
	if b, err := io.ReadAll(tc); err != nil || len(b) != 0 {
		t.Fatalf("after 221: %q, %v", b, err)
	}
	types := recordTypes(tap.got.Bytes())
	if len(types) == 0 || types[len(types)-1] != 21 {
		t.Fatalf("record types from the server %v: the last is not an alert (21)", types)
	}
}
