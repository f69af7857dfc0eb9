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
	}
	for _, tc := range tests {
		if got := string(appendLsLine(nil, tc.fi, now)); got != tc.want {
			t.Errorf("got  %q\nwant %q", got, tc.want)
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
	for _, arg := range []string{"LIST dir", "LIST -la dir", "LIST -a -l dir", "list dir"} {
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
	if lines[0] != "Status of /dir:" || len(lines) != 5 || lines[4] != "End of status." {
		t.Errorf("STAT dir: %q", msg)
	}
	c.cmd(450, "STAT missing")
}

func TestListingWithoutDataChannel(t *testing.T) {
	_, c := listFixture(t)
	c.cmd(425, "LIST")
}
