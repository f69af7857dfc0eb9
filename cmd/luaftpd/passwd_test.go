package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ptyDriver runs `luaftpd passwd FILE USER` on a pseudo-terminal, answers
// each prompt with the next argument, and prints everything the terminal
// showed; its exit status is luaftpd's.
const ptyDriver = `
import os, pty, select, sys, termios, time
binary, path, user, answers = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(binary, [binary, "passwd", path, user])
shown, deadline = b"", time.time() + 30
def more():
    global shown
    if not select.select([fd], [], [], max(0, deadline - time.time()))[0]:
        sys.exit("timed out; the terminal showed %r" % shown)
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        chunk = b""
    shown += chunk
    return chunk != b""
for i, answer in enumerate(answers):
    # Wait for this answer's own prompt (the answers may be equal).
    while shown.count(b": ") <= i:
        if not more():
            break
    # Type as a person would: once the prompt is there and echo is off
    # (or after a while, if it never goes off).
    wait = time.time() + 2
    while termios.tcgetattr(fd)[3] & termios.ECHO and time.time() < wait:
        time.sleep(0.005)
    os.write(fd, answer.encode() + b"\n")
while more():
    pass
sys.stdout.write(shown.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
`

// passwdOnTerminal runs luaftpd passwd on a pseudo-terminal, typing the
// answers to its prompts.
func passwdOnTerminal(t *testing.T, file, user string, answers ...string) result {
	t.Helper()
	python := needTool(t, "python3")
	args := append([]string{"-c", ptyDriver, binPath, file, user}, answers...)
	return runTool(t, nil, python, args...)
}

// TestPasswdOnTerminal types the password twice at a terminal: nothing
// echoes it, and the users file gets its hash.
func TestPasswdOnTerminal(t *testing.T) {
	file := filepath.Join(t.TempDir(), "users")
	r := passwdOnTerminal(t, file, "alice", "s3cret-typed", "s3cret-typed")
	if r.code != 0 {
		t.Fatalf("exit %d; the terminal showed %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout, "s3cret") {
		t.Fatalf("the terminal echoed the password: %q", r.stdout)
	}
	if !strings.Contains(r.stdout, "Password for alice: ") || !strings.Contains(r.stdout, "Retype the password for alice: ") {
		t.Errorf("prompts: the terminal showed %q", r.stdout)
	}
	text, err := os.ReadFile(file)
	if err != nil || !strings.HasPrefix(string(text), "alice:$2") {
		t.Fatalf("users file %q, %v", text, err)
	}
	s := startServer(t, "-users", file)
	if code := tryLogin(t, s.addr, "alice", "s3cret-typed"); code != 230 {
		t.Errorf("login with the typed password: %d", code)
	}
}

// TestPasswdOnTerminalMismatch types two different passwords: refused,
// and the users file is left as it was (here: not created).
func TestPasswdOnTerminalMismatch(t *testing.T) {
	file := filepath.Join(t.TempDir(), "users")
	r := passwdOnTerminal(t, file, "alice", "first-try", "second-try")
	if r.code != 1 || !strings.Contains(r.stdout, "do not match") {
		t.Fatalf("exit %d, the terminal showed %q; want 1 and a mismatch message", r.code, r.stdout)
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("a refused passwd touched the users file: %v", err)
	}
}
