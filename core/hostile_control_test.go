package core

import (
	"net"
	"testing"
	"time"
)

// A client that sends AUTH TLS and then nothing, or connects to the
// implicit FTPS port and sends nothing, is idle: it is closed once the idle
// timeout passes, like any silent client, and its place under MaxSessions
// is free again.
func TestStalledTLSHandshakeFreesSlot(t *testing.T) {
	const idle = 300 * time.Millisecond
	ts, _ := startTLSServer(t, func(s *Server) {
		s.IdleTimeout = idle
		s.MaxSessions = 1
	})
	implicit := serveImplicit(t, ts)
	for _, tc := range []struct {
		name string
		open func(t *testing.T) net.Conn
	}{
		{"AUTH TLS", func(t *testing.T) net.Conn {
			c := ts.dial(t)
			c.cmd(234, "AUTH TLS")
			return c.NC
		}},
		{"implicit", func(t *testing.T) net.Conn {
			nc, err := net.Dial("tcp", implicit)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { nc.Close() })
			return nc
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			waitFor(t, func() bool { return ts.sessionCount() == 0 })
			nc := tc.open(t)
			start := time.Now()
			waitFor(t, func() bool { return ts.sessionCount() == 1 })
			nc.SetReadDeadline(time.Now().Add(5 * time.Second))
			var b [64]byte
			if n, err := nc.Read(b[:]); err == nil {
				t.Fatalf("read %q from a stalled handshake", b[:n])
			}
			if d := time.Since(start); d > idle+2*time.Second {
				t.Fatalf("closed after %v, idle timeout %v", d, idle)
			}
			waitFor(t, func() bool { return ts.sessionCount() == 0 })
			ts.dial(t).cmd(221, "QUIT")
		})
	}
}
