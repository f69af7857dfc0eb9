package core

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/luaftpd/luaftpd/vfs"
)

// New names with control characters are refused (550, or 553 where RFC 959
// has no 550); names holding a CR or LF made by other means are left out of
// data listings, where they would split into lines naming other entries.
func TestControlCharactersInNames(t *testing.T) {
	ts := startServer(t)
	ts.putFile(t, "/f", "x")
	ts.putFile(t, "/evil\r\n213 fake", "x")
	c := ts.loginAlice(t)
	for _, tc := range []struct {
		line string
		code int
	}{
		{"MKD bin\x01\x02\x7f", 550},
		{"MKD cr\rx", 550},
		{"STOR tab\tname", 553},
		{"APPE bell\a", 550},
		{"STOU esc\x1b", 553},
	} {
		c.pasv()
		if code, msg := c.send("%s", tc.line); code != tc.code || msg != "File name not allowed: control characters." {
			t.Errorf("%q: %d %q, want %d", tc.line, code, msg, tc.code)
		}
		c.cmd(226, "ABOR")
	}
	c.cmd(350, "RNFR f")
	c.cmd(553, "RNTO g\x7f")
	c.cmd(257, "MKD ok dir é")
	for _, list := range []string{"LIST", "NLST", "MLSD"} {
		got := c.retrieve("%s", list)
		if strings.Contains(got, "evil") || strings.Contains(got, "fake") || !strings.Contains(got, "ok dir é") {
			t.Errorf("%s: %q", list, got)
		}
	}
	if entries, _ := ts.Mem.ReadDir(t.Context(), "/"); len(entries) != 3 {
		t.Errorf("the tree holds %d entries, want f, the evil one and ok dir é", len(entries))
	}
}

// SITE CHMOD takes permission bits only, which is all a backend sets;
// unix.mode has four digits; too long a name is "not allowed", not
// "permission denied".
func TestModesAndLongNames(t *testing.T) {
	ts := startServer(t)
	ts.putFile(t, "/f", "x")
	c := ts.loginAlice(t)
	c.cmd(501, "SITE CHMOD 4755 f")
	c.cmd(200, "SITE CHMOD 0 f")
	if msg := c.cmd(250, "MLST f"); !strings.Contains(msg, ";unix.mode=0000;") {
		t.Errorf("MLST after SITE CHMOD 0: %q", msg)
	}
	long := strings.Repeat("x", 300)
	if code, msg := c.send("MKD %s", long); code != 550 || msg != "File name not allowed." {
		t.Errorf("MKD of a long name: %d %q", code, msg)
	}
	c.pasv()
	if code, msg := c.send("STOR %s", long); code != 553 || msg != "File name not allowed." {
		t.Errorf("STOR of a long name: %d %q", code, msg)
	}
}

// A symlink that leads out of the root is listed as a symlink, which may
// be deleted and renamed (DELE and RNFR act on the link), not as a
// readable file.
func TestEscapingSymlinkFacts(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "f"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "out")); err != nil {
		t.Skip("no symlinks here:", err)
	}
	local, err := vfs.NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { local.Close() })
	ts := startServer(t, func(s *Server) { s.FS = local })
	c := ts.loginAlice(t)
	got := c.retrieve("MLSD")
	for _, line := range strings.Split(strings.TrimSuffix(got, "\r\n"), "\r\n") {
		switch {
		case strings.HasSuffix(line, " out"):
			if !strings.HasPrefix(line, "type=OS.unix=symlink;") || !strings.Contains(line, ";perm=df;") || strings.Contains(line, "size=") {
				t.Errorf("escaping link: %q", line)
			}
		case strings.HasSuffix(line, " f"):
			if !strings.HasPrefix(line, "type=file;size=1;") || !strings.Contains(line, ";perm=adfrw;") {
				t.Errorf("file: %q", line)
			}
		}
	}
}
