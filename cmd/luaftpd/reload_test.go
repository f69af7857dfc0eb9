package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// tryLogin logs in on a new control connection and returns the reply code to
// PASS (230 or 530).
func tryLogin(t *testing.T, addr, user, pass string) int {
	t.Helper()
	c, code, msg := greet(t, addr)
	if code != 220 {
		t.Fatalf("greeting %d %q", code, msg)
	}
	defer c.Close()
	if _, err := c.Cmd("USER %s", user); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.ReadResponse(331); err != nil {
		t.Fatalf("USER %s: %v", user, err)
	}
	if _, err := c.Cmd("PASS %s", pass); err != nil {
		t.Fatal(err)
	}
	code, msg, err := c.ReadResponse(0)
	if code == 0 {
		t.Fatalf("PASS: %v", err)
	}
	if code != 230 && code != 530 {
		t.Fatalf("PASS: %d %q", code, msg)
	}
	return code
}

// hup sends SIGHUP and waits for a new log line with msg, which says how
// the users' reload went.
func (s *server) hup(msg string) {
	s.t.Helper()
	before, _ := s.log.since(0)
	n := 0
	for _, e := range before {
		if e.str("msg") == msg {
			n++
		}
	}
	s.cmd.Process.Signal(syscall.SIGHUP)
	s.waitLogs(n+1, func(e logEntry) bool { return e.str("msg") == msg })
}

// TestUsersFileReloadsOnSIGHUP adds a user with `luaftpd passwd` while the
// server runs, sends SIGHUP and logs in as them; then breaks the file, and
// after the next SIGHUP the users read before still log in.
func TestUsersFileReloadsOnSIGHUP(t *testing.T) {
	file := filepath.Join(t.TempDir(), "users")
	if r := luaftpd(t, "pa55word\n", "passwd", file, "alice"); r.code != 0 {
		t.Fatalf("passwd: exit %d, %s", r.code, r.stderr)
	}
	s := startServer(t, "-users", file, "-login-fail-delay", "0")
	if code := tryLogin(t, s.addr, "bob", "other"); code != 530 {
		t.Fatalf("bob before passwd: %d, want 530", code)
	}
	if r := luaftpd(t, "other\n", "passwd", file, "bob"); r.code != 0 {
		t.Fatalf("passwd: exit %d, %s", r.code, r.stderr)
	}
	s.hup("users reloaded")
	if code := tryLogin(t, s.addr, "bob", "other"); code != 230 {
		t.Fatalf("bob after passwd and SIGHUP: %d, want 230", code)
	}

	if err := os.WriteFile(file, []byte("this is not a users file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s.hup("reloading the users failed; the users loaded before stay in force")
	for _, u := range [][2]string{{"alice", "pa55word"}, {"bob", "other"}} {
		if code := tryLogin(t, s.addr, u[0], u[1]); code != 230 {
			t.Errorf("%s after a bad users file and SIGHUP: %d, want 230", u[0], code)
		}
	}
}

// TestUsersFileReloadsOnChange: a user added with `luaftpd passwd` logs in
// without a signal, once the server has seen the file change.
func TestUsersFileReloadsOnChange(t *testing.T) {
	file := filepath.Join(t.TempDir(), "users")
	if r := luaftpd(t, "pa55word\n", "passwd", file, "alice"); r.code != 0 {
		t.Fatalf("passwd: exit %d, %s", r.code, r.stderr)
	}
	s := startServer(t, "-users", file)
	if r := luaftpd(t, "other\n", "passwd", file, "bob"); r.code != 0 {
		t.Fatalf("passwd: exit %d, %s", r.code, r.stderr)
	}
	s.waitLog(func(e logEntry) bool { return e.str("msg") == "users reloaded" })
	if code := tryLogin(t, s.addr, "bob", "other"); code != 230 {
		t.Fatalf("bob after passwd: %d, want 230", code)
	}
}

// TestConfigUsersReloadOnSIGHUP edits the users of a config file and sends
// SIGHUP: the new list replaces the old one, -user of the command line
// still wins.
func TestConfigUsersReloadOnSIGHUP(t *testing.T) {
	cfg := writeAt(t, t.TempDir(), "luaftpd.lua", []byte(`return { users = { "carol:one" } }`))
	s := startServer(t, "-config", cfg, "-login-fail-delay", "0")
	if code := tryLogin(t, s.addr, "carol", "one"); code != 230 {
		t.Fatalf("carol: %d, want 230", code)
	}
	writeAt(t, filepath.Dir(cfg), "luaftpd.lua", []byte(`return { users = { "carol:two", "dave:three" } }`))
	s.hup("users reloaded")
	for _, c := range []struct {
		user, pass string
		want       int
	}{{"carol", "one", 530}, {"carol", "two", 230}, {"dave", "three", 230}} {
		if code := tryLogin(t, s.addr, c.user, c.pass); code != c.want {
			t.Errorf("%s/%s after SIGHUP: %d, want %d", c.user, c.pass, code, c.want)
		}
	}
	writeAt(t, filepath.Dir(cfg), "luaftpd.lua", []byte(`return { users = `))
	s.hup("reloading the users failed; the users loaded before stay in force")
	if code := tryLogin(t, s.addr, "dave", "three"); code != 230 {
		t.Errorf("dave after a broken config and SIGHUP: %d, want 230", code)
	}
}

// TestLoginFailDelayFlag sets -login-fail-delay: the sixth failed login
// of an address waits that long (not the default second), and 0 turns the
// wait off.
func TestLoginFailDelayFlag(t *testing.T) {
	for _, c := range []struct {
		delay    string
		min, max time.Duration
	}{{"300ms", 300 * time.Millisecond, 900 * time.Millisecond}, {"0", 0, 250 * time.Millisecond}} {
		s := startServer(t, "-user", alice, "-login-fail-delay", c.delay)
		for range 5 { // free failures; a new connection each time
			tryLogin(t, s.addr, "alice", "wrong")
		}
		start := time.Now()
		if code := tryLogin(t, s.addr, "alice", "wrong"); code != 530 {
			t.Fatalf("-login-fail-delay %s: a wrong password got %d", c.delay, code)
		}
		if d := time.Since(start); d < c.min || d > c.max {
			t.Errorf("-login-fail-delay %s: the sixth failure took %v, want %v to %v", c.delay, d, c.min, c.max)
		}
	}
}

// TestUsersFileRoots: a user of the users file confined to a folder gets
// it created at start, inside -root even when the file's root tries to
// leave it.
func TestUsersFileRoots(t *testing.T) {
	needTool(t, "curl")
	dir := t.TempDir()
	file := filepath.Join(dir, "users")
	if r := luaftpd(t, "pa55word\n", "passwd", file, "alice"); r.code != 0 {
		t.Fatalf("passwd: exit %d, %s", r.code, r.stderr)
	}
	text, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte(strings.TrimSuffix(string(text), "\n")+":../../up\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(dir, "served")
	s := startServer(t, "-users", file, "-root", root)
	src := writeAt(t, t.TempDir(), "f.txt", []byte("mine\n"))
	mustCurl(t, "-T", src, s.url("alice:pa55word", "/f.txt"))
	sameFile(t, filepath.Join(root, "up", "f.txt"), []byte("mine\n"))
	if _, err := os.Stat(filepath.Join(dir, "up")); !os.IsNotExist(err) {
		t.Errorf("a folder was made outside -root: %v", err)
	}
}
