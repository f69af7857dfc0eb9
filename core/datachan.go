package core

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// defaultDataTimeout bounds waiting for a data connection when
// Server.DataTimeout is 0.
const defaultDataTimeout = 30 * time.Second

// dataState is a session's data channel: a prepared passive listener or
// active address, the EPSV ALL latch, and the transfer running now.
//
// The running command prepares and takes the channel; the control reader
// may call close (ABOR, end of session), transferred and running (STAT,
// idle timeout) at any time, hence the lock and the atomics.
type dataState struct {
	mu      sync.Mutex
	pasv    *passive     // prepared by PASV/EPSV
	active  *net.TCPAddr // prepared by PORT/EPRT
	epsvAll bool         // after EPSV ALL only EPSV may prepare

	xfer  atomic.Uint32 // xferRunning, xferAborted: one word, for Session's size
	bytes atomic.Int64  // bytes moved by the running or the last transfer
}

// close releases a prepared passive listener or active address.
func (d *dataState) close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.clearLocked()
}

func (d *dataState) clearLocked() {
	if d.pasv != nil {
		d.pasv.discard()
		d.pasv = nil
	}
	d.active = nil
}

// transferred is the number of bytes moved by the running transfer (STAT),
// or by the last one once it ended.
func (d *dataState) transferred() int64 { return d.bytes.Load() }

// running reports whether a transfer is under way, so the idle timeout
// spares it.
func (d *dataState) running() bool { return d.xfer.Load()&xferRunning != 0 }

// The bits of dataState.xfer.
const (
	xferRunning = 1 << iota // a transfer runs
	xferAborted             // the running transfer was cancelled (moveData)
)

// start marks a transfer running, if none is. It clears an abort that
// came too late for the last transfer (moveData's AfterFunc may run after
// the transfer ended).
func (d *dataState) start() bool {
	for {
		old := d.xfer.Load()
		if old&xferRunning != 0 {
			return false
		}
		if d.xfer.CompareAndSwap(old, xferRunning) {
			return true
		}
	}
}

// end marks the transfer over.
func (d *dataState) end() { d.xfer.Store(0) }

// abort marks the running transfer cancelled, for loops that do not read
// the data connection itself (recvLoop).
func (d *dataState) abort() { d.xfer.Or(xferAborted) }

// aborted reports whether the running transfer was cancelled.
func (d *dataState) aborted() bool { return d.xfer.Load()&xferAborted != 0 }

// setPassive replaces whatever was prepared by a passive listener.
func (d *dataState) setPassive(p *passive) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.clearLocked()
	d.pasv = p
}

// setActive replaces whatever was prepared by an active address.
func (d *dataState) setActive(addr *net.TCPAddr) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.clearLocked()
	d.active = addr
}

// prepared reports whether PASV/EPSV or PORT/EPRT was given.
func (d *dataState) prepared() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.pasv != nil || d.active != nil
}

// take hands the prepared channel to one transfer: each PASV or PORT serves
// one data connection.
func (d *dataState) take() (*passive, *net.TCPAddr) {
	d.mu.Lock()
	defer d.mu.Unlock()
	p, addr := d.pasv, d.active
	d.pasv, d.active = nil, nil
	return p, addr
}

func (d *dataState) setEPSVAll() {
	d.mu.Lock()
	d.epsvAll = true
	d.mu.Unlock()
}

func (d *dataState) isEPSVAll() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.epsvAll
}

// dataTimeout is Server.DataTimeout or its default.
func (s *Session) dataTimeout() time.Duration {
	if s.srv != nil && s.srv.DataTimeout > 0 {
		return s.srv.DataTimeout
	}
	return defaultDataTimeout
}

var (
	errNoDataChannel = errors.New("no PORT or PASV given")
	errDataTLS       = errors.New("data connection TLS handshake failed")
	errProtChanged   = errors.New("PROT C after PASV: the data connection was already protected")
)

// openData connects the channel the client prepared: it accepts on the
// passive listener or dials the active address, then, under PROT P, runs
// the server side of the TLS handshake to its end, so that even a 0-byte
// transfer leaves the client a complete TLS session. A passive channel
// prepared under PROT P was accepted and its handshake begun as soon as
// the client connected (see passive), so openData waits for that.
func (s *Session) openData(ctx context.Context) (net.Conn, error) {
	p, addr := s.data.take()
	var (
		conn net.Conn
		err  error
	)
	switch {
	case p != nil && p.early():
		return p.wait(ctx, s.protPrivate, s.dataTimeout())
	case p != nil:
		conn, err = s.acceptPassive(ctx, p.ln, s.log, s.dataTimeout())
	case addr != nil:
		conn, err = s.dialActive(ctx, addr)
	default:
		return nil, errNoDataChannel
	}
	if err != nil {
		return nil, err
	}
	if !s.protPrivate {
		return conn, nil
	}
	return s.dataHandshake(ctx, conn)
}

// dataHandshake wraps conn in TLS with the server's one tls.Config, whose
// session ticket keys let the client resume its control session.
func (s *Session) dataHandshake(ctx context.Context, conn net.Conn) (net.Conn, error) {
	if s.srv == nil || s.srv.TLSConfig == nil {
		conn.Close()
		return nil, errDataTLS
	}
	qconn, handshakeDone := withQuickAck(conn)
	g := &gatherConn{Conn: qconn}
	tc := s.srv.tlsServer(g)
	hctx, cancel := context.WithTimeout(ctx, s.dataTimeout())
	defer cancel()
	if err := tc.HandshakeContext(hctx); err != nil {
		conn.Close()
		return nil, errors.Join(errDataTLS, err)
	}
	handshakeDone()
	return &tlsData{Conn: tc, g: g}, nil
}
