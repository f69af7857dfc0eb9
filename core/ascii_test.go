package core

import (
	"bytes"
	"strings"
	"testing"
)

var asciiCases = []struct {
	name, file, wire string
}{
	{"empty", "", ""},
	{"no newline", "abc", "abc"},
	{"one line", "abc\n", "abc\r\n"},
	{"lines", "a\nb\n\nc", "a\r\nb\r\n\r\nc"},
	{"only newlines", "\n\n", "\r\n\r\n"},
	{"crlf in file", "a\r\nb", "a\r\r\nb"},
	{"bare cr", "a\rb\r", "a\rb\r"},
	{"binary bytes", "\x00\xff\n\x80", "\x00\xff\r\n\x80"},
}

// writeChunks writes s to w in pieces of n bytes, so conversions are
// checked across every buffer boundary.
func writeChunks(t *testing.T, w interface{ Write([]byte) (int, error) }, s string, n int) {
	t.Helper()
	for len(s) > 0 {
		k := min(n, len(s))
		got, err := w.Write([]byte(s[:k]))
		if err != nil || got != k {
			t.Fatalf("Write(%q) = %d, %v", s[:k], got, err)
		}
		s = s[k:]
	}
}

func TestToNetASCII(t *testing.T) {
	for _, tc := range asciiCases {
		for n := 1; n <= len(tc.file)+1; n++ {
			var out bytes.Buffer
			writeChunks(t, newToNetASCII(&out), tc.file, n)
			if out.String() != tc.wire {
				t.Errorf("%s, chunks of %d: sent %q, want %q", tc.name, n, out.String(), tc.wire)
			}
		}
	}
}

func TestFromNetASCII(t *testing.T) {
	for _, tc := range asciiCases {
		for n := 1; n <= len(tc.wire)+1; n++ {
			var out bytes.Buffer
			a := newFromNetASCII(&out)
			writeChunks(t, a, tc.wire, n)
			if err := a.Flush(); err != nil {
				t.Fatal(err)
			}
			if out.String() != tc.file {
				t.Errorf("%s, chunks of %d: stored %q, want %q", tc.name, n, out.String(), tc.file)
			}
		}
	}
}

func TestFromNetASCIIBareCR(t *testing.T) {
	tests := []struct{ wire, file string }{
		{"\r\r\n", "\r\n"},
		{"a\r", "a\r"},
		{"\rx", "\rx"},
		{"\r\n\r", "\n\r"},
	}
	for _, tc := range tests {
		for n := 1; n <= len(tc.wire); n++ {
			var out bytes.Buffer
			a := newFromNetASCII(&out)
			writeChunks(t, a, tc.wire, n)
			_ = a.Flush()
			if out.String() != tc.file {
				t.Errorf("%q in chunks of %d: stored %q, want %q", tc.wire, n, out.String(), tc.file)
			}
		}
	}
}

// SIZE in TYPE A is what a TYPE A RETR sends: one more byte per line end
// (RFC 3659 section 4); too large a file is refused rather than read.
func TestSIZEInASCIIMode(t *testing.T) {
	ts := startServer(t)
	ts.putFile(t, "/lines.txt", "a\nb\nc\n")
	ts.putFile(t, "/big.txt", strings.Repeat("x", asciiSizeLimit+1))
	c := ts.loginAlice(t)
	c.cmd(200, "TYPE A")
	if msg := c.cmd(213, "SIZE lines.txt"); msg != "9" {
		t.Errorf("SIZE in TYPE A: %q", msg)
	}
	if got := c.retrieve("RETR lines.txt"); len(got) != 9 {
		t.Errorf("RETR in TYPE A sent %q", got)
	}
	c.cmd(550, "SIZE big.txt")
	c.cmd(200, "TYPE I")
	if msg := c.cmd(213, "SIZE lines.txt"); msg != "6" {
		t.Errorf("SIZE in TYPE I: %q", msg)
	}
}
