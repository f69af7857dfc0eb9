package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// passwdAdd adds user to the users file with `luaftpd passwd`.
func passwdAdd(t *testing.T, file, user, password string) {
	t.Helper()
	if r := luaftpd(t, password+"\n", "passwd", file, user); r.code != 0 {
		t.Fatalf("passwd %s: exit %d, %s", user, r.code, r.stderr)
	}
}

// readText reads a file the test made.
func readText(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestPasswdRemove removes a user from the file a running server serves:
// only their line goes, the file keeps its mode, no temporary file is
// left, and after the reload they cannot log in while the others can.
func TestPasswdRemove(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "users")
	passwdAdd(t, file, "alice", "alice-pw")
	passwdAdd(t, file, "bob", "bob-pw")
	passwdAdd(t, file, "carol", "carol-pw")
	if err := os.WriteFile(file, []byte("# the shop's staff\n"+readText(t, file)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(file, 0o640); err != nil {
		t.Fatal(err)
	}
	s := startServer(t, "-users", file, "-login-fail-delay", "0")
	if code := tryLogin(t, s.addr, "alice", "alice-pw"); code != 230 {
		t.Fatalf("alice before the removal: %d, want 230", code)
	}

	before := readText(t, file)
	r := luaftpd(t, "", "passwd", "-d", file, "alice")
	if r.code != 0 || r.stdout != "" || r.stderr != "" {
		t.Fatalf("passwd -d: exit %d, stdout %q, stderr %q; want 0 and silence", r.code, r.stdout, r.stderr)
	}
	var want strings.Builder
	for _, line := range strings.SplitAfter(before, "\n") {
		if !strings.HasPrefix(line, "alice:") {
			want.WriteString(line)
		}
	}
	if got := readText(t, file); got != want.String() || strings.Count(before, "\n")-strings.Count(got, "\n") != 1 {
		t.Fatalf("users file after passwd -d:\n%s\nwant:\n%s", got, want.String())
	}
	if st, err := os.Stat(file); err != nil {
		t.Error(err)
	} else if runtime.GOOS != "windows" && st.Mode().Perm() != 0o640 {
		t.Errorf("users file after passwd -d: mode %04o; want 0640 kept", st.Mode().Perm())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the folder holds %v; want only the users file", entries)
	}

	s.hup("users reloaded")
	if code := tryLogin(t, s.addr, "alice", "alice-pw"); code != 530 {
		t.Errorf("alice after passwd -d: %d, want 530", code)
	}
	for _, u := range [][2]string{{"bob", "bob-pw"}, {"carol", "carol-pw"}} {
		if code := tryLogin(t, s.addr, u[0], u[1]); code != 230 {
			t.Errorf("%s after alice's removal: %d, want 230", u[0], code)
		}
	}
}

// TestPasswdRemoveRefuses: a user who is not there, a missing file, a file
// that is not a users file and a bad command line each exit non-zero with
// a message, and leave the file as it was.
func TestPasswdRemoveRefuses(t *testing.T) {
	dir := t.TempDir()
	users := filepath.Join(dir, "users")
	passwdAdd(t, users, "alice", "alice-pw")
	system := writeFile(t, "passwd", "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/sh\n")
	missing := filepath.Join(dir, "none")
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-d", users, "carol"}, 1, `user "carol" is not in ` + users + `; nothing changed`},
		{[]string{"-d", missing, "alice"}, 1, "no such file"},
		{[]string{"-d", system, "alice"}, 1, "line 1: root: not a bcrypt hash"},
		{[]string{"-d", users}, 2, "usage: luaftpd passwd FILE USER"},
		{[]string{"-d", users, "alice", "bob"}, 2, "luaftpd passwd -d FILE USER"},
		{[]string{"-x", users, "alice"}, 2, "flag provided but not defined: -x"},
		{[]string{"-d", users, "a b"}, 2, "without spaces"},
	}
	for _, c := range cases {
		texts := map[string]string{users: readText(t, users), system: readText(t, system)}
		infos := map[string]os.FileInfo{}
		for f := range texts {
			infos[f], _ = os.Stat(f)
		}
		r := luaftpd(t, "", append([]string{"passwd"}, c.args...)...)
		if r.code != c.code || !strings.Contains(r.stderr, c.want) {
			t.Errorf("passwd %q: exit %d, stderr %q; want %d and %q", c.args, r.code, r.stderr, c.code, c.want)
		}
		for f, text := range texts {
			st, err := os.Stat(f)
			if got := readText(t, f); got != text || err != nil || !os.SameFile(st, infos[f]) {
				t.Errorf("passwd %q changed %s: %q, want %q untouched", c.args, f, got, text)
			}
		}
		if _, err := os.Stat(missing); !os.IsNotExist(err) {
			t.Errorf("passwd %q created %s: %v", c.args, missing, err)
		}
	}
}

// TestPasswdRemoveThroughSymlink: the file a link points to is replaced;
// the link stays a link.
func TestPasswdRemoveThroughSymlink(t *testing.T) {
	real, link := linkedUsersFile(t, "alice", "bob")
	if r := luaftpd(t, "", "passwd", "-d", link, "bob"); r.code != 0 {
		t.Fatalf("passwd -d through a link: exit %d, %s", r.code, r.stderr)
	}
	checkStillLink(t, link)
	if text := readText(t, real); !strings.HasPrefix(text, "alice:$2") || strings.Contains(text, "bob:") {
		t.Errorf("%s after passwd -d bob: %q", real, text)
	}
}

// exposedWarning is the start of the warning about a readable users file.
const exposedWarning = "the users file is readable by its group or others"

// exposedWarnings are the server's warnings about a readable users file.
func exposedWarnings(s *server) []logEntry {
	entries, _ := s.log.since(0)
	var out []logEntry
	for _, e := range entries {
		if strings.HasPrefix(e.str("msg"), exposedWarning) {
			out = append(out, e)
		}
	}
	return out
}

// TestUsersFileModeWarning: a users file made by passwd is 0600 and draws
// no warning; one its group or others may read draws one warning at start
// and one on each reload, naming the file and its mode.
func TestUsersFileModeWarning(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows file modes do not say who may read a file")
	}
	file := filepath.Join(t.TempDir(), "users")
	passwdAdd(t, file, "alice", "alice-pw")
	if st, err := os.Stat(file); err != nil {
		t.Fatal(err)
	} else if st.Mode().Perm() != 0o600 {
		t.Fatalf("a new users file: mode %04o; want 0600", st.Mode().Perm())
	}
	s := startServer(t, "-users", file)
	if w := exposedWarnings(s); len(w) != 0 {
		t.Fatalf("warnings for a 0600 users file: %v", w)
	}
	checkWarnings := func(s *server, n int, mode string) {
		t.Helper()
		w := exposedWarnings(s)
		if len(w) != n {
			t.Fatalf("%d warnings about the users file, want %d:\n%s", len(w), n, s.log)
		}
		if last := w[n-1]; last.str("level") != "WARN" || last.str("file") != file || last.str("mode") != mode {
			t.Errorf("warning %v; want level WARN, file %s, mode %s", last, file, mode)
		}
	}
	for _, step := range []struct {
		mode, last os.FileMode // last: the mode the last warning names
		warnings   int
	}{{0o640, 0o640, 1}, {0o600, 0o640, 1}, {0o604, 0o604, 2}} {
		if err := os.Chmod(file, step.mode); err != nil {
			t.Fatal(err)
		}
		s.hup("users reloaded")
		checkWarnings(s, step.warnings, fmt.Sprintf("%04o", step.last))
	}

	// At start, before the addresses are announced.
	s2 := startServer(t, "-users", file)
	checkWarnings(s2, 1, "0604")
}

