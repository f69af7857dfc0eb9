package core

import (
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// pathRecorder is a Before hook on every verb of the list that records the
// ev.Path it saw and moves paths under /bob to /alice, as a drop box script
// does.
type pathRecorder struct {
	mu   sync.Mutex
	seen []string // "VERB path"
}

func (p *pathRecorder) hooks(verbs ...string) *fakeHooks {
	h := &fakeHooks{before: map[string]func(*Event) (*Reply, error){}}
	for _, v := range verbs {
		h.before[v] = func(ev *Event) (*Reply, error) {
			p.mu.Lock()
			p.seen = append(p.seen, ev.Command+" "+ev.Path)
			p.mu.Unlock()
			if ev.Path == "/bob" || strings.HasPrefix(ev.Path, "/bob/") {
				ev.Path = "/alice" + strings.TrimPrefix(ev.Path, "/bob")
			}
			return nil, nil
		}
	}
	return h
}

func (p *pathRecorder) paths() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.seen)
}

// Every command that acts on a path gives the hooks that path, wherever it
// sits in the argument, and acts on the path the hooks leave: naming bob's
// folder reaches alice's with every one of them.
func TestEveryPathCommandActsOnEvPath(t *testing.T) {
	rec := &pathRecorder{}
	ts := startServer(t, hooked(rec.hooks("STAT", "MFMT", "MFF", "SITE", "SIZE", "MDTM", "MLST", "HASH",
		"XCRC", "XMD5", "AVBL", "DELE", "RNFR", "RNTO", "LIST", "NLST", "MLSD", "STOU", "RETR", "MKD", "CWD", "CDUP")))
	ts.mkdir(t, "/alice")
	ts.mkdir(t, "/bob")
	ts.mkdir(t, "/alice/d")
	ts.putFile(t, "/alice/f", "12345")
	ts.putFile(t, "/bob/f", "1234567")
	ts.putFile(t, "/bob/secret", "bob's")
	old := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	if err := ts.Mem.Chtimes(t.Context(), "/bob/f", old); err != nil {
		t.Fatal(err)
	}
	c := ts.loginAlice(t)
	for _, tc := range []struct {
		line string
		code int
		msg  string
	}{
		{"STAT /bob/secret", 450, "No such file or directory."},
		{"STAT -la /bob/secret", 450, "No such file or directory."},
		{"MFMT 20200101000000 /bob/secret", 550, "No such file or directory."},
		{"MFMT 20200101000000 /bob/f", 213, "Modify=20200101000000; /alice/f"},
		{"MFF modify=20200101000000; /bob/secret", 550, "No such file or directory."},
		{"MFF modify=20200101000000; /bob/f", 213, "modify=20200101000000; /alice/f"},
		{"SITE CHMOD 600 /bob/secret", 550, "No such file or directory."},
		{"SITE chmod  600 /bob/f", 200, "SITE CHMOD command successful."},
		{"SIZE /bob/secret", 550, "No such file or directory."},
		{"SIZE /bob/f", 213, "5"},
		{"MDTM /bob/f", 213, "20200101000000"},
		{"MLST /bob/secret", 550, "No such file or directory."},
		{"HASH /bob/secret", 550, "No such file or directory."},
		{"XCRC /bob/f", 250, "CBF53A1C"},
		{"XMD5 /bob/secret", 550, "No such file or directory."},
		{"AVBL /bob/secret", 550, "No such file or directory."},
		{"DELE /bob/secret", 550, "No such file or directory."},
		{"RNFR /bob/secret", 550, "No such file or directory."},
		{"MKD /bob/sub", 257, `"/alice/sub" created.`},
		{"CWD /bob", 250, "Directory changed to /alice"},
		{"CWD /bob/d", 250, "Directory changed to /alice/d"},
		{"CDUP", 250, "Directory changed to /alice"},
		{"CWD /", 250, "Directory changed to /"},
	} {
		if code, msg := c.send("%s", tc.line); code != tc.code || msg != tc.msg {
			t.Errorf("%s: %d %q, want %d %q", tc.line, code, msg, tc.code, tc.msg)
		}
	}
	if msg := c.cmd(212, "STAT -l /bob"); !strings.Contains(msg, "Status of /alice:") || strings.Contains(msg, "secret") {
		t.Errorf("STAT -l /bob: %q", msg)
	}
	if msg := c.cmd(211, "STAT"); !strings.Contains(msg, "Logged in as alice") {
		t.Errorf("STAT: %q", msg)
	}
	for _, line := range []string{"LIST -la /bob", "NLST -a /bob", "MLSD /bob"} {
		if got := c.retrieve("%s", line); !strings.Contains(got, "sub") || strings.Contains(got, "secret") {
			t.Errorf("%s: %q", line, got)
		}
	}
	if got := c.retrieve("RETR /bob/f"); got != "12345" {
		t.Errorf("RETR /bob/f: %q", got)
	}
	c.cmd(350, "RNFR /bob/f")
	c.cmd(250, "RNTO /bob/g")
	dc := c.pasv()
	c.cmd(150, "STOU /bob/new")
	io.WriteString(dc, "new")
	dc.Close()
	c.expect(226)

	for name, want := range map[string]string{"/alice/g": "12345", "/alice/new": "new", "/bob/f": "1234567", "/bob/secret": "bob's"} {
		if got := readMem(t, ts, name); got != want {
			t.Errorf("%s holds %q, want %q", name, got, want)
		}
	}
	fi, err := ts.Mem.Stat(t.Context(), "/bob/f")
	if err != nil || !fi.ModTime().Equal(old) || fi.Mode().Perm() != 0o644 {
		t.Errorf("bob's file changed: %v %v %v", fi.ModTime(), fi.Mode(), err)
	}
	if fi, err := ts.Mem.Stat(t.Context(), "/alice/g"); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("SITE CHMOD missed alice's file: %v %v", fi, err)
	}
	seen := rec.paths()
	for _, want := range []string{"STAT /bob/secret", "STAT ", "MFMT /bob/f", "MFF /bob/f", "SITE /bob/f",
		"STAT /bob", "CDUP /alice", "LIST /bob", "NLST /bob", "MLSD /bob", "STOU /bob/new", "RNTO /bob/g"} {
		if !slices.Contains(seen, want) {
			t.Errorf("no hook saw %q; saw %q", want, seen)
		}
	}
}

