package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// luaftpd runs the binary (not as a server) with stdin.
func luaftpd(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var in []byte
	if stdin != "" {
		in = []byte(stdin)
	}
	return runTool(t, in, binPath, args...)
}

func TestVersion(t *testing.T) {
	want := fmt.Sprintf(" %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	for _, arg := range []string{"version", "-version", "--version"} {
		r := luaftpd(t, "", arg)
		if r.code != 0 || !strings.HasPrefix(r.stdout, "luaftpd ") || !strings.HasSuffix(r.stdout, want) || r.stderr != "" {
			t.Errorf("%s: exit %d, %q, stderr %q; want 0 and luaftpd VERSION%s", arg, r.code, r.stdout, r.stderr, want)
		}
	}
}

// TestHelp: `luaftpd help` and -h print the usage with every flag, exit 0.
func TestHelp(t *testing.T) {
	for _, arg := range []string{"help", "-h"} {
		r := luaftpd(t, "", arg)
		if r.code != 0 || !strings.HasPrefix(r.stderr, "Usage:\n") || !strings.Contains(r.stderr, "-login-fail-delay") {
			t.Errorf("%s: exit %d, stderr %q; want 0 and the usage", arg, r.code, r.stderr)
		}
	}
}

func TestBadFlagsExit2(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"-max-sessions", "x"}, `invalid value "x" for flag -max-sessions`},
		{[]string{"-no-such-flag"}, "flag provided but not defined: -no-such-flag"},
		{[]string{"-log-format", "xml"}, `-log-format "xml": want text or json`},
		{[]string{"-implicit-listen", ":0"}, "-implicit-listen needs"},
		{[]string{"-pasv-ports", "9-1"}, `invalid value "9-1" for flag -pasv-ports`},
		{[]string{"extra"}, `unexpected argument "extra"`},
	}
	for _, c := range cases {
		r := luaftpd(t, "", c.args...)
		if r.code != 2 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%q: exit %d, stderr %q; want 2 and %q", c.args, r.code, r.stderr, c.want)
		}
	}
}

func TestPortInUseExit1(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	r := luaftpd(t, "", "-listen", ln.Addr().String(), "-root", t.TempDir(), "-log-format", "json")
	if r.code != 1 || !strings.Contains(r.stderr, "address already in use") {
		t.Fatalf("exit %d, stderr %q; want 1 and address already in use", r.code, r.stderr)
	}
}

func TestPasswdThenLogin(t *testing.T) {
	needTool(t, "curl")
	file := filepath.Join(t.TempDir(), "users")
	if r := luaftpd(t, "pa55word\n", "passwd", file, "alice"); r.code != 0 {
		t.Fatalf("passwd: exit %d, %s", r.code, r.stderr)
	}
	if r := luaftpd(t, "other\n", "passwd", file, "bob"); r.code != 0 {
		t.Fatalf("passwd: exit %d, %s", r.code, r.stderr)
	}
	st, err := os.Stat(file)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("users file: %v, %v; want mode 0600", st, err)
	}
	text, _ := os.ReadFile(file)
	if strings.Contains(string(text), "pa55word") || !strings.Contains(string(text), "alice:$2") {
		t.Fatalf("users file holds %q; want a bcrypt hash, never the password", text)
	}

	s := startServer(t, "-users", file)
	writeAt(t, s.root, "f.txt", []byte("ok\n"))
	if r := mustCurl(t, s.url("alice:pa55word", "/f.txt")); r.stdout != "ok\n" {
		t.Errorf("download as alice: %q", r.stdout)
	}
	if r := curl(t, s.url("bob:other", "/f.txt")); r.code != 0 {
		t.Errorf("bob's login: curl exit %d\n%s", r.code, r.stderr)
	}
	if r := curl(t, s.url("alice:other", "/f.txt")); r.code != 67 {
		t.Errorf("a wrong password: curl exit %d, want 67", r.code)
	}
	if r := curl(t, "ftp://"+s.addr+"/f.txt"); r.code != 67 {
		t.Errorf("anonymous with a users file: curl exit %d, want 67 (anonymous is off)", r.code)
	}
}

func TestPasswdErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "users")
	if r := luaftpd(t, "", "passwd", file); r.code != 2 {
		t.Errorf("passwd with one argument: exit %d, want 2", r.code)
	}
	if r := luaftpd(t, "", "passwd", file, "alice"); r.code != 1 || !strings.Contains(r.stderr, "no password") {
		t.Errorf("passwd with no stdin: exit %d %q, want 1", r.code, r.stderr)
	}
	if r := luaftpd(t, "\n", "passwd", file, "alice"); r.code != 1 || !strings.Contains(r.stderr, "empty password") {
		t.Errorf("passwd with an empty line: exit %d %q, want 1", r.code, r.stderr)
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("a failed passwd created the file: %v", err)
	}
}

// TestTextLogs checks -log-format text (tint) on a pipe: plain text, no
// colour codes, no JSON.
func TestTextLogs(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	r := luaftpd(t, "", "-listen", ln.Addr().String(), "-root", t.TempDir(), "-log-format", "text")
	if r.code != 1 || !strings.Contains(r.stderr, "luaftpd stopped") ||
		strings.Contains(r.stderr, "{") || strings.Contains(r.stderr, "\x1b[") {
		t.Fatalf("exit %d, stderr %q; want 1 and a plain text line", r.code, r.stderr)
	}
}
