package core

import (
	"io/fs"
	"strings"
	"testing"
	"time"
)

type fakeInfo struct {
	name  string
	size  int64
	mode  fs.FileMode
	mtime time.Time
}

func (f fakeInfo) Name() string       { return f.name }
func (f fakeInfo) Size() int64        { return f.size }
func (f fakeInfo) Mode() fs.FileMode  { return f.mode }
func (f fakeInfo) ModTime() time.Time { return f.mtime }
func (f fakeInfo) IsDir() bool        { return f.mode.IsDir() }
func (f fakeInfo) Sys() any           { return nil }

func TestLsLine(t *testing.T) {
	now := time.Date(2024, 6, 15, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		fi   fakeInfo
		want string
	}{
		{fakeInfo{"a.txt", 1234, 0o644, now.Add(-time.Hour)},
			"-rw-r--r-- 1 ftp ftp         1234 Jun 15 11:00 a.txt"},
		{fakeInfo{"old", 0, fs.ModeDir | 0o755, time.Date(2023, 1, 5, 8, 0, 0, 0, time.UTC)},
			"drwxr-xr-x 1 ftp ftp            0 Jan  5  2023 old"},
		{fakeInfo{"future", 1, 0o600, now.Add(48 * time.Hour)},
			"-rw------- 1 ftp ftp            1 Jun 17  2024 future"},
		{fakeInfo{"é ü", 1, fs.ModeSetuid | 0o755, now},
			"-rwsr-xr-x 1 ftp ftp            1 Jun 15 12:00 é ü"},
		// in UTC whatever the server's zone, as MDTM and MLSD give it and as
		// ProFTPD (TimesGMT) and vsftpd (use_localtime=NO) list by default
		{fakeInfo{"zoned", 1, 0o644, time.Date(2024, 6, 15, 16, 30, 0, 0, time.FixedZone("UTC+5", 5*3600))},
			"-rw-r--r-- 1 ftp ftp            1 Jun 15 11:30 zoned"},
		{fakeInfo{"newyear", 1, 0o644, time.Date(2024, 1, 1, 1, 0, 0, 0, time.FixedZone("UTC+2", 2*3600))},
			"-rw-r--r-- 1 ftp ftp            1 Dec 31 23:00 newyear"},
		// a link's bits are always rwxrwxrwx, as Linux shows them
		{fakeInfo{"link", 3, fs.ModeSymlink | 0o755, now},
			"lrwxrwxrwx 1 ftp ftp            3 Jun 15 12:00 link"},
	}
	for _, tc := range tests {
		if got := string(appendLsLine(nil, tc.fi, now)); got != tc.want {
			t.Errorf("got  %q\nwant %q", got, tc.want)
		}
	}
	link := linkEntry{fakeInfo{"up", 2, fs.ModeSymlink | 0o777, now}, ".."}
	if got, want := string(appendLsLine(nil, link, now)), "lrwxrwxrwx 1 ftp ftp            2 Jun 15 12:00 up -> .."; got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestInsideText(t *testing.T) {
	for _, tc := range []struct {
		dir, text string
		want      bool
	}{
		{"/", "a", true}, {"/", "./a/../b", true}, {"/", ".", true}, {"/d", "..", true},
		{"/d/e", "../../f", true}, {"/", "..", false}, {"/", "../root/a", false},
		{"/d", "../..", false}, {"/d", "x/../../../y", false}, {"/", "/etc", false},
		{"/d", "/d/x", false}, {"/", "", false}, {"/", "a\r\nb", false}, {"/", "a\nb", false},
	} {
		if got := insideText(tc.dir, tc.text); got != tc.want {
			t.Errorf("insideText(%q, %q) = %v, want %v", tc.dir, tc.text, got, tc.want)
		}
	}
}

func listFixture(t *testing.T) (*testServer, *ftpConn) {
	ts := startServer(t)
	ts.mkdir(t, "/dir")
	ts.mkdir(t, "/dir/sub")
	ts.putFile(t, "/dir/b.txt", "hello")
	ts.putFile(t, "/dir/é.txt", "")
	return ts, ts.loginAlice(t)
}

func TestLIST(t *testing.T) {
	_, c := listFixture(t)
	for _, arg := range []string{"LIST dir", "LIST -l dir", "LIST -l  dir", "list dir"} {
		got := c.retrieve("%s", arg)
		lines := strings.Split(strings.TrimSuffix(got, "\r\n"), "\r\n")
		if len(lines) != 3 {
			t.Fatalf("%s: %q", arg, got)
		}
		if f := strings.Fields(lines[0]); len(f) != 9 || f[0][0] != '-' || f[4] != "5" || f[8] != "b.txt" {
			t.Errorf("%s: line %q", arg, lines[0])
		}
		if !strings.HasPrefix(lines[1], "drwx") || !strings.HasSuffix(lines[1], " sub") {
			t.Errorf("%s: line %q", arg, lines[1])
		}
		if !strings.HasSuffix(lines[2], " é.txt") {
			t.Errorf("%s: line %q", arg, lines[2])
		}
	}
	c.cmd(250, "CWD dir")
	if got := c.retrieve("LIST -l"); strings.Count(got, "\r\n") != 3 {
		t.Errorf("LIST -l of cwd: %q", got)
	}
	if got := c.retrieve("LIST b.txt"); !strings.HasSuffix(got, " b.txt\r\n") || strings.Count(got, "\r\n") != 1 {
		t.Errorf("LIST of a file: %q", got)
	}
	c.cmd(450, "LIST missing")
}

func TestNLST(t *testing.T) {
	_, c := listFixture(t)
	if got := c.retrieve("NLST dir"); got != "dir/b.txt\r\ndir/sub\r\ndir/é.txt\r\n" {
		t.Errorf("NLST dir: %q", got)
	}
	if got := c.retrieve("NLST dir/*.txt"); got != "dir/b.txt\r\ndir/é.txt\r\n" {
		t.Errorf("NLST pattern: %q", got)
	}
	c.cmd(450, "NLST missing")
	c.cmd(450, "NLST dir/*.none")
	if got := c.retrieve("LIST dir/*.none"); got != "" { // as ProFTPD: an empty listing
		t.Errorf("LIST of a pattern matching nothing: %q", got)
	}
	c.cmd(450, "LIST nodir/*.txt")
	c.cmd(450, "STAT dir/*.none")
	c.cmd(250, "CWD dir")
	if got := c.retrieve("NLST"); got != "b.txt\r\nsub\r\né.txt\r\n" {
		t.Errorf("NLST: %q", got)
	}
	if got := c.retrieve("NLST -a b?txt"); got != "b.txt\r\n" {
		t.Errorf("NLST pattern: %q", got)
	}
	if got := c.retrieve("LIST s*"); !strings.HasPrefix(got, "d") || !strings.HasSuffix(got, " sub\r\n") {
		t.Errorf("LIST pattern: %q", got)
	}
}

func TestMLSDAndMLST(t *testing.T) {
	ts, c := listFixture(t)
	stamp := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	ts.Mem.Chtimes(t.Context(), "/dir/b.txt", stamp)
	got := c.retrieve("MLSD dir")
	lines := strings.Split(strings.TrimSuffix(got, "\r\n"), "\r\n")
	if len(lines) != 5 {
		t.Fatalf("MLSD: %q", got)
	}
	if !strings.HasPrefix(lines[0], "type=cdir;") || !strings.HasSuffix(lines[0], " .") {
		t.Errorf("cdir: %q", lines[0])
	}
	if !strings.HasPrefix(lines[1], "type=pdir;") || !strings.HasSuffix(lines[1], " ..") {
		t.Errorf("pdir: %q", lines[1])
	}
	if !strings.HasPrefix(lines[2], "type=file;size=5;modify=20200102030405;perm=adfrw;unique=") ||
		!strings.Contains(lines[2], ";unix.mode=0") || !strings.HasSuffix(lines[2], "; b.txt") {
		t.Errorf("file: %q", lines[2])
	}
	if !strings.HasPrefix(lines[3], "type=dir;modify=") || !strings.Contains(lines[3], "perm=cdeflmp;") {
		t.Errorf("dir: %q", lines[3])
	}
	if !strings.HasSuffix(lines[4], "; é.txt") {
		t.Errorf("UTF-8 name: %q", lines[4])
	}
	c.cmd(550, "MLSD missing")
	c.cmd(501, "MLSD dir/b.txt")

	msg := c.cmd(250, "MLST dir/b.txt")
	want := "Listing /dir/b.txt\n type=file;size=5;modify=20200102030405;perm=adfrw;unique="
	if !strings.HasPrefix(msg, want) || !strings.HasSuffix(msg, "; /dir/b.txt\nEnd") {
		t.Errorf("MLST: %q", msg)
	}
	c.cmd(550, "MLST missing")
	c.cmd(200, "OPTS MLST size;")
	if msg := c.cmd(250, "MLST dir/b.txt"); msg != "Listing /dir/b.txt\n size=5; /dir/b.txt\nEnd" {
		t.Errorf("MLST after OPTS MLST: %q", msg)
	}
}

func TestSTATPath(t *testing.T) {
	_, c := listFixture(t)
	msg := c.cmd(212, "STAT -la dir")
	lines := strings.Split(msg, "\n")
	if lines[0] != "Status of /dir:" || len(lines) != 7 || lines[6] != "End of status." ||
		!strings.HasSuffix(lines[1], " .") || !strings.HasSuffix(lines[2], " ..") {
		t.Errorf("STAT dir: %q", msg)
	}
	c.cmd(450, "STAT missing")
}

func TestListingWithoutDataChannel(t *testing.T) {
	_, c := listFixture(t)
	c.cmd(425, "LIST")
}

// hiddenFixture is a folder with dot entries, every time set to one old
// date so that LIST lines are exact.
func hiddenFixture(t *testing.T) (*testServer, *ftpConn) {
	ts := startServer(t)
	ts.mkdir(t, "/top")
	ts.mkdir(t, "/top/.git")
	ts.mkdir(t, "/top/sub")
	ts.putFile(t, "/top/.env", "x")
	ts.putFile(t, "/top/a.txt", "abc")
	old := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, p := range []string{"/", "/top", "/top/.git", "/top/sub", "/top/.env", "/top/a.txt"} {
		if err := ts.Mem.Chtimes(t.Context(), p, old); err != nil {
			t.Fatal(err)
		}
	}
	return ts, ts.loginAlice(t)
}

// TestListHidesDotEntries: LIST and NLST leave out names that begin with a
// dot unless -a or -A asks for them, as ProFTPD, vsftpd and pure-ftpd do
// (ls's rule); -a adds "." and "..", -A does not. MLSD and STAT show all.
func TestListHidesDotEntries(t *testing.T) {
	_, c := hiddenFixture(t)
	const (
		dot    = "drwxr-xr-x 1 ftp ftp            0 Jan  2  2020 .\r\n"
		dotdot = "drwxr-xr-x 1 ftp ftp            0 Jan  2  2020 ..\r\n"
		git    = "drwxr-xr-x 1 ftp ftp            0 Jan  2  2020 .git\r\n"
		env    = "-rw-r--r-- 1 ftp ftp            1 Jan  2  2020 .env\r\n"
		a      = "-rw-r--r-- 1 ftp ftp            3 Jan  2  2020 a.txt\r\n"
		sub    = "drwxr-xr-x 1 ftp ftp            0 Jan  2  2020 sub\r\n"
	)
	for _, tc := range []struct{ cmd, want string }{
		{"LIST top", a + sub},
		{"LIST -l top", a + sub},
		{"LIST -a top", dot + dotdot + env + git + a + sub},
		{"LIST -la top", dot + dotdot + env + git + a + sub},
		{"LIST -A top", env + git + a + sub},
		{"LIST --full-time --dired top", a + sub}, // long options are not letters
		{"LIST top/*", a + sub},
		{"LIST top/.*", env + git},
		{"LIST top/.env", env},
		{"NLST top", "top/a.txt\r\ntop/sub\r\n"},
		{"NLST -a top", "top/.\r\ntop/..\r\ntop/.env\r\ntop/.git\r\ntop/a.txt\r\ntop/sub\r\n"},
		{"NLST top/*", "top/a.txt\r\ntop/sub\r\n"},
	} {
		if got := c.retrieve("%s", tc.cmd); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.cmd, got, tc.want)
		}
	}
	c.cmd(450, "NLST top/*.env") // matches only a hidden name: nothing to give
	if got := c.retrieve("MLSD top"); strings.Count(got, "\r\n") != 6 || !strings.Contains(got, "; .env\r\n") {
		t.Errorf("MLSD lists every entry: %q", got)
	}
	if msg := c.cmd(212, "STAT top"); !strings.Contains(msg, " .env\n") {
		t.Errorf("STAT lists every entry: %q", msg)
	}
	c.cmd(250, "CWD /top")
	if got := c.retrieve("NLST -a"); got != ".\r\n..\r\n.env\r\n.git\r\na.txt\r\nsub\r\n" {
		t.Errorf("NLST -a: %q", got)
	}
}

