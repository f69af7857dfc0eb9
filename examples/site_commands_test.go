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
	m.cmd(331, "USER mallory")
	m.reply(530, "Not today.", "PASS m")

	c := srv.dial(t)
	c.cmd(530, "XSTATS")
	c.cmd(331, "USER alice")
	c.cmd(230, "PASS a")
	c.cmd(250, "CWD docs")
	c.reply(200, "You are alice, from 127.0.0.1, over plain FTP, in /docs.\n1 logged in now.", "SITE WHO")

	b := srv.login(t, "bob", "b")
	c.reply(200, "You are alice, from 127.0.0.1, over plain FTP, in /docs.\n2 logged in now.", "SITE WHO")
	c.cmd(220, "REIN")
	c.cmd(331, "USER alice")
	c.cmd(230, "PASS a")
	c.reply(200, "You are alice, from 127.0.0.1, over plain FTP, in /.\n2 logged in now.", "SITE WHO")

	// The disconnect event runs once bob's session has ended, after his 221.
	b.cmd(221, "QUIT")
	b.expectClosed()
	want := "You are alice, from 127.0.0.1, over plain FTP, in /.\n1 logged in now."
	for deadline := time.Now().Add(5 * time.Second); ; {
		_, msg := c.send("SITE WHO")
		if msg == want {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("SITE WHO = %q after bob left, want %q", msg, want)
		}
	}

	if !strings.Contains(c.cmd(214, "SITE HELP"), "WHO: who you are, and how many are logged in") {
		t.Error("SITE HELP lacks WHO")
	}
	if !strings.Contains(c.cmd(211, "FEAT"), "\n XSTATS\n") {
		t.Error("FEAT lacks XSTATS")
	}
	if !strings.Contains(c.cmd(214, "HELP"), " XSTATS") {
		t.Error("HELP lacks XSTATS")
	}
	c.reply(214, "Syntax: XSTATS: your transfer totals, over the data connection", "HELP XSTATS")

	c.cmd(425, "XSTATS") // no data connection prepared
	c.cmd(200, "NOOP")
	if got := c.retrieve("XSTATS"); got != "uploads 0\r\nuploads_bytes 0\r\ndownloads 0\r\ndownloads_bytes 0\r\n" {
		t.Errorf("XSTATS = %q", got)
	}
	c.store("one.txt", "hello")
	c.store("two.txt", "abc")
	c.retrieve("RETR one.txt")
	if got := c.retrieve("XSTATS"); got != "uploads 2\r\nuploads_bytes 8\r\ndownloads 1\r\ndownloads_bytes 5\r\n" {
		t.Errorf("XSTATS = %q", got)
	}
}
