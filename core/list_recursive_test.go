package core

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/luaftpd/luaftpd/core/ftptest"
)

// treeFixture is a small tree with hidden names, every time set to one old
// date so that LIST lines are exact:
//
//	/top/a.txt  /top/.env  /top/.git/config  /top/empty/
//	/top/sub/b.txt  /top/sub/deep/c.txt
func treeFixture(t *testing.T, configure ...func(*Server)) (*testServer, *ftpConn) {
	ts := startServer(t, configure...)
	for _, d := range []string{"/top", "/top/.git", "/top/empty", "/top/sub", "/top/sub/deep"} {
		ts.mkdir(t, d)
	}
	files := map[string]string{"/top/a.txt": "abc", "/top/.env": "x", "/top/.git/config": "cfg",
		"/top/sub/b.txt": "bb", "/top/sub/deep/c.txt": "c"}
	for p, data := range files {
		ts.putFile(t, p, data)
	}
	old := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, p := range []string{"/", "/top", "/top/.git", "/top/empty", "/top/sub", "/top/sub/deep"} {
		files[p] = ""
	}
	for p := range files {
		if err := ts.Mem.Chtimes(t.Context(), p, old); err != nil {
			t.Fatal(err)
		}
	}
	return ts, ts.loginAlice(t)
}

// The lines of treeFixture's listings.
const (
	lsDot    = "drwxr-xr-x 1 ftp ftp            0 Jan  2  2020 .\r\n"
	lsDotDot = "drwxr-xr-x 1 ftp ftp            0 Jan  2  2020 ..\r\n"
	lsEnv    = "-rw-r--r-- 1 ftp ftp            1 Jan  2  2020 .env\r\n"
	lsGit    = "drwxr-xr-x 1 ftp ftp            0 Jan  2  2020 .git\r\n"
	lsConfig = "-rw-r--r-- 1 ftp ftp            3 Jan  2  2020 config\r\n"
	lsA      = "-rw-r--r-- 1 ftp ftp            3 Jan  2  2020 a.txt\r\n"
	lsEmpty  = "drwxr-xr-x 1 ftp ftp            0 Jan  2  2020 empty\r\n"
	lsSub    = "drwxr-xr-x 1 ftp ftp            0 Jan  2  2020 sub\r\n"
	lsB      = "-rw-r--r-- 1 ftp ftp            2 Jan  2  2020 b.txt\r\n"
	lsDeep   = "drwxr-xr-x 1 ftp ftp            0 Jan  2  2020 deep\r\n"
	lsC      = "-rw-r--r-- 1 ftp ftp            1 Jan  2  2020 c.txt\r\n"
)

