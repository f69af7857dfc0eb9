package core

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// readAllLines reads lines until EOF; an overlong line reads as "<long>".
func readAllLines(r io.Reader) []string {
	var lr lineReader
	var out []string
	for {
		line, err := lr.readLine(r)
		switch {
		case errors.Is(err, errLineTooLong):
			out = append(out, "<long>")
		case err != nil:
			return out
		default:
			out = append(out, string(line))
		}
		if len(*lr.buf) > maxLineLen+1 {
			panic("buffer grew past the limit")
		}
	}
}

// wantLines is readAllLines' reference: complete lines only.
func wantLines(in string) []string {
	var out []string
	for {
		i := strings.IndexByte(in, '\n')
		if i < 0 {
			return out
		}
		if i > maxLineLen {
			out = append(out, "<long>")
		} else {
			out = append(out, in[:i])
		}
		in = in[i+1:]
	}
}

func FuzzLineReader(f *testing.F) {
	f.Add("USER a\r\nPASS b\r\n", uint8(0))
	f.Add(strings.Repeat("x", 5000)+"\nNOOP\n", uint8(1))
	f.Add(strings.Repeat("y", maxLineLen)+"\n"+strings.Repeat("z", maxLineLen+1)+"\nQ\n", uint8(2))
	f.Add("a\nb\n\n\nc", uint8(1))
	f.Fuzz(func(t *testing.T, in string, mode uint8) {
		var r io.Reader = strings.NewReader(in)
		switch mode % 3 {
		case 1:
			r = iotest.OneByteReader(r)
		case 2:
			r = iotest.HalfReader(r)
		}
		got, want := readAllLines(r), wantLines(in)
		if len(got) != len(want) {
			t.Fatalf("%d lines, want %d", len(got), len(want))
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("line %d: %q, want %q", i, got[i], want[i])
			}
		}
	})
}

func FuzzCleanLine(f *testing.F) {
	f.Add([]byte("\xff\xf4\xff\xf2ABOR\r"))
	f.Add([]byte("NO\xff\xfb\x01OP  "))
	f.Add([]byte("\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, line []byte) {
		in := bytes.Clone(line)
		got := cleanLine(in)
		if strings.HasSuffix(got, " ") || strings.HasSuffix(got, "\r") {
			t.Fatalf("%q kept a trailing space or CR", got)
		}
		if bytes.IndexByte(line, 0xFF) < 0 && len(got) > len(line) {
			t.Fatalf("grew: %q", got)
		}
	})
}
