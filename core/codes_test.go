package core

import (
	"strings"
	"testing"
	"time"
)

// Refusals use the codes RFC 959 section 5.4 lists for each verb: STOR,
// STOU and RNTO have no 550 (553 instead), LIST, NLST and STAT neither (450),
// SITE has no 504 (500), and the data channel commands refused after EPSV
// ALL answer 501. A script's denial keeps the code the script chose.
func TestRepliesInRFC959Sets(t *testing.T) {
	h := &fakeHooks{before: map[string]func(*Event) (*Reply, error){
		"STOR": func(ev *Event) (*Reply, error) {
			if ev.Arg == "denied" {
				r := NewReply(550, "Not today.")
				return &r, nil
			}
			return nil, nil
		},
	}}
	ts := startServer(t, hooked(h))
	ts.mkdir(t, "/dir")
	ts.putFile(t, "/f", "x")
	c := ts.loginAlice(t)
	for _, tc := range []struct {
		line string
		code int
		msg  string
	}{
		{"STOR /nope/x", 553, "No such file or directory."},
		{"STOR dir", 553, "Not a regular file."},
		{"STOU /nope/x", 553, "No such file or directory."},
		{"APPE /nope/x", 550, "No such file or directory."},
		{"STOR denied", 550, "Not today."},
		{"LIST /nope", 450, "No such file or directory."},
		{"NLST /nope", 450, "No such file or directory."},
		{"MLSD /nope", 550, "No such file or directory."},
		{"RETR /nope", 550, "No such file or directory."},
	} {
		c.pasv()
		if code, msg := c.send("%s", tc.line); code != tc.code || msg != tc.msg {
			t.Errorf("%s: %d %q, want %d %q", tc.line, code, msg, tc.code, tc.msg)
		}
		c.cmd(226, "ABOR") // drop the prepared connection
	}
	for _, tc := range []struct {
		first, line string
		code        int
	}{
		{"RNFR f", "RNTO /nope/x", 553},
		{"RNFR f", "RNTO dir", 553},
		{"NOOP", "STAT /nope", 450},
		{"NOOP", "SITE FOO", 500},
		{"EPSV ALL", "PASV", 501},
		{"NOOP", "PORT 127,0,0,1,4,1", 501},
		{"NOOP", "EPRT |1|127.0.0.1|6275|", 501},
	} {
		c.send("%s", tc.first)
		if code, msg := c.send("%s", tc.line); code != tc.code {
			t.Errorf("%s: %d %q, want %d", tc.line, code, msg, tc.code)
		}
	}
}

// Arguments the RFC grammars do not allow get 501 ("syntax error in
// parameters"); a parameter the grammar knows but the server does not offer
// gets 504; and a few replies follow the RFCs where servers differ: TYPE A T
// is TYPE A N (RFC 1123 4.1.2.2), STAT of a folder is 212 (directory
// status), MFMT sets a folder's time too.
func TestRepliesToArguments(t *testing.T) {
	ts := startServer(t)
	ts.mkdir(t, "/dir")
	ts.putFile(t, "/f", "x")
	c := ts.loginAlice(t)
	for _, tc := range []struct {
		line string
		code int
		msg  string
	}{
		{"PWD x", 501, "Syntax error: PWD takes no argument."},
		{"XPWD x", 501, "Syntax error: XPWD takes no argument."},
		{"CDUP x", 501, "Syntax error: CDUP takes no argument."},
		{"XCUP /", 501, "Syntax error: XCUP takes no argument."},
		{"FEAT x", 501, "Syntax error: FEAT takes no argument."},
		{"PASV x", 501, "Syntax error: PASV takes no argument."},
		{"PWD", 257, `"/" is the current directory.`},
		{"NOOP x", 200, "NOOP ok."},
		{"SYST x", 215, "UNIX Type: L8"},
		{"TYPE A T", 200, "Type set to A."},
		{"TYPE A C", 504, "Type not supported: use A or I."},
		{"TYPE I", 200, "Type set to I."},
		{"STRU R", 504, "Only STRU F is supported."},
		{"STRU X", 501, "Unknown structure: use STRU F."},
		{"MODE Z", 504, "Only MODE S is supported."},
		{"MODE X", 501, "Unknown mode: use MODE S."},
		{"ALLO 100", 202, "No storage allocation necessary."},
		{"ALLO 100 R 10", 202, "No storage allocation necessary."},
		{"ALLO 100 r 10", 202, "No storage allocation necessary."},
		{"ALLO", 501, "Syntax: ALLO <size> [R <record size>]"},
		{"ALLO x", 501, "Syntax: ALLO <size> [R <record size>]"},
		{"ALLO -1", 501, "Syntax: ALLO <size> [R <record size>]"},
		{"ALLO 100 R", 501, "Syntax: ALLO <size> [R <record size>]"},
		{"ALLO 100 X 10", 501, "Syntax: ALLO <size> [R <record size>]"},
		{"EPSV x", 501, "Syntax: EPSV [1|2|ALL]"},
		{"EPSV 1 2", 501, "Syntax: EPSV [1|2|ALL]"},
		{"EPSV 3", 522, "Network protocol not supported, use (1)."},
		{"EPRT |2|::1|6275|", 522, "Network protocol not supported, use (1)."},
		{"EPRT |3|x|6275|", 522, "Network protocol not supported, use (1)."},
		{"OPTS UTF8 ON", 200, "Always in UTF8 mode."},
		{"OPTS utf8 off", 200, "Always in UTF8 mode."},
		{"OPTS UTF8", 501, "Syntax: OPTS UTF8 ON"},
		{"OPTS UTF8 ON x", 501, "Syntax: OPTS UTF8 ON"},
		{"OPTS MLST", 200, "MLST OPTS"},
		{"OPTS MLST size;", 200, "MLST OPTS size;"},
		{"MFMT 20200102030405 dir", 213, "Modify=20200102030405; /dir"},
		{"MDTM dir", 550, "Not a regular file."},
		{"SMNT", 502, "SMNT not implemented."},
		{"NOOP\tx", 200, "NOOP ok."},
		{"size\tf", 213, "1"},
		{"SMNT /", 502, "SMNT not implemented."},
	} {
		if code, msg := c.send("%s", tc.line); code != tc.code || msg != tc.msg {
			t.Errorf("%s: %d %q, want %d %q", tc.line, code, msg, tc.code, tc.msg)
		}
	}
	if msg := c.cmd(212, "STAT dir"); !strings.HasPrefix(msg, "Status of /dir:\n drwxr-xr-x 1 ftp ftp            0 Jan  2  2020 .\n") ||
		!strings.HasSuffix(msg, " ..\nEnd of status.") || strings.Count(msg, "\n") != 3 {
		t.Errorf("STAT dir: %q", msg)
	}
	if msg := c.cmd(213, "STAT f"); !strings.HasPrefix(msg, "Status of /f:\n -rw-r--r-- 1 ftp ftp") {
		t.Errorf("STAT f: %q", msg)
	}
	fi, err := ts.Mem.Stat(t.Context(), "/dir")
	if err != nil || !fi.ModTime().Equal(time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Errorf("MFMT dir: %v %v", fi, err)
	}
}

