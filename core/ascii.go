package core

import (
	"bytes"
	"io"
)

// TYPE A (RFC 959 3.1.1.1): the data connection carries NVT-ASCII lines
// ending in CRLF while files keep the local LF line ends. The conversion is
// a plain byte rewrite so that a round trip (send, then receive) gives back
// exactly the bytes of the file; non-ASCII bytes pass through untouched.

// toNetASCII writes LF as CRLF to w: the sending side of TYPE A.
type toNetASCII struct {
	w   io.Writer
	buf []byte
}

func newToNetASCII(w io.Writer) *toNetASCII { return &toNetASCII{w: w} }

// Write converts p and writes it in one call to the underlying writer. It
// reports len(p) on success, as io.Writer requires, although more bytes
// reach the wire.
func (a *toNetASCII) Write(p []byte) (int, error) {
	a.buf = a.buf[:0]
	rest := p
	for len(rest) > 0 {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			a.buf = append(a.buf, rest...)
			break
		}
		a.buf = append(a.buf, rest[:i]...)
		a.buf = append(a.buf, '\r', '\n')
		rest = rest[i+1:]
	}
	if _, err := a.w.Write(a.buf); err != nil {
		return 0, err
	}
	return len(p), nil
}

// fromNetASCII writes CRLF as LF to w: the receiving side of TYPE A. A CR
// at the end of one Write is held back until the next byte shows whether it
// starts a CRLF; Flush writes a CR still held at the end of the stream. A
// CR not followed by LF is kept as it is.
type fromNetASCII struct {
	w   io.Writer
	cr  bool // a CR ended the previous Write
	buf []byte
}

func newFromNetASCII(w io.Writer) *fromNetASCII { return &fromNetASCII{w: w} }

// Write converts p; it reports len(p) on success.
func (a *fromNetASCII) Write(p []byte) (int, error) {
	a.buf = a.buf[:0]
	rest := p
	if a.cr && len(rest) > 0 {
		a.cr = false
		if rest[0] != '\n' {
			a.buf = append(a.buf, '\r')
		}
	}
	for len(rest) > 0 {
		i := bytes.IndexByte(rest, '\r')
		if i < 0 {
			a.buf = append(a.buf, rest...)
			break
		}
		a.buf = append(a.buf, rest[:i]...)
		switch {
		case i+1 == len(rest):
			a.cr = true
		case rest[i+1] != '\n':
			a.buf = append(a.buf, '\r')
		}
		rest = rest[i+1:]
	}
	if len(a.buf) > 0 {
		if _, err := a.w.Write(a.buf); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// Flush writes a CR held back at the end of the stream.
func (a *fromNetASCII) Flush() error {
	if !a.cr {
		return nil
	}
	a.cr = false
	_, err := a.w.Write([]byte{'\r'})
	return err
}
