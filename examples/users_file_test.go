package examples_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// TestUsersFile runs users-file/10-users-file.lua with the shipped
// data/users.txt.
func TestUsersFile(t *testing.T) {
	t.Parallel()
	srv := startExample(t, "users-file", setup{
		// erin is also a built-in user: once the script refuses her, the
		// built-in users must not be asked.
		users: map[string]string{"carol": "built-in", "erin": "builder"},
		dirs:  []string{"users/alice", "bob"},
		files: map[string]string{"bob/plan.txt": "bob's plan\n", "top.txt": "top\n"},
	})

	t.Run("alice is kept in her root", func(t *testing.T) {
		fc := srv.ftpClient(t, "alice", "wonderland")
		if err := fc.Stor("a.txt", bytes.NewBufferString("alice data")); err != nil {
			t.Fatal(err)
		}
		if got := srv.readFile(t, "users/alice/a.txt"); got != "alice data" {
			t.Errorf("users/alice/a.txt = %q", got)
		}
		r, err := fc.Retr("a.txt")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r)
		r.Close()
		if string(b) != "alice data" {
			t.Errorf("RETR a.txt = %q", b)
		}
		_, err = fc.Retr("/../../bob/plan.txt")
		if code := ftpCode(err); code != 550 {
			t.Errorf("RETR outside the root: %v, want 550", err)
		}
		names, err := fc.NameList("/")
		if err != nil || len(names) != 1 || filepath.Base(names[0]) != "a.txt" {
			t.Errorf("NLST / = %q, %v; want only a.txt", names, err)
		}
	})

	t.Run("a line without a root gets /NAME", func(t *testing.T) {
		c := srv.login(t, "bob", "builder")
		if got := c.Retrieve("RETR plan.txt"); got != "bob's plan\n" {
			t.Errorf("RETR plan.txt = %q", got)
		}
		c.Cmd(550, "SIZE /top.txt")
	})

	// The shipped hashes cost 10, a second each under -race: the other
	// cases use users added at the lowest cost.
	addUser(t, srv, "erin", "pw", "/users/alice")
	addUser(t, srv, "dave", "pw", "")

	t.Run("a wrong password is refused", func(t *testing.T) {
		c := srv.dial(t)
		c.Cmd(331, "USER erin")
		c.Cmd(530, "PASS builder")
		c.Cmd(331, "USER dave")
		c.Cmd(530, "PASS ")
		c.Cmd(331, "USER erin")
		c.Cmd(230, "PASS pw")
	})

	t.Run("other names go to the next provider", func(t *testing.T) {
		c := srv.login(t, "carol", "built-in")
		c.Cmd(257, "PWD")
		c = srv.dial(t)
		c.Cmd(331, "USER mallory")
		c.Cmd(530, "PASS wonderland")
	})

	t.Run("a new line counts without a reload", func(t *testing.T) {
		addUser(t, srv, "frank", "pw", "/users")
		c := srv.login(t, "frank", "pw")
		if got := c.Retrieve("NLST"); got != "alice\r\n" {
			t.Errorf("NLST = %q", got)
		}
	})

	t.Run("a missing file is logged and passes every name on", func(t *testing.T) {
		if err := os.Remove(filepath.Join(srv.Scripts, "data", "users.txt")); err != nil {
			t.Fatal(err)
		}
		srv.login(t, "carol", "built-in")
		if len(srv.Logs.Records(t, "cannot read the users file")) != 1 {
			t.Errorf("no log line for the missing file:\n%s", srv.Logs)
		}
	})
}

// addUser appends a line for name to the users file the server reads, with
// spaces and a comment around it, as people write them.
func addUser(t *testing.T, srv *server, name, password, root string) {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(filepath.Join(srv.Scripts, "data", "users.txt"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	line := name + ":" + string(hash)
	if root != "" {
		line += ":" + root
	}
	if _, err := f.WriteString("\n  # " + name + "\n " + line + " \n"); err != nil {
		t.Fatal(err)
	}
}
