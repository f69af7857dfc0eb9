package core

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/luaftpd/luaftpd/vfs"
)

// TestLinksOutOfTheRootActOnTheLink serves a folder holding symlinks that
// point out of it. DELE and RNFR/RNTO act on such a link itself (it is a
// name inside the root), RMD refuses it as not a folder, and nothing
// outside the root changes.
func TestLinksOutOfTheRootActOnTheLink(t *testing.T) {
	base := t.TempDir()
	root, outside := filepath.Join(base, "root"), filepath.Join(base, "outside")
	for _, d := range []string{root, filepath.Join(outside, "dir")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	secret := filepath.Join(outside, "secret.txt")
	kept := filepath.Join(outside, "dir", "kept.txt")
	for _, f := range []string{secret, kept} {
		if err := os.WriteFile(f, []byte("keep"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	links := map[string]string{
		"out-file": "../outside/secret.txt",
		"out-abs":  secret,
		"out-ren":  "../outside/secret.txt",
		"out-dir":  "../outside/dir",
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			t.Skip("no symlinks here:", err)
		}
	}
	local, err := vfs.NewLocal(root)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { local.Close() })
	ts := startServer(t, func(s *Server) { s.FS = local })
	c := ts.loginAlice(t)

	for _, step := range []struct {
		code int
		msg  string
		cmd  string
	}{
		{550, "Permission denied.", "SIZE out-file"},
		{250, "File deleted.", "DELE out-file"},
		{250, "File deleted.", "DELE /out-abs"},
		{350, "Ready for RNTO.", "RNFR out-ren"},
		{250, "Rename successful.", "RNTO renamed"},
		{550, "Not a directory.", "RMD out-dir"},
		{250, "File deleted.", "DELE out-dir"},
	} {
		if code, msg := c.send("%s", step.cmd); code != step.code || msg != step.msg {
			t.Errorf("%s: %d %q, want %d %q", step.cmd, code, msg, step.code, step.msg)
		}
	}
	for _, name := range []string{"out-file", "out-abs", "out-ren", "out-dir"} {
		if _, err := os.Lstat(filepath.Join(root, name)); !os.IsNotExist(err) {
			t.Errorf("%s still there: %v", name, err)
		}
	}
	if target, err := os.Readlink(filepath.Join(root, "renamed")); err != nil || target != "../outside/secret.txt" {
		t.Errorf("renamed: %q, %v; want the link itself, moved", target, err)
	}
	for _, f := range []string{secret, kept} {
		if data, err := os.ReadFile(f); err != nil || string(data) != "keep" {
			t.Errorf("%s outside the root: %q, %v", f, data, err)
		}
	}
}
