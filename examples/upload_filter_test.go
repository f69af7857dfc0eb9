package examples_test

import (
	"io"
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
	const (
		notAccepted = "Files of this type are not accepted here."
		held        = "This file is held for review."
		noRenaming  = "Renaming is disabled while uploads await review."
	)
	c := srv.login(t, "alice", "secret")
	a := srv.login(t, "admin", "root")

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
		c.store("limit.bin", big[1:])
		if got := c.retrieve("RETR limit.bin"); len(got) != 8<<20 {
			t.Errorf("RETR limit.bin: %d bytes", len(got))
		}
		c.store("big.bin", big)
		c.epsv()
		c.reply(550, held, "RETR big.bin")
		c.reply(213, "8388609", "SIZE big.bin")
		c.reply(550, noRenaming, "RNFR d.txt")
		c.reply(550, "Only an administrator may release files.", "SITE RELEASE big.bin")
		c.store("big.bin", "small") // replacing a held file does not release it
		c.epsv()
		c.reply(550, held, "RETR big.bin")
	})

	t.Run("pieces are held", func(t *testing.T) {
		c := c.on(t)
		c.store("p.bin", "ab")
		dc := c.epsv()
		c.cmd(150, "APPE p.bin")
		io.WriteString(dc, "c")
		dc.Close()
		c.expect(226)
		c.epsv()
		c.reply(550, held, "RETR p.bin")

		c.store("r.bin", "abc")
		c.cmd(350, "REST 3")
		c.store("r.bin", "def")
		c.epsv()
		c.reply(550, held, "RETR r.bin")
		if got := srv.readFile(t, "alice/r.bin"); got != "abcdef" {
			t.Errorf("alice/r.bin = %q", got)
		}

		c.cmd(350, "REST 8388607")
		if got := c.retrieve("RETR limit.bin"); got != "x" {
			t.Errorf("RETR limit.bin from 8388607 = %q", got)
		}
		c.store("s.bin", "whole") // the REST went to the RETR
		if got := c.retrieve("RETR s.bin"); got != "whole" {
			t.Errorf("RETR s.bin = %q", got)
		}
	})

	t.Run("an administrator releases and renames", func(t *testing.T) {
		a := a.on(t)
		c := c.on(t)
		if !strings.Contains(c.cmd(214, "SITE HELP"), "RELEASE path: let a held upload be downloaded") {
			t.Error("SITE HELP lacks RELEASE")
		}
		a.cmd(350, "RNFR /alice/d.txt")
		a.cmd(250, "RNTO /alice/e.txt")
		a.reply(550, "That file is not held.", "SITE RELEASE /alice/limit.bin")
		a.cmd(250, "CWD /alice")
		a.reply(200, "Released.", "SITE RELEASE big.bin")
		a.reply(550, "That file is not held.", "SITE RELEASE big.bin")
		if got := c.retrieve("RETR big.bin"); got != "small" {
			t.Errorf("RETR big.bin = %q", got)
		}
	})

	t.Run("DELE ends a hold", func(t *testing.T) {
		c := c.on(t)
		c.cmd(250, "DELE p.bin")
		c.reply(550, noRenaming, "RNFR e.txt") // r.bin is still held
		c.cmd(250, "DELE r.bin")
		// A file put in place without an upload event: only DELE freed the name.
		writeFile(t, srv.Root+"/alice/p.bin", "new")
		if got := c.retrieve("RETR p.bin"); got != "new" {
			t.Errorf("RETR p.bin = %q", got)
		}
		c.cmd(350, "RNFR e.txt")
		c.cmd(250, "RNTO f.txt")
	})
}
