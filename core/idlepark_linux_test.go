package core

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"
)

// parkedCount is how many sessions wait in the idle poller with no command
// running.
func (ts *testServer) parkedCount() int {
	p := &ts.parker
	p.mu.Lock()
	var parked []*Session
	for _, s := range p.byFD {
		if s != nil {
			parked = append(parked, s)
		}
	}
	p.mu.Unlock()
	return countIdle(parked)
}

// Idle sessions hold no goroutine, and every one of them answers again,
// more than once, when its client speaks.
func TestParkedSessionsResume(t *testing.T) {
	const n = 40
	ts := startServer(t)
	ts.dial(t).cmd(200, "NOOP") // the poller's own goroutine is running
	waitFor(t, func() bool { return ts.parkedCount() == 1 })
	before := runtime.NumGoroutine()
	conns := make([]*ftpConn, n)
	for i := range conns {
		conns[i] = ts.loginAlice(t)
	}
	waitFor(t, func() bool { return ts.parkedCount() == n+1 })
	if g := runtime.NumGoroutine(); g > before+5 {
		t.Errorf("%d goroutines for %d idle sessions, %d before", g, n, before)
	}
	for round := 0; round < 3; round++ {
		for i, c := range conns {
			c.cmd(250, "CWD /")
			if msg := c.cmd(257, "PWD"); !strings.Contains(msg, `"/"`) {
				t.Fatalf("session %d: PWD %q", i, msg)
			}
		}
		waitFor(t, func() bool { return ts.parkedCount() == n+1 })
	}
}

// A parked session still times out with 421, and is then forgotten.
func TestParkedIdleTimeout(t *testing.T) {
	ts := startServer(t, func(s *Server) { s.IdleTimeout = 200 * time.Millisecond })
	c := ts.loginAlice(t)
	waitFor(t, func() bool { return ts.parkedCount() == 1 })
	start := time.Now()
	if msg := c.expect(421); !strings.Contains(msg, "Timeout") {
		t.Errorf("421 text %q", msg)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("timed out after %v", d)
	}
	c.expectClosed()
	waitFor(t, func() bool { return ts.sessionCount() == 0 && ts.parkedCount() == 0 })
}

// A session's deadline moves on with every command: one that keeps talking
// is not timed out, parked or not.
func TestParkedDeadlineMovesOn(t *testing.T) {
	ts := startServer(t, func(s *Server) { s.IdleTimeout = 300 * time.Millisecond })
	c := ts.loginAlice(t)
	end := time.Now().Add(700 * time.Millisecond)
	for time.Now().Before(end) {
		time.Sleep(50 * time.Millisecond)
		c.cmd(200, "NOOP")
	}
	c.expect(421)
}

// Shutdown ends parked sessions with 421 and returns once they are gone.
func TestShutdownClosesParkedSessions(t *testing.T) {
	ts := startServer(t)
	conns := make([]*ftpConn, 5)
	for i := range conns {
		conns[i] = ts.loginAlice(t)
	}
	shutdownParked(t, ts, conns)
}

// shutdownParked waits until every one of conns is parked, shuts ts down,
// and checks each gets the 421 and is closed, and no session is left.
func shutdownParked(t *testing.T, ts *testServer, conns []*ftpConn) {
	t.Helper()
	waitFor(t, func() bool { return ts.parkedCount() == len(conns) })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := ts.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	for _, c := range conns {
		if msg := c.expect(421); !strings.Contains(msg, "not available") {
			t.Errorf("421 text %q", msg)
		}
		c.expectClosed()
	}
	if n := ts.sessionCount(); n != 0 {
		t.Errorf("%d sessions left", n)
	}
}

// A client that hangs up while parked ends its session, and the
// descriptor's number, soon given to a new connection, wakes only that one.
func TestParkedHangUp(t *testing.T) {
	ts := startServer(t, func(s *Server) { s.MaxSessions = 2 })
	for i := 0; i < 20; i++ {
		c := ts.loginAlice(t)
		waitFor(t, func() bool { return ts.parkedCount() == 1 })
		c.Close()
		waitFor(t, func() bool { return ts.sessionCount() == 0 })
	}
	keep := ts.loginAlice(t)
	c := ts.loginAlice(t)
	waitFor(t, func() bool { return ts.parkedCount() == 2 })
	c.Close()
	waitFor(t, func() bool { return ts.sessionCount() == 1 })
	keep.cmd(200, "NOOP")
}

// Lines that come together, or a line in pieces, are answered in order.
func TestParkedPipelinedAndSplitLines(t *testing.T) {
	ts := startServer(t)
	c := ts.loginAlice(t)
	waitFor(t, func() bool { return ts.parkedCount() == 1 })
	c.raw("NOOP\r\nPWD\r\nTYPE I\r\nSYST\r\n")
	for _, want := range []int{200, 257, 200, 215} {
		c.expect(want)
	}
	waitFor(t, func() bool { return ts.parkedCount() == 1 })
	c.raw("PW")
	time.Sleep(20 * time.Millisecond) // the server reads the first piece alone
	c.raw("D\r\n")
	c.expect(257)
	c.cmd(221, "QUIT")
	c.expectClosed()
}

// Close ends parked sessions at once.
func TestCloseEndsParkedSessions(t *testing.T) {
	ts := startServer(t)
	c := ts.loginAlice(t)
	waitFor(t, func() bool { return ts.parkedCount() == 1 })
	ts.Close()
	c.NC.SetReadDeadline(time.Now().Add(2 * time.Second)) // at once, not at the test's timeout
	c.expectClosed()
	ts.sessWG.Wait()
}
