package core

import (
	"strings"
	"testing"
	"time"
)

func TestCWDAndPWD(t *testing.T) {
	ts := startServer(t)
	ts.mkdir(t, "/a")
	ts.mkdir(t, "/a/b")
	ts.mkdir(t, `/q"uote`)
	ts.putFile(t, "/a/f", "x")
	c := ts.loginAlice(t)
	if msg := c.cmd(257, "PWD"); msg != `"/" is the current directory.` {
		t.Errorf("PWD: %q", msg)
	}
	c.cmd(250, "CWD a")
	c.cmd(250, "XCWD b")
	if msg := c.cmd(257, "XPWD"); !strings.HasPrefix(msg, `"/a/b"`) {
		t.Errorf("PWD: %q", msg)
	}
	c.cmd(250, "CDUP")
	c.cmd(250, "XCUP")
	c.cmd(250, "XCUP") // CDUP at the root stays there
	c.cmd(257, "PWD")
	c.cmd(550, "CWD nope")
	c.cmd(550, "CWD /a/f")
	c.cmd(250, `CWD q"uote`)
	if msg := c.cmd(257, "PWD"); !strings.HasPrefix(msg, `"/q""uote"`) {
		t.Errorf("257 must double quotes: %q", msg)
	}
	c.cmd(250, "CWD ../../..")
	if msg := c.cmd(257, "PWD"); !strings.HasPrefix(msg, `"/"`) {
		t.Errorf("CWD ../../.. left the root: %q", msg)
	}
}

func TestMKDAndRMD(t *testing.T) {
	ts := startServer(t)
	c := ts.loginAlice(t)
	if msg := c.cmd(257, "MKD new"); msg != `"/new" created.` {
		t.Errorf("MKD: %q", msg)
	}
	c.cmd(550, "MKD new")
	c.cmd(257, `XMKD /new/sub"q`)
	c.cmd(550, "RMD new") // not empty
	c.cmd(250, `XRMD new/sub"q`)
	c.cmd(250, "RMD new")
	c.cmd(550, "RMD new")
	ts.putFile(t, "/file", "x")
	c.cmd(550, "RMD file")
	c.cmd(550, "RMD /")
	c.cmd(550, "MKD missing/child")
}

func TestDELE(t *testing.T) {
	ts := startServer(t)
	ts.putFile(t, "/f", "x")
	ts.mkdir(t, "/d")
	c := ts.loginAlice(t)
	c.cmd(550, "DELE d")
	c.cmd(250, "DELE f")
	c.cmd(550, "DELE f")
	if _, err := ts.Mem.Stat(t.Context(), "/d"); err != nil {
		t.Error("DELE of a folder removed it")
	}
}

func TestRename(t *testing.T) {
	ts := startServer(t)
	ts.putFile(t, "/f", "x")
	ts.mkdir(t, "/d")
	c := ts.loginAlice(t)
	c.cmd(503, "RNTO g")
	c.cmd(550, "RNFR missing")
	c.cmd(503, "RNTO g")
	c.cmd(350, "RNFR f")
	c.cmd(250, "RNTO d/g")
	if _, err := ts.Mem.Stat(t.Context(), "/d/g"); err != nil {
		t.Error("rename did not happen")
	}
	c.cmd(503, "RNTO again")
	c.cmd(350, "RNFR d/g")
	c.cmd(200, "NOOP") // anything between RNFR and RNTO cancels the rename
	c.cmd(503, "RNTO x")
	c.cmd(350, "RNFR d")
	c.cmd(553, "RNTO d/inside")
}

func TestSIZEAndMDTM(t *testing.T) {
	ts := startServer(t)
	ts.putFile(t, "/f", "hello")
	ts.mkdir(t, "/d")
	stamp := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	ts.Mem.Chtimes(t.Context(), "/f", stamp)
	c := ts.loginAlice(t)
	if msg := c.cmd(213, "SIZE f"); msg != "5" {
		t.Errorf("SIZE: %q", msg)
	}
	c.cmd(550, "SIZE d")
	c.cmd(550, "SIZE missing")
	if msg := c.cmd(213, "MDTM f"); msg != "20200102030405" {
		t.Errorf("MDTM: %q", msg)
	}
	c.cmd(550, "MDTM missing")
	if msg := c.cmd(213, "MFMT 20210304050607 f"); msg != "Modify=20210304050607; /f" {
		t.Errorf("MFMT: %q", msg)
	}
	if msg := c.cmd(213, "MDTM f"); msg != "20210304050607" {
		t.Errorf("MDTM after MFMT: %q", msg)
	}
	c.cmd(501, "MFMT 2021 f")
	c.cmd(501, "MFMT 20210304050607")
	c.cmd(550, "MFMT 20210304050607 missing")
}

