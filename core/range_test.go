package core

import (
	"bytes"
	"crypto/tls"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/luaftpd/luaftpd/vfs"
)

// rangRetrieve runs RANG then RETR name and returns the 150 reply's text
// and the bytes that came, checking 350, 150 and 226.
func rangRetrieve(c *ftpConn, rang, name string) (mark, data string) {
	c.T.Helper()
	c.cmd(350, "RANG %s", rang)
	dc := c.pasv()
	mark = c.cmd(150, "RETR %s", name)
	b, err := io.ReadAll(dc)
	if err != nil {
		c.T.Fatal(err)
	}
	c.expect(226)
	return mark, string(b)
}

// rangStore runs RANG then STOR name with data and returns the final
// reply's code and text.
func rangStore(c *ftpConn, rang, name, data string) (int, string) {
	c.T.Helper()
	c.cmd(350, "RANG %s", rang)
	dc := c.pasv()
	if code, msg := c.send("STOR %s", name); code != 150 {
		return code, msg
	}
	if _, err := io.WriteString(dc, data); err != nil {
		c.T.Fatal(err)
	}
	dc.Close()
	return c.read()
}

// RETR after RANG sends START to END, both included, once.
func TestRANGRetrieve(t *testing.T) {
	ts := startServer(t)
	putFile(t, ts.Mem, "/f", "0123456789")
	c := ts.loginAlice(t)
	if msg := c.cmd(350, "RANG 1 2"); msg != "Restarting at 1. Ending byte 2." {
		t.Errorf("RANG reply %q", msg)
	}
	dc := c.pasv()
	if msg := c.cmd(150, "RETR f"); msg != "Opening BINARY mode data connection for f (2 bytes)." {
		t.Errorf("150 reply %q", msg)
	}
	if b, _ := io.ReadAll(dc); string(b) != "12" {
		t.Errorf("RANG 1 2 + RETR sent %q", b)
	}
	c.expect(226)
	if got := c.retrieve("RETR f"); got != "0123456789" {
		t.Errorf("RETR after a ranged RETR sent %q", got)
	}
	for _, tc := range []struct{ rang, want string }{
		{"0 9", "0123456789"},
		{"0 0", "0"},
		{"9 9", "9"},
		{"3 6", "3456"},
		{"00004 005", "45"},
	} {
		if _, got := rangRetrieve(c, tc.rang, "f"); got != tc.want {
			t.Errorf("RANG %s + RETR sent %q, want %q", tc.rang, got, tc.want)
		}
	}
}

// A range that does not lie inside the file is 554 on RETR (ProFTPD's
// answer), and is used up all the same.
func TestRANGRetrievePastEnd(t *testing.T) {
	ts := startServer(t)
	putFile(t, ts.Mem, "/f", "0123456789")
	c := ts.loginAlice(t)
	for _, tc := range []struct{ rang, msg string }{
		{"1 100", "Range 1-100 is past the end of the file (10 bytes)."},
		{"0 10", "Range 0-10 is past the end of the file (10 bytes)."},
		{"10 10", "Range 10-10 is past the end of the file (10 bytes)."},
		{"20 30", "Range 20-30 is past the end of the file (10 bytes)."},
	} {
		c.cmd(350, "RANG %s", tc.rang)
		c.pasv()
		if code, msg := c.send("RETR f"); code != 554 || msg != tc.msg {
			t.Errorf("RANG %s + RETR: %d %q, want 554 %q", tc.rang, code, msg, tc.msg)
		}
		if got := c.retrieve("RETR f"); got != "0123456789" {
			t.Errorf("RETR after a refused range sent %q", got)
		}
	}
	putFile(t, ts.Mem, "/empty", "")
	c.cmd(350, "RANG 0 0")
	c.pasv()
	c.cmd(554, "RETR empty")
	c.cmd(350, "RANG 0 0")
	c.cmd(550, "RETR missing") // no channel prepared: the path's reply comes first
	if got := c.retrieve("RETR f"); got != "0123456789" {
		t.Errorf("RETR after a refused RETR sent %q", got)
	}
}

