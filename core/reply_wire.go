package core

import (
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
)

// writeTimeout bounds writing one reply to a client that does not read;
// past it the session ends.
var writeTimeout = time.Minute

var replyBufs = sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }}

// reply writes r on the control connection. Replies from any goroutine of
// the session are serialized; the code 0 (replied) writes nothing. Once a
// reply could not be written (a client that sends and never reads, for
// writeTimeout), the stream may end in half a reply: nothing more is
// written, the lines still queued are dropped and the reader is stopped,
// so that the session ends instead of running every command the client
// sent, a write timeout each.
func (s *Session) reply(r Reply) error {
	if r.Code == 0 {
		return nil
	}
	bp := replyBufs.Get().(*[]byte)
	buf := appendReply((*bp)[:0], r)
	s.wmu.Lock()
	err := s.wfail
	if err == nil {
		s.raw.SetWriteDeadline(time.Now().Add(writeTimeout))
		if _, err = s.conn.Write(buf); err != nil {
			s.wfail = err
			s.wbroken.Store(true)
			stopReading(s.raw)
		}
	}
	s.wmu.Unlock()
	if cap(buf) <= 4096 {
		*bp = buf
		replyBufs.Put(bp)
	}
	return err
}

// appendReply formats r in the RFC 959 form: one line "123 text", or
// "123-first", middle lines indented by one space, and "123 last". Text
// never carries CR, NUL, or a line feed that is not a line break.
func appendReply(b []byte, r Reply) []byte {
	lines := r.Lines
	if len(lines) == 0 {
		lines = []string{""}
	}
	if needsSplit(lines) {
		lines = splitLines(lines)
	}
	var codeBuf [8]byte
	code := strconv.AppendInt(codeBuf[:0], int64(r.Code%1000), 10)
	for i, line := range lines {
		switch {
		case i == len(lines)-1:
			b = append(b, code...)
			b = append(b, ' ')
		case i == 0:
			b = append(b, code...)
			b = append(b, '-')
		default:
			b = append(b, ' ')
		}
		b = appendClean(b, line)
		b = append(b, '\r', '\n')
	}
	return b
}

func needsSplit(lines []string) bool {
	for _, l := range lines {
		if strings.IndexByte(l, '\n') >= 0 {
			return true
		}
	}
	return false
}

func splitLines(lines []string) []string {
	var out []string
	for _, l := range lines {
		out = append(out, strings.Split(l, "\n")...)
	}
	return out
}

// appendClean appends line without CR and NUL bytes.
func appendClean(b []byte, line string) []byte {
	for i := 0; i < len(line); i++ {
		if c := line[i]; c != '\r' && c != 0 && c != '\n' {
			b = append(b, c)
		}
	}
	return b
}

// stopReading makes the control reader's next read fail, without closing
// the descriptor, which the idle poller may still hold: shutting down the
// receiving side gives EOF; a connection that cannot gets a passed deadline.
func stopReading(c net.Conn) {
	if cr, ok := c.(interface{ CloseRead() error }); ok && cr.CloseRead() == nil {
		return
	}
	c.SetReadDeadline(time.Now())
}