// TestListDirectoryItself: "LIST -d dir" (ls -d) describes the folder, not
// its entries, as ProFTPD and pure-ftpd answer.
func TestListDirectoryItself(t *testing.T) {
	_, c := hiddenFixture(t)
	const top = "drwxr-xr-x 1 ftp ftp            0 Jan  2  2020 top\r\n"
	for _, cmd := range []string{"LIST -d top", "LIST -ld top", "LIST -l -d top/"} {
		if got := c.retrieve("%s", cmd); got != top {
			t.Errorf("%s: %q", cmd, got)
		}
	}
	c.cmd(250, "CWD top")
	if got := c.retrieve("LIST -ld"); got != "drwxr-xr-x 1 ftp ftp            0 Jan  2  2020 .\r\n" {
		t.Errorf("LIST -ld: %q", got)
	}
	if got := c.retrieve("LIST -d a.txt"); got != "-rw-r--r-- 1 ftp ftp            3 Jan  2  2020 a.txt\r\n" {
		t.Errorf("LIST -d of a file: %q", got)
	}
	if got := c.retrieve("NLST -d sub"); got != "sub\r\n" {
		t.Errorf("NLST -d sub: %q", got)
	}
}

// TestSTATListsAll: STAT <folder> lists as `ls -la` does, "." and ".."
// and dot entries included, as ProFTPD and vsftpd answer.
func TestSTATListsAll(t *testing.T) {
	_, c := hiddenFixture(t)
	want := "Status of /top/.git:\n" +
		" drwxr-xr-x 1 ftp ftp            0 Jan  2  2020 .\n" +
		" drwxr-xr-x 1 ftp ftp            0 Jan  2  2020 ..\n" +
		"End of status."
	c.Is(212, want, "STAT top/.git")
	if msg := c.cmd(212, "STAT top"); strings.Count(msg, "\n") != 7 || !strings.Contains(msg, " .env\n") {
		t.Errorf("STAT top: %q", msg)
	}
}