func TestHashes(t *testing.T) {
	ts := startServer(t)
	ts.putFile(t, "/f", "hello")
	ts.mkdir(t, "/d")
	c := ts.loginAlice(t)
	const sha256 = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
	if msg := c.cmd(213, "HASH f"); msg != "SHA-256 0-5 "+sha256+" /f" {
		t.Errorf("HASH: %q", msg)
	}
	c.cmd(200, "OPTS HASH CRC32")
	if msg := c.cmd(213, "HASH f"); msg != "CRC32 0-5 3610a686 /f" {
		t.Errorf("HASH CRC32: %q", msg)
	}
	for _, tc := range []struct{ cmd, want string }{
		{"XCRC f", "3610A686"},
		{"XMD5 f", "5d41402abc4b2a76b9719d911017c592"},
		{"XSHA1 f", "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"},
		{"XSHA256 f", sha256},
		{"XSHA512 f", "9b71d224bd62f3785d96d46ad3ea3d73319bfbc2890caadae2dff72519673ca72323c3d99ba5c11d7c7acc6e14b8c5da0c4663475c2e5c3adef46f73bcdec043"},
	} {
		if msg := c.cmd(250, "%s", tc.cmd); msg != tc.want {
			t.Errorf("%s: %q, want %q", tc.cmd, msg, tc.want)
		}
	}
	c.cmd(200, "OPTS HASH SHA-512") // ProFTPD's mod_digest offers it too
	if msg := c.cmd(213, "HASH f"); msg != "SHA-512 0-5 9b71d224bd62f3785d96d46ad3ea3d73319bfbc2890caadae2dff72519673ca72323c3d99ba5c11d7c7acc6e14b8c5da0c4663475c2e5c3adef46f73bcdec043 /f" {
		t.Errorf("HASH SHA-512: %q", msg)
	}
	if msg := c.cmd(553, "HASH d"); msg != "HASH of a folder is not defined." {
		t.Errorf("HASH of a folder: %q", msg)
	}
	c.cmd(550, "XMD5 missing")
}

func TestReadOnlyUserWrites(t *testing.T) {
	ts := startServer(t, func(s *Server) { s.Anonymous = true })
	ts.putFile(t, "/f", "x")
	c := ts.login(t, "anonymous", "a@b")
	for _, line := range []string{"MKD x", "RMD x", "DELE f", "RNFR f", "APPE f", "MFMT 20200101000000 f", "SITE CHMOD 600 f"} {
		c.cmd(550, "%s", line)
	}
	for _, line := range []string{"RNTO g", "STOR g", "STOU"} { // RFC 959 gives these no 550
		c.cmd(553, "%s", line)
	}
	c.cmd(213, "SIZE f")
}

// XCRC and kin take the name in quotes too, as clients that add a byte
// range send it (commands_hash_test.go tests the ranges).
func TestXHashQuotedName(t *testing.T) {
	ts := startServer(t)
	ts.putFile(t, "/a b.txt", "hello")
	c := ts.loginAlice(t)
	want := c.cmd(250, "XMD5 a b.txt")
	if got := c.cmd(250, `XMD5 "a b.txt"`); got != want {
		t.Errorf("quoted XMD5: %q, want %q", got, want)
	}
	c.cmd(250, `XCRC "/a b.txt"`)
	if got := c.cmd(250, `XCRC "a b.txt" 0 3`); got != "E50BF11B" {
		t.Errorf("XCRC of the first 3 bytes: %q", got)
	}
	c.cmd(550, `XSHA1 "missing"`)
}

// TestMFF: MFF (draft-somers-ftp-mfxx) sets the modify and unix.mode facts
// of a file or folder, as ProFTPD's mod_facts does; the reply repeats the
// facts set. Every fact is checked before anything changes.
func TestMFF(t *testing.T) {
	ts := startServer(t)
	ts.putFile(t, "/f", "abc")
	ts.mkdir(t, "/dir")
	c := ts.loginAlice(t)
	c.Is(213, "modify=20210304050607; /f", "MFF modify=20210304050607; f")
	if msg := c.cmd(213, "MDTM f"); msg != "20210304050607" {
		t.Errorf("MDTM after MFF: %q", msg)
	}
	c.Is(213, "Modify=20200102030405;UNIX.mode=0600; /f", "MFF Modify=20200102030405;UNIX.mode=0600; f")
	fi, err := ts.Mem.Stat(t.Context(), "/f")
	if err != nil || fi.Mode().Perm() != 0o600 || !fi.ModTime().Equal(time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Errorf("after MFF: %v %v", fi, err)
	}
	c.Is(213, "unix.mode=0755; /dir", "MFF unix.mode=0755; dir")
	c.Is(504, "Cannot modify fact size.", "MFF size=1; f")
	c.Is(504, "Cannot modify fact bogus.", "MFF modify=20210304050607;bogus=1; f")
	if msg := c.cmd(213, "MDTM f"); msg != "20200102030405" {
		t.Errorf("a refused MFF changed the time: %q", msg)
	}
	for _, bad := range []string{"MFF f", "MFF modify=2021; f", "MFF unix.mode=999; f", "MFF modify=20210304050607;", "MFF =1; f"} {
		c.Is(501, "Syntax: MFF <fact>=<value>;... <path>", "%s", bad)
	}
	c.cmd(550, "MFF modify=20210304050607; missing")
	c.cmd(501, "MFF")

	feat := c.cmd(211, "FEAT")
	if !strings.Contains(feat, "\n MFF modify;unix.mode;\n") {
		t.Errorf("FEAT lacks MFF: %q", feat)
	}
}
