package main

// The classic interactive ftp command, fed a script on its standard input:
// tnftp (NetBSD's ftp, Debian's default "ftp") and GNU inetutils' ftp.
// They differ where it shows: tnftp sends FEAT and uses EPSV and EPRT on
// IPv4 unless told otherwise; inetutils sends SYST before USER, no FEAT,
// and only PASV and PORT on IPv4. Neither speaks FTPS. Both exit 0 when a
// command of the script fails, so the tests check the bytes and the
// server's log, not the exit status.

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// bsdCell is one client and data mode.
type bsdCell struct {
	tool, mode string
}

func (c bsdCell) user() string { return c.tool + "-" + strings.ToLower(c.mode) }

// bsdCells: tnftp in its four data modes, inetutils in its two.
var bsdCells = []bsdCell{
	{"tnftp", "EPSV"}, {"tnftp", "PASV"}, {"tnftp", "EPRT"}, {"tnftp", "PORT"},
	{"inetutils-ftp", "PASV"}, {"inetutils-ftp", "PORT"},
}

// modeLines are the script lines that choose the cell's data mode; flags
// are the command-line flags that do.
func (c bsdCell) modeLines() (lines string, flags []string) {
	if c.tool == "inetutils-ftp" {
		if c.mode == "PASV" {
			return "", []string{"-p"} // active is its default
		}
		return "", nil
	}
	lines = map[string]string{
		"EPSV": "passive on\n",
		"PASV": "passive on\nepsv4 off\n",
		"EPRT": "passive off\n",
		"PORT": "passive off\nepsv4 off\n",
	}[c.mode]
	return lines, nil
}

// TestBSDFtp has each cell list the user's folder, download the three
// seeded files (seed.bin resumed with reget from a local part of it),
// upload a file under the two awkward names, move a text file both ways in
// ASCII mode and ask SIZE, in one session.
func TestBSDFtp(t *testing.T) {
	var users []string
	for _, c := range bsdCells {
		users = append(users, c.user())
	}
	s := startCellServer(t, users...)
	for _, c := range bsdCells {
		t.Run(c.user(), func(t *testing.T) {
			needTool(t, c.tool)
			t.Parallel()
			bsdCellRun(t, s, c)
		})
	}
}

func bsdCellRun(t *testing.T, s *server, c bsdCell) {
	user, local := c.user(), t.TempDir()
	files, part := seedForResume(t, s, user, local)
	up := randomBytes(t, 90<<10+11)
	writeAt(t, local, "up.bin", up)
	// A text file goes up and back in ASCII mode: CRLF on the wire, the
	// same LF lines at both ends.
	text := []byte("one\ntwo\n\nthree ☃\n" + strings.Repeat("a line of text\n", 5000))
	writeAt(t, local, "text.txt", text)

	lines, flags := c.modeLines()
	q := func(dir, name string) string { return strconv.Quote(filepath.Join(dir, name)) }
	script := fmt.Sprintf("user %s pw\nbinary\n%sls\n", user, lines) +
		fmt.Sprintf("reget seed.bin %s\n", q(local, "seed.bin")) +
		fmt.Sprintf("get %q %s\nget %q %s\n", spaceName, q(local, "space.bin"), utf8Name, q(local, "utf8.bin")) +
		fmt.Sprintf("put %s %q\nput %s %q\n", q(local, "up.bin"), "up "+spaceName, q(local, "up.bin"), "up_"+utf8Name) +
		fmt.Sprintf("ascii\nput %s text.txt\nget text.txt %s\nbinary\n", q(local, "text.txt"), q(local, "textback.txt")) +
		"size seed.bin\nquit\n"
	args := append(flags, "-n", "-v", "127.0.0.1", s.port())
	out := mustRun(t, []byte(script), needTool(t, c.tool), args...)

	for _, name := range []string{"seed.bin", spaceName, utf8Name} {
		if !strings.Contains(out, " "+name+"\n") {
			t.Errorf("the listing does not show %q:\n%s", name, out)
		}
	}
	sameFile(t, filepath.Join(local, "seed.bin"), files["seed.bin"])
	sameFile(t, filepath.Join(local, "space.bin"), files[spaceName])
	sameFile(t, filepath.Join(local, "utf8.bin"), files[utf8Name])
	sameFile(t, filepath.Join(s.root, user, "up "+spaceName), up)
	sameFile(t, filepath.Join(s.root, user, "up_"+utf8Name), up)
	sameFile(t, filepath.Join(s.root, user, "text.txt"), text)
	sameFile(t, filepath.Join(local, "textback.txt"), text)

	cmds := userCommands(t, s, user)
	checkCommands(t, cmds, c.mode,
		cellCommand{"LIST", "", 226},
		cellCommand{"REST", strconv.Itoa(part), 350},
		cellCommand{"RETR", "seed.bin", 226},
		cellCommand{"RETR", spaceName, 226},
		cellCommand{"RETR", utf8Name, 226},
		cellCommand{"STOR", "up " + spaceName, 226},
		cellCommand{"STOR", "up_" + utf8Name, 226},
		cellCommand{"TYPE", "A", 200},
		cellCommand{"STOR", "text.txt", 226},
		cellCommand{"RETR", "text.txt", 226},
		cellCommand{"SIZE", "seed.bin", 213})
	checkNoRefusals(t, cmds, nil)
	if c.tool == "tnftp" && !hasCommand(cmds, "FEAT", "", 211) {
		t.Errorf("tnftp sent no FEAT answered 211; the session sent:\n%s", commandList(cmds))
	}
}
