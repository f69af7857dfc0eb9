package main

import (
	"net/textproto"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestCheck(t *testing.T) {
	good := t.TempDir()
	writeAt(t, good, "10-deny.lua", []byte(`ftp.before("STOR", function(ev)
  if ev.path:match("%.exe$") then return ftp.deny(553, "no executables") end
end)
`))
	r := luaftpd(t, "", "check", good)
	if r.code != 0 || r.stdout != good+": ok\n" || r.stderr != "" {
		t.Errorf("check of a good folder: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}

	bad := t.TempDir()
	writeAt(t, bad, "10-syntax.lua", []byte("ftp.before(\"STOR\", function(ev)\n"))
	writeAt(t, bad, "20-runtime.lua", []byte("local x = nil\nerror(\"boom at load\")\n"))
	writeAt(t, bad, "30-fine.lua", []byte("ftp.site(\"HELLO\", function(ev) return ftp.reply(200, \"hi\") end)\n"))
	r = luaftpd(t, "", "check", bad)
	if r.code != 1 {
		t.Errorf("check of a broken folder: exit %d, want 1", r.code)
	}
	for _, want := range []string{"10-syntax.lua", "20-runtime.lua:2", "boom at load", "2 error(s)"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("check output lacks %q:\n%s", want, r.stderr)
		}
	}
	if strings.Contains(r.stderr, "30-fine.lua") {
		t.Errorf("check blamed a good script:\n%s", r.stderr)
	}

	if r := luaftpd(t, "", "check", filepath.Join(bad, "nope")); r.code != 1 {
		t.Errorf("check of a missing folder: exit %d, want 1", r.code)
	}
}

// siteHello logs in as alice and returns the reply text to SITE HELLO,
// which must be 200.
func siteHello(t *testing.T, addr string) string {
	t.Helper()
	return strings.TrimSpace(expect(t, login(t, addr, "alice", "secret"), "SITE HELLO", 200))
}

// TestSIGHUPReloads changes a script and sends SIGHUP: the new version
// answers; a broken version leaves the old one in force.
func TestSIGHUPReloads(t *testing.T) {
	scripts := t.TempDir()
	script := func(text string) {
		writeAt(t, scripts, "50-hello.lua", []byte(
			`ftp.site("HELLO", function(ev) return ftp.reply(200, "`+text+`") end)`+"\n"))
	}
	script("v1")
	s := startServer(t, "-user", alice, "-scripts", scripts)
	if got := siteHello(t, s.addr); got != "v1" {
		t.Fatalf("SITE HELLO = %q, want v1", got)
	}

	script("v2")
	s.cmd.Process.Signal(syscall.SIGHUP)
	s.waitLog(func(e logEntry) bool { return e.str("msg") == "scripts reloaded" })
	if got := siteHello(t, s.addr); got != "v2" {
		t.Fatalf("SITE HELLO after SIGHUP = %q, want v2", got)
	}

	writeAt(t, scripts, "50-hello.lua", []byte("ftp.site(\"HELLO\", function(ev)\n"))
	s.cmd.Process.Signal(syscall.SIGHUP)
	s.waitLog(func(e logEntry) bool { return strings.HasPrefix(e.str("msg"), "reload failed") })
	if got := siteHello(t, s.addr); got != "v2" {
		t.Fatalf("SITE HELLO after a broken reload = %q, want v2 still", got)
	}
}

// TestStockScriptsAndDisable checks that the stock transfer log runs by
// default and that -disable-stock turns it off.
func TestStockScriptsAndDisable(t *testing.T) {
	needTool(t, "curl")
	isStockLine := func(e logEntry) bool { return e.str("msg") == "transfer" && e.str("kind") == "download" }

	s := startServer(t, "-user", alice)
	writeAt(t, s.root, "f.txt", []byte("x"))
	mustCurl(t, s.url(alice, "/f.txt"))
	if e := s.waitLog(isStockLine); e.str("path") != "/f.txt" {
		t.Errorf("stock transfer log: %v", e)
	}

	s = startServer(t, "-user", alice, "-disable-stock", "20-transfer-log.lua")
	writeAt(t, s.root, "f.txt", []byte("x"))
	mustCurl(t, s.url(alice, "/f.txt"))
	s.cmd.Process.Signal(syscall.SIGTERM)
	if code := s.waitExit(35 * time.Second); code != 0 {
		t.Fatalf("exit %d", code)
	}
	entries, _ := s.log.since(0)
	for _, e := range entries {
		if isStockLine(e) {
			t.Errorf("the disabled stock script logged: %v", e)
		}
	}
}

// TestBrokenScriptsStopStart checks that the server refuses to start on a
// scripts folder that does not load, naming the file.
func TestBrokenScriptsStopStart(t *testing.T) {
	scripts := t.TempDir()
	writeAt(t, scripts, "10-broken.lua", []byte("ftp.before(\"STOR\", function(ev)\n"))
	r := luaftpd(t, "", "-listen", "127.0.0.1:0", "-root", t.TempDir(), "-scripts", scripts, "-log-format", "json")
	if r.code != 1 || !strings.Contains(r.stderr, "10-broken.lua") {
		t.Fatalf("exit %d, stderr %q; want 1 and the broken file named", r.code, r.stderr)
	}
}

// login dials addr and logs in as user.
func login(t *testing.T, addr, user, password string) *textproto.Conn {
	t.Helper()
	c, err := textproto.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	expect(t, c, "", 220)
	expect(t, c, "USER "+user, 331)
	expect(t, c, "PASS "+password, 230)
	return c
}

// expect sends cmd (none if "") and checks the reply code.
func expect(t *testing.T, c *textproto.Conn, cmd string, code int) string {
	t.Helper()
	if cmd != "" {
		if err := c.PrintfLine("%s", cmd); err != nil {
			t.Fatal(err)
		}
	}
	got, msg, err := c.ReadResponse(0)
	if err != nil && got == 0 {
		t.Fatalf("%q: %v", cmd, err)
	}
	if got != code {
		t.Fatalf("%q: %d %s, want %d", cmd, got, msg, code)
	}
	return msg
}

// TestHookTimeouts runs scripts that never return under -hook-timeout and
// -auth-timeout values unlike the defaults (1s and 5s), and times the
// replies.
func TestHookTimeouts(t *testing.T) {
	scripts := t.TempDir()
	writeAt(t, scripts, "10-spin.lua", []byte(`
ftp.site("SPIN", function(ev) while true do end end)
ftp.auth(function(user, password, s)
  if user == "spinner" then while true do end end
end)
`))
	s := startServer(t, "-user", alice, "-scripts", scripts, "-hook-timeout", "3s", "-auth-timeout", "1500ms")
	c := login(t, s.addr, "alice", "secret")
	start := time.Now()
	expect(t, c, "SITE SPIN", 451)
	if d := time.Since(start); d < 2500*time.Millisecond {
		t.Errorf("SITE SPIN ended after %v, before the 3s -hook-timeout", d)
	}
	expect(t, c, "NOOP", 200)

	c2, err := textproto.Dial("tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	expect(t, c2, "", 220)
	expect(t, c2, "USER spinner", 331)
	start = time.Now()
	expect(t, c2, "PASS x", 530)
	if d := time.Since(start); d < 1200*time.Millisecond || d > 4500*time.Millisecond {
		t.Errorf("a spinning ftp.auth ended after %v, want about the 1.5s -auth-timeout", d)
	}
}
