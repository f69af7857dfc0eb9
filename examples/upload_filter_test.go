package examples_test

import (
	"strings"
	"testing"
)

// TestUploadFilter runs upload-filter/10-upload-filter.lua.
func TestUploadFilter(t *testing.T) {
	t.Parallel()
	srv := startExample(t, "upload-filter", setup{
		users: map[string]string{"alice": "secret:/alice", "admin": "root"},
		dirs:  []string{"alice"},
	})
	const notAccepted = "Files of this type are not accepted here."
	c := srv.login(t, "alice", "secret")

	t.Run("executables are refused with 553", func(t *testing.T) {
		c := c.on(t)
		for _, name := range []string{"a.exe", "B.EXE", "c.exe..", "dir/d.Bat"} {
			c.epsv()
			c.reply(553, notAccepted, "STOR %s", name)
		}
		c.epsv()
		c.reply(553, notAccepted, "APPE e.ps1")
		c.store("d.exe.txt", "fine")
		c.cmd(350, "RNFR d.exe.txt")
		c.reply(553, notAccepted, "RNTO d.exe")
		c.cmd(350, "RNFR d.exe.txt")
		c.cmd(250, "RNTO d.txt")
		if srv.readFile(t, "alice/d.txt") != "fine" || srv.exists("alice/a.exe") || srv.exists("alice/d.exe") {
			t.Error("the tree is not as the replies say")
		}
	})

	big := strings.Repeat("x", 8<<20+1)
	t.Run("big uploads are held", func(t *testing.T) {
		c := c.on(t)
		c.store("big.bin", big)
		c.epsv()
		c.reply(550, "This file is held for review.", "RETR big.bin")
		c.reply(550, "This file is held for review.", "RNFR /big.bin")
		c.reply(213, "8388609", "SIZE big.bin")
		c.reply(550, "Only an administrator may release files.", "SITE RELEASE big.bin")

		c.store("limit.bin", big[1:])
		if got := c.retrieve("RETR limit.bin"); len(got) != 8<<20 {
			t.Errorf("RETR limit.bin: %d bytes", len(got))
		}
	})

	t.Run("an administrator releases", func(t *testing.T) {
		c := c.on(t)
		a := srv.login(t, "admin", "root")
		a.reply(550, "That file is not held.", "SITE RELEASE /alice/limit.bin")
		a.cmd(250, "CWD /alice")
		a.reply(200, "Released.", "SITE RELEASE big.bin")
		if got := c.retrieve("RETR big.bin"); got != big {
			t.Errorf("RETR big.bin: %d bytes", len(got))
		}
		if !strings.Contains(c.cmd(214, "SITE HELP"), "RELEASE path: let a held upload be downloaded") {
			t.Error("SITE HELP lacks RELEASE")
		}
	})

	t.Run("a small upload or DELE ends the hold", func(t *testing.T) {
		c := c.on(t)
		for _, name := range []string{"b1.bin", "b2.bin"} {
			c.store(name, big)
			c.epsv()
			c.cmd(550, "RETR %s", name)
		}
		c.store("b1.bin", "small")
		if got := c.retrieve("RETR b1.bin"); got != "small" {
			t.Errorf("RETR b1.bin = %q", got)
		}
		c.cmd(250, "DELE b2.bin")
		// A file put in place without an upload event: only DELE freed the name.
		writeFile(t, srv.Root+"/alice/b2.bin", "small")
		if got := c.retrieve("RETR b2.bin"); got != "small" {
			t.Errorf("RETR b2.bin = %q", got)
		}
	})
}
