package core

import (
	"crypto/tls"
	"net"
	"sync/atomic"
	"time"
)

// TLS record framing (RFC 8446 section 5.1, RFC 5246 section 6.2): a
// 5-byte header (content type, version, and the 2-byte length of the body
// that follows), then the body.
const recordHeaderLen = 5

// recordConn is the transport under a control connection's *tls.Conn. It
// reads the record framing that passes through it and never returns bytes
// past the end of the record being read: within a header, at most what is
// left of the header; within a body, at most what is left of the body. It
// keeps no bytes of its own.
//
// This is what lets a TLS session park in the idle poller (idlepark_linux.go)
// with nothing hidden from epoll. crypto/tls reads a record with
// readFromUntil(conn, 5) and then readFromUntil(conn, 5+length), each a
// bytes.Buffer.ReadFrom through an atLeastReader that stops once enough has
// come but does not shorten the last Read: from a plain socket that Read may
// bring the start of the next record, kept in the tls.Conn's rawInput where
// no readiness event will ever announce it. Capped here, every Read ends
// exactly at the header's end or the record's end, so once a record has been
// processed (rawInput.Next of the whole of it) rawInput is empty and every
// byte the client sent since is still in the socket.
//
// The other buffers of a tls.Conn, and why none is left holding anything
// when the session parks (see Session.nothingBuffered):
//   - input, the plaintext of the last application-data record: Read copies
//     min(len(b), what is left) of it, so a Read that returned fewer bytes
//     than asked left it empty (tlsLines sets short);
//   - hand, handshake messages: after the handshake only post-handshake
//     messages (a TLS 1.3 KeyUpdate or NewSessionTicket, a TLS 1.2
//     HelloRequest or ClientHello) land there, and Read handles them all, or
//     fails, reading more records as it needs, before it returns any data;
//   - alerts: a close_notify or a fatal alert makes Read (this one or the
//     next) fail, which ends the session; a warning alert, an empty record
//     and a TLS 1.3 change_cipher_spec are dropped inside Read, which then
//     reads the next record. Read's look-ahead for a close_notify right after
//     the data (when rawInput holds more) never fires: rawInput holds nothing
//     more. The alert stays in the socket and wakes the parked session.
//
// Read returns at a record boundary unless it failed (a deadline: the
// session then ends); atBoundary checks it all the same.
type recordConn struct {
	net.Conn             // the TCP connection (Session.raw)
	tc       *tls.Conn   // the TLS connection over this one
	left     int32       // bytes of the current record's body still to come
	hdrRead  uint8       // bytes of the current header read so far
	length   uint16      // the body length, as the header is read
	short    bool        // the last plaintext Read returned less than asked (see tlsLines)
	closing  atomic.Bool // the session is ending: the close_notify keeps crypto/tls's deadline
}

// newTLSControl makes the server side of a TLS control connection over raw,
// through a recordConn. Data connections do not park and keep the plain
// transport.
func newTLSControl(srv *Server, raw net.Conn) *tls.Conn {
	rc := &recordConn{Conn: raw, short: true} // no plaintext yet
	rc.tc = srv.tlsServer(rc)
	return rc.tc
}

// Read reads at most to the end of the current header or body.
func (rc *recordConn) Read(b []byte) (int, error) {
	limit := int(rc.left)
	if limit == 0 {
		limit = recordHeaderLen - int(rc.hdrRead)
	}
	if len(b) > limit {
		b = b[:limit]
	}
	n, err := rc.Conn.Read(b)
	rc.advance(b[:n])
	return n, err
}

// Write writes to the socket with a write deadline of its own, writeTimeout
// from now, as a reply has (Session.reply sets the same just before). The
// tls.Conn writes without a reply too: inside the reader's Read, the
// server's KeyUpdate a TLS 1.3 client asks for, and alerts. Under the last
// reply's deadline, long passed on a session that was idle, such a write
// failed at once, and a tls.Conn keeps a failed write's error for every
// later write: the session could not answer again. A reply of several
// records has the bound for each record.
func (rc *recordConn) Write(b []byte) (int, error) {
	if !rc.closing.Load() {
		rc.Conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	}
	return rc.Conn.Write(b)
}

// advance follows the framing over p, bytes just read; p never crosses the
// end of a header or of a body.
func (rc *recordConn) advance(p []byte) {
	if rc.left > 0 {
		rc.left -= int32(len(p))
		return
	}
	for _, c := range p {
		switch rc.hdrRead {
		case 3:
			rc.length = uint16(c) << 8
		case 4:
			rc.length |= uint16(c)
		}
		rc.hdrRead++
	}
	if rc.hdrRead == recordHeaderLen {
		rc.hdrRead, rc.left = 0, int32(rc.length)
	}
}

// atBoundary reports whether the stream stands between two records: every
// byte read so far belongs to records read whole.
func (rc *recordConn) atBoundary() bool { return rc.left == 0 && rc.hdrRead == 0 }

// drained reports whether the TLS connection holds nothing the client sent
// that the reader has not had: no plaintext left over, no partial record.
func (rc *recordConn) drained() bool { return rc.short && rc.atBoundary() }

// tlsLines is what the line reader reads from on a TLS control connection:
// the *tls.Conn, noting whether each Read left plaintext behind.
type tlsLines recordConn

// Read reads plaintext. tls.Conn.Read copies min(len(b), plaintext left
// of the current record): fewer than len(b) bytes means it took all of it.
// An error that comes with data (Read's look-ahead for a close_notify,
// which the recordConn keeps from firing) stays with the tls.Conn for the
// next Read, which the line reader must make rather than park: such a Read
// does not count as short.
func (l *tlsLines) Read(b []byte) (int, error) {
	n, err := l.tc.Read(b)
	l.short = n < len(b) && err == nil
	return n, err
}

// tlsRecords returns the recordConn under a TLS control connection; nil
// for a plain one.
func tlsRecords(conn net.Conn) *recordConn {
	tc, ok := conn.(*tls.Conn)
	if !ok {
		return nil
	}
	rc, _ := tc.NetConn().(*recordConn)
	return rc
}