// "RANG 1 0" resets; a start past the end resets too, with 501; bad
// arguments are 501 and leave no range.
func TestRANGReset(t *testing.T) {
	ts := startServer(t)
	putFile(t, ts.Mem, "/f", "0123456789")
	c := ts.loginAlice(t)
	for _, tc := range []struct {
		code int
		cmd  string
		msg  string
	}{
		{350, "RANG 1 0", "Range reset: the next transfer covers the whole file."},
		{501, "RANG 5 2", "RANG start 5 is past its end 2; range reset."},
		{501, "RANG 1", "Syntax: RANG <start> <end>, decimal byte offsets."},
		{501, "RANG -1 2", "Syntax: RANG <start> <end>, decimal byte offsets."},
		{501, "RANG 1 2 3", "Syntax: RANG <start> <end>, decimal byte offsets."},
		{501, "RANG 0 1234567890123456789", "Syntax: RANG <start> <end>, decimal byte offsets."},
	} {
		c.cmd(350, "RANG 2 4")
		if code, msg := c.send("%s", tc.cmd); code != tc.code || msg != tc.msg {
			t.Errorf("%s: %d %q, want %d %q", tc.cmd, code, msg, tc.code, tc.msg)
		}
		if got := c.retrieve("RETR f"); got != "0123456789" {
			t.Errorf("RETR after %s sent %q", tc.cmd, got)
		}
	}
}

// REST and RANG clear each other: the later one applies.
func TestRANGAndREST(t *testing.T) {
	ts := startServer(t)
	putFile(t, ts.Mem, "/f", "0123456789")
	c := ts.loginAlice(t)
	c.cmd(350, "REST 5")
	if _, got := rangRetrieve(c, "1 2", "f"); got != "12" {
		t.Errorf("REST 5, RANG 1 2, RETR sent %q", got)
	}
	c.cmd(350, "RANG 1 2")
	c.cmd(350, "REST 5")
	if got := c.retrieve("RETR f"); got != "56789" {
		t.Errorf("RANG 1 2, REST 5, RETR sent %q", got)
	}
	c.cmd(350, "RANG 1 2")
	c.cmd(350, "REST 0")
	if got := c.retrieve("RETR f"); got != "0123456789" {
		t.Errorf("RANG 1 2, REST 0, RETR sent %q", got)
	}
	c.cmd(350, "REST 5")
	c.cmd(350, "RANG 1 0") // a reset clears nothing but the range
	if got := c.retrieve("RETR f"); got != "56789" {
		t.Errorf("REST 5, RANG 1 0, RETR sent %q", got)
	}
	c.cmd(350, "REST 7")
	if code, msg := rangStore(c, "0 1", "f", "ab"); code != 226 {
		t.Fatalf("REST 7, RANG 0 1, STOR: %d %q", code, msg)
	}
	if got := getFile(t, ts.Mem, "/f"); got != "ab23456789" {
		t.Errorf("REST 7, RANG 0 1, STOR left %q", got)
	}
}