// TestLISTRecursive: LIST -R lists as `ls -lR` does, in ProFTPD's form:
// the folder's entries, then each sub-folder depth first behind an empty
// line and "name:", named as the client named the top folder. Dot names
// are neither listed nor entered without -a or -A; -a gives each folder
// its "." and "..".
func TestLISTRecursive(t *testing.T) {
	_, c := treeFixture(t)
	top := lsA + lsEmpty + lsSub +
		"\r\ntop/empty:\r\n" +
		"\r\ntop/sub:\r\n" + lsB + lsDeep +
		"\r\ntop/sub/deep:\r\n" + lsC
	all := lsDot + lsDotDot + lsEnv + lsGit + lsA + lsEmpty + lsSub +
		"\r\ntop/.git:\r\n" + lsDot + lsDotDot + lsConfig +
		"\r\ntop/empty:\r\n" + lsDot + lsDotDot +
		"\r\ntop/sub:\r\n" + lsDot + lsDotDot + lsB + lsDeep +
		"\r\ntop/sub/deep:\r\n" + lsDot + lsDotDot + lsC
	almost := lsEnv + lsGit + lsA + lsEmpty + lsSub +
		"\r\ntop/.git:\r\n" + lsConfig +
		"\r\ntop/empty:\r\n" +
		"\r\ntop/sub:\r\n" + lsB + lsDeep +
		"\r\ntop/sub/deep:\r\n" + lsC
	for _, tc := range []struct{ cmd, want string }{
		{"LIST -R top", top},
		{"LIST -lR top", top},
		{"LIST -l -R top/", top},
		{"LIST -Ra top", all},
		{"LIST -aR top", all},
		{"LIST -laR top", all},
		{"LIST -AR top", almost},
		{"LIST -R /top/sub", lsB + lsDeep + "\r\n/top/sub/deep:\r\n" + lsC},
		{"LIST -R top/sub/deep", lsC},
		{"LIST -R top/a.txt", lsA},
		{"LIST -Rd top", "drwxr-xr-x 1 ftp ftp            0 Jan  2  2020 top\r\n"},
		{"LIST -R top/s*", lsSub + "\r\ntop/sub:\r\n" + lsB + lsDeep + "\r\ntop/sub/deep:\r\n" + lsC},
		{"LIST -R top/*.none", ""},
		{"NLST -R top", "top/a.txt\r\ntop/empty\r\ntop/sub\r\n"}, // NLST: one level, as ProFTPD
	} {
		if got := c.retrieve("%s", tc.cmd); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.cmd, got, tc.want)
		}
	}
	c.cmd(250, "CWD /top")
	want := lsA + lsEmpty + lsSub + "\r\nempty:\r\n" + "\r\nsub:\r\n" + lsB + lsDeep + "\r\nsub/deep:\r\n" + lsC
	for _, cmd := range []string{"LIST -R", "LIST -R .", "LIST -lR ./"} {
		if got := c.retrieve("%s", cmd); got != want {
			t.Errorf("%s:\n got %q\nwant %q", cmd, got, want)
		}
	}
	c.cmd(250, "CWD sub")
	if got := c.retrieve("LIST -R .."); !strings.HasPrefix(got, lsA) || !strings.Contains(got, "\r\n../sub/deep:\r\n"+lsC) {
		t.Errorf("LIST -R ..: %q", got)
	}
	if got := c.retrieve("LIST -R /"); !strings.HasSuffix(got, "\r\n/top/sub/deep:\r\n"+lsC) {
		t.Errorf("LIST -R /: %q", got)
	}
	c.cmd(450, "LIST -R missing")
	c.Is(212, "Status of /top:\n "+
		strings.ReplaceAll(strings.TrimSuffix(lsDot+lsDotDot+lsEnv+lsGit+lsA+lsEmpty+lsSub, "\r\n"), "\r\n", "\n ")+
		"\nEnd of status.", "STAT -R /top") // STAT lists one level
}

// lowerListBounds sets the recursive listing's bounds for one test. Call
// it before startServer: the server's goroutines then see the new values,
// and the old ones come back after the server is closed.
func lowerListBounds(t *testing.T, entries, depth int) {
	oldEntries, oldDepth := maxListEntries, maxListDepth
	t.Cleanup(func() { maxListEntries, maxListDepth = oldEntries, oldDepth })
	maxListEntries, maxListDepth = entries, depth
}

// TestLISTRecursiveEntryBound: a recursive listing stops at
// maxListEntries lines and answers 451, not 226, so that no client takes
// the part for the whole; exactly the bound is still a whole listing.
func TestLISTRecursiveEntryBound(t *testing.T) {
	lowerListBounds(t, 5, 32)
	_, c := treeFixture(t)
	c.retrieveCut("LIST -R top", "Listing stopped at 5 entries; list the sub-folders one by one.",
		lsA+lsEmpty+lsSub+"\r\ntop/empty:\r\n"+"\r\ntop/sub:\r\n"+lsB+lsDeep)
	// six entries without the deep folder's own: exactly within the bound
	lowerListBounds(t, 6, 32)
	_, c = treeFixture(t)
	if got := c.retrieve("LIST -R top"); !strings.HasSuffix(got, "\r\ntop/sub/deep:\r\n"+lsC) {
		t.Errorf("listing at the bound: %q", got)
	}
	// a plain LIST has no such bound
	lowerListBounds(t, 1, 32)
	_, c = treeFixture(t)
	if got := c.retrieve("LIST top"); got != lsA+lsEmpty+lsSub {
		t.Errorf("LIST: %q", got)
	}
}

