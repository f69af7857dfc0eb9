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
		c := c.On(t)
		for _, name := range []string{"a.exe", "B.EXE", "c.exe..", "dir/d.Bat"} {
			c.EPSV()
			c.Is(553, notAccepted, "STOR %s", name)
		}
		c.EPSV()
		c.Is(553, notAccepted, "APPE e.ps1")
		c.Store("d.exe.txt", "fine")
		c.Cmd(350, "RNFR d.exe.txt")
		c.Is(553, notAccepted, "RNTO d.exe")
		c.Cmd(350, "RNFR d.exe.txt")
		c.Cmd(250, "RNTO d.txt")
		if srv.readFile(t, "alice/d.txt") != "fine" || srv.exists("alice/a.exe") || srv.exists("alice/d.exe") {
			t.Error("the tree is not as the replies say")
		}
	})

	big := strings.Repeat("x", 8<<20+1)
	t.Run("big uploads are held", func(t *testing.T) {
		c := c.On(t)
		c.Store("limit.bin", big[1:])
		if got := c.Retrieve("RETR limit.bin"); len(got) != 8<<20 {
			t.Errorf("RETR limit.bin: %d bytes", len(got))
		}
		c.Store("big.bin", big)
		c.EPSV()
		c.Is(550, held, "RETR big.bin")
		c.Is(213, "8388609", "SIZE big.bin")
		c.Is(550, noRenaming, "RNFR d.txt")
		c.Is(550, "Only an administrator may release files.", "SITE RELEASE big.bin")
		c.Store("big.bin", "small") // replacing a held file does not release it
		c.EPSV()
		c.Is(550, held, "RETR big.bin")
	})

	t.Run("pieces are held", func(t *testing.T) {
		c := c.On(t)
		c.Store("p.bin", "ab")
		dc := c.EPSV()
		c.Cmd(150, "APPE p.bin")
		io.WriteString(dc, "c")
		dc.Close()
		c.Expect(226)
		c.EPSV()
		c.Is(550, held, "RETR p.bin")

		c.Store("r.bin", "abc")
		c.Cmd(350, "REST 3")
		c.Store("r.bin", "def")
		c.EPSV()
		c.Is(550, held, "RETR r.bin")
		if got := srv.readFile(t, "alice/r.bin"); got != "abcdef" {
			t.Errorf("alice/r.bin = %q", got)
		}

		c.Cmd(350, "REST 8388607")
		if got := c.Retrieve("RETR limit.bin"); got != "x" {
			t.Errorf("RETR limit.bin from 8388607 = %q", got)
		}
		c.Store("s.bin", "whole") // the REST went to the RETR
		if got := c.Retrieve("RETR s.bin"); got != "whole" {
			t.Errorf("RETR s.bin = %q", got)
		}
	})

	t.Run("an administrator releases and renames", func(t *testing.T) {
		a := a.On(t)
		c := c.On(t)
		if !strings.Contains(c.Cmd(214, "SITE HELP"), "RELEASE path: let a held upload be downloaded") {
			t.Error("SITE HELP lacks RELEASE")
		}
		a.Cmd(350, "RNFR /alice/d.txt")
		a.Cmd(250, "RNTO /alice/e.txt")
		a.Is(550, "That file is not held.", "SITE RELEASE /alice/limit.bin")
		a.Cmd(250, "CWD /alice")
		a.Is(200, "Released.", "SITE RELEASE big.bin")
		a.Is(550, "That file is not held.", "SITE RELEASE big.bin")
		if got := c.Retrieve("RETR big.bin"); got != "small" {
			t.Errorf("RETR big.bin = %q", got)
		}
	})

	t.Run("DELE ends a hold", func(t *testing.T) {
		c := c.On(t)
		c.Cmd(250, "DELE p.bin")
		c.Is(550, noRenaming, "RNFR e.txt") // r.bin is still held
		c.Cmd(250, "DELE r.bin")
		// A file put in place without an upload event: only DELE freed the name.
		writeFile(t, srv.Root+"/alice/p.bin", "new")
		if got := c.Retrieve("RETR p.bin"); got != "new" {
			t.Errorf("RETR p.bin = %q", got)
		}
		c.Cmd(350, "RNFR e.txt")
		c.Cmd(250, "RNTO f.txt")
	})
}
