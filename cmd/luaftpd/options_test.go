package main

import (
	"fmt"
	"net/textproto"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// pasvReply matches curl's echo of a 227 reply.
var pasvReply = regexp.MustCompile(`< 227 Entering Passive Mode \((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)`)

// TestConfigFileServes starts the server from a config file alone: users
// (one with a colon in the password), the passive port range and the
// announced host.
func TestConfigFileServes(t *testing.T) {
	needTool(t, "curl")
	cfg := writeAt(t, t.TempDir(), "luaftpd.lua", []byte(`
local range_start = 45000
return {
  users = {
    "alice:secret:alice",
    { name = "bob", password = "pass:with:colons" },
  },
  pasv_ports = range_start .. "-" .. (range_start + 99),
  public_host = "127.0.0.2",
  idle_timeout = 60,
}`))
	s := startServer(t, "-config", cfg)
	writeAt(t, s.root, "alice/mine.txt", []byte("alice's\n"))

	r := mustCurl(t, "--disable-epsv", s.url(alice, "/mine.txt"))
	if r.stdout != "alice's\n" {
		t.Errorf("alice downloaded %q", r.stdout)
	}
	m := pasvReply.FindStringSubmatch(r.stderr)
	if m == nil {
		t.Fatalf("no 227 reply; curl sent:\n%s", commands(r))
	}
	if host := strings.Join(m[1:5], "."); host != "127.0.0.2" {
		t.Errorf("PASV announced %s, want -public-host 127.0.0.2", host)
	}
	p1, _ := strconv.Atoi(m[5])
	p2, _ := strconv.Atoi(m[6])
	if port := p1*256 + p2; port < 45000 || port > 45099 {
		t.Errorf("PASV port %d outside 45000-45099", port)
	}

	r = mustCurl(t, s.url("bob:pass%3Awith%3Acolons", "/alice/mine.txt"))
	if r.stdout != "alice's\n" {
		t.Errorf("bob (whole tree) downloaded %q", r.stdout)
	}
}

func TestRequireTLS(t *testing.T) {
	needTool(t, "curl")
	s := startServer(t, "-user", alice, "-tls-self-signed", "-require-tls")
	writeAt(t, s.root, "f.txt", []byte("secret stuff\n"))
	if r := curl(t, s.url(alice, "/f.txt")); r.code == 0 || r.stdout != "" {
		t.Errorf("a plain login was let in: exit %d, %q", r.code, r.stdout)
	}
	if r := mustCurl(t, "--ssl-reqd", "-k", s.url(alice, "/f.txt")); r.stdout != "secret stuff\n" {
		t.Errorf("over TLS: %q", r.stdout)
	}
}

// TestIPv6 serves on [::1] and moves data by EPSV and EPRT.
func TestIPv6(t *testing.T) {
	needTool(t, "curl")
	if why := noIPv6Loopback(); why != "" {
		t.Skip(why)
	}
	s := startServer(t, "-user", alice, "-listen", "[::1]:0")
	data := randomBytes(t, 64<<10)
	writeAt(t, s.root, "six.bin", data)
	for _, mode := range []struct{ name, verb string }{{"epsv", "EPSV"}, {"eprt", "EPRT |2|::1|"}} {
		t.Run(mode.name, func(t *testing.T) {
			args := []string{}
			if mode.name == "eprt" {
				args = append(args, "-P", "::1")
			}
			dst := filepath.Join(t.TempDir(), "six.bin")
			r := mustCurl(t, append(args, "-o", dst, s.url(alice, "/six.bin"))...)
			if !sent(r, mode.verb) {
				t.Errorf("curl did not send %s; it sent:\n%s", mode.verb, commands(r))
			}
			sameFile(t, dst, data)
		})
	}
}

// readmeScript is the example of README.md's Scripts section.
const readmeScript = `ftp.before("STOR", function(ev)
  if ev.path:match("%.exe$") then
    return ftp.deny(553, "no executables here")
  end
end)
`

// TestReadmeScript runs the README's example script.
func TestReadmeScript(t *testing.T) {
	needTool(t, "curl")
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), readmeScript) {
		t.Fatal("README.md no longer shows the script this test runs; update both")
	}
	scripts := t.TempDir()
	writeAt(t, scripts, "10-no-exe.lua", []byte(readmeScript))
	s := startServer(t, "-user", alice, "-scripts", scripts)
	src := writeAt(t, t.TempDir(), "x", []byte("MZ"))

	r := curl(t, "-T", src, s.url(alice, "/tool.exe"))
	if r.code != 25 || !strings.Contains(r.stderr, "< 553 no executables here") {
		t.Errorf("STOR tool.exe: curl exit %d, want 25 after a 553:\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(s.root, "tool.exe")); !os.IsNotExist(err) {
		t.Errorf("the refused upload left a file: %v", err)
	}
	mustCurl(t, "-T", src, s.url(alice, "/tool.txt"))
	sameFile(t, filepath.Join(s.root, "tool.txt"), []byte("MZ"))
}