// TestNLSTDot: "NLST ." gives bare names, as ProFTPD and vsftpd do, not
// "./name".
func TestNLSTDot(t *testing.T) {
	_, c := hiddenFixture(t)
	c.cmd(250, "CWD top")
	for _, cmd := range []string{"NLST .", "NLST ./", "NLST -l ."} {
		if got := c.retrieve("%s", cmd); got != "a.txt\r\nsub\r\n" {
			t.Errorf("%s: %q", cmd, got)
		}
	}
}

// TestMLSDPattern: MLSD takes a folder, not a pattern (RFC 3659 7.1): a
// pattern is a name that does not exist, 550 as in ProFTPD.
func TestMLSDPattern(t *testing.T) {
	_, c := hiddenFixture(t)
	c.pasv()
	c.cmd(550, "MLSD top/*.txt")
	c.cmd(550, "MLSD top/*.none")
}

// TestMLSDRootHasPdir: MLSD of the root lists a pdir too, the root itself
// (the root has no parent to show), as ProFTPD and pure-ftpd do.
func TestMLSDRootHasPdir(t *testing.T) {
	_, c := hiddenFixture(t)
	got := c.retrieve("MLSD /")
	lines := strings.Split(strings.TrimSuffix(got, "\r\n"), "\r\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "type=cdir;") || !strings.HasSuffix(lines[0], " .") ||
		!strings.HasPrefix(lines[1], "type=pdir;") || !strings.HasSuffix(lines[1], " ..") ||
		lines[0][len("type=cdir;"):] != lines[1][len("type=pdir;"):len(lines[1])-1] {
		t.Errorf("MLSD /: %q", got)
	}
}
