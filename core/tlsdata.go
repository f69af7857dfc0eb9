package core

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	"sync"
)

// A download over a TLS data connection reads tlsChunk of the file at a
// time and has crypto/tls encrypt it into records that gather in one
// buffer, written to the socket at once: crypto/tls writes each record of
// at most 16 KiB by a system call of its own, and on loopback those calls
// cost more than the encryption (README, "Downloads over TLS").
const tlsChunk = sendChunkMin // sendChunks' chunk when it does not grow

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

// flush writes what gathered (writeSteady).
func (g *gatherConn) flush(stall *stallClock) error {
	b := *g.buf
	_, err := writeSteady(g.Conn, b, stall)
	*g.buf = b[:0]
	return err
}

// tlsSendLoop copies a file to a TLS data connection, tlsChunk at a time,
// each chunk's records in one write (sendChunks).
func (s *Session) tlsSendLoop(d *tlsData, src io.Reader) (int64, error) {
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
	stall := s.newStallClock(d)
	return s.sendChunks(src, false, func(p []byte) (int, error) {
		if _, err := d.Conn.Write(p); err != nil {
			return 0, err
		}
		if err := d.g.flush(&stall); err != nil {
			return 0, err
		}
		return len(p), nil
	})
}

// tlsRecvLoop copies a TLS data connection into dst through copyLoop, over
// a tlsChunk buffer and a tlsFiller: the file is written with up to
// tlsChunk at a time instead of a record's 16 KiB.
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
	return s.copyLoop(dst, tlsFiller{d}, d, true, (*bp)[:tlsChunk])
}

// tlsFiller reads a TLS data connection whose gatherConn reads through r:
// a Read fills b until it is full or the bytes already come from the
// socket are used up, so only its first read may wait for the client.
type tlsFiller struct{ d *tlsData }

func (f tlsFiller) Read(b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := f.d.Conn.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
		if f.d.g.r.Buffered() == 0 {
			break
		}
	}
	return n, nil
}