// STOR after RANG writes at START in place: nothing outside the range
// changes, the file is never cut, and it grows only past its end.
func TestRANGStore(t *testing.T) {
	ts := startServer(t)
	putFile(t, ts.Mem, "/f", "0123456789")
	c := ts.loginAlice(t)
	for _, tc := range []struct{ rang, data, want string }{
		{"2 4", "abc", "01abc56789"},
		{"0 0", "X", "X1abc56789"},
		{"8 11", "WXYZ", "X1abc567WXYZ"},
		{"12 12", "!", "X1abc567WXYZ!"},
	} {
		if code, msg := rangStore(c, tc.rang, "f", tc.data); code != 226 || msg != "Transfer complete." {
			t.Fatalf("RANG %s + STOR: %d %q", tc.rang, code, msg)
		}
		if got := getFile(t, ts.Mem, "/f"); got != tc.want {
			t.Fatalf("RANG %s + STOR %q left %q, want %q", tc.rang, tc.data, got, tc.want)
		}
	}
	// The range is used up: the next STOR replaces the whole file.
	c.store("f", "new")
	if got := getFile(t, ts.Mem, "/f"); got != "new" {
		t.Errorf("STOR after a ranged STOR left %q", got)
	}
	// A missing file is made from START 0, and refused past it.
	if code, _ := rangStore(c, "0 2", "made", "abc"); code != 226 || getFile(t, ts.Mem, "/made") != "abc" {
		t.Errorf("RANG 0 2 + STOR of a new file: %d, %q", code, getFile(t, ts.Mem, "/made"))
	}
	if code, msg := rangStore(c, "1 2", "nothing", "ab"); code != 554 || msg != "Range start 1 is past the end of the file." {
		t.Errorf("RANG 1 2 + STOR of a missing file: %d %q", code, msg)
	}
	if _, err := ts.Mem.Stat(t.Context(), "/nothing"); err == nil {
		t.Error("a refused ranged STOR made the file")
	}
	if code, msg := rangStore(c, "4 5", "f", "ab"); code != 554 || msg != "Range start 4 is past the end of the file." {
		t.Errorf("RANG 4 5 + STOR past a 3-byte file: %d %q", code, msg)
	}
	if got := getFile(t, ts.Mem, "/f"); got != "new" {
		t.Errorf("a refused ranged STOR left %q", got)
	}
}

// An upload longer than its range writes the range and is 552 (bytes past
// END are never written); a shorter one writes what came and is 426.
func TestRANGStoreLengths(t *testing.T) {
	ts := startServer(t)
	putFile(t, ts.Mem, "/f", "0123456789")
	c := ts.loginAlice(t)
	code, msg := rangStore(c, "2 3", "f", "abcdef")
	if code != 552 || msg != "Range of 2 bytes written; 4 more came and were dropped." {
		t.Fatalf("a longer upload: %d %q", code, msg)
	}
	if got := getFile(t, ts.Mem, "/f"); got != "01ab456789" {
		t.Fatalf("a longer upload left %q", got)
	}
	code, msg = rangStore(c, "2 6", "f", "xy")
	if code != 426 || msg != "Range not complete: 2 of 5 bytes came; they are written." {
		t.Errorf("a shorter upload: %d %q", code, msg)
	}
	if got := getFile(t, ts.Mem, "/f"); got != "01xy456789" {
		t.Errorf("a shorter upload left %q", got)
	}
	if code, _ := rangStore(c, "0 0", "f", ""); code != 426 {
		t.Errorf("an empty ranged upload: %d", code)
	}
}

// Ranges of a few MiB go through the fast loops (a 256 KiB send buffer, a
// 1 MiB receive buffer) and stop at the byte.
func TestRANGLarge(t *testing.T) {
	ts := startServer(t)
	data := bytes.Repeat([]byte("0123456789abcdef"), 4<<20/16)
	putFile(t, ts.Mem, "/big", string(data))
	c := ts.loginAlice(t)
	start, end := int64(300_001), int64(3_500_002)
	if _, got := rangRetrieve(c, "300001 3500002", "big"); got != string(data[start:end+1]) {
		t.Fatalf("ranged RETR sent %d bytes, want %d", len(got), end+1-start)
	}
	up := bytes.Repeat([]byte("Z"), int(end+1-start))
	if code, msg := rangStore(c, "300001 3500002", "big", string(up)); code != 226 {
		t.Fatalf("ranged STOR: %d %q", code, msg)
	}
	want := append(append(append([]byte(nil), data[:start]...), up...), data[end+1:]...)
	if got := getFile(t, ts.Mem, "/big"); got != string(want) {
		t.Fatalf("ranged STOR left %d bytes, not the %d expected", len(got), len(want))
	}
	// 5 MiB more than the range: read to the end, dropped, 552.
	more := append(up, bytes.Repeat([]byte("!"), 5<<20)...)
	if code, msg := rangStore(c, "300001 3500002", "big", string(more)); code != 552 {
		t.Fatalf("a longer ranged STOR: %d %q", code, msg)
	}
	if got := getFile(t, ts.Mem, "/big"); got != string(want) {
		t.Fatalf("a longer ranged STOR left %d bytes, not the %d expected", len(got), len(want))
	}
}

