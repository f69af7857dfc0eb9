package core

import (
	"strings"
	"testing"
)

func TestGreetingAndQuit(t *testing.T) {
	ts := startServer(t)
	c := ts.connect(t)
	if msg := c.expect(220); msg != "luaftpd ready" {
		t.Errorf("banner %q", msg)
	}
	c.cmd(221, "QUIT")
	c.expectClosed()
}

func TestBannerSetting(t *testing.T) {
	ts := startServer(t, func(s *Server) { s.Banner = "hello\r\nthere" })
	c := ts.connect(t)
	if msg := c.expect(220); msg != "hello\nthere" {
		t.Errorf("banner %q", msg)
	}
}

func TestLogin(t *testing.T) {
	ts := startServer(t)
	c := ts.dial(t)
	c.cmd(530, "PWD")
	c.cmd(503, "PASS x")
	c.cmd(331, "USER alice")
	c.cmd(530, "PASS wrong")
	c.cmd(331, "USER alice")
	if msg := c.cmd(230, "PASS secret"); msg != "User alice logged in." {
		t.Errorf("230 text %q", msg)
	}
	c.cmd(257, "PWD")
	c.cmd(503, "PASS secret")
	c.cmd(530, "USER bob")
	c.cmd(220, "REIN")
	c.cmd(530, "PWD")
	c.cmd(331, "USER alice")
	c.cmd(230, "PASS secret")
}

func TestUnknownUser(t *testing.T) {
	ts := startServer(t)
	c := ts.dial(t)
	c.cmd(331, "USER nobody")
	c.cmd(530, "PASS x")
}

func TestThreeFailedLoginsClose(t *testing.T) {
	ts := startServer(t)
	c := ts.dial(t)
	for i := 0; i < 3; i++ {
		c.cmd(331, "USER alice")
		c.cmd(530, "PASS nope")
	}
	c.expect(421)
	c.expectClosed()
}

func TestAnonymous(t *testing.T) {
	ts := startServer(t, func(s *Server) { s.Anonymous = true })
	ts.Mem.Mkdir(t.Context(), "/pub")
	for _, name := range []string{"anonymous", "ftp", "FTP"} {
		c := ts.login(t, name, "guest@example.com")
		c.cmd(250, "CWD pub")
		c.cmd(550, "MKD x")
		c.cmd(550, "DELE x")
		c.cmd(553, "STOR x") // RFC 959 gives STOR no 550
		c.cmd(221, "QUIT")
	}
	ts2 := startServer(t)
	c := ts2.dial(t)
	c.cmd(331, "USER anonymous")
	c.cmd(530, "PASS x")
}

func TestUnknownAndUnimplementedVerbs(t *testing.T) {
	ts := startServer(t)
	c := ts.dial(t)
	c.cmd(500, "FOO")
	c.cmd(502, "LPRT 1,2")
	c.cmd(500, "")
	c.cmd(200, "noop")
	c.cmd(200, "NoOp   ")
	c.cmd(215, "syst")
}

func TestMissingArgument(t *testing.T) {
	ts := startServer(t)
	c := ts.dial(t)
	c.cmd(501, "USER")
	c.cmd(501, "USER    ")
	c = ts.loginAlice(t)
	for _, verb := range []string{"CWD", "MKD", "RMD", "DELE", "RNFR", "RNTO", "SIZE", "MDTM", "MFMT", "SITE", "RETR", "STOR", "APPE", "TYPE"} {
		c.cmd(501, "%s", verb)
	}
}

func TestNotLoggedIn(t *testing.T) {
	ts := startServer(t)
	c := ts.dial(t)
	for _, line := range []string{"CWD /", "PWD", "LIST", "RETR x", "STOR x", "MKD x", "DELE x", "SIZE x", "STAT", "SITE HELP", "PASV", "CDUP"} {
		c.cmd(530, "%s", line)
	}
	for _, line := range []string{"SYST", "NOOP", "FEAT", "HELP"} {
		code, _ := c.send("%s", line)
		if code == 530 {
			t.Errorf("%s refused before login", line)
		}
	}
}

