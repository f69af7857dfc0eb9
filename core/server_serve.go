package core

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"time"
)

// Serve accepts connections on l and serves each in its own goroutine. It
// returns ErrServerClosed after Shutdown or Close, and any other accept error
// otherwise; l is closed on return.
func (srv *Server) Serve(l net.Listener) error {
	return srv.serve(l, false)
}

// ServeTLS serves implicit FTPS on l: every connection starts with a TLS
// handshake using srv.TLSConfig, and its sessions start protected with
// PROT P.
func (srv *Server) ServeTLS(l net.Listener) error {
	if srv.TLSConfig == nil {
		l.Close()
		return errors.New("ftp: ServeTLS needs Server.TLSConfig")
	}
	return srv.serve(l, true)
}

// ListenAndServe listens on the TCP address addr and calls Serve.
func (srv *Server) ListenAndServe(addr string) error {
	if srv.inShutdown.Load() {
		return ErrServerClosed
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return srv.Serve(l)
}

func (srv *Server) serve(l net.Listener, implicitTLS bool) error {
	if !srv.trackListener(&l, true) {
		l.Close()
		return ErrServerClosed
	}
	defer srv.trackListener(&l, false)
	defer l.Close()
	var delay time.Duration
	for {
		c, err := l.Accept()
		if err != nil {
			if srv.inShutdown.Load() {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || isTemporary(err) {
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				srv.logger().Warn("accept failed; retrying", "err", err, "delay", delay)
				time.Sleep(delay)
				continue
			}
			return err
		}
		delay = 0
		srv.startSession(c, implicitTLS)
	}
}

// isTemporary reports accept errors worth retrying (too many open files).
func isTemporary(err error) bool {
	var t interface{ Temporary() bool }
	return errors.As(err, &t) && t.Temporary()
}

// trackListener adds or removes l; adding fails once the server is closing.
func (srv *Server) trackListener(l *net.Listener, add bool) bool {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if srv.listeners == nil {
		srv.listeners = make(map[*net.Listener]struct{})
	}
	if !add {
		delete(srv.listeners, l)
		return true
	}
	if srv.inShutdown.Load() {
		return false
	}
	srv.listeners[l] = struct{}{}
	return true
}

// startSession admits a connection within the limits and starts its
// session goroutine; over a limit the client gets 421 and is closed.
func (srv *Server) startSession(c net.Conn, implicitTLS bool) {
	ip := remoteIP(c)
	s := &Session{srv: srv, conn: c, raw: c, remoteIP: ip, localIP: localIP(c)}
	if msg := srv.admit(s); msg != "" {
		srv.logger().Warn("connection refused", "remote", c.RemoteAddr().String(), "reason", msg)
		go refuse(c, msg)
		return
	}
	go s.start(implicitTLS)
}

// refuse tells an over-limit client why it is turned away.
func refuse(c net.Conn, msg string) {
	c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	c.Write([]byte("421 " + msg + "\r\n"))
	c.Close()
}

// admit registers s unless a session limit is reached; it returns the reason
// for a refusal, or "".
func (srv *Server) admit(s *Session) string {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if srv.inShutdown.Load() {
		return "Service not available, closing control connection."
	}
	if srv.MaxSessions > 0 && len(srv.sessions) >= srv.MaxSessions {
		return "Too many users, try again later."
	}
	key := s.remoteIP.String()
	if srv.MaxSessionsPerIP > 0 && srv.perIP[key] >= srv.MaxSessionsPerIP {
		return "Too many connections from your address."
	}
	if srv.sessions == nil {
		srv.sessions = make(map[*Session]struct{})
		srv.perIP = make(map[string]int)
	}
	srv.sessions[s] = struct{}{}
	srv.perIP[key]++
	// Added under mu: Shutdown waits only after it has seen every admitted
	// session, and no session is admitted once it started.
	srv.sessWG.Add(1)
	return ""
}

// release unregisters a finished session.
func (srv *Server) release(s *Session) {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	delete(srv.sessions, s)
	key := s.remoteIP.String()
	if srv.perIP[key] <= 1 {
		delete(srv.perIP, key)
	} else {
		srv.perIP[key]--
	}
}

// Shutdown stops the server gracefully: it closes the listeners, ends idle
// sessions with 421, lets running commands (transfers) finish and then ends
// their sessions, and waits for every session to end. If ctx ends first, the
// remaining sessions are closed at once and ctx's error is returned.
func (srv *Server) Shutdown(ctx context.Context) error {
	srv.inShutdown.Store(true)
	srv.closeListeners()
	for _, s := range srv.snapshot() {
		s.wake()
	}
	done := make(chan struct{})
	go func() {
		srv.sessWG.Wait()
		close(done)
	}()
	defer srv.parker.stop()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		srv.closeSessions()
		<-done
		return ctx.Err()
	}
}

// Close closes the listeners and every session at once, without waiting for
// transfers. Serve returns ErrServerClosed.
func (srv *Server) Close() error {
	srv.inShutdown.Store(true)
	srv.closeListeners()
	srv.closeSessions()
	srv.parker.stop()
	return nil
}

func (srv *Server) closeListeners() {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	for l := range srv.listeners {
		(*l).Close()
	}
}

func (srv *Server) closeSessions() {
	for _, s := range srv.snapshot() {
		s.closeConn()
	}
}

func (srv *Server) snapshot() []*Session {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	all := make([]*Session, 0, len(srv.sessions))
	for s := range srv.sessions {
		all = append(all, s)
	}
	return all
}

func (srv *Server) logger() *slog.Logger {
	if srv.Logger != nil {
		return srv.Logger
	}
	return slog.Default()
}

func (srv *Server) idleTimeout() time.Duration {
	if srv.IdleTimeout == 0 {
		return 15 * time.Minute
	}
	return srv.IdleTimeout
}

func (srv *Server) maxLoginFailures() int {
	if srv.MaxLoginFailures <= 0 {
		return 3
	}
	return srv.MaxLoginFailures
}

func (srv *Server) banner() string {
	if srv.Banner == "" {
		return "luaftpd ready"
	}
	return srv.Banner
}

// tlsServer wraps c in the server's TLS configuration.
func (srv *Server) tlsServer(c net.Conn) *tls.Conn {
	return tls.Server(c, srv.TLSConfig)
}

func remoteIP(c net.Conn) net.IP {
	if a, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		return a.IP
	}
	return nil
}

func localIP(c net.Conn) net.IP {
	if a, ok := c.LocalAddr().(*net.TCPAddr); ok {
		return a.IP
	}
	return nil
}
