package examples_test

import (
	"testing"
)

// TestReadonlyHome runs readonly-home/10-accounts.lua with its demo
// accounts.
func TestReadonlyHome(t *testing.T) {
	t.Parallel()
	srv := startExample(t, "readonly-home", setup{
		users: map[string]string{"carol": "built-in"},
		dirs:  []string{"home/alice", "public", "reports"},
		files: map[string]string{"public/readme.txt": "read me\n", "reports/q3.txt": "q3\n"},
	})

	t.Run("alice writes, starting in her home", func(t *testing.T) {
		c := srv.login(t, "alice", "wonderland")
		c.Is(257, `"/home/alice" is the current directory.`, "PWD")
		c.Store("notes.txt", "mine")
		c.Cmd(257, "MKD /public/new")
		if srv.readFile(t, "home/alice/notes.txt") != "mine" || !srv.exists("public/new") {
			t.Error("alice's writes are not in the tree")
		}
	})

	t.Run("guest reads /public only", func(t *testing.T) {
		c := srv.login(t, "guest", "guest-pass")
		c.Is(257, `"/" is the current directory.`, "PWD")
		if got := c.Retrieve("NLST"); got != "new\r\nreadme.txt\r\n" {
			t.Errorf("NLST = %q", got)
		}
		if got := c.Retrieve("RETR readme.txt"); got != "read me\n" {
			t.Errorf("RETR readme.txt = %q", got)
		}
		c.EPSV()
		c.Is(553, "Permission denied.", "STOR x.txt") // STOR and STOU have no 550 in RFC 959
		c.EPSV()
		c.Cmd(550, "APPE readme.txt")
		c.Cmd(550, "DELE readme.txt")
		c.Cmd(550, "MKD dir")
		c.Cmd(550, "RMD new")
		c.Cmd(550, "RNFR readme.txt")
		c.Cmd(550, "SITE CHMOD 600 readme.txt")
		c.Cmd(550, "MFMT 20200101000000 readme.txt")
		c.EPSV()
		c.Cmd(553, "STOU")
		c.Cmd(250, "CWD ..")
		c.Is(257, `"/" is the current directory.`, "PWD")
		c.Cmd(550, "SIZE /reports/q3.txt")
		if srv.exists("public/x.txt") || !srv.exists("public/new") || !srv.exists("public/readme.txt") {
			t.Error("guest changed the tree")
		}
	})

	t.Run("auditor reads everything, starting in /reports", func(t *testing.T) {
		c := srv.login(t, "auditor", "lookbutdonttouch")
		c.Is(257, `"/reports" is the current directory.`, "PWD")
		if got := c.Retrieve("RETR /home/alice/notes.txt"); got != "mine" {
			t.Errorf("RETR = %q", got)
		}
		c.EPSV()
		c.Cmd(553, "STOR q4.txt")
		c.Cmd(550, "DELE q3.txt")
	})

	t.Run("wrong passwords and other names", func(t *testing.T) {
		c := srv.dial(t)
		c.Cmd(331, "USER guest")
		c.Cmd(530, "PASS wonderland")
		srv.login(t, "carol", "built-in")
	})
}