func TestReplyTextIsSanitized(t *testing.T) {
	b := appendReply(nil, Reply{Code: 550, Lines: []string{"a\r\x00b"}})
	if string(b) != "550 ab\r\n" {
		t.Errorf("got %q", b)
	}
	b = appendReply(nil, Reply{Code: 211, Lines: []string{"Features:", "UTF8", "End"}})
	if string(b) != "211-Features:\r\n UTF8\r\n211 End\r\n" {
		t.Errorf("got %q", b)
	}
	b = appendReply(nil, NewReply(214, "one\ntwo"))
	if string(b) != "214-one\r\n214 two\r\n" {
		t.Errorf("got %q", b)
	}
	if !strings.HasSuffix(string(appendReply(nil, Reply{Code: 200})), "200 \r\n") {
		t.Error("empty reply")
	}
}

// Every verb of the table answers with a reply of its own: none falls
// through to "500 unknown" (a typo in the table), none hangs or closes.
func TestEveryVerbAnswers(t *testing.T) {
	ts := startServer(t)
	ts.putFile(t, "/f", "x")
	c := ts.loginAlice(t)
	for verb := range commands {
		if verb == "QUIT" || verb == "REIN" || verb == "PASV" { // PASV would arm the next transfer
			continue
		}
		code, msg := c.send("%s f", verb)
		if code < 200 || code > 599 || code == 500 && msg != "SITE F not understood." {
			t.Errorf("%s: %d %q", verb, code, msg)
		}
	}
	c.cmd(200, "NOOP")
}

// REIN, in any case and with an argument it ignores, puts TYPE back to I,
// the default; a refused USER or PASS while logged in leaves TYPE as it
// was. TYPE A sends LF as CRLF, TYPE I the file's bytes, and RANG, which
// TYPE A refuses, is taken again after the REIN.
func TestREINResetsType(t *testing.T) {
	ts := startServer(t)
	ts.putFile(t, "/t.txt", "a\nb\n")
	c := ts.loginAlice(t)
	c.cmd(200, "TYPE A")
	c.cmd(530, "USER nobody")
	c.cmd(503, "PASS wrong")
	if got := c.retrieve("RETR t.txt"); got != "a\r\nb\r\n" {
		t.Errorf("TYPE A, then a refused USER and PASS: RETR sent %q", got)
	}
	c.cmd(551, "RANG 0 1")
	c.cmd(220, "rein tmp dir")
	c.cmd(331, "USER alice")
	c.cmd(230, "PASS secret")
	if got := c.retrieve("RETR t.txt"); got != "a\nb\n" {
		t.Errorf("TYPE A, then REIN: RETR sent %q, want the file's bytes", got)
	}
	c.cmd(350, "RANG 0 1")
	if got := c.retrieve("RETR t.txt"); got != "a\n" {
		t.Errorf("RANG 0 1 after REIN: RETR sent %q", got)
	}
}

// REIN resets every parameter, the OPTS choices included (RFC 959).
func TestREINResetsOptions(t *testing.T) {
	ts := startServer(t)
	ts.putFile(t, "/f", "abc")
	c := ts.loginAlice(t)
	c.cmd(200, "OPTS HASH MD5")
	c.cmd(200, "OPTS MLST type;")
	c.cmd(200, "TYPE A")
	c.cmd(220, "REIN")
	c.cmd(331, "USER alice")
	c.cmd(230, "PASS secret")
	if msg := c.cmd(200, "OPTS HASH"); msg != "SHA-256" {
		t.Errorf("OPTS HASH after REIN: %q", msg)
	}
	if msg := c.cmd(250, "MLST f"); !strings.Contains(msg, "type=file;size=3;") {
		t.Errorf("MLST after REIN: %q", msg)
	}
}
