package core

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"runtime/debug"
	"strconv"
	"sync"
	"time"
)

// maxQueue bounds the lines a pipelining client may send ahead while a
// command runs; past it the reader waits for the queue to drain.
const maxQueue = 32

// handshakeTimeout bounds a TLS handshake (implicit FTPS and AUTH TLS).
const handshakeTimeout = 30 * time.Second

// run is the session's reader goroutine: greeting, then one line at a time
// until the client leaves, the idle timeout fires or the server shuts down.
func (s *Session) run(implicitTLS bool) {
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.idle = sync.NewCond(&s.mu)
	s.id = strconv.FormatUint(s.srv.nextID.Add(1), 10)
	s.cwd = "/"
	s.log = s.srv.logger().With("session", s.id, "remote", s.raw.RemoteAddr().String())
	defer s.finish()
	defer s.recoverLogged("session")
	keepUrgentInline(s.raw)
	if implicitTLS && !s.implicitHandshake() {
		return
	}
	if !s.greet() {
		return
	}
	s.setIdleDeadline()
	s.readLoop()
}

// implicitHandshake starts an implicit FTPS session.
func (s *Session) implicitHandshake() bool {
	tc := s.srv.tlsServer(s.raw)
	ctx, cancel := context.WithTimeout(s.ctx, handshakeTimeout)
	defer cancel()
	if err := tc.HandshakeContext(ctx); err != nil {
		s.log.Debug("TLS handshake failed", "err", err)
		return false
	}
	s.conn = tc
	s.tlsControl, s.protPrivate, s.pbsz = true, true, true
	return true
}

// greet sends the banner, unless a connect handler refuses the client.
func (s *Session) greet() bool {
	banner := NewReply(220, "%s", s.srv.banner())
	if h := s.srv.Hooks; h != nil && h.WantsEvent("connect") {
		rep, err := s.onEvent("connect", &Event{Command: "connect", Session: s})
		switch {
		case err != nil:
			s.log.Warn("connect handler failed", "err", err)
		case rep != nil && rep.Code == 220:
			banner = *rep
		case rep != nil:
			s.reply(*rep)
			s.log.Info("connection refused by a script", "code", rep.Code)
			return false
		}
	}
	return s.reply(banner) == nil
}

func (s *Session) readLoop() {
	for {
		line, err := s.rd.readLine(s.conn)
		if errors.Is(err, errLineTooLong) {
			s.reply(NewReply(500, "Command line too long."))
			continue
		}
		if err != nil {
			s.readFailed(err)
			return
		}
		if !s.onLine(line) {
			return
		}
	}
}

// readFailed ends the session after a read error: a deadline means the idle
// timeout or a shutdown, which the client is told about.
func (s *Session) readFailed(err error) {
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		return
	}
	if s.srv.inShutdown.Load() {
		s.reply(NewReply(421, "Service not available, closing control connection."))
		return
	}
	s.log.Info("idle timeout")
	s.reply(NewReply(421, "Timeout (%d seconds): closing control connection.", int(s.srv.idleTimeout().Seconds())))
}

// onLine starts or queues one command line; it reports false when the
// session must end.
func (s *Session) onLine(line []byte) bool {
	text := cleanLine(line)
	verb := verbOf(text)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv.inShutdown.Load() && !s.running {
		s.reply(NewReply(421, "Service not available, closing control connection."))
		return false
	}
	if s.running {
		if handled, goOn := s.duringCommand(verb, text); handled {
			return goOn
		}
		for len(s.queue) >= maxQueue && s.running {
			s.idle.Wait()
		}
	}
	if s.running {
		s.queue = append(s.queue, text)
	} else {
		s.running = true
		s.raw.SetReadDeadline(time.Time{})
		go s.runCommands(text)
	}
	if syncVerb(verb) {
		for s.running {
			s.idle.Wait()
		}
	}
	return !s.quitting && !s.closed
}

// syncVerb reports commands after which the reader must not read on before
// they finish: AUTH replaces the connection, QUIT ends it.
func syncVerb(verb string) bool {
	return verb == "AUTH" || verb == "QUIT" || verb == "CCC"
}