// TestPasswdSetThroughSymlink: changing a password through a link replaces
// the file it points to, with its mode kept; the link stays a link (it
// used to become a plain 0600 file of whoever ran passwd).
func TestPasswdSetThroughSymlink(t *testing.T) {
	real, link := linkedUsersFile(t, "alice")
	if err := os.Chmod(real, 0o640); err != nil {
		t.Fatal(err)
	}
	before := readText(t, real)
	passwdAdd(t, link, "alice", "new-pw")
	checkStillLink(t, link)
	if st, err := os.Stat(real); err != nil || st.Mode().Perm() != 0o640 {
		t.Errorf("%s after passwd: %v, %v; want mode 0640 kept", real, st, err)
	}
	if text := readText(t, real); text == before || !strings.HasPrefix(text, "alice:$2") {
		t.Errorf("%s after passwd: %q; want alice's new hash", real, text)
	}
}

// linkedUsersFile makes a users file of users (each with the password
// "<name>-pw") and a symbolic link to it beside it, skipping on Windows.
func linkedUsersFile(t *testing.T, users ...string) (real, link string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need a privilege on Windows")
	}
	dir := t.TempDir()
	real, link = filepath.Join(dir, "users.real"), filepath.Join(dir, "users")
	for _, u := range users {
		passwdAdd(t, real, u, u+"-pw")
	}
	if err := os.Symlink("users.real", link); err != nil {
		t.Fatal(err)
	}
	return real, link
}

// checkStillLink fails t unless link is still a symbolic link.
func checkStillLink(t *testing.T, link string) {
	t.Helper()
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("%s after passwd: %v, %v; want still a link", link, st, err)
	}
}
