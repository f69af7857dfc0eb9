package core

import (
	"fmt"
	"net"
	"strings"
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

// A line longer than the limit that arrives while a command runs is
// answered in its turn, after the running command's reply, as any other
// pipelined line: replies keep the order of the lines.
func TestLongLineDuringCommandKeepsOrder(t *testing.T) {
	ts := startServer(t)
	c := ts.loginAlice(t)
	dc := startUpload(t, c)
	c.raw(strings.Repeat("x", 2*maxLineLen) + "\r\nNOOP\r\n")
	// Both lines queued while the upload runs (no reply can tell: a STAT
	// now would queue behind them).
	waitFor(t, func() bool { return ts.queuedLines() == 2 })
	dc.Close()
	c.expect(226)
	if msg := c.expect(500); msg != "Command line too long." {
		t.Fatalf("500 text %q", msg)
	}
	c.expect(200)
}

// Lines at the limit, and one byte past it, with the CR and LF split over
// TCP segments: a line of maxLineLen bytes before its LF is a command,
// one more byte makes it too long, however the bytes are cut.
func TestLineLimitSplitSegments(t *testing.T) {
	ts := startServer(t)
	c := ts.dial(t)
	c.NC.(*net.TCPConn).SetNoDelay(true)
	const ok, tooLong = "200 NOOP ok.", "500 Command line too long."
	atLimit := "NOOP " + strings.Repeat("a", maxLineLen-len("NOOP ")-1) // + CR: maxLineLen bytes
	for _, tc := range []struct {
		parts []string
		want  string // the reply's code and text
	}{
		{[]string{atLimit + "\r\n"}, ok},
		{[]string{atLimit, "\r\n"}, ok},
		{[]string{atLimit + "\r", "\n"}, ok},
		{[]string{atLimit[:100], atLimit[100:] + "\r", "\n"}, ok},
		{[]string{atLimit + "b\r\n"}, tooLong},
		{[]string{atLimit + "b", "\r\n"}, tooLong},
		{[]string{atLimit + "b\r", "\n"}, tooLong},
		{[]string{atLimit[:maxLineLen-2], atLimit[maxLineLen-2:] + "b\r", "\n"}, tooLong},
		{[]string{strings.Repeat("c", maxLineLen) + "\n"}, "500 Unknown command."}, // bare LF
		{[]string{strings.Repeat("c", maxLineLen+1) + "\n"}, tooLong},
	} {
		for _, p := range tc.parts {
			c.raw(p)
			time.Sleep(5 * time.Millisecond) // separate segments
		}
		code, msg := c.read()
		if got := fmt.Sprintf("%d %s", code, msg); got != tc.want {
			t.Fatalf("%d parts of %d bytes: %q, want %q", len(tc.parts), len(strings.Join(tc.parts, "")), got, tc.want)
		}
		c.cmd(200, "NOOP") // nothing of the line is left over
	}
}