// TestLISTRecursiveDepthBound: folders more than maxListDepth levels below
// the one named are left out (the rest is listed) and the reply is 451.
func TestLISTRecursiveDepthBound(t *testing.T) {
	lowerListBounds(t, 100, 1)
	_, c := treeFixture(t)
	c.retrieveCut("LIST -R top", "Folders more than 1 levels down were left out of the listing.",
		lsA+lsEmpty+lsSub+"\r\ntop/empty:\r\n"+"\r\ntop/sub:\r\n"+lsB+lsDeep)
	if got := c.retrieve("LIST -R top/sub"); got != lsB+lsDeep+"\r\ntop/sub/deep:\r\n"+lsC {
		t.Errorf("one level: %q", got)
	}
}

// TestLISTRecursiveDefaultDepth: the shipped depth bound, on a chain of
// folders one deeper than it.
func TestLISTRecursiveDefaultDepth(t *testing.T) {
	ts := startServer(t)
	p := ""
	for range maxListDepth + 1 {
		p += "/d"
		ts.mkdir(t, p)
	}
	c := ts.loginAlice(t)
	got := c.retrieveCut("LIST -R /", fmt.Sprintf("Folders more than %d levels down were left out of the listing.", maxListDepth), "")
	deepest := "\r\n" + strings.Repeat("/d", maxListDepth) + ":\r\ndrwxr-xr-x "
	if strings.Count(got, ":\r\n") != maxListDepth || !strings.Contains(got, deepest) || !strings.HasSuffix(got, " d\r\n") {
		t.Errorf("LIST -R of a chain of %d folders: %q", maxListDepth+1, got)
	}
}

// retrieveCut runs a listing command that is cut short: 150, the data
// read to their end, then 451 with the text msg. It checks the data
// against want unless want is "", and returns them.
func (c *ftpConn) retrieveCut(cmd, msg, want string) string {
	c.T.Helper()
	dc := c.pasv()
	c.cmd(150, "%s", cmd)
	data, err := io.ReadAll(dc)
	if err != nil {
		c.T.Fatal(err)
	}
	if got := c.expect(451); got != msg {
		c.T.Errorf("%s: reply %q, want %q", cmd, got, msg)
	}
	if want != "" && string(data) != want {
		c.T.Errorf("%s: cut listing:\n got %q\nwant %q", cmd, data, want)
	}
	return string(data)
}

// TestLISTRecursiveSymlinks: a recursive listing never enters a symbolic
// link, to a folder inside (no loop, no second copy) or out of the root;
// the links are listed as LIST lists them, as links. The same for a read-only user,
// whose storage is wrapped.
func TestLISTRecursiveSymlinks(t *testing.T) {
	ts, dir := startLocalServer(t, func(s *Server) { s.Anonymous = true })
	outside := t.TempDir()
	mustDo(t, os.MkdirAll(filepath.Join(dir, "top", "sub"), 0o755))
	mustDo(t, os.WriteFile(filepath.Join(dir, "top", "sub", "f"), []byte("f"), 0o644))
	mustDo(t, os.WriteFile(filepath.Join(outside, "secret"), []byte("s"), 0o644))
	mustDo(t, os.Symlink("sub", filepath.Join(dir, "top", "link")))     // a folder inside
	mustDo(t, os.Symlink("..", filepath.Join(dir, "top", "sub", "up"))) // a loop
	mustDo(t, os.Symlink(outside, filepath.Join(dir, "top", "out")))    // out of the root
	for _, user := range []string{testUser, "anonymous"} {
		c := ts.login(t, user, testPass)
		got := lsShapes(c.retrieve("LIST -R top"))
		if want := "l link -> sub|l out|d sub||top/sub:|- f|l up -> ..|"; got != want {
			t.Errorf("%s: LIST -R top:\n got %q\nwant %q", user, got, want)
		}
	}
}

