package core

import (
	"net"
	"sync/atomic"
	"syscall"
)

// quickAckConn acknowledges every segment at once while a TLS handshake
// runs. Some clients (lftp) write their last handshake messages in two small
// writes; with Nagle on their side and delayed ACKs on ours, the second one
// waits some 40 ms for our ACK, on every data connection. Linux clears
// TCP_QUICKACK by itself, so it is set again before each read, and only
// until the handshake is done.
type quickAckConn struct {
	*net.TCPConn
	on atomic.Bool
}

func withQuickAck(c net.Conn) (net.Conn, func()) {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return c, func() {}
	}
	q := &quickAckConn{TCPConn: tc}
	q.on.Store(true)
	return q, func() { q.on.Store(false) }
}

func (q *quickAckConn) Read(b []byte) (int, error) {
	if q.on.Load() {
		if rc, err := q.TCPConn.SyscallConn(); err == nil {
			rc.Control(func(fd uintptr) {
				syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_QUICKACK, 1)
			})
		}
	}
	return q.TCPConn.Read(b)
}
