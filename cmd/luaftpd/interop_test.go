package main

// The interoperability tests: the luaftpd binary, built once in TestMain,
// serves on 127.0.0.1:0 and real clients (curl, lftp, Python's ftplib) talk
// to it. A missing client skips its tests, except under CI=true, where it
// fails them: CI must run everything.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// binPath is the luaftpd binary under test.
var binPath string

// clientTimeout bounds every external command.
const clientTimeout = 60 * time.Second

// startTimeout bounds how long a server may take to log its addresses.
const startTimeout = 30 * time.Second

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "luaftpd-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// Executable by others too, for the -run-as test's dropped process.
	os.Chmod(dir, 0o755)
	binPath = filepath.Join(dir, "luaftpd")
	if runtime.GOOS == "windows" {
		binPath += ".exe" // Windows runs a program by its .exe name
	}
	args := []string{"build", "-o", binPath}
	if raceEnabled {
		args = append(args, "-race") // the clients exercise the server under the race detector
	}
	build := exec.Command("go", append(args, ".")...)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building luaftpd:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	// A race-enabled binary sleeps a second at exit by default so late
	// reports can surface; a tenth is plenty for the servers here, and the
	// tests start dozens of them. Reports still fail the test (see stop).
	os.Setenv("GORACE", "atexit_sleep_ms=100")
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// needTool skips the test when the client program is missing, or fails it
// under CI.
func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not installed; CI must run every interop test (.ci/run installs it)", name)
	}
	t.Skipf("%s is not installed", name)
	return ""
}

// result is what an external command did.
type result struct {
	stdout, stderr string
	code           int
}

// runTool runs a client with a time limit and stdin, and returns its output
// and exit code; a command that cannot start or runs out of time fails the
// test.
func runTool(t *testing.T, stdin []byte, name string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), clientTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	if ctx.Err() != nil {
		t.Fatalf("%s %q ran past %v\nstdout: %s\nstderr: %s", name, args, clientTimeout, r.stdout, r.stderr)
	}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return r
}

// mustRun is runTool for a command that must succeed.
func mustRun(t *testing.T, stdin []byte, name string, args ...string) string {
	t.Helper()
	r := runTool(t, stdin, name, args...)
	if r.code != 0 {
		t.Fatalf("%s %q exited %d\nstdout: %s\nstderr: %s", name, args, r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

// logEntry is one JSON line of the server's log.
type logEntry map[string]any

func (e logEntry) str(key string) string { s, _ := e[key].(string); return s }

// logBook collects the server's log lines and wakes those waiting for one.
type logBook struct {
	mu      sync.Mutex
	lines   []string
	entries []logEntry
	changed chan struct{} // closed and replaced on every new line
}

func newLogBook() *logBook { return &logBook{changed: make(chan struct{})} }

func (b *logBook) add(line string) {
	var e logEntry
	if json.Unmarshal([]byte(line), &e) != nil {
		e = logEntry{"msg": line} // a panic or anything else not from slog
	}
	b.mu.Lock()
	b.lines = append(b.lines, line)
	b.entries = append(b.entries, e)
	close(b.changed)
	b.changed = make(chan struct{})
	b.mu.Unlock()
}

// since returns the entries from index i on and a channel closed when
// there are more.
func (b *logBook) since(i int) ([]logEntry, chan struct{}) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.entries[i:], b.changed
}

// contains reports whether any log line holds text.
func (b *logBook) contains(text string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, line := range b.lines {
		if strings.Contains(line, text) {
			return true
		}
	}
	return false
}

// all is the whole log.
func (b *logBook) all() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Join(b.lines, "\n")
}

// logTail is how many of the last log lines a failing test shows.
const logTail = 60

func (b *logBook) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	lines := b.lines
	if len(lines) > logTail {
		lines = append([]string{fmt.Sprintf("(%d lines before these)", len(lines)-logTail)}, lines[len(lines)-logTail:]...)
	}
	return strings.Join(lines, "\n")
}

// server is a running luaftpd process.
type server struct {
	t      *testing.T
	cmd    *exec.Cmd
	root   string
	addr   string // the control address, 127.0.0.1:PORT
	tlsAt  string // the implicit FTPS address, if any
	log    *logBook
	exited chan struct{} // closed when the process ended; then err is set
	err    error
	killed bool // the test had to kill it
}

