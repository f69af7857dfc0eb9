package core

import (
	"io/fs"
	"slices"
	"strings"
	"testing"
)

func TestFEATFromTable(t *testing.T) {
	ts := startServer(t)
	c := ts.dial(t)
	msg := c.cmd(211, "FEAT")
	lines := strings.Split(msg, "\n")
	if lines[0] != "Features:" || lines[len(lines)-1] != "End" {
		t.Fatalf("FEAT framing: %q", msg)
	}
	var feats []string
	for _, l := range lines[1 : len(lines)-1] {
		if !strings.HasPrefix(l, " ") || strings.HasPrefix(l, "  ") {
			t.Errorf("FEAT line %q does not start with exactly one space", l)
		}
		feats = append(feats, l[1:])
	}
	for _, want := range []string{"UTF8", "TVFS", "SIZE", "MDTM", "REST STREAM", "EPSV", "EPRT",
		"MLST type*;size*;modify*;perm*;unique*;unix.mode*;", "HASH SHA-256*;SHA-1;MD5;CRC32;SHA-512", "AVBL", "MFMT", "SITE CHMOD"} {
		if !slices.Contains(feats, want) {
			t.Errorf("FEAT lacks %q: %q", want, feats)
		}
	}
	if slices.Contains(feats, "AUTH TLS") {
		t.Error("FEAT claims AUTH TLS without a TLS configuration")
	}
	// Every FEAT line names a verb of the table (or a fixed extension).
	for _, f := range feats {
		verb, _, _ := strings.Cut(f, " ")
		if commands[verb] == nil && verb != "UTF8" && verb != "TVFS" {
			t.Errorf("FEAT line %q names no command", f)
		}
	}
}

func TestOPTS(t *testing.T) {
	ts := startServer(t)
	c := ts.dial(t)
	c.cmd(200, "OPTS UTF8 ON")
	c.cmd(200, "opts utf8 on")
	c.cmd(501, "OPTS")
	c.cmd(501, "OPTS FOO")
	if msg := c.cmd(200, "OPTS MLST type;size;"); msg != "MLST OPTS type;size;" {
		t.Errorf("OPTS MLST: %q", msg)
	}
	if !strings.Contains(c.cmd(211, "FEAT"), "MLST type*;size*;modify;perm;unique;unix.mode;") {
		t.Error("FEAT does not mark the chosen MLST facts")
	}
	if msg := c.cmd(200, "OPTS HASH MD5"); msg != "MD5" {
		t.Errorf("OPTS HASH: %q", msg)
	}
	c.cmd(501, "OPTS HASH WHIRLPOOL")
	if msg := c.cmd(200, "OPTS HASH"); msg != "MD5" {
		t.Errorf("OPTS HASH: %q", msg)
	}
}

func TestHELP(t *testing.T) {
	ts := startServer(t)
	c := ts.dial(t)
	msg := c.cmd(214, "HELP")
	for verb := range commands {
		if !strings.Contains(msg, verb) {
			t.Errorf("HELP lacks %s", verb)
		}
	}
	if msg := c.cmd(214, "HELP xcup"); msg != "Syntax: XCUP" {
		t.Errorf("HELP XCUP: %q", msg)
	}
	if msg := c.cmd(214, "HELP  retr"); msg != "Syntax: RETR <path>" {
		t.Errorf("HELP  retr: %q", msg)
	}
	c.cmd(502, "HELP NOPE")
}

func TestSmallInfoCommands(t *testing.T) {
	ts := startServer(t)
	c := ts.dial(t)
	if msg := c.cmd(215, "SYST"); msg != "UNIX Type: L8" {
		t.Errorf("SYST: %q", msg)
	}
	c.cmd(200, "NOOP")
	c.cmd(200, "CLNT curl 8.0")
	c.cmd(200, "LANG")
	c.cmd(200, "LANG EN-US")
	c.cmd(504, "LANG FR")
	c.cmd(504, "LANG fr-CA")
	c.cmd(200, "LANG en")
	for _, bad := range []string{"bogus tag", "en_US", "toolongtag", "en-", "1a", "EN-US-"} {
		if code, msg := c.send("LANG %s", bad); code != 501 || msg != "Syntax: LANG [<language tag>]" {
			t.Errorf("LANG %s: %d %q", bad, code, msg)
		}
	}
	c.cmd(220, "HOST example.com")
	c.cmd(501, "HOST")
	c.cmd(202, "ACCT x")
	c.cmd(331, "USER alice")
	c.cmd(503, "HOST example.com")
	c.cmd(230, "PASS secret")
	c.cmd(202, "ALLO 100")
	c.cmd(502, "SMNT /x")
	msg := c.cmd(211, "STAT")
	if !strings.Contains(msg, "Logged in as alice") || !strings.Contains(msg, "TYPE: BINARY") {
		t.Errorf("STAT: %q", msg)
	}
}

