package core

import (
	"context"
	"errors"
	"io"
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

// handshakeLimit is how long a control connection's TLS handshake may take:
// handshakeTimeout, or the idle timeout when that is shorter, since a
// client silent in the middle of a handshake is idle too.
func (s *Session) handshakeLimit() time.Duration {
	if d := s.srv.idleTimeout(); d > 0 && d < handshakeTimeout {
		return d
	}
	return handshakeTimeout
}

// start is the session's first goroutine: the greeting, then the reader.
func (s *Session) start(implicitTLS bool) {
	s.id = strconv.FormatUint(s.srv.nextID.Add(1), 10)
	s.cwd = "/"
	s.log = s.newSessionLogger()
	ok := false
	func() {
		defer s.recoverLogged("session")
		keepUrgentInline(s.raw)
		if implicitTLS && !s.implicitHandshake() || !s.greet() {
			return
		}
		s.mu.Lock()
		s.setIdleDeadline()
		s.mu.Unlock()
		ok = true
	}()
	if !ok {
		s.end()
		return
	}
	s.serve(false)
}

// serve runs the reader on the current goroutine until the session ends or
// parks (idlepark_linux.go); resumed says the poller started it, for a
// connection with something to read, a passed deadline or a close. A reader
// that parks with a command to start runs it before the goroutine ends.
func (s *Session) serve(resumed bool) {
	parked := false
	defer func() {
		if !parked {
			s.end()
		}
	}()
	defer s.recoverLogged("session")
	var runHere bool
	var text string
	parked, runHere, text = s.readLoop(resumed)
	if runHere {
		s.runCommands(text)
	}
}

// end ends the session and lets the server forget it.
func (s *Session) end() {
	s.finish()
	s.srv.release(s)
	s.srv.sessWG.Done()
}

// implicitHandshake starts an implicit FTPS session.
func (s *Session) implicitHandshake() bool {
	tc := newTLSControl(s.srv, s.raw)
	ctx, cancel := context.WithTimeout(context.Background(), s.handshakeLimit())
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

// readLoop reads and starts command lines until the session must end
// (parked false) or its reader parks: with nothing buffered, it hands the
// connection to the poller rather than block in Read, and returns. When it
// parked after a line that starts a command, runHere asks the caller to run
// that command: the goroutine becomes the command's.
func (s *Session) readLoop(resumed bool) (parked, runHere bool, text string) {
	for {
		if !resumed && s.rd.empty() && s.tryPark() {
			return true, false, ""
		}
		resumed = false
		line, err := s.rd.readLine(s.lineSource())
		text := lineTooLong
		switch {
		case errors.Is(err, errLineTooLong):
		case err != nil:
			s.readFailed(err)
			return false, false, ""
		default:
			text = cleanLine(line)
		}
		goOn, start, cmd := s.onLine(text)
		if start {
			return true, true, cmd
		}
		if !goOn {
			return false, false, ""
		}
	}
}

// lineSource is what the reader reads command lines from: the connection,
// or on a TLS one, the same through tlsLines, which notes what each Read
// left behind.
func (s *Session) lineSource() io.Reader {
	if rc := tlsRecords(s.conn); rc != nil {
		return (*tlsLines)(rc)
	}
	return s.conn
}

// tryPark parks the session's reader if the poller takes it.
func (s *Session) tryPark() bool {
	if !s.nothingBuffered() {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.parkLocked()
}

// nothingBuffered reports whether every byte the client sent that the
// reader has not had is still in the socket, where epoll sees it: the line
// reader holds nothing, and on a TLS connection, the tls.Conn holds neither
// plaintext nor part of a record (recordConn tells). Reader goroutine only.
// A TLS connection is in s.conn only once its handshake is complete.
func (s *Session) nothingBuffered() bool {
	if !s.rd.empty() {
		return false
	}
	if s.conn == s.raw {
		return true
	}
	rc := tlsRecords(s.conn)
	return rc != nil && rc.drained()
}

// parkLocked parks the reader (s.mu held) when nothing is buffered, and
// never once the session is ending. The line buffer is given back first:
// once parked, another goroutine may resume the session.
func (s *Session) parkLocked() bool {
	if s.closed || s.quitting || !s.nothingBuffered() {
		return false
	}
	s.rd.release()
	return s.srv.parker.park(s)
}

// readFailed ends the session after a read error: a deadline means the idle
// timeout or a shutdown, which the client is told about. At the end of the
// stream (the client shut down its sending side) the commands it sent
// still run, and their replies go out, before the session ends.
func (s *Session) readFailed(err error) {
	if err == io.EOF {
		s.drainAfterEOF()
		return
	}
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

// eofGrace is how long the commands a client sent before the end of its
// stream get to finish; then they are cancelled.
const eofGrace = time.Second

// drainAfterEOF lets the commands sent before the end of the client's
// stream run and be answered: a client may shut down its sending side
// after its last command and read on. The stream's end cannot tell that
// from a hangup, though: a running transfer is aborted at once and no
// other starts (acquireData), so that a client that vanished leaves no
// upload cut short in place of a file, and whatever still runs after
// eofGrace is cancelled.
func (s *Session) drainAfterEOF() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.eof = true
	if !s.running {
		return
	}
	if s.data.running() && s.cancelCmd != nil {
		s.cancelCmd()
	}
	t := time.AfterFunc(eofGrace, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.quitting = true // cancels the next command too, and drops the queue
		if s.cancelCmd != nil {
			s.cancelCmd()
		}
	})
	defer t.Stop()
	for s.running {
		s.waitIdle()
	}
}

// lineTooLong stands in the queue for a line longer than maxLineLen, so
// that its 500 comes in its turn among the replies. cleanLine never
// returns it: it ends in a space.
const lineTooLong = "\x00 line too long "

// onLine starts or queues one command line's text; goOn false means the
// session must end. A command that starts with nothing more buffered runs
// on the reader's goroutine once the reader has parked: onLine then
// reports runHere, with the command's text.
func (s *Session) onLine(text string) (goOn, runHere bool, cmd string) {
	verb := verbOf(text)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.wbroken.Load() {
		return false, false, "" // replies can no longer be written
	}
	if s.running {
		if handled, goOn := s.duringCommand(verb, text); handled {
			return goOn, false, ""
		}
		for len(s.queue) >= maxQueue && s.running {
			s.waitIdle()
		}
	}
	switch {
	case s.running:
		s.queue = append(s.queue, text)
	case s.srv.inShutdown.Load():
		s.reply(NewReply(421, "Service not available, closing control connection."))
		return false, false, ""
	default:
		s.running = true
		s.finalSent = false // ABOR from now on stops this command
		s.raw.SetReadDeadline(time.Time{})
		if !syncVerb(verb) && s.parkLocked() {
			return true, true, text
		}
		go s.runCommands(text)
	}
	if syncVerb(verb) {
		for s.running {
			s.waitIdle()
		}
	}
	return !s.quitting && !s.closed, false, ""
}

// waitIdle waits (s.mu held) for running, or the queue, to change. The
// condition is made on first use: most sessions never wait.
func (s *Session) waitIdle() {
	if s.idle == nil {
		s.idle = sync.NewCond(&s.mu)
	}
	s.idle.Wait()
}

// wakeWaiters wakes whoever waitIdle holds (s.mu held).
func (s *Session) wakeWaiters() {
	if s.idle != nil {
		s.idle.Broadcast()
	}
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
		if len(s.queue) > 0 || s.aborting { // a second ABOR gets its own 226
			return false, true
		}
		s.aborting = true
		return true, true
	case verb == "STAT" && s.data.running() && len(s.queue) == 0:
		n := s.data.transferred()
		s.reply(NewReply(213, "Status: %d bytes transferred.", n))
		s.logDuring(verb, 213)
		return true, true
	case verb == "QUIT" && s.data.running():
		s.quitting = true
		if s.cancelCmd != nil {
			s.cancelCmd()
		}
		for s.running {
			s.waitIdle()
		}
		s.reply(NewReply(221, "Goodbye."))
		s.logDuring(verb, 221)
		return true, false
	}
	return false, true
}

// logDuring writes the debug line of a command the reader answered while
// another ran (ABOR, STAT, QUIT), as execute does for the others.
func (s *Session) logDuring(verb string, code int) {
	s.log.Debug("command", "cmd", verb, "arg", "", "code", code, "ms", 0)
}

// runCommands runs text and then the queued lines, in order, in a goroutine
// of their own so the reader stays free for ABOR, STAT and QUIT.
func (s *Session) runCommands(text string) {
	for {
		s.safeExecute(text)
		s.mu.Lock()
		if s.aborting {
			s.aborting = false
			s.reply(NewReply(226, "ABOR successful."))
			s.logDuring("ABOR", 226)
		}
		// During a shutdown the running command may finish, but no
		// other starts: the reader answers 421.
		if s.quitting || s.closed || s.wbroken.Load() || len(s.queue) == 0 || s.srv.inShutdown.Load() {
			s.queue = nil
			s.running = false
			s.setIdleDeadline()
			s.wakeWaiters()
			s.mu.Unlock()
			return
		}
		text = s.queue[0]
		s.queue = s.queue[1:]
		s.finalSent = false
		s.wakeWaiters()
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
// shutdown it wakes the reader at once. The caller holds s.mu (or no other
// goroutine knows s yet).
func (s *Session) setIdleDeadline() {
	var t time.Time
	switch d := s.srv.idleTimeout(); {
	case s.srv.inShutdown.Load():
		t = time.Now()
	case d > 0:
		t = time.Now().Add(d)
	}
	s.raw.SetReadDeadline(t)
	s.srv.parker.setDue(s, t)
}

// wake asks an idle session to end (Shutdown); a running command is left to
// finish, and the session ends when it does.
func (s *Session) wake() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.running && s.raw != nil {
		s.setIdleDeadline() // inShutdown is set: the deadline is now
	}
}

// closeConn closes the connection; the reader and any transfer fail and the
// session ends. The poller lets go of the descriptor before it is closed.
func (s *Session) closeConn() {
	s.mu.Lock()
	if s.closed || s.raw == nil {
		s.closed = true
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.mu.Unlock()
	parked := s.srv.parker.forget(s)
	s.raw.Close()
	if parked {
		go s.serve(true)
	}
}

// commandContext is the context of one command, cancelled by ABOR, by QUIT
// during a transfer and by the end of the session (through cancelCmd). A
// transfer starts cancelled when the ABOR that follows it came before its
// context was made: while it was being taken up, or while it waited in the
// queue (ABOR aborts the transfer before it, RFC 959). Other commands are
// left to run: a script's Before hook would fail them with 451.
func (s *Session) commandContext(transfer bool) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	s.mu.Lock()
	s.cancelCmd = cancel
	abort := s.aborting || len(s.queue) > 0 && verbOf(s.queue[0]) == "ABOR"
	if s.quitting || transfer && abort {
		cancel()
	}
	s.mu.Unlock()
	return ctx, cancel
}

// finish ends the session: the running command is cancelled and waited for,
// the data channel and the connection are closed, and scripts hear of it.
func (s *Session) finish() {
	s.mu.Lock()
	s.quitting = true
	if s.cancelCmd != nil {
		s.cancelCmd()
	}
	for s.running {
		s.waitIdle()
	}
	s.mu.Unlock()
	s.data.close()
	s.closeFS()
	s.tlsGoodbye()
	s.closeConn()
	s.fireEvent("disconnect", &Event{Command: "disconnect"})
	s.log.Debug("session closed")
}

// upgradeTLS replaces the control connection with a TLS server connection
// after AUTH TLS; the reader waits meanwhile (syncVerb), and anything it had
// buffered is dropped.
func (s *Session) upgradeTLS(ctx context.Context) error {
	tc := newTLSControl(s.srv, s.raw)
	hctx, cancel := context.WithTimeout(ctx, s.handshakeLimit())
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
