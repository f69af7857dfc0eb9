package main

// GNU Wget: downloads of single files (seed.bin resumed with -c) over
// plain FTP, explicit FTPS (ftps://) and implicit FTPS (--ftps-implicit),
// passive and active (PASV and PORT on IPv4, EPSV and EPRT on IPv6), and
// recursive mirrors, for which Wget parses the server's LIST output: a
// misread line shows as a missing or wrong file, or a file fetched again
// by a second --mirror that should fetch nothing.

import (
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// wgetArgs are given to every Wget run: bounded, quiet but for errors,
// trusting the server's self-signed certificate, and reading no ~/.wgetrc.
var wgetArgs = []string{"--no-config", "-nv", "--tries=1", "--timeout=20", "--no-check-certificate"}

func wget(t *testing.T, args ...string) string {
	t.Helper()
	return mustRun(t, nil, needTool(t, "wget"), slices.Concat(wgetArgs, args)...)
}

// wgetCell is one security, data mode and address family.
type wgetCell struct {
	sec, mode string
	v6        bool
}

func (c wgetCell) user() string {
	name := "wget-" + c.sec + "-" + strings.ToLower(c.mode)
	if c.v6 {
		name += "-v6"
	}
	return name
}

// wgetCells are the single-file cells. On IPv6 Wget sends EPSV and EPRT.
var wgetCells = []wgetCell{
	{secPlain, "PASV", false}, {secPlain, "PORT", false},
	{secExplicit, "PASV", false}, {secExplicit, "PORT", false},
	{secImplicit, "PASV", false}, {secImplicit, "PORT", false},
	{secPlain, "EPSV", true}, {secExplicit, "EPRT", true},
}

// args are the flags of the cell and the URL of its user's folder.
func (c wgetCell) args(s *server) (flags []string, base string) {
	scheme, addr := "ftp://", s.addr
	switch c.sec {
	case secExplicit:
		scheme = "ftps://" // explicit (AUTH TLS) unless --ftps-implicit
	case secImplicit:
		scheme, addr = "ftps://", s.tlsAt
		flags = append(flags, "--ftps-implicit")
	}
	if c.mode == "PORT" || c.mode == "EPRT" {
		flags = append(flags, "--no-passive-ftp")
	}
	return flags, scheme + c.user() + ":pw@" + addr + "/"
}

// TestWget runs every single-file cell, then the mirrors, plain and over
// explicit FTPS. The cells of each family share a server.
func TestWget(t *testing.T) {
	users := map[bool][]string{false: {"wget-mirror-plain", "wget-mirror-explicit"}}
	for _, c := range wgetCells {
		users[c.v6] = append(users[c.v6], c.user())
	}
	servers := map[bool]*server{false: startCellServer(t, users[false]...)}
	v6Missing := noIPv6Loopback()
	if v6Missing == "" {
		servers[true] = startCellServerOn(t, "::1", users[true]...)
	}
	for _, c := range wgetCells {
		t.Run(c.user(), func(t *testing.T) {
			if c.v6 && v6Missing != "" {
				t.Skip(v6Missing)
			}
			needTool(t, "wget")
			t.Parallel()
			wgetCellRun(t, servers[c.v6], c)
		})
	}
	s := servers[false]
	for _, sec := range []string{secPlain, secExplicit} {
		t.Run("mirror-"+sec, func(t *testing.T) {
			needTool(t, "wget")
			t.Parallel()
			wgetMirror(t, s, sec)
		})
	}
}

// wgetCellRun downloads the three seeded files in one Wget run, seed.bin
// resumed from a third of it.
func wgetCellRun(t *testing.T, s *server, c wgetCell) {
	user, local := c.user(), t.TempDir()
	files, part := seedForResume(t, s, user, local)

	flags, base := c.args(s)
	args := append(flags, "-c", "-nd", "-P", local)
	for _, name := range []string{"seed.bin", spaceName, utf8Name} {
		args = append(args, base+url.PathEscape(name))
	}
	wget(t, args...)
	for name, data := range files {
		sameFile(t, filepath.Join(local, name), data)
	}

	cmds := userCommands(t, s, user)
	checkCommands(t, cmds, c.mode,
		cellCommand{"SIZE", "seed.bin", 213},
		cellCommand{"REST", strconv.Itoa(part), 350},
		cellCommand{"RETR", "seed.bin", 226},
		cellCommand{"RETR", spaceName, 226},
		cellCommand{"RETR", utf8Name, 226})
	checkTLSCommands(t, cmds, c.sec)
	checkNoRefusals(t, cmds, nil)
}

// wgetMirror mirrors a tree of awkward names with --mirror, checks every
// byte and the old file's date (Wget dates files from the listing), then
// mirrors again: nothing changed, so nothing may be fetched again.
func wgetMirror(t *testing.T, s *server, sec string) {
	user, local := "wget-mirror-"+sec, t.TempDir()
	src := filepath.Join(s.root, user, "tree")
	writeNamesTree(t, src)
	scheme := map[string]string{secPlain: "ftp://", secExplicit: "ftps://"}[sec]
	// -nH and --cut-dirs=1 put the tree's files right in local.
	args := []string{"--mirror", "--remove-listing", "-nH", "--cut-dirs=1", "-P", local,
		scheme + user + ":pw@" + s.addr + "/tree/"}
	wget(t, args...)
	sameTree(t, src, local)
	fi, err := os.Stat(filepath.Join(local, "old.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if y, m, d := fi.ModTime().Date(); y != oldTime.Year() || m != oldTime.Month() || d != oldTime.Day() {
		t.Errorf("old.txt dated %v from the listing, want %v", fi.ModTime(), oldTime.Format("2006-01-02"))
	}
	first := userCommands(t, s, user)
	checkCommands(t, first, "PASV",
		cellCommand{"CWD", "/tree/sub dir", 250},
		cellCommand{"LIST", "-a", 226},
		cellCommand{"RETR", "ünï cödé.bin", 226},
		cellCommand{"RETR", "old.txt", 226})
	checkTLSCommands(t, first, sec)
	checkNoRefusals(t, first, nil)

	wget(t, args...)
	again := userCommands(t, s, user)[len(first):]
	if !hasCommand(again, "LIST", "", 226) || hasCommand(again, "RETR", "", 0) {
		t.Errorf("the second mirror should list and fetch nothing; it sent:\n%s", commandList(again))
	}
	sameTree(t, src, local)
}
