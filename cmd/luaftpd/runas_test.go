//go:build linux

// The -run-as tests read /proc, so they run on Linux only.

package main

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// nobody returns the unprivileged account the -run-as tests drop to; they
// need to start as root.
func nobody(t *testing.T) *user.User {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("-run-as needs the tests to run as root")
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		t.Skipf("no user nobody: %v", err)
	}
	return u
}

// sharedDir is a folder outside the test's private temporary folder (which
// only root may enter), with the given mode.
func sharedDir(t *testing.T, mode os.FileMode) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "luaftpd-runas-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, mode); err != nil {
		t.Fatal(err)
	}
	return dir
}

// procIDs reads the Uid, Gid and Groups lines of /proc/PID/status.
func procIDs(t *testing.T, pid int) map[string]string {
	t.Helper()
	text, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for _, line := range strings.Split(string(text), "\n") {
		k, v, _ := strings.Cut(line, ":")
		if k == "Uid" || k == "Gid" || k == "Groups" {
			ids[k] = strings.Join(strings.Fields(v), " ")
		}
	}
	return ids
}

func TestRunAs(t *testing.T) {
	u := nobody(t)
	needTool(t, "curl")
	root := sharedDir(t, 0o777)
	// bob's folder does not exist yet: luaftpd makes it, for nobody.
	s := startServer(t, "-run-as", "nobody", "-root", root, "-user", alice, "-user", "bob:pw:bob")
	s.waitLog(func(e logEntry) bool { return e.str("msg") == "running as" })

	ids := procIDs(t, s.cmd.Process.Pid)
	// real, effective, saved and filesystem ids
	all := func(id string) string { return strings.Join([]string{id, id, id, id}, " ") }
	if ids["Uid"] != all(u.Uid) || ids["Gid"] != all(u.Gid) {
		t.Errorf("ids after the drop: %q; want uid %s and gid %s everywhere", ids, u.Uid, u.Gid)
	}
	if strings.Contains(" "+ids["Groups"]+" ", " 0 ") {
		t.Errorf("root's group survived the drop: Groups %q", ids["Groups"])
	}

	src := writeAt(t, t.TempDir(), "up.txt", []byte("as nobody\n"))
	mustCurl(t, "-T", src, s.url(alice, "/up.txt"))
	st, err := os.Stat(filepath.Join(root, "up.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if uid := st.Sys().(*syscall.Stat_t).Uid; fmt.Sprint(uid) != u.Uid {
		t.Errorf("the upload belongs to uid %d, want nobody (%s)", uid, u.Uid)
	}
	mustCurl(t, "-T", src, s.url("bob:pw", "/in-bobs-folder.txt"))
	sameFile(t, filepath.Join(root, "bob", "in-bobs-folder.txt"), []byte("as nobody\n"))
}

func TestRunAsRefusesUnusableRoot(t *testing.T) {
	nobody(t)
	root := sharedDir(t, 0o700) // root's own: nobody cannot enter it
	r := luaftpd(t, "", "-listen", "127.0.0.1:0", "-root", root, "-run-as", "nobody", "-log-format", "json")
	if r.code != 1 || !strings.Contains(r.stderr, "cannot read and write") {
		t.Fatalf("exit %d, stderr %q; want 1 and a message that nobody cannot use the root", r.code, r.stderr)
	}
}