// XSHA is ProFTPD's and Serv-U's name for XSHA1: clients that learned it
// there get the same digest.
func TestXSHAIsXSHA1(t *testing.T) {
	ts := startServer(t)
	ts.putFile(t, "/f", "abc")
	c := ts.loginAlice(t)
	want := c.cmd(250, "XSHA1 f")
	if got := c.cmd(250, "XSHA f"); got != want || !strings.Contains(got, "a9993e364706816aba3e25717850c26c9cd0d89d") {
		t.Errorf("XSHA f: %q, XSHA1 f: %q", got, want)
	}
	if !strings.Contains(c.cmd(211, "FEAT"), "\n XSHA\n") {
		t.Error("FEAT lacks XSHA")
	}
}

// STAT with a path during a transfer is answered at once with the status of
// the transfer (RFC 959: during a transfer STAT reports on the operation in
// progress), not queued behind the transfer.
func TestSTATPathDuringTransfer(t *testing.T) {
	ts := startServer(t)
	c := ts.loginAlice(t)
	dc := startUpload(t, c)
	waitTransferSTAT(t, c, "STAT /")
	dc.Close()
	c.expect(226)
	c.cmd(212, "STAT /")
}

// TestPipelinedABORs: every command gets its reply, a second ABOR pipelined
// behind a first one too: it was taken as the same abort and left without
// a reply, and a client waiting for it hung.
func TestPipelinedABORs(t *testing.T) {
	ts := startServer(t)
	c := ts.loginAlice(t)
	for i := 0; i < 20; i++ {
		c.raw("XYZ\r\nABOR\r\nABOR\r\nNOOP\r\n")
		for _, want := range []int{500, 226, 226, 200} {
			if code, msg := c.read(); code != want {
				t.Fatalf("round %d: got %d %q, want %d", i, code, msg, want)
			}
		}
	}
}

// TestTransferPathBeforeDataChannel: a RETR, STOR or APPE sent before any
// PASV or PORT answers for its path first (550, 553 for STOR), as ProFTPD,
// pure-ftpd and pyftpdlib do, and 425 only for a path that would do.
func TestTransferPathBeforeDataChannel(t *testing.T) {
	ts := startServer(t)
	ts.putFile(t, "/f", "x")
	ts.mkdir(t, "/dir")
	c := ts.loginAlice(t)
	for _, tc := range []struct {
		line string
		code int
		msg  string
	}{
		{"RETR missing", 550, "No such file or directory."},
		{"RETR dir", 550, "Not a regular file."},
		{"RETR f", 425, "Use PORT, EPRT, PASV or EPSV first."},
		{"STOR nodir/x", 553, "No such file or directory."},
		{"STOR dir", 553, "Not a regular file."},
		{"STOR new", 425, "Use PORT, EPRT, PASV or EPSV first."},
		{"APPE dir", 550, "Not a regular file."},
		{"APPE nodir/x", 550, "No such file or directory."},
		{"APPE f", 425, "Use PORT, EPRT, PASV or EPSV first."},
		{"STOU nodir/x", 553, "No such file or directory."},
		{"STOU", 425, "Use PORT, EPRT, PASV or EPSV first."},
	} {
		c.Is(tc.code, tc.msg, "%s", tc.line)
	}
	if _, err := ts.Mem.Stat(t.Context(), "/new"); err == nil {
		t.Error("STOR without a data channel made the file")
	}
}
