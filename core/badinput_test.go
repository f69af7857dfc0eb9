package core

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestLongLines(t *testing.T) {
	ts := startServer(t)
	c := ts.dial(t)
	c.raw("NOOP " + strings.Repeat("a", 10<<10) + "\r\n")
	if msg := c.expect(500); msg != "Command line too long." {
		t.Errorf("10 KiB line: %q", msg)
	}
	c.cmd(200, "NOOP") // the session goes on, nothing of the long line left
	// A line of exactly the limit is still a command.
	c.raw("NOOP " + strings.Repeat("b", maxLineLen-len("NOOP ")-2) + "\r\n")
	c.expect(200)
	// Long lines back to back, then a short one in the same write.
	c.raw(strings.Repeat("x", 5000) + "\n" + strings.Repeat("y", 9000) + "\nNOOP\r\n")
	c.expect(500)
	c.expect(500)
	c.expect(200)
}

func TestLineReaderShrinks(t *testing.T) {
	var lr lineReader
	in := bytes.NewBufferString(strings.Repeat("z", 3000) + "\nNOOP\n")
	line, err := lr.readLine(in)
	if err != nil || len(line) != 3000 {
		t.Fatalf("got %d bytes, %v", len(line), err)
	}
	if line, err = lr.readLine(in); err != nil || string(line) != "NOOP" {
		t.Fatalf("got %q, %v", line, err)
	}
	lr.compact()
	if len(*lr.buf) != lineBufMin {
		t.Errorf("buffer stayed at %d bytes", len(*lr.buf))
	}
}

func TestNULAndNonUTF8(t *testing.T) {
	ts := startServer(t)
	c := ts.dial(t)
	c.raw("NOOP\x00x\r\n")
	c.expect(500) // the verb is bad
	c.raw("NO\x00OP\r\n")
	c.expect(500)
	c.raw("\xff\xfe\xfd\r\n") // garbage that is not even a verb
	c.expect(500)
	c = ts.loginAlice(t)
	c.raw("MKD \xc3\x28\r\n")
	c.expect(501)
	c.raw("CWD a\x00b\r\n")
	c.expect(501)
	c.raw("\x00\x01\x02\r\n")
	c.expect(500)
	c.cmd(257, "MKD 日本語")
	c.cmd(250, "CWD 日本語")
	// A password need not be UTF-8.
	ts.Auth.(*Users).Add("latin", "caf\xe9", "")
	c = ts.dial(t)
	c.cmd(331, "USER latin")
	c.raw("PASS caf\xe9\r\n")
	c.expect(230)
}

func TestTelnetSequences(t *testing.T) {
	ts := startServer(t)
	c := ts.dial(t)
	c.raw("\xff\xf4\xff\xf2NOOP\r\n") // IAC IP IAC DM
	c.expect(200)
	c.raw("\xff\xf4\xffNOOP\r\n") // DM lost out of band
	c.expect(200)
	c.raw("NO\xff\xfb\x01OP\r\n") // IAC WILL ECHO inside
	c.expect(200)
	if got := cleanLine([]byte("MKD a\xff\xffb\r")); got != "MKD a\xffb" {
		t.Errorf("IAC IAC: %q", got)
	}
}

func TestCaseAndSpaces(t *testing.T) {
	ts := startServer(t)
	c := ts.dial(t)
	c.cmd(331, "user alice  ")
	c.cmd(230, "pass secret")
	c.cmd(257, "pwd ")
	c.cmd(257, "mkd dir")
	c.cmd(250, "cwd dir   ")
	c.raw("XPWD\n") // a bare LF ends a line too
	c.expect(257)
}

func TestEscapes(t *testing.T) {
	ts := startServer(t)
	ts.putFile(t, "/in.txt", "x")
	c := ts.loginAlice(t)
	c.cmd(250, "CWD ../../..")
	c.cmd(257, "PWD")
	c.pasv()
	c.cmd(550, "RETR /etc/passwd")
	c.pasv()
	c.cmd(550, "RETR ../../../../etc/passwd")
	c.cmd(550, "%s", "CWD %2e%2e/")
	c.cmd(550, "%s", "SIZE %2e%2e/%2e%2e/etc/passwd")
	c.cmd(550, "CWD ..\\..")
	c.cmd(213, "SIZE ../../in.txt")
	if got := (&Session{cwd: "/a"}).resolve("../../../x"); got != "/x" {
		t.Errorf("resolve: %q", got)
	}
	if got := cleanPath("../../etc"); got != "/etc" {
		t.Errorf("cleanPath: %q", got)
	}
}

func TestBadSequences(t *testing.T) {
	ts := startServer(t)
	c := ts.dial(t)
	c.cmd(503, "PASS secret") // PASS without USER
	c = ts.loginAlice(t)
	c.cmd(503, "RNTO x") // RNTO without RNFR
}

func TestPipelining(t *testing.T) {
	ts := startServer(t)
	c := ts.dial(t)
	c.raw("USER alice\r\nPASS secret\r\nMKD a\r\nCWD a\r\nPWD\r\nSTAT\r\nABOR\r\nNOOP\r\nQUIT\r\n")
	for _, want := range []int{331, 230, 257, 250, 257, 211, 226, 200, 221} {
		c.expect(want)
	}
	c.expectClosed()
}

func TestIdleTimeout(t *testing.T) {
	ts := startServer(t, func(s *Server) { s.IdleTimeout = 150 * time.Millisecond })
	c := ts.loginAlice(t)
	start := time.Now()
	if msg := c.expect(421); !strings.HasPrefix(msg, "Timeout") {
		t.Errorf("idle: %q", msg)
	}
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Errorf("closed after %v", d)
	}
	c.expectClosed()
}
