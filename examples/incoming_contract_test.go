package examples_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestIncomingRewritePathAfterArgs names bob's drop box, as alice, with the
// commands that name a path after other arguments, or list over the control
// connection: HOOKS.md gives each command that names a path its ev.path, so
// the script rewrites these too into alice's own box, where nothing of bob's
// is. (The other commands are in TestIncomingRewrite.)
func TestIncomingRewritePathAfterArgs(t *testing.T) {
	t.Parallel()
	srv := startExample(t, "incoming-rewrite", setup{
		users: map[string]string{"alice": "a"},
		dirs:  []string{"incoming/alice", "incoming/bob"},
		files: map[string]string{"incoming/bob/secret.txt": "bob's\n"},
	})
	secret := filepath.Join(srv.Root, "incoming", "bob", "secret.txt")
	mtime := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	if err := os.Chtimes(secret, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	c := srv.login(t, "alice", "a")
	for cmd, want := range map[string]int{
		"STAT /incoming/bob": 450, "STAT /incoming/bob/secret.txt": 450, // STAT has no 550 in RFC 959
		"MFMT 20200101000000 /incoming/bob/secret.txt": 550,
		"SITE CHMOD 600 /incoming/bob/secret.txt":      550,
	} {
		if code, msg := c.Send("%s", cmd); code != want || msg != "No such file or directory." {
			t.Errorf("%s: %d %q, want %d \"No such file or directory.\"", cmd, code, msg, want)
		}
	}
	fi, err := os.Stat(secret)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o644 || !fi.ModTime().Equal(mtime) {
		t.Errorf("bob's file changed: mode %v, mtime %v", fi.Mode(), fi.ModTime())
	}
}
