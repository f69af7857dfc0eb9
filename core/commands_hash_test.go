package core

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"testing"
)

const hashData = "0123456789"

func sha1Hex(s string) string   { b := sha1.Sum([]byte(s)); return hex.EncodeToString(b[:]) }
func sha256Hex(s string) string { b := sha256.Sum256([]byte(s)); return hex.EncodeToString(b[:]) }
func md5Hex(s string) string    { b := md5.Sum([]byte(s)); return hex.EncodeToString(b[:]) }
func crcHex(s string) string    { return fmt.Sprintf("%08X", crc32.ChecksumIEEE([]byte(s))) }

// XCRC and kin with `"name" START END` hash the bytes START up to, not
// including, END.
func TestXHashRanges(t *testing.T) {
	ts := startServer(t)
	ts.putFile(t, "/f", hashData)
	c := ts.loginAlice(t)
	for _, tc := range []struct{ cmd, want string }{
		{`XCRC "f" 0 10`, crcHex(hashData)},
		{`XCRC "/f" 3 7`, crcHex("3456")},
		{`XMD5 "f" 2 5`, md5Hex("234")},
		{`XSHA1 "f" 9 10`, sha1Hex("9")},
		{`XSHA256 "f"   0   1`, sha256Hex("0")},
		{`XSHA256 "f"`, sha256Hex(hashData)},
	} {
		if got := c.cmd(250, "%s", tc.cmd); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.cmd, got, tc.want)
		}
	}
}

// Bad ranges get 501 and cost nothing else.
func TestXHashBadRanges(t *testing.T) {
	ts := startServer(t)
	ts.putFile(t, "/f", hashData)
	c := ts.loginAlice(t)
	for _, tc := range []struct{ cmd, want string }{
		{`XCRC "f" 5`, `Syntax: XCRC "<path>" <start> <end>`},
		{`XCRC "f" 1 2 3`, `Syntax: XCRC "<path>" <start> <end>`},
		{`XMD5 "f" a b`, `Syntax: XMD5 "<path>" <start> <end>`},
		{`XMD5 "f" -1 5`, `Syntax: XMD5 "<path>" <start> <end>`},
		{`XMD5 "f" +1 5`, `Syntax: XMD5 "<path>" <start> <end>`},
		{`XSHA1 "f" 0 99999999999999999999`, `Syntax: XSHA1 "<path>" <start> <end>`},
		{`XCRC "f" 5 5`, "XCRC needs an end (5) past its start (5)."},
		{`XCRC "f" 6 5`, "XCRC needs an end (5) past its start (6)."},
		{`XSHA256 "f" 0 11`, "XSHA256: the end (11) is past the end of the file (10 bytes)."},
	} {
		if got := c.cmd(501, "%s", tc.cmd); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.cmd, got, tc.want)
		}
	}
	c.cmd(550, `XCRC "missing" 0 1`)
	if got := c.cmd(250, "XCRC f"); got != crcHex(hashData) {
		t.Errorf("XCRC after the refusals: %q", got)
	}
}

// RANG selects the part (END included) the next HASH covers, once; "RANG 1
// 0", REST and REIN reset it, and a transfer refused for want of a data
// channel uses it up.
func TestHASHWithRANG(t *testing.T) {
	ts := startServer(t)
	ts.putFile(t, "/f", hashData)
	c := ts.loginAlice(t)
	c.cmd(200, "OPTS HASH SHA-1")
	steps := []struct {
		code     int
		cmd, msg string
	}{
		{350, "RANG 2 4", "Restarting at 2. Ending byte 4."},
		{213, "HASH f", "SHA-1 2-4 " + sha1Hex("234") + " /f"},
		{213, "HASH f", "SHA-1 0-10 " + sha1Hex(hashData) + " /f"},
		{350, "RANG 5 100", "Restarting at 5. Ending byte 100."},
		{213, "HASH f", "SHA-1 5-9 " + sha1Hex("56789") + " /f"},
		{350, "RANG 0 0", "Restarting at 0. Ending byte 0."},
		{213, "HASH f", "SHA-1 0-0 " + sha1Hex("0") + " /f"},
		{350, "RANG 10 12", "Restarting at 10. Ending byte 12."},
		{501, "HASH f", "RANG starts at 10, past the end of the file (10 bytes)."},
		{213, "HASH f", "SHA-1 0-10 " + sha1Hex(hashData) + " /f"},
		{350, "RANG 3 3", "Restarting at 3. Ending byte 3."},
		{350, "RANG 1 0", "Range reset: the next transfer covers the whole file."},
		{213, "HASH f", "SHA-1 0-10 " + sha1Hex(hashData) + " /f"},
		{350, "RANG 2 4", "Restarting at 2. Ending byte 4."},
		{501, "RANG 5 2", "RANG start 5 is past its end 2; range reset."},
		{213, "HASH f", "SHA-1 0-10 " + sha1Hex(hashData) + " /f"},
		{501, "RANG x y", "Syntax: RANG <start> <end>, decimal byte offsets."},
		{501, "RANG 1", "Syntax: RANG <start> <end>, decimal byte offsets."},
		{350, "RANG 2 4", "Restarting at 2. Ending byte 4."},
		{425, "RETR f", "Use PORT, EPRT, PASV or EPSV first."},
		{213, "HASH f", "SHA-1 0-10 " + sha1Hex(hashData) + " /f"},
		{350, "RANG 2 4", "Restarting at 2. Ending byte 4."},
		{425, "STOR g", "Use PORT, EPRT, PASV or EPSV first."},
		{213, "HASH f", "SHA-1 0-10 " + sha1Hex(hashData) + " /f"},
		{350, "RANG 2 4", "Restarting at 2. Ending byte 4."},
		{350, "REST 0", "Restarting at 0. Send STOR or RETR to start the transfer."},
		{213, "HASH f", "SHA-1 0-10 " + sha1Hex(hashData) + " /f"},
		{350, "RANG 2 4", "Restarting at 2. Ending byte 4."},
		{220, "REIN", "Service ready for new user."},
		{331, "USER alice", "Password required for alice."},
		{230, "PASS secret", "User alice logged in."},
		{213, "HASH f", "SHA-256 0-10 " + sha256Hex(hashData) + " /f"},
	}
	for _, st := range steps {
		if code, msg := c.send("%s", st.cmd); code != st.code || msg != st.msg {
			t.Errorf("%s: %d %q, want %d %q", st.cmd, code, msg, st.code, st.msg)
		}
	}
}

// An unquoted name takes a range too when its last two words are numbers
// (lftp's quote drops the quotes); otherwise the whole argument is the name.
func TestXHashUnquotedRange(t *testing.T) {
	ts := startServer(t)
	ts.putFile(t, "/f", hashData)
	ts.putFile(t, "/a b", "spaced")
	ts.putFile(t, "/n 1", "one")
	c := ts.loginAlice(t)
	for _, tc := range []struct{ cmd, want string }{
		{"XCRC f 3 7", crcHex("3456")},
		{"XSHA256 f  0  1 ", sha256Hex("0")},
		{"XMD5 a b", md5Hex("spaced")},
		{"XMD5 a b 0 2", md5Hex("sp")},
		{"XMD5 n 1", md5Hex("one")},
	} {
		if got := c.cmd(250, "%s", tc.cmd); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.cmd, got, tc.want)
		}
	}
	if got := c.cmd(501, "XCRC f 0 11"); got != "XCRC: the end (11) is past the end of the file (10 bytes)." {
		t.Errorf("XCRC f 0 11: %q", got)
	}
	c.cmd(550, "XCRC missing 0 1")
}
