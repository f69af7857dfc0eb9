package core

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
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

// linkTree serves a folder holding a file, a folder and symlinks of every
// kind, each relative link the way its folder reads it:
//
//	a.txt                      "hello"
//	sub/b.txt                  "deep"
//	sub/up      -> ..          (the parent folder: a loop for a client that follows)
//	to-file     -> a.txt
//	to-dir      -> sub
//	hop         -> sub/../a.txt
//	abs-in      -> ROOT/sub    (absolute, inside the root's host path)
//	climb       -> ../root/a.txt (climbs above the root, then back in)
//	out         -> ../outside  (out of the root)
//	out-abs     -> OUTSIDE/secret
//	broken      -> missing
func linkTree(t *testing.T, configure ...func(*Server)) (*testServer, string) {
	t.Helper()
	base := t.TempDir()
	root, outside := filepath.Join(base, "root"), filepath.Join(base, "outside")
	mustDo(t, os.MkdirAll(filepath.Join(root, "sub"), 0o755))
	mustDo(t, os.MkdirAll(outside, 0o755))
	mustDo(t, os.Chmod(filepath.Join(root, "sub"), 0o755))
	for name, data := range map[string]string{"a.txt": "hello", "sub/b.txt": "deep", "../outside/secret": "s"} {
		p := filepath.Join(root, filepath.FromSlash(name))
		mustDo(t, os.WriteFile(p, []byte(data), 0o644))
		mustDo(t, os.Chmod(p, 0o644))
	}
	for name, text := range map[string]string{
		"sub/up": "..", "to-file": "a.txt", "to-dir": "sub", "hop": "sub/../a.txt",
		"abs-in": filepath.Join(root, "sub"), "climb": "../root/a.txt", "out": "../outside",
		"out-abs": filepath.Join(outside, "secret"), "broken": "missing",
	} {
		if err := os.Symlink(text, filepath.Join(root, filepath.FromSlash(name))); err != nil {
			t.Skip("no symlinks here:", err)
		}
	}
	local, err := vfs.NewLocal(root)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { local.Close() })
	return startServer(t, append([]func(*Server){func(s *Server) { s.FS = local }}, configure...)...), root
}