// TestScriptsReloadOnChange edits a script while the server runs, without
// a signal: the folder watcher (or its periodic rescan) picks it up.
func TestScriptsReloadOnChange(t *testing.T) {
	scripts := t.TempDir()
	hello := func(text string) []byte {
		return []byte(fmt.Sprintf("ftp.site(\"HELLO\", function(ev) return ftp.reply(200, %q) end)\n", text))
	}
	writeAt(t, scripts, "50-hello.lua", hello("before"))
	s := startServer(t, "-user", alice, "-scripts", scripts)
	if got := siteHello(t, s.addr); got != "before" {
		t.Fatalf("SITE HELLO = %q, want before", got)
	}
	// Replace the file the way editors do: write a new one, rename it over.
	tmp := writeAt(t, scripts, ".50-hello.lua.swp", hello("after"))
	if err := os.Rename(tmp, filepath.Join(scripts, "50-hello.lua")); err != nil {
		t.Fatal(err)
	}
	s.waitLog(func(e logEntry) bool { return e.str("msg") == "scripts reloaded" })
	if got := siteHello(t, s.addr); got != "after" {
		t.Fatalf("SITE HELLO after the edit = %q, want after", got)
	}
}

// greet dials the server and returns the first reply.
func greet(t *testing.T, addr string) (*textproto.Conn, int, string) {
	t.Helper()
	c, err := textproto.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	code, msg, err := c.ReadResponse(0)
	if err != nil && code == 0 {
		t.Fatal(err)
	}
	return c, code, msg
}

func TestMaxSessionsPerIP(t *testing.T) {
	s := startServer(t, "-user", alice, "-max-sessions-per-ip", "1")
	if _, code, msg := greet(t, s.addr); code != 220 {
		t.Fatalf("first session: %d %s", code, msg)
	}
	if _, code, msg := greet(t, s.addr); code != 421 {
		t.Fatalf("second session from the same address: %d %s, want 421", code, msg)
	}
}

func TestIdleTimeout(t *testing.T) {
	s := startServer(t, "-user", alice, "-idle-timeout", "1s")
	c, code, _ := greet(t, s.addr)
	if code != 220 {
		t.Fatalf("greeting %d", code)
	}
	start := time.Now()
	code, msg, _ := c.ReadResponse(0)
	if code != 421 {
		t.Errorf("idle session got %d %q, want 421", code, msg)
	}
	if d := time.Since(start); d < 900*time.Millisecond || d > 10*time.Second {
		t.Errorf("closed after %v, want about 1s", d)
	}
	if _, err := c.ReadLine(); err == nil {
		t.Error("the connection stayed open after the 421")
	}
}

func TestMaxSessions(t *testing.T) {
	s := startServer(t, "-user", alice, "-max-sessions", "2")
	for i := range 2 {
		if _, code, msg := greet(t, s.addr); code != 220 {
			t.Fatalf("session %d: %d %s", i+1, code, msg)
		}
	}
	if _, code, msg := greet(t, s.addr); code != 421 {
		t.Fatalf("a third session: %d %s, want 421", code, msg)
	}
}
