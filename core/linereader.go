package core

import (
	"bytes"
	"errors"
	"io"
	"sync"
)

// Line buffer sizes: an idle session holds lineBufMin bytes; a long command
// line grows the buffer up to maxLineLen, and anything longer is discarded
// up to its line feed without being buffered.
const (
	lineBufMin = 512
	maxLineLen = 4096
)

// lineBufPool holds the small buffers of readers that wait for nothing
// buffered: an idle session gives its buffer back (release).
var lineBufPool = sync.Pool{New: func() any { b := make([]byte, lineBufMin); return &b }}

// errLineTooLong is returned by readLine for a line longer than maxLineLen;
// the line has been consumed.
var errLineTooLong = errors.New("command line too long")

// lineReader reads command lines from the control connection with a small
// buffer that grows only while a long line is being read. The buffer is
// held through a pointer, and r and w are int32, so that the reader costs
// an idle Session 16 bytes.
type lineReader struct {
	buf  *[]byte // nil while released
	r, w int32   // unread data is (*buf)[r:w]
}

// readLine returns the next line without its line feed. The slice is valid
// until the next call. Lines longer than maxLineLen give errLineTooLong.
func (lr *lineReader) readLine(src io.Reader) ([]byte, error) {
	if lr.buf == nil {
		lr.buf = lineBufPool.Get().(*[]byte)
	}
	lr.compact()
	scanned := 0 // bytes of buf[r:w] known to hold no line feed
	for {
		buf, r, w := *lr.buf, int(lr.r), int(lr.w)
		if i := bytes.IndexByte(buf[r+scanned:w], '\n'); i >= 0 {
			end := r + scanned + i
			lr.r = int32(end + 1)
			return buf[r:end], nil
		}
		scanned = w - r
		if w == len(buf) {
			if !lr.grow() {
				return nil, lr.discard(src)
			}
		}
		n, err := src.Read((*lr.buf)[lr.w:])
		lr.w += int32(n)
		if err != nil && n == 0 {
			return nil, err
		}
	}
}

// compact moves unread data to the front, and gives back a grown buffer once
// what is left fits in the small one.
func (lr *lineReader) compact() {
	if lr.r == 0 {
		return
	}
	buf, n := *lr.buf, lr.w-lr.r
	if len(buf) > lineBufMin && n <= lineBufMin {
		small := make([]byte, lineBufMin)
		copy(small, buf[lr.r:lr.w])
		lr.buf = &small
	} else {
		copy(buf, buf[lr.r:lr.w])
	}
	lr.r, lr.w = 0, n
}

// grow doubles the buffer up to maxLineLen (+1 for the line feed); it
// reports false when the buffer is already that large.
func (lr *lineReader) grow() bool {
	if lr.r > 0 {
		lr.compact()
		if int(lr.w) < len(*lr.buf) {
			return true
		}
	}
	buf := *lr.buf
	if len(buf) > maxLineLen {
		return false
	}
	bigger := make([]byte, min(2*len(buf), maxLineLen+1))
	copy(bigger, buf[lr.r:lr.w])
	lr.buf = &bigger
	lr.w -= lr.r
	lr.r = 0
	return true
}

// discard drops the rest of an overlong line, reading into the buffer it
// already has, and keeps whatever follows the line feed.
func (lr *lineReader) discard(src io.Reader) error {
	lr.r, lr.w = 0, 0
	buf := *lr.buf
	for {
		n, err := src.Read(buf)
		if i := bytes.IndexByte(buf[:n], '\n'); i >= 0 {
			lr.r, lr.w = int32(i+1), int32(n)
			return errLineTooLong
		}
		if err != nil {
			return err
		}
	}
}

// reset drops everything buffered: after AUTH TLS, bytes that arrived before
// the handshake must never be parsed as commands.
func (lr *lineReader) reset() {
	lr.r, lr.w = 0, 0
	if lr.buf != nil && len(*lr.buf) > lineBufMin {
		small := make([]byte, lineBufMin)
		lr.buf = &small
	}
}

// empty reports whether nothing is buffered.
func (lr *lineReader) empty() bool { return lr.r == lr.w }

// release gives the buffer back while nothing is buffered; the next
// readLine takes one again.
func (lr *lineReader) release() {
	if lr.r != lr.w || lr.buf == nil {
		return
	}
	if len(*lr.buf) == lineBufMin {
		lineBufPool.Put(lr.buf)
	}
	lr.buf, lr.r, lr.w = nil, 0, 0
}
