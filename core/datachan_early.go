package core

import (
	"context"
	"net"
	"os"
	"time"
)

// passive is a prepared passive data channel: its listener and, when it is
// prepared under PROT P, the work of accepting the client's connection and
// running the server's side of its TLS handshake as soon as the client
// connects, ahead of the transfer command.
//
// Why ahead: curl connects and sends its ClientHello right after the 227 or
// 229, then waits for the ServerHello on the data connection before it
// reads the control connection again. A server that starts the handshake
// only once RETR, STOR or LIST arrives (vsftpd, pure-ftpd, and luaftpd
// before this) leaves curl to wait out a timer of some 200 ms on every
// protected transfer. Clients that send the command first (lftp, ftplib)
// are served the same: the handshake waits for their ClientHello.
type passive struct {
	ln     *net.TCPListener
	cancel context.CancelFunc // nil: nothing runs ahead
	done   chan struct{}      // closed once conn and err are set
	conn   net.Conn
	err    error
}

// newPassive prepares ln, and starts accepting on it at once under PROT P.
// The accept waits as long as the channel stays prepared (a new PASV, PORT,
// REIN or the session's end discards it); the handshake, once the client
// connects, is bounded by the data timeout.
func (s *Session) newPassive(ln *net.TCPListener) *passive {
	p := &passive{ln: ln}
	if !s.protPrivate || s.srv == nil || s.srv.TLSConfig == nil {
		return p
	}
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel, p.done = cancel, make(chan struct{})
	log := s.log // the session may replace its logger (REIN) meanwhile
	go func() {
		defer close(p.done)
		conn, err := s.acceptPassive(ctx, ln, log, 0)
		if err == nil {
			conn, err = s.dataHandshake(ctx, conn)
		}
		p.conn, p.err = conn, err
	}()
	return p
}

// early reports whether the channel is being accepted ahead.
func (p *passive) early() bool { return p.cancel != nil }

// wait hands over the connection accepted and handshaken ahead, once it is
// there: the client has the data timeout from the transfer command on, as
// when nothing runs ahead. The end of ctx (ABOR, hangup) or of the timeout
// discards it. A channel prepared under PROT P cannot serve a transfer
// after PROT C.
func (p *passive) wait(ctx context.Context, protPrivate bool, timeout time.Duration) (net.Conn, error) {
	if !protPrivate {
		p.discard()
		return nil, errProtChanged
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-p.done:
	case <-ctx.Done():
		p.discard()
		return nil, ctx.Err()
	case <-timer.C:
		p.discard()
		return nil, os.ErrDeadlineExceeded
	}
	p.cancel()
	return p.conn, p.err
}

// discard stops what runs ahead and closes the listener and whatever
// connection it accepted.
func (p *passive) discard() {
	if p.cancel == nil {
		p.ln.Close()
		return
	}
	p.cancel()
	<-p.done
	if p.conn != nil {
		p.conn.Close()
	}
}