func TestSITE(t *testing.T) {
	ts := startServer(t)
	ctx := t.Context()
	up, _ := ts.Mem.Create(ctx, "/f.txt")
	up.Write([]byte("x"))
	up.Commit()
	c := ts.loginAlice(t)
	if msg := c.cmd(214, "SITE HELP"); !strings.Contains(msg, "CHMOD") {
		t.Errorf("SITE HELP: %q", msg)
	}
	c.cmd(200, "SITE CHMOD 600 f.txt")
	if fi, _ := ts.Mem.Stat(ctx, "/f.txt"); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode())
	}
	c.cmd(200, "site chmod 0755 /f.txt")
	c.cmd(501, "SITE CHMOD 9z9 f.txt")
	c.cmd(501, "SITE CHMOD 644")
	c.cmd(550, "SITE CHMOD 644 missing")
	c.cmd(500, "SITE FROB")
}

func TestAVBL(t *testing.T) {
	ts := startServer(t)
	c := ts.loginAlice(t)
	c.cmd(213, "AVBL")
	c.cmd(550, "AVBL /missing")
}

// TestSITEUTIME: "SITE UTIME YYYYMMDDhhmm[ss] path" sets a modification
// time as ProFTPD's mod_site_misc and pure-ftpd do (the older spelling of
// MFMT, still sent by some clients).
func TestSITEUTIME(t *testing.T) {
	ts := startServer(t, func(s *Server) { s.Anonymous = true })
	ts.putFile(t, "/f.txt", "x")
	c := ts.loginAlice(t)
	c.Is(200, "SITE UTIME command successful.", "SITE UTIME 20200102030405 f.txt")
	if msg := c.cmd(213, "MDTM f.txt"); msg != "20200102030405" {
		t.Errorf("MDTM after SITE UTIME: %q", msg)
	}
	c.Is(200, "SITE UTIME command successful.", "site utime 202101020304 /f.txt")
	if msg := c.cmd(213, "MDTM f.txt"); msg != "20210102030400" {
		t.Errorf("MDTM after SITE UTIME with minutes: %q", msg)
	}
	for _, bad := range []string{"SITE UTIME", "SITE UTIME 20200102030405", "SITE UTIME f.txt 20200102030405", "SITE UTIME 2020 f.txt"} {
		c.Is(501, "Syntax: SITE UTIME YYYYMMDDhhmm[ss] <path>", "%s", bad)
	}
	c.cmd(550, "SITE UTIME 20200102030405 missing")
	// a read-only user may not (SITE is no write command to the dispatcher)
	anon := ts.login(t, "anonymous", "a@b")
	anon.Is(550, "Permission denied.", "SITE UTIME 20220102030405 f.txt")
	if msg := anon.cmd(213, "MDTM f.txt"); msg != "20210102030400" {
		t.Errorf("MDTM after a read-only SITE UTIME: %q", msg)
	}
	if msg := c.cmd(214, "SITE HELP"); !strings.Contains(msg, "\n UTIME YYYYMMDDhhmm[ss] <path>\n") {
		t.Errorf("SITE HELP: %q", msg)
	}
}

// TestSITEChmodSymbolic: SITE CHMOD takes chmod(1)'s symbolic modes too, as
// ProFTPD and pure-ftpd do; no "who" means all, without a umask.
func TestSITEChmodSymbolic(t *testing.T) {
	ts := startServer(t)
	ts.putFile(t, "/f", "x")
	ts.mkdir(t, "/d")
	c := ts.loginAlice(t)
	mode := func(p string) fs.FileMode {
		fi, err := ts.Mem.Stat(t.Context(), p)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Mode().Perm()
	}
	c.cmd(200, "SITE CHMOD 644 f")
	for _, tc := range []struct {
		mode string
		want fs.FileMode
	}{
		{"u+x", 0o744},
		{"go-r", 0o700},
		{"a=r", 0o444},
		{"u+w,g+w", 0o664},
		{"+x", 0o775},
		{"o=", 0o770},
		{"u-x+r,g=rw", 0o660},
		{"a-x,a+X", 0o660}, // X: not executable any more, not a folder
	} {
		c.Is(200, "SITE CHMOD command successful.", "SITE CHMOD %s f", tc.mode)
		if got := mode("/f"); got != tc.want {
			t.Errorf("SITE CHMOD %s: mode %o, want %o", tc.mode, got, tc.want)
		}
	}
	c.cmd(200, "SITE CHMOD 600 d")
	c.cmd(200, "SITE CHMOD a+X d")
	if got := mode("/d"); got != 0o711 {
		t.Errorf("SITE CHMOD a+X of a folder: %o", got)
	}
	for _, bad := range []string{"u+s f", "z+x f", "u f", "u+x,", "+q f", "u+x"} {
		c.Is(501, "Syntax: SITE CHMOD <mode> <path>", "SITE CHMOD %s", bad)
	}
	c.cmd(550, "SITE CHMOD u+x missing")
}