// startServer runs luaftpd with args plus -listen 127.0.0.1:0, a fresh root
// (unless args give -root) and JSON logs, and waits until it has logged its
// addresses. The process gets SIGTERM at the end of the test.
func startServer(t *testing.T, args ...string) *server {
	t.Helper()
	s := &server{t: t, log: newLogBook(), exited: make(chan struct{})}
	if !hasFlag(args, "-root") {
		s.root = t.TempDir()
		args = append(args, "-root", s.root)
	} else {
		s.root = flagValue(args, "-root")
	}
	args = append([]string{"-listen", "127.0.0.1:0", "-log-format", "json"}, args...)
	s.cmd = exec.Command(binPath, args...)
	s.cmd.Dir = t.TempDir() // no ./scripts or ./data of the test's folder
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go s.readLog(stderr)
	t.Cleanup(s.stop)
	want := 1
	if hasFlag(args, "-implicit-listen") {
		want = 2
	}
	s.waitListening(want)
	return s
}

func (s *server) readLog(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		s.log.add(sc.Text())
	}
	s.err = s.cmd.Wait()
	close(s.exited)
}

// waitListening reads the "listening" lines for the addresses.
func (s *server) waitListening(n int) {
	s.t.Helper()
	for _, e := range s.waitLogs(n, func(e logEntry) bool { return e.str("msg") == "listening" }) {
		if e.str("mode") == "implicit-ftps" {
			s.tlsAt = e.str("addr")
		} else {
			s.addr = e.str("addr")
		}
	}
	if s.addr == "" {
		s.t.Fatalf("no control address logged:\n%s", s.log)
	}
}

// waitLog waits until the server logs a line that match accepts.
func (s *server) waitLog(match func(logEntry) bool) logEntry {
	s.t.Helper()
	return s.waitLogs(1, match)[0]
}

// waitLogs waits for n log lines that match accepts, failing the test if
// the server exits or startTimeout passes first.
func (s *server) waitLogs(n int, match func(logEntry) bool) []logEntry {
	s.t.Helper()
	timer := time.NewTimer(startTimeout)
	defer timer.Stop()
	var found []logEntry
	for seen := 0; ; {
		entries, changed := s.log.since(seen)
		seen += len(entries)
		for _, e := range entries {
			if match(e) {
				if found = append(found, e); len(found) == n {
					return found
				}
			}
		}
		select {
		case <-changed:
		case <-s.exited:
			entries, _ := s.log.since(seen)
			if len(entries) == 0 {
				s.t.Fatalf("luaftpd exited (%v) before the expected log line:\n%s", s.err, s.log)
			}
		case <-timer.C:
			s.t.Fatalf("no expected log line within %v:\n%s", startTimeout, s.log)
		}
	}
}

// stop sends SIGTERM and waits for the process; it is killed if it does
// not end in time. The log is shown when the test failed.
func (s *server) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(45 * time.Second):
		s.cmd.Process.Kill()
		s.killed = true
		<-s.exited
		s.t.Errorf("luaftpd did not stop within 45s of SIGTERM")
	}
	if s.log.contains("WARNING: DATA RACE") {
		s.t.Errorf("the race detector reported a data race in luaftpd:\n%s", s.log.all())
	} else if code := s.cmd.ProcessState.ExitCode(); code != 0 && !s.killed {
		s.t.Errorf("luaftpd exited with status %d", code)
	}
	if s.t.Failed() {
		s.t.Logf("luaftpd log:\n%s", s.log)
	}
}

// url is an ftp:// URL of the server for user:password and path.
func (s *server) url(userinfo, path string) string {
	return "ftp://" + userinfo + "@" + s.addr + path
}

// port is the control port.
func (s *server) port() string {
	_, port, _ := net.SplitHostPort(s.addr)
	return port
}

func hasFlag(args []string, name string) bool {
	for _, a := range args {
		if a == name || strings.HasPrefix(a, name+"=") {
			return true
		}
	}
	return false
}

func flagValue(args []string, name string) string {
	for i, a := range args {
		if a == name && i+1 < len(args) {
			return args[i+1]
		}
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v
		}
	}
	return ""
}

// randomBytes returns n random bytes.
func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// writeAt writes data to root/name, making folders as needed.
func writeAt(t *testing.T, root, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// sameFile fails the test unless the file at path holds want.
func sameFile(t *testing.T, path string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s: %d bytes differ from the %d expected", path, len(got), len(want))
	}
}