// readMem reads a file of the served tree directly.
func readMem(t *testing.T, ts *testServer, name string) string {
	t.Helper()
	f, err := ts.Mem.Open(t.Context(), name)
	if err != nil {
		return "<" + err.Error() + ">"
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A Before hook that rewrites ev.arg alone changes the path the command
// acts on; one that rewrites ev.path wins over the argument; an empty
// ev.path means what no argument means.
func TestBeforeHookArgRewrite(t *testing.T) {
	h := &fakeHooks{before: map[string]func(*Event) (*Reply, error){
		"SIZE": func(ev *Event) (*Reply, error) {
			if ev.Arg == "latest" {
				ev.Arg = "/d/f"
			}
			if ev.Arg == "both" {
				ev.Arg, ev.Path = "/d/none", "f" // relative: to the current folder
			}
			return nil, nil
		},
		"MFMT": func(ev *Event) (*Reply, error) {
			ev.Arg = strings.Replace(ev.Arg, "latest", "/d/f", 1)
			return nil, nil
		},
		"STAT": func(ev *Event) (*Reply, error) {
			switch ev.Arg {
			case "home":
				ev.Arg = "/d"
			case "/d":
				ev.Path = ""
			}
			return nil, nil
		},
		"CWD": func(ev *Event) (*Reply, error) {
			if ev.Arg == "~" {
				ev.Arg = "/d"
			}
			return nil, nil
		},
	}}
	ts := startServer(t, hooked(h))
	ts.mkdir(t, "/d")
	ts.putFile(t, "/d/f", "12345")
	c := ts.loginAlice(t)
	if msg := c.cmd(213, "SIZE latest"); msg != "5" {
		t.Errorf("SIZE latest: %q", msg)
	}
	if msg := c.cmd(213, "MFMT 20200101000000 latest"); msg != "Modify=20200101000000; /d/f" {
		t.Errorf("MFMT: %q", msg)
	}
	if msg := c.cmd(212, "STAT home"); !strings.Contains(msg, "Status of /d:") {
		t.Errorf("STAT home: %q", msg)
	}
	if msg := c.cmd(211, "STAT /d"); !strings.Contains(msg, "Logged in as alice") {
		t.Errorf("STAT with its path taken away: %q", msg)
	}
	if msg := c.cmd(250, "CWD ~"); msg != "Directory changed to /d" {
		t.Errorf("CWD ~: %q", msg)
	}
	if msg := c.cmd(213, "SIZE both"); msg != "5" {
		t.Errorf("SIZE with both rewritten: %q", msg)
	}
}