// Ranges are offsets into the stored file: RANG in TYPE A is 551, and so
// is a ranged transfer after a TYPE A that came after the RANG.
func TestRANGTypeA(t *testing.T) {
	ts := startServer(t)
	putFile(t, ts.Mem, "/f", "a\nb\n")
	c := ts.loginAlice(t)
	c.cmd(200, "TYPE A")
	if msg := c.cmd(551, "RANG 1 2"); msg != "RANG needs TYPE I: offsets are into the stored file." {
		t.Errorf("RANG in TYPE A: %q", msg)
	}
	if got := c.retrieve("RETR f"); got != "a\r\nb\r\n" {
		t.Errorf("RETR after a refused RANG sent %q", got)
	}
	c.cmd(350, "RANG 1 0") // a reset is no range: accepted in any type
	c.cmd(200, "TYPE I")
	for _, verb := range []string{"RETR", "STOR"} {
		c.cmd(350, "RANG 1 2")
		c.cmd(200, "TYPE A")
		c.pasv()
		if msg := c.cmd(551, "%s f", verb); msg != "A byte range needs TYPE I; range reset." {
			t.Errorf("%s after RANG, TYPE A: %q", verb, msg)
		}
		c.cmd(200, "TYPE I")
	}
	if got := c.retrieve("RETR f"); got != "a\nb\n" {
		t.Errorf("RETR after the refusals sent %q", got)
	}
}

// APPE and STOU refuse a range (as ProFTPD) and use it up; a listing
// uses it up as it does REST; REIN clears it.
func TestRANGOtherCommands(t *testing.T) {
	ts := startServer(t)
	putFile(t, ts.Mem, "/f", "0123456789")
	c := ts.loginAlice(t)
	// STOU's 550 is 553, as for any refusal of STOU (RFC 959 has no 550 there).
	for verb, want := range map[string]int{"APPE": 550, "STOU": 553} {
		c.cmd(350, "RANG 1 2")
		c.pasv()
		if msg := c.cmd(want, "%s f", verb); msg != verb+" cannot take a byte range (RANG); range reset." {
			t.Errorf("%s after RANG: %q", verb, msg)
		}
		if got := c.retrieve("RETR f"); got != "0123456789" {
			t.Errorf("RETR after a refused %s sent %q", verb, got)
		}
	}
	if got := getFile(t, ts.Mem, "/f"); got != "0123456789" {
		t.Errorf("refused APPE and STOU left %q", got)
	}
	c.cmd(350, "RANG 1 2")
	if got := c.retrieve("NLST"); got != "f\r\n" {
		t.Errorf("NLST after RANG sent %q", got)
	}
	if got := c.retrieve("RETR f"); got != "0123456789" {
		t.Errorf("RETR after RANG, NLST sent %q", got)
	}
	c.cmd(350, "RANG 1 2")
	c.cmd(220, "REIN")
	c.cmd(331, "USER %s", testUser)
	c.cmd(230, "PASS %s", testPass)
	if got := c.retrieve("RETR f"); got != "0123456789" {
		t.Errorf("RETR after RANG, REIN sent %q", got)
	}
}

// FEAT announces "RANG STREAM" (the draft's exact line).
func TestRANGFeat(t *testing.T) {
	ts := startServer(t)
	c := ts.loginAlice(t)
	msg := c.cmd(211, "FEAT")
	if !strings.Contains(msg, "\n RANG STREAM\n") {
		t.Errorf("FEAT lacks RANG STREAM:\n%s", msg)
	}
}

