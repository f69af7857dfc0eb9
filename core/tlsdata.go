package core

import (
	"bufio"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"sync"
)

// A download over a TLS data connection reads tlsChunk of the file at a
// time and has crypto/tls encrypt it into records that gather in one
// buffer, written to the socket at once: crypto/tls writes each record of
// at most 16 KiB by a system call of its own, and on loopback those calls
// cost more than the encryption (README, "Downloads over TLS").
const tlsChunk = 256 << 10

// tlsGatherSize holds tlsChunk's records: 16 KiB of payload each plus at
// most 29 bytes of header, tag and padding (TLS 1.2 AES-GCM), with room to
// spare.
const tlsGatherSize = tlsChunk + tlsChunk/16*64

var (
	gatherBufs = sync.Pool{New: func() any { b := make([]byte, 0, tlsGatherSize); return &b }}
	tlsReaders = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, tlsChunk) }}
)

// tlsData is a data connection under TLS; conn is what crypto/tls writes
// to.
type tlsData struct {
	*tls.Conn
	g *gatherConn
}

// gatherConn is the connection under a TLS data connection: while buf is
// set its writes gather there until flush; once r is set (an upload), its
// reads go through r, so crypto/tls, which asks for little more than a
// record at a time, costs a system call per tlsChunk instead of per record.
//
// Only the transfer's goroutine uses buf and r; mu orders its setting buf
// against Close, which may come from another goroutine (ABOR).
type gatherConn struct {
	net.Conn
	buf *[]byte
	r   *bufio.Reader

	mu     sync.Mutex
	closed bool
}

// startGather sets buf, unless the connection is closed already.
func (g *gatherConn) startGather(buf *[]byte) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.buf = buf
	return true
}

// stopGather unsets buf.
func (g *gatherConn) stopGather() {
	g.mu.Lock()
	g.buf = nil
	g.mu.Unlock()
}

// Close ends the data connection. During a gathered send it closes the
// socket alone, which breaks the send, and sends no close_notify (whose
// record would land in the gathering buffer), as crypto/tls itself does
// when Close comes during a Write; otherwise it closes the TLS connection.
func (d *tlsData) Close() error {
	d.g.mu.Lock()
	busy := d.g.buf != nil
	d.g.closed = true
	d.g.mu.Unlock()
	if busy {
		return d.g.Conn.Close()
	}
	return d.Conn.Close()
}

func (g *gatherConn) Read(p []byte) (int, error) {
	if g.r == nil {
		return g.Conn.Read(p)
	}
	return g.r.Read(p)
}

func (g *gatherConn) Write(p []byte) (int, error) {
	if g.buf == nil {
		return g.Conn.Write(p)
	}
	b := *g.buf
	if len(b)+len(p) > cap(b) {
		if err := g.flush(nil); err != nil {
			return 0, err
		}
		if len(p) > cap(b) {
			return g.Conn.Write(p)
		}
		b = *g.buf
	}
	*g.buf = append(b, p...)
	return len(p), nil
}

// flush writes what gathered. A write cut by the stall deadline after it
// moved bytes goes on under a new one, as sendAll's.
func (g *gatherConn) flush(stall *stallClock) error {
	b := *g.buf
	defer func() { *g.buf = b[:0] }()
	for off := 0; off < len(b); {
		n, err := g.Conn.Write(b[off:])
		off += n
		if n > 0 && stall != nil {
			stall.moved()
		}
		if err != nil && (n == 0 || !errors.Is(err, os.ErrDeadlineExceeded)) {
			return err
		}
	}
	return nil
}

// tlsSendLoop copies a file to a TLS data connection, tlsChunk at a time,
// each chunk's records in one write; it counts each chunk once it is out.
func (s *Session) tlsSendLoop(d *tlsData, src io.Reader) (int64, error) {
	bp := sendBufs.Get().(*[]byte)
	defer sendBufs.Put(bp)
	gp := gatherBufs.Get().(*[]byte)
	if !d.g.startGather(gp) {
		gatherBufs.Put(gp)
		return 0, &copyError{local: false, err: net.ErrClosed}
	}
	defer func() {
		d.g.stopGather()
		*gp = (*gp)[:0]
		gatherBufs.Put(gp)
	}()
	buf := (*bp)[:tlsChunk]
	stall := s.newStallClock(d)
	var n int64
	for {
		nr, rerr := src.Read(buf)
		if nr > 0 {
			_, werr := d.Conn.Write(buf[:nr])
			if werr == nil {
				werr = d.g.flush(&stall)
			}
			if werr != nil {
				return n, &copyError{local: false, err: werr}
			}
			n += int64(nr)
			s.data.bytes.Add(int64(nr))
		}
		if rerr == io.EOF {
			return n, nil
		}
		if rerr != nil {
			return n, &copyError{local: true, err: rerr}
		}
	}
}

// tlsRecvLoop copies a TLS data connection into dst: it gathers what the
// client sent up to tlsChunk, or less when nothing more has come, and
// writes that to dst at once (crypto/tls returns a record, 16 KiB at most,
// per Read).
func (s *Session) tlsRecvLoop(dst io.Writer, d *tlsData) (int64, error) {
	r := tlsReaders.Get().(*bufio.Reader)
	r.Reset(d.g.Conn)
	d.g.r = r
	defer func() {
		// Nothing reads the connection after the upload: whatever r
		// still holds is past the end of it, or the connection is
		// failing.
		d.g.r = nil
		r.Reset(nil)
		tlsReaders.Put(r)
	}()
	bp := sendBufs.Get().(*[]byte)
	defer sendBufs.Put(bp)
	buf := (*bp)[:tlsChunk]
	stall := s.newStallClock(d)
	var n int64
	for {
		nr, rerr := s.tlsFill(d, buf)
		if nr > 0 {
			stall.moved()
			nw, werr := s.writeCounted(dst, buf[:nr])
			n += int64(nw)
			if werr != nil {
				return n, &copyError{local: true, err: werr}
			}
		}
		if rerr == io.EOF {
			return n, nil
		}
		if rerr != nil {
			return n, &copyError{local: false, err: rerr}
		}
	}
}

// tlsFill reads d into buf until it is full or the bytes already come from
// the socket are used up: only its first Read may wait for the client.
func (s *Session) tlsFill(d *tlsData, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := d.Conn.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
		if d.g.r.Buffered() == 0 {
			break
		}
	}
	return n, nil
}
