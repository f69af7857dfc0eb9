package core

import (
	"context"
	"time"
)

// Failed logins from one address are free up to freeFailures within
// failureWindow; past that each one waits Server.LoginFailDelay before its
// 530, so that a client guessing passwords gets about one guess a second
// per connection instead of thousands, while someone mistyping a password
// waits for nothing. Addresses are forgotten failureWindow after their last
// failure; maxFailureAddrs bounds the table, and when it is full of recent
// addresses every failure waits.
const (
	freeFailures    = 5
	failureWindow   = 10 * time.Minute
	maxFailureAddrs = 4096
)

// loginFailures is a Server's count of recent failed logins per address.
type loginFailures struct {
	byAddr map[string]failureCount
}

type failureCount struct {
	n    int
	last time.Time
}

// add counts a failure from addr at now and reports whether it must wait.
func (lf *loginFailures) add(addr string, now time.Time) bool {
	if lf.byAddr == nil {
		lf.byAddr = make(map[string]failureCount)
	}
	fc, ok := lf.byAddr[addr]
	if ok && now.Sub(fc.last) > failureWindow {
		fc = failureCount{}
	}
	if !ok && len(lf.byAddr) >= maxFailureAddrs {
		lf.sweep(now)
		if len(lf.byAddr) >= maxFailureAddrs {
			return true
		}
	}
	fc.n++
	fc.last = now
	lf.byAddr[addr] = fc
	return fc.n > freeFailures
}

// sweep forgets the addresses whose last failure is older than the window.
func (lf *loginFailures) sweep(now time.Time) {
	for addr, fc := range lf.byAddr {
		if now.Sub(fc.last) > failureWindow {
			delete(lf.byAddr, addr)
		}
	}
}

func (srv *Server) loginFailDelay() time.Duration {
	if srv.LoginFailDelay == 0 {
		return time.Second
	}
	return max(srv.LoginFailDelay, 0)
}

// throttleFailure counts a failed login of the session's address and waits
// when the address is past its free failures; ABOR, QUIT or the end of the
// session cut the wait short.
func (s *Session) throttleFailure(ctx context.Context) {
	d := s.srv.loginFailDelay()
	if d == 0 {
		return
	}
	s.srv.mu.Lock()
	wait := s.srv.failures.add(s.remoteIP.String(), time.Now())
	s.srv.mu.Unlock()
	if !wait {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