// noPatcher hides the in-place writes of a backend: a ranged STOR is
// 504 there, and the range used up.
type noPatcher struct{ vfs.FS }

func TestRANGStoreWithoutPatcher(t *testing.T) {
	ts := startServer(t, func(s *Server) { s.FS = noPatcher{s.FS} })
	putFile(t, ts.Mem, "/f", "0123456789")
	c := ts.loginAlice(t)
	if code, msg := rangStore(c, "1 2", "f", "ab"); code != 504 || msg != "This storage cannot write byte ranges." {
		t.Errorf("ranged STOR without vfs.Patcher: %d %q", code, msg)
	}
	c.store("f", "whole")
	if got := getFile(t, ts.Mem, "/f"); got != "whole" {
		t.Errorf("STOR after the refusal left %q", got)
	}
}

// On disk, a ranged STOR writes in place in the user's root and no
// further: a link that leads out of the root is refused and its target
// kept as it was.
func TestRANGStoreLocal(t *testing.T) {
	ts, dir := startLocalServer(t)
	if err := os.WriteFile(filepath.Join(dir, "f"), []byte("0123456789"), 0o644); err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(outside, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "out")); err != nil {
		t.Fatal(err)
	}
	c := ts.loginAlice(t)
	if code, msg := rangStore(c, "3 5", "f", "abc"); code != 226 {
		t.Fatalf("ranged STOR on disk: %d %q", code, msg)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "f")); string(b) != "012abc6789" {
		t.Errorf("ranged STOR on disk left %q", b)
	}
	if code, _ := rangStore(c, "0 1", "out", "xx"); code < 500 {
		t.Errorf("ranged STOR through a link out of the root: %d", code)
	}
	// ".." stops at the root: this makes /victim in the root.
	if code, msg := rangStore(c, "0 1", "../victim", "xx"); code != 226 {
		t.Errorf("ranged STOR of ../victim: %d %q", code, msg)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "victim")); string(b) != "xx" {
		t.Errorf("ranged STOR of ../victim left %q in the root", b)
	}
	if b, _ := os.ReadFile(outside); string(b) != "keep" {
		t.Errorf("the file outside the root became %q", b)
	}
	if got := strings.Join(diskEntries(t, dir), " "); got != "f out victim" {
		t.Errorf("the root holds %q", got)
	}
}

// Under PROT P the ranges go through the TLS copy loop the same way.
func TestRANGOverTLS(t *testing.T) {
	ts, cfg := startTLSServer(t)
	ccfg := clientTLS(t, cfg, tls.VersionTLS13)
	c := loginTLS(t, ts, ccfg, "P")
	data := binaryData(1 << 20)
	putFile(t, ts.Mem, "/f", data)
	c.cmd(350, "RANG 1000 700000")
	dc := pasvTLS(c, ccfg)
	c.cmd(150, "RETR f")
	got, err := io.ReadAll(dc)
	if err != nil {
		t.Fatal(err)
	}
	c.expect(226)
	if string(got) != data[1000:700001] {
		t.Fatalf("ranged TLS RETR sent %d bytes, want %d", len(got), 700001-1000)
	}
	up := strings.Repeat("u", 700001-1000)
	part := strings.Repeat("p", 10) // other bytes than up's, so that the file shows they were written
	for _, tc := range []struct {
		send string
		code int
	}{{up, 226}, {up + "extra", 552}, {part, 426}} {
		c.cmd(350, "RANG 1000 700000")
		dc = pasvTLS(c, ccfg)
		c.cmd(150, "STOR f")
		if _, err := io.WriteString(dc, tc.send); err != nil {
			t.Fatal(err)
		}
		dc.Close()
		c.expect(tc.code)
	}
	want := data[:1000] + part + up[10:] + data[700001:]
	if got := getFile(t, ts.Mem, "/f"); got != want {
		t.Fatalf("ranged TLS STORs left %d bytes, not the %d expected", len(got), len(want))
	}
}