// duringCommand answers ABOR, STAT and QUIT while a command runs (called with
// s.mu held). handled false means the line is to be queued. ABOR stops any
// command still working at once, even behind pipelined lines (RFC 959 has
// it acted on at once); then it is queued after them, so that its 226
// follows their replies. QUIT ends a transfer and drops the queue. STAT
// reports on a transfer, unless lines wait before it: its reply keeps their
// order. A STAT with a path gets that report too: RFC 959 has STAT during a
// transfer give "the status of the operation in progress" and keeps the
// path form for between transfers.
func (s *Session) duringCommand(verb, text string) (handled, goOn bool) {
	if s.finalSent {
		return false, true
	}
	switch {
	case verb == "ABOR":
		if s.cancelCmd != nil {
			s.cancelCmd()
		}
		if len(s.queue) > 0 {
			return false, true
		}
		s.aborting = true
		return true, true
	case verb == "STAT" && s.data.running() && len(s.queue) == 0:
		n := s.data.transferred()
		s.reply(NewReply(213, "Status: %d bytes transferred.", n))
		return true, true
	case verb == "QUIT" && s.data.running():
		s.quitting = true
		if s.cancelCmd != nil {
			s.cancelCmd()
		}
		for s.running {
			s.idle.Wait()
		}
		s.reply(NewReply(221, "Goodbye."))
		return true, false
	}
	return false, true
}

// runCommands runs text and then the queued lines, in order, in a goroutine
// of their own so the reader stays free for ABOR, STAT and QUIT.
func (s *Session) runCommands(text string) {
	for {
		s.mu.Lock()
		s.finalSent = false
		s.mu.Unlock()
		s.safeExecute(text)
		s.mu.Lock()
		if s.aborting {
			s.aborting = false
			s.reply(NewReply(226, "ABOR successful."))
		}
		if s.quitting || s.closed || len(s.queue) == 0 {
			s.queue = nil
			s.running = false
			s.setIdleDeadline()
			s.idle.Broadcast()
			s.mu.Unlock()
			return
		}
		text = s.queue[0]
		s.queue = s.queue[1:]
		s.idle.Broadcast()
		s.mu.Unlock()
	}
}

// safeExecute runs one command; a panic outside the handler (in the hook
// engine) is logged and costs the command a 451 if it had no reply yet.
func (s *Session) safeExecute(text string) {
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("panic in command", "panic", p, "stack", string(debug.Stack()))
			s.mu.Lock()
			sent := s.finalSent
			s.mu.Unlock()
			if !sent {
				s.final(replyLocalError)
			}
		}
	}()
	s.execute(text)
}

// setIdleDeadline arms the idle timeout while no command runs; during a
// shutdown it wakes the reader at once.
func (s *Session) setIdleDeadline() {
	var t time.Time
	switch d := s.srv.idleTimeout(); {
	case s.srv.inShutdown.Load():
		t = time.Now()
	case d > 0:
		t = time.Now().Add(d)
	}
	s.raw.SetReadDeadline(t)
}

// wake asks an idle session to end (Shutdown); a running command is left to
// finish, and the session ends when it does.
func (s *Session) wake() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.running && s.raw != nil {
		s.raw.SetReadDeadline(time.Now())
	}
}

// closeConn closes the connection; the reader and any transfer fail and the
// session ends.
func (s *Session) closeConn() {
	s.mu.Lock()
	if s.closed || s.raw == nil {
		s.closed = true
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.mu.Unlock()
	s.raw.Close()
}

// finish ends the session: the running command is cancelled and waited for,
// the data channel and the connection are closed, and scripts hear of it.
func (s *Session) finish() {
	s.cancel()
	s.mu.Lock()
	s.quitting = true
	for s.running {
		s.idle.Wait()
	}
	s.mu.Unlock()
	s.data.close()
	s.closeFS()
	s.closeConn()
	s.fireEvent("disconnect", &Event{Command: "disconnect"})
	s.log.Debug("session closed")
}

// upgradeTLS replaces the control connection with a TLS server connection
// after AUTH TLS; the reader waits meanwhile (syncVerb), and anything it had
// buffered is dropped.
func (s *Session) upgradeTLS(ctx context.Context) error {
	tc := tls.Server(s.raw, s.srv.TLSConfig)
	hctx, cancel := context.WithTimeout(ctx, handshakeTimeout)
	defer cancel()
	if err := tc.HandshakeContext(hctx); err != nil {
		return err
	}
	s.wmu.Lock()
	s.conn = tc
	s.wmu.Unlock()
	s.rd.reset()
	s.tlsControl = true
	return nil
}
