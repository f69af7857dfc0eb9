package main

// What the tests of the command-line clients Debian ships (the BSD ftp of
// tnftp and of GNU inetutils, GNU Wget, NcFTP) share: a server with one
// user per cell, files whose names need quoting or encoding, and the check
// of the commands a cell's sessions sent, read from the server's debug log
// as the matrix does.

import (
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// The names of the files every cell moves, besides seed.bin: one a client
// must quote, one it must send as UTF-8 (and percent-encode in a URL).
const (
	spaceName = "name with spaces.bin"
	utf8Name  = "grüße_☃.bin"
)

// startCellServer runs a server on 127.0.0.1 with explicit and implicit
// FTPS, debug logs (for the commands) and one user per cell, each in a
// folder of its own named like the user.
func startCellServer(t *testing.T, users ...string) *server {
	t.Helper()
	return startCellServerOn(t, "127.0.0.1", users...)
}

// noIPv6Loopback says why this machine cannot listen on [::1], or "" when
// it can: the IPv6 servers and cells are skipped with that reason.
func noIPv6Loopback() string {
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		return fmt.Sprintf("no IPv6 loopback on this machine (%v)", err)
	}
	ln.Close()
	return ""
}

// startCellServerOn is startCellServer on the loopback address host.
func startCellServerOn(t *testing.T, host string, users ...string) *server {
	t.Helper()
	hostPort := net.JoinHostPort(host, "0")
	args := []string{"-listen", hostPort, "-implicit-listen", hostPort, "-tls-self-signed", "-log-level", "debug"}
	for _, u := range users {
		args = append(args, "-user", u+":pw:"+u)
	}
	return startServer(t, args...)
}

// seedForResume is seedFiles, plus the first third of seed.bin in the
// folder local for the client to resume from; part is its length, the
// offset of the REST the client should send.
func seedForResume(t *testing.T, s *server, user, local string) (files map[string][]byte, part int) {
	t.Helper()
	files = seedFiles(t, s, user)
	part = len(files["seed.bin"]) / 3
	writeAt(t, local, "seed.bin", files["seed.bin"][:part])
	return files, part
}

// seedFiles writes seed.bin and the two awkward names, each of different
// random bytes, into the user's folder, and returns them by name.
func seedFiles(t *testing.T, s *server, user string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{
		"seed.bin": randomBytes(t, 300<<10+7),
		spaceName:  randomBytes(t, 70<<10+1),
		utf8Name:   randomBytes(t, 50<<10+3),
	}
	for name, data := range files {
		writeAt(t, s.root, user+"/"+name, data)
	}
	return files
}

// userCommands waits until every session that logged in as user has
// ended, then returns the commands of those sessions in the order they
// were logged. The server logs a login before its 230 goes out, so once
// the client has exited every one of its sessions is known.
func userCommands(t *testing.T, shared *server, user string) []cellCommand {
	t.Helper()
	// The server may belong to the parent test; a wait that fails must
	// fail this one, from its own goroutine.
	s := *shared
	s.t = t
	entries, _ := s.log.since(0)
	sessions := map[string]bool{}
	for _, e := range entries {
		if e.str("msg") == "login" && e.str("user") == user {
			sessions[e.str("session")] = true
		}
	}
	if len(sessions) == 0 {
		t.Fatalf("no session logged in as %s", user)
	}
	s.waitLogs(len(sessions), func(e logEntry) bool {
		return e.str("msg") == "session closed" && sessions[e.str("session")]
	})
	return cellCommands(&s, user)
}

// commandList is cmds one a line, for failure messages.
func commandList(cmds []cellCommand) string {
	var lines []string
	for _, c := range cmds {
		lines = append(lines, fmt.Sprintf("%s %s -> %d", c.verb, c.arg, c.code))
	}
	return strings.Join(lines, "\n")
}

// hasCommand reports whether cmds hold verb with arg ("" for any) answered
// with code (0 for any).
func hasCommand(cmds []cellCommand, verb, arg string, code int) bool {
	return slices.ContainsFunc(cmds, func(c cellCommand) bool {
		return c.verb == verb && (arg == "" || c.arg == arg) && (code == 0 || c.code == code)
	})
}

// checkCommands fails the test unless the sessions used the data verb
// mode, and no other, and sent every command of want with its code.
func checkCommands(t *testing.T, cmds []cellCommand, mode string, want ...cellCommand) {
	t.Helper()
	if !hasCommand(cmds, mode, "", dataVerbs[mode]) {
		t.Errorf("no %s answered %d; the sessions sent:\n%s", mode, dataVerbs[mode], commandList(cmds))
	}
	for verb := range dataVerbs {
		if verb != mode && hasCommand(cmds, verb, "", 0) {
			t.Errorf("%s sent in a %s cell; the sessions sent:\n%s", verb, mode, commandList(cmds))
		}
	}
	for _, w := range want {
		if !hasCommand(cmds, w.verb, w.arg, w.code) {
			t.Errorf("no %s %s answered %d; the sessions sent:\n%s", w.verb, w.arg, w.code, commandList(cmds))
		}
	}
}

// checkNoRefusals fails the test if a command got a 4xx or 5xx reply,
// unless refusable says it may.
func checkNoRefusals(t *testing.T, cmds []cellCommand, refusable func(cellCommand) bool) {
	t.Helper()
	for _, c := range cmds {
		if c.code >= 400 && (refusable == nil || !refusable(c)) {
			t.Errorf("%s %s refused with %d; the sessions sent:\n%s", c.verb, c.arg, c.code, commandList(cmds))
		}
	}
}

// checkTLSCommands fails the test unless the sessions asked for TLS as the
// security says: AUTH TLS for explicit FTPS, PROT P for both FTPS kinds.
func checkTLSCommands(t *testing.T, cmds []cellCommand, sec string) {
	t.Helper()
	if got, want := hasCommand(cmds, "AUTH", "TLS", 234), sec == secExplicit; got != want {
		t.Errorf("AUTH TLS answered 234: %v, want %v; the sessions sent:\n%s", got, want, commandList(cmds))
	}
	if got, want := hasCommand(cmds, "PROT", "P", 200), sec != secPlain; got != want {
		t.Errorf("PROT P answered 200: %v, want %v; the sessions sent:\n%s", got, want, commandList(cmds))
	}
}

// oldTime is the modification time of the tree's old file: more than six
// months back, so LIST shows its year instead of its time, and at noon UTC
// so its date is the same in every time zone within 11 hours of UTC.
var oldTime = time.Date(2020, time.January, 2, 12, 0, 0, 0, time.UTC)

// writeNamesTree writes a small tree with the names a listing parser may
// trip on (spaces, UTF-8, an empty file, nested folders, a file old enough
// to be listed with its year) into dir.
func writeNamesTree(t *testing.T, dir string) {
	t.Helper()
	writeAt(t, dir, "a.txt", []byte("a\n"))
	writeAt(t, dir, "empty", nil)
	writeAt(t, dir, "sub dir/ünï cödé.bin", randomBytes(t, 40<<10+5))
	writeAt(t, dir, "sub dir/deeper/d.bin", randomBytes(t, 3000))
	old := writeAt(t, dir, "old.txt", []byte("old\n"))
	if err := os.Chtimes(old, oldTime, oldTime); err != nil {
		t.Fatal(err)
	}
}