// wantLsLine is the LIST line of the name (below root on disk) shown as
// shown, with mode and size as given and the date it has on disk.
func wantLsLine(t *testing.T, root, name, mode string, size int, shown string) string {
	t.Helper()
	fi, err := os.Lstat(filepath.Join(root, filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%s 1 ftp ftp %12d %s %s", mode, size, fi.ModTime().UTC().Format("Jan _2 15:04"), shown)
}

// TestLISTShowsLinks: LIST lists every symlink as a link, "lrwxrwxrwx",
// its size the length of its text, and "name -> text" only when the text
// is relative and stays inside the root: never a host path, nor what lies
// above the root, nor the text of a broken link.
func TestLISTShowsLinks(t *testing.T) {
	ts, root := linkTree(t)
	c := ts.loginAlice(t)
	const link = "lrwxrwxrwx"
	subSize := func() int {
		fi, err := os.Stat(filepath.Join(root, "sub"))
		mustDo(t, err)
		return int(fi.Size())
	}()
	lines := []string{
		wantLsLine(t, root, "a.txt", "-rw-r--r--", 5, "a.txt"),
		wantLsLine(t, root, "abs-in", link, len(filepath.Join(root, "sub")), "abs-in"),
		wantLsLine(t, root, "broken", link, 7, "broken"),
		wantLsLine(t, root, "climb", link, 13, "climb"),
		wantLsLine(t, root, "hop", link, 12, "hop -> sub/../a.txt"),
		wantLsLine(t, root, "out", link, 10, "out"),
		wantLsLine(t, root, "out-abs", link, len(filepath.Join(filepath.Dir(root), "outside", "secret")), "out-abs"),
		wantLsLine(t, root, "sub", "drwxr-xr-x", subSize, "sub"),
		wantLsLine(t, root, "to-dir", link, 3, "to-dir -> sub"),
		wantLsLine(t, root, "to-file", link, 5, "to-file -> a.txt"),
	}
	if got, want := c.retrieve("LIST"), strings.Join(lines, "\r\n")+"\r\n"; got != want {
		t.Errorf("LIST:\n got %q\nwant %q", got, want)
	}
	subLines := wantLsLine(t, root, "sub/b.txt", "-rw-r--r--", 4, "b.txt") + "\r\n" +
		wantLsLine(t, root, "sub/up", link, 2, "up -> ..") + "\r\n"
	named := map[string]string{
		"LIST sub": subLines,
		// a link to a folder named is followed, as `ls -l to-dir/` and other servers do
		"LIST to-dir":    subLines,
		"LIST -d to-dir": lines[8] + "\r\n",
		"LIST to-file":   lines[9] + "\r\n",
		"LIST out":       lines[5] + "\r\n",
		"LIST broken":    lines[2] + "\r\n",
		"LIST t*":        lines[8] + "\r\n" + lines[9] + "\r\n",
		"NLST":           "a.txt\r\nabs-in\r\nbroken\r\nclimb\r\nhop\r\nout\r\nout-abs\r\nsub\r\nto-dir\r\nto-file\r\n",
	}
	for cmd, want := range named {
		if got := c.retrieve("%s", cmd); got != want {
			t.Errorf("%s:\n got %q\nwant %q", cmd, got, want)
		}
	}
	got := c.cmd(212, "STAT sub")
	if want := " " + strings.ReplaceAll(strings.TrimSuffix(subLines, "\r\n"), "\r\n", "\n "); !strings.Contains(got, want) {
		t.Errorf("STAT sub: %q, want it to hold %q", got, want)
	}
	if got, want := c.cmd(213, "STAT to-file"), "Status of /to-file:\n "+lines[9]+"\nEnd of status."; got != want {
		t.Errorf("STAT to-file: %q, want %q", got, want)
	}
	// a pattern's first match is read ahead (to answer 450 for none), and
	// still shows its target
	if got, want := c.cmd(213, "STAT t*"), "Status of /t*:\n "+lines[8]+"\n "+lines[9]+"\nEnd of status."; got != want {
		t.Errorf("STAT t*: %q, want %q", got, want)
	}
}

// TestMLSDShowsLinks: MLSD and MLST give every symlink type=OS.unix=symlink
// (the only link type lftp reads; FileZilla reads it too), no size, the
// link's own time, mode and identity, and perm "df" (DELE and RNFR act on
// the link), "" for a user who may not write.
func TestMLSDShowsLinks(t *testing.T) {
	ts, root := linkTree(t, func(s *Server) { s.Anonymous = true })
	facts := func(name, perm string) string {
		fi, err := os.Lstat(filepath.Join(root, filepath.FromSlash(name)))
		mustDo(t, err)
		return "type=OS.unix=symlink;modify=" + fi.ModTime().UTC().Format("20060102150405") +
			";perm=" + perm + ";unique=" + uniqueFact("/"+name, fi) + ";unix.mode=0777;"
	}
	for _, user := range []struct{ name, perm string }{{testUser, "df"}, {"anonymous", ""}} {
		c := ts.login(t, user.name, testPass)
		got := c.retrieve("MLSD")
		for _, name := range []string{"abs-in", "broken", "climb", "hop", "out", "out-abs", "to-dir", "to-file"} {
			if want := "\r\n" + facts(name, user.perm) + " " + name + "\r\n"; !strings.Contains(got, want) {
				t.Errorf("%s: MLSD: %q\nwant it to hold %q", user.name, got, want)
			}
		}
		if strings.Count(got, "type=OS.unix=symlink;") != 8 || !strings.Contains(got, "\r\ntype=dir;") {
			t.Errorf("%s: MLSD: %q", user.name, got)
		}
		if got, want := c.retrieve("MLSD to-dir"), facts("sub/up", user.perm)+" up\r\n"; !strings.HasSuffix(got, want) {
			t.Errorf("%s: MLSD to-dir: %q, want it to end %q", user.name, got, want)
		}
		for _, name := range []string{"to-dir", "out", "broken"} {
			want := "Listing /" + name + "\n " + facts(name, user.perm) + " /" + name + "\nEnd"
			if got := c.cmd(250, "MLST %s", name); got != want {
				t.Errorf("%s: MLST %s: %q, want %q", user.name, name, got, want)
			}
		}
		c.Is(501, "MLSD needs a folder; use MLST for a file.", "MLSD to-file")
		c.Is(550, "Permission denied.", "MLSD out")
		c.Is(550, "No such file or directory.", "MLSD broken")
	}
}

// TestLinksInsideAreFollowed: CWD, RETR, SIZE, MDTM and STOR go through a
// link that stays inside the root; through one that leaves it (or is
// absolute) they answer 550.
func TestLinksInsideAreFollowed(t *testing.T) {
	ts, root := linkTree(t)
	c := ts.loginAlice(t)
	fi, err := os.Stat(filepath.Join(root, "a.txt"))
	mustDo(t, err)
	c.Is(213, "5", "SIZE to-file")
	c.Is(213, "5", "SIZE hop")
	c.Is(213, fi.ModTime().UTC().Format("20060102150405"), "MDTM to-file")
	if got := c.retrieve("RETR to-file"); got != "hello" {
		t.Errorf("RETR to-file: %q", got)
	}
	c.store("to-dir/new", "new")
	if data, err := os.ReadFile(filepath.Join(root, "sub", "new")); err != nil || string(data) != "new" {
		t.Errorf("STOR to-dir/new: %q, %v", data, err)
	}
	c.cmd(250, "CWD to-dir/up/sub/up/to-dir")
	if got := c.retrieve("RETR b.txt"); got != "deep" {
		t.Errorf("RETR b.txt through the links: %q", got)
	}
	c.cmd(250, "CWD /")
	for _, cmd := range []string{"CWD out", "CWD abs-in", "SIZE out-abs", "SIZE climb", "MDTM climb", "RETR out/secret", "SIZE abs-in/b.txt"} {
		if code, _ := c.send("%s", cmd); code != 550 {
			t.Errorf("%s: %d, want 550", cmd, code)
		}
	}
	c.pasv()
	c.Is(553, "Permission denied.", "STOR out/new")
	if _, err := os.Lstat(filepath.Join(filepath.Dir(root), "outside", "new")); !os.IsNotExist(err) {
		t.Errorf("STOR through a leaving link wrote outside: %v", err)
	}
}
