package main

// NcFTP's one-shot tools: ncftpget (which sizes files with MLST, resumes
// with REST and walks trees with MLSD), ncftpput (which probes with MLST
// and SIZE, makes folders with MKD and sets the uploaded file's time with
// MFF or MFMT) and ncftpls (LIST, or MLSD with -m), passive (PASV: NcFTP
// sends no EPSV on IPv4) and active (PORT). NcFTP speaks no FTPS, and
// 3.2.6 no IPv6 ("unknown host" for ::1).
//
// Not tested: resuming an upload. ncftpput -z sends REST n and STOR, then
// sends the whole file from its start (sendfile from offset 0), so the
// server rightly writes it after the n bytes it had; a client bug.

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// ncftpTime is the modification time of the files ncftpput uploads, which
// it sets on the server's copies.
var ncftpTime = time.Date(2021, time.March, 4, 5, 6, 7, 0, time.UTC)

// ncftp runs one of NcFTP's tools with a preferences folder of its own
// (NCFTPDIR), which it would otherwise make in the home folder of the
// user's password entry, whatever HOME says.
func ncftp(t *testing.T, tool string, args ...string) string {
	t.Helper()
	bin := needTool(t, tool)
	return mustRun(t, nil, "env", slices.Concat([]string{"NCFTPDIR=" + t.TempDir(), bin}, args)...)
}

// ncftpRefusable are the refusals NcFTP's tools bring on themselves and
// get over: probing for a remote file or folder before making it (MLST,
// SIZE, CWD), asking for a server-made tar of a folder before walking it
// (MDTM and RETR of folder.tar), and MFF: ncftpput sends
// "MFF Modify=...;Create=... name", without the ";" the draft's grammar
// ends the facts with, and a Create fact no Unix server can set; on the
// 501 it sends MFMT.
func ncftpRefusable(c cellCommand) bool {
	switch c.verb {
	case "MLST", "SIZE", "CWD":
		return c.code == 550
	case "MDTM", "RETR":
		return c.code == 550 && strings.HasSuffix(c.arg, ".tar")
	case "MFF":
		return c.code == 501
	}
	return false
}

// TestNcftp runs a passive and an active cell.
func TestNcftp(t *testing.T) {
	modes := []string{"PASV", "PORT"}
	s := startCellServer(t, "ncftp-pasv", "ncftp-port")
	for _, mode := range modes {
		t.Run("ncftp-"+strings.ToLower(mode), func(t *testing.T) {
			needTool(t, "ncftpget")
			t.Parallel()
			ncftpCell(t, s, mode)
		})
	}
}

// ncftpCell downloads the three seeded files (seed.bin resumed), uploads
// two files and a tree, lists the folder both ways and downloads the tree
// back, each in a run of its own.
func ncftpCell(t *testing.T, s *server, mode string) {
	user, local := "ncftp-"+strings.ToLower(mode), t.TempDir()
	login := []string{"-t", "20", "-u", user, "-p", "pw", "-P", s.port(), "-F"}
	if mode == "PORT" {
		login[len(login)-1] = "-E"
	}
	quiet := slices.Concat(login, []string{"-V"}) // ncftpls has no progress meter to turn off
	files, part := seedForResume(t, s, user, local)
	ncftp(t, "ncftpget", slices.Concat(quiet, []string{"-z", "127.0.0.1", local, "/seed.bin", "/" + spaceName, "/" + utf8Name})...)
	for name, data := range files {
		sameFile(t, filepath.Join(local, name), data)
	}

	ups := ncftpUploads(t, s, user, quiet)
	ncftpLists(t, s, user, login)
	src := t.TempDir()
	writeNamesTree(t, filepath.Join(src, "tree"))
	ncftp(t, "ncftpput", slices.Concat(quiet, []string{"-R", "-m", "127.0.0.1", "/up/new", filepath.Join(src, "tree")})...)
	sameTree(t, src, filepath.Join(s.root, user, "up/new"))
	back := t.TempDir()
	ncftp(t, "ncftpget", slices.Concat(quiet, []string{"-R", "127.0.0.1", back, "/up/new/tree"})...)
	sameTree(t, src, back)

	cmds := userCommands(t, s, user)
	checkCommands(t, cmds, mode,
		cellCommand{"MLST", "/seed.bin", 250},
		cellCommand{"REST", strconv.Itoa(part), 350},
		cellCommand{"RETR", "/" + spaceName, 226},
		cellCommand{"RETR", "/" + utf8Name, 226},
		cellCommand{"STOR", ups[0], 226},
		cellCommand{"MFMT", "", 213},
		cellCommand{"LIST", "", 226},
		cellCommand{"MLSD", "", 226},
		cellCommand{"MKD", "up", 257},
		cellCommand{"MLSD", "./sub dir", 226},
		cellCommand{"RETR", "/up/new/tree/sub dir/ünï cödé.bin", 226})
	checkNoRefusals(t, cmds, ncftpRefusable)
}

// ncftpUploads uploads a file under each awkward name with ncftpput and
// checks their bytes and times (ncftpput sets the server's copy's time to
// its own); it returns the remote names.
func ncftpUploads(t *testing.T, s *server, user string, login []string) []string {
	t.Helper()
	dir := t.TempDir()
	names := []string{"up " + spaceName, "up_" + utf8Name}
	data := map[string][]byte{}
	args := slices.Concat(login, []string{"127.0.0.1", "/"})
	for _, name := range names {
		data[name] = randomBytes(t, 60<<10+len(name))
		p := writeAt(t, dir, name, data[name])
		if err := os.Chtimes(p, ncftpTime, ncftpTime); err != nil {
			t.Fatal(err)
		}
		args = append(args, p)
	}
	ncftp(t, "ncftpput", args...)
	for _, name := range names {
		p := filepath.Join(s.root, user, name)
		sameFile(t, p, data[name])
		if fi, err := os.Stat(p); err != nil || !fi.ModTime().Equal(ncftpTime) {
			t.Errorf("%s: modified %v (%v), want %v as ncftpput set it", name, fi.ModTime(), err, ncftpTime)
		}
	}
	return names
}

// ncftpLists lists the user's folder long (LIST) and machine-readable
// (MLSD) with ncftpls, and checks that both show every seeded name.
func ncftpLists(t *testing.T, s *server, user string, login []string) {
	t.Helper()
	url := "ftp://127.0.0.1/"
	long := ncftp(t, "ncftpls", slices.Concat(login, []string{"-l", url})...)
	mlsd := ncftp(t, "ncftpls", slices.Concat(login, []string{"-m", url})...)
	for _, name := range []string{"seed.bin", spaceName, utf8Name} {
		if !strings.Contains(long, " "+name+"\n") {
			t.Errorf("ncftpls -l does not show %q:\n%s", name, long)
		}
		if !strings.Contains(mlsd, "type=file;") || !strings.Contains(mlsd, "; "+name+"\n") {
			t.Errorf("ncftpls -m does not show %q:\n%s", name, mlsd)
		}
	}
}
