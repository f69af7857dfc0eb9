package examples_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSiteCommands runs site-commands/10-site-commands.lua.
func TestSiteCommands(t *testing.T) {
	t.Parallel()
	dir := copyExample(t, "site-commands")
	// A script that refuses a login after it succeeded: the count must not
	// include mallory.
	writeFile(t, filepath.Join(dir, "50-refuse.lua"), `
ftp.on("login", function(ev)
  if ev.session.user == "mallory" then return ftp.deny(530, "Not today.") end
end)`)
	srv := startScripts(t, dir, setup{
		users: map[string]string{"alice": "a", "bob": "b", "mallory": "m"},
		dirs:  []string{"docs"},
	})
	m := srv.dial(t)
	m.Cmd(331, "USER mallory")
	m.Is(530, "Not today.", "PASS m")

	c := srv.dial(t)
	c.Cmd(530, "XSTATS")
	c.Cmd(331, "USER alice")
	c.Cmd(230, "PASS a")
	c.Cmd(250, "CWD docs")
	c.Is(200, "You are alice, from 127.0.0.1, over plain FTP, in /docs.\n1 logged in now.", "SITE WHO")

	b := srv.login(t, "bob", "b")
	c.Is(200, "You are alice, from 127.0.0.1, over plain FTP, in /docs.\n2 logged in now.", "SITE WHO")
	c.Cmd(220, "REIN")
	c.Cmd(331, "USER alice")
	c.Cmd(230, "PASS a")
	c.Is(200, "You are alice, from 127.0.0.1, over plain FTP, in /.\n2 logged in now.", "SITE WHO")

	// The disconnect event runs once bob's session has ended, after his 221.
	b.Cmd(221, "QUIT")
	b.ExpectClosed()
	want := "You are alice, from 127.0.0.1, over plain FTP, in /.\n1 logged in now."
	for deadline := time.Now().Add(5 * time.Second); ; {
		_, msg := c.Send("SITE WHO")
		if msg == want {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("SITE WHO = %q after bob left, want %q", msg, want)
		}
	}

	if !strings.Contains(c.Cmd(214, "SITE HELP"), "WHO: who you are, and how many are logged in") {
		t.Error("SITE HELP lacks WHO")
	}
	if !strings.Contains(c.Cmd(211, "FEAT"), "\n XSTATS\n") {
		t.Error("FEAT lacks XSTATS")
	}
	if !strings.Contains(c.Cmd(214, "HELP"), " XSTATS") {
		t.Error("HELP lacks XSTATS")
	}
	c.Is(214, "Syntax: XSTATS: your transfer totals, over the data connection", "HELP XSTATS")

	c.Cmd(425, "XSTATS") // no data connection prepared
	c.Cmd(200, "NOOP")
	if got := c.Retrieve("XSTATS"); got != "uploads 0\r\nuploads_bytes 0\r\ndownloads 0\r\ndownloads_bytes 0\r\n" {
		t.Errorf("XSTATS = %q", got)
	}
	c.Store("one.txt", "hello")
	c.Store("two.txt", "abc")
	c.Retrieve("RETR one.txt")
	if got := c.Retrieve("XSTATS"); got != "uploads 2\r\nuploads_bytes 8\r\ndownloads 1\r\ndownloads_bytes 5\r\n" {
		t.Errorf("XSTATS = %q", got)
	}
}
