package core

import (
	"strconv"
	"testing"
	"time"
)

// The first failed logins of an address answer at once; past five, each
// waits LoginFailDelay before its 530. A good password never waits.
func TestFailedLoginsSlowDown(t *testing.T) {
	const delay = 300 * time.Millisecond
	ts := startServer(t, func(s *Server) { s.LoginFailDelay = delay; s.MaxLoginFailures = 10 })
	c := ts.dial(t)
	fail := func() time.Duration {
		start := time.Now()
		c.cmd(331, "USER alice")
		c.cmd(530, "PASS wrong")
		return time.Since(start)
	}
	for i := range freeFailures {
		if d := fail(); d >= delay {
			t.Fatalf("failure %d took %v", i+1, d)
		}
	}
	for i := range 2 {
		if d := fail(); d < delay {
			t.Errorf("failure %d took only %v", freeFailures+i+1, d)
		}
	}
	start := time.Now()
	c.cmd(331, "USER alice")
	c.cmd(230, "PASS secret")
	if d := time.Since(start); d >= delay {
		t.Errorf("a good password took %v", d)
	}
	// Another connection from the same address is slowed down too.
	c = ts.dial(t)
	c.cmd(331, "USER alice")
	start = time.Now()
	c.cmd(530, "PASS wrong")
	if d := time.Since(start); d < delay {
		t.Errorf("a new connection's failure took only %v", d)
	}
}

func TestLoginFailuresForget(t *testing.T) {
	var lf loginFailures
	now := time.Now()
	for range freeFailures {
		if lf.add("a", now) {
			t.Fatal("a free failure waits")
		}
	}
	if !lf.add("a", now) || lf.add("b", now) {
		t.Fatal("only a's sixth failure waits")
	}
	if lf.add("a", now.Add(failureWindow+time.Second)) {
		t.Error("a's count outlived the window")
	}
	for i := range maxFailureAddrs {
		lf.add(strconv.Itoa(i), now)
	}
	if len(lf.byAddr) > maxFailureAddrs || !lf.add("new", now) {
		t.Errorf("a full table: %d addresses, and a new one does not wait", len(lf.byAddr))
	}
	if lf.add("newer", now.Add(2*failureWindow)) || len(lf.byAddr) != 2 { // a and newer
		t.Errorf("stale addresses were not swept: %d", len(lf.byAddr))
	}
}
