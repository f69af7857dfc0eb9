package examples_test

import (
	"testing"
	"time"
)

// TestBruteForce runs brute-force/10-brute-force.lua on a store whose clock
// the test moves.
func TestBruteForce(t *testing.T) {
	t.Parallel()
	kv := newClockKV()
	srv := startExample(t, "brute-force", setup{
		users: map[string]string{"alice": "secret"},
		kv:    kv,
	})
	const refused = "Too many failed logins from your address; try again later."

	// The server closes a connection after its third failure, saying why.
	c := srv.dial(t)
	for range 3 {
		c.Cmd(331, "USER alice")
		c.Cmd(530, "PASS guess")
	}
	c.Expect(421)
	c.ExpectClosed()

	held := srv.dial(t) // connected before the address is blocked
	c = srv.dial(t)
	c.Cmd(331, "USER alice")
	c.Cmd(530, "PASS guess")
	c.Cmd(331, "USER alice")
	c.Cmd(530, "PASS guess") // the fifth failure
	c.Cmd(331, "USER alice")
	c.Is(530, refused, "PASS secret")

	held.Cmd(331, "USER alice")
	held.Is(530, refused, "PASS secret")

	c = srv.connect(t)
	if code, msg := c.Read(); code != 421 || msg != refused {
		t.Fatalf("connect when blocked: %d %q, want 421 %q", code, msg, refused)
	}
	c.ExpectClosed()
	if n, _ := kv.Get("brute-force:127.0.0.1"); n != 8.0 {
		t.Errorf("the count of 127.0.0.1 is %v, want 8 (5 failures, 2 refused PASS, 1 refused connection)", n)
	}

	// Each refused attempt restarts the 15 minutes.
	kv.advance(14 * time.Minute)
	c = srv.connect(t)
	c.Expect(421)
	kv.advance(14 * time.Minute)
	c = srv.connect(t)
	c.Expect(421)
	kv.advance(14*time.Minute + 59*time.Second)
	c = srv.connect(t)
	c.Expect(421)

	kv.advance(15 * time.Minute)
	c = srv.login(t, "alice", "secret")
	c.Cmd(221, "QUIT")
	if got := len(srv.Logs.Records(t, "address blocked after failed logins")); got != 1 {
		t.Errorf("%d log lines for the block, want 1", got)
	}
}