// lsShapes sums a listing up line by line, apart from dates and sizes:
// an entry as its type letter and name (with a link's " -> text"), a
// header and an empty line as they are, each ended by "|".
func lsShapes(listing string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(listing, "\r\n") {
		line = strings.TrimSuffix(line, "\r\n")
		if f := strings.Fields(line); len(f) >= 9 {
			line = f[0][:1] + " " + strings.Join(f[8:], " ")
		}
		if line != "" || b.Len() > 0 {
			b.WriteString(line + "|")
		}
	}
	return strings.TrimSuffix(b.String(), "|")
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestABORDuringRecursiveListing: ABOR stops a recursive listing of a big
// tree that its client does not read: 426 and 226 at once, and the
// session goes on.
func TestABORDuringRecursiveListing(t *testing.T) {
	ts := startServer(t)
	long := strings.Repeat("n", 250)
	for d := range 100 {
		dir := fmt.Sprintf("/tree/d%03d", d)
		if d == 0 {
			ts.mkdir(t, "/tree")
		}
		ts.mkdir(t, dir)
		for i := range 200 {
			ts.putFile(t, fmt.Sprintf("%s/%s%d", dir, long, i), "")
		}
	}
	c := ts.loginAlice(t)
	dc := c.pasv()
	dc.(*net.TCPConn).SetReadBuffer(4 << 10)
	c.cmd(150, "LIST -R tree")
	start := time.Now()
	c.raw("ABOR\r\n")
	c.expect(426)
	c.expect(226)
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("ABOR took %v", d)
	}
	dc.Close()
	c.cmd(200, "NOOP")
	if got := c.retrieve("LIST -R tree/d099"); strings.Count(got, "\r\n") != 200 {
		t.Errorf("LIST -R after ABOR: %d lines", strings.Count(got, "\r\n"))
	}
}

// TestSTATBound: STAT lists a folder as one reply, built whole: past
// maxStatEntries it answers 451 and names LIST instead.
func TestSTATBound(t *testing.T) {
	old := maxStatEntries
	t.Cleanup(func() { maxStatEntries = old })
	maxStatEntries = 5 // ".", "..", ".env", ".git", "a.txt", "empty", "sub" in /top
	_, c := treeFixture(t)
	c.Is(451, "Over 5 entries, too many for STAT: use LIST.", "STAT /top")
	c.Is(212, "Status of /top/sub:\n "+
		strings.ReplaceAll(strings.TrimSuffix(lsDot+lsDotDot+lsB+lsDeep, "\r\n"), "\r\n", "\n ")+
		"\nEnd of status.", "STAT /top/sub")
	if got := c.retrieve("LIST -a top"); strings.Count(got, "\r\n") != 7 {
		t.Errorf("LIST is not bound by STAT's bound: %q", got)
	}
}

// TestLISTRecursiveCutLogged: the transfer line of a listing cut at its
// bound carries the 451 the client got, not 226.
func TestLISTRecursiveCutLogged(t *testing.T) {
	lowerListBounds(t, 5, 32)
	var buf ftptest.LogBuf
	_, c := treeFixture(t, func(s *Server) {
		s.Logger = slog.New(slog.NewJSONHandler(&buf, nil))
	})
	// the transfer line is written before the reply
	c.retrieveCut("LIST -R top", "Listing stopped at 5 entries; list the sub-folders one by one.", "")
	var saw bool
	for _, rec := range buf.Records(t, "transfer") {
		if rec["cmd"] == "LIST" {
			saw = true
			if rec["code"] != float64(451) || rec["ok"] != false {
				t.Errorf("transfer line of the cut listing: %v", rec)
			}
		}
	}
	if !saw {
		t.Errorf("no transfer line for LIST:\n%s", buf.String())
	}
}
