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
var lineBufPool = sync.Pool{New: func() any { return new([lineBufMin]byte) }}

// errLineTooLong is returned by readLine for a line longer than maxLineLen;
// the line has been consumed.
var errLineTooLong = errors.New("command line too long")

// lineReader reads command lines from the control connection with a small
// buffer that grows only while a long line is being read.
type lineReader struct {
	buf  []byte
	r, w int32 // unread data is buf[r:w]; int32 keeps an idle Session small
}

// readLine returns the next line without its line feed. The slice is valid
// until the next call. Lines longer than maxLineLen give errLineTooLong.
func (lr *lineReader) readLine(src io.Reader) ([]byte, error) {
	if lr.buf == nil {
		lr.buf = lineBufPool.Get().(*[lineBufMin]byte)[:]
	}
	lr.compact()
	scanned := 0 // bytes of buf[r:w] known to hold no line feed
	for {
		r, w := int(lr.r), int(lr.w)
		if i := bytes.IndexByte(lr.buf[r+scanned:w], '\n'); i >= 0 {
			end := r + scanned + i
			line := lr.buf[r:end]
			lr.r = int32(end + 1)
			return line, nil
		}
		scanned = w - r
		if w == len(lr.buf) {
			if !lr.grow() {
				return nil, lr.discard(src)
			}
		}
		n, err := src.Read(lr.buf[lr.w:])
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
	n := lr.w - lr.r
	if len(lr.buf) > lineBufMin && n <= lineBufMin {
		small := make([]byte, lineBufMin)
		copy(small, lr.buf[lr.r:lr.w])
		lr.buf = small
	} else {
		copy(lr.buf, lr.buf[lr.r:lr.w])
	}
	lr.r, lr.w = 0, n
}

// grow doubles the buffer up to maxLineLen (+1 for the line feed); it
// reports false when the buffer is already that large.
func (lr *lineReader) grow() bool {
	if lr.r > 0 {
		lr.compact()
		if int(lr.w) < len(lr.buf) {
			return true
		}
	}
	if len(lr.buf) > maxLineLen {
		return false
	}
	size := min(2*len(lr.buf), maxLineLen+1)
	bigger := make([]byte, size)
	copy(bigger, lr.buf[lr.r:lr.w])
	lr.buf = bigger
	lr.w -= lr.r
	lr.r = 0
	return true
}

// discard drops the rest of an overlong line, reading into the buffer it
// already has, and keeps whatever follows the line feed.
func (lr *lineReader) discard(src io.Reader) error {
	lr.r, lr.w = 0, 0
	for {
		n, err := src.Read(lr.buf)
		if i := bytes.IndexByte(lr.buf[:n], '\n'); i >= 0 {
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
	if len(lr.buf) > lineBufMin {
		lr.buf = make([]byte, lineBufMin)
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
	if len(lr.buf) == lineBufMin {
		lineBufPool.Put((*[lineBufMin]byte)(lr.buf))
	}
	lr.buf, lr.r, lr.w = nil, 0, 0
}
