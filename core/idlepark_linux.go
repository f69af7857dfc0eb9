package core

import (
	"errors"
	"os"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// idlePoller lets a session that waits for its next command line hold no
// goroutine: its reader hands the connection's file descriptor to one
// server-wide epoll set and returns, and the poller starts a fresh reader
// once the client sends something or hangs up, or the session's idle
// deadline passes. An idle session then costs its heap alone, not a
// goroutine and its stack.
//
// A session parks only when every byte its client sent that the reader has
// not had is still in the socket (Session.nothingBuffered): a TLS control
// connection reads through a recordConn (tlsrecord.go), so that its tls.Conn
// never holds bytes past the record it processes, and parks only between
// records with no plaintext left over.
//
// The epoll set is itself watched by Go's network poller (an epoll file
// descriptor is pollable), so the poller is an ordinary goroutine blocked in
// the runtime, with no thread of its own; its read deadline is the earliest
// idle deadline of the parked sessions.
//
// Lock order: Session.mu, then idlePoller.mu. The poller never takes a
// session's mu.
type idlePoller struct {
	mu      sync.Mutex
	state   uint8 // pollerNew, pollerRunning, pollerStopped, pollerFailed
	epfd    int
	file    *os.File        // epfd, in the runtime's network poller
	rc      syscall.RawConn // of file
	base    time.Time       // the origin of parking.due
	gen     uint32          // the last parking's token
	byFD    []*Session      // parked sessions by descriptor
	head    *Session        // parked sessions with an idle deadline, earliest first
	tail    *Session
	alarmAt int64 // the file's read deadline, as a due; 0: none
}

const (
	pollerNew = iota
	pollerRunning
	pollerStopped
	pollerFailed
)

// parking is a session's part in the idle poller, guarded by idlePoller.mu.
type parking struct {
	prev, next *Session // in the deadline list
	due        int64    // the idle deadline (ns after idlePoller.base); 0: none
	gen        uint32   // nonzero while parked: the token its event carries
	regFD      int32    // the descriptor plus one while in the epoll set; 0: not in it
}

// fd is the registered descriptor.
func (pk *parking) fd() int32 { return pk.regFD - 1 }

// park hands s's connection to the poller; false means the reader must
// block in Read as usual. The caller holds s.mu and has nothing buffered;
// once park returns true, another goroutine may already be reading for s.
func (p *idlePoller) park(s *Session) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.startLocked() {
		return false
	}
	p.gen++
	if p.gen == 0 {
		p.gen = 1
	}
	ev := unix.EpollEvent{Events: parkEvents, Pad: int32(p.gen)}
	pk := &s.pk
	if pk.regFD == 0 {
		if !p.register(s, &ev) {
			return false
		}
	} else {
		ev.Fd = pk.fd()
		if unix.EpollCtl(p.epfd, unix.EPOLL_CTL_MOD, int(ev.Fd), &ev) != nil {
			return false
		}
	}
	pk.gen = p.gen
	p.byFD[pk.fd()] = s
	if pk.due != 0 && !s.running {
		p.insertLocked(s)
	}
	return true
}

// parkEvents wakes a parked session for data (urgent data is inline, see
// keepUrgentInline), a hang-up or an error; one event, then the descriptor
// is disarmed until it parks again (EPOLL_CTL_MOD).
const parkEvents = unix.EPOLLIN | unix.EPOLLPRI | unix.EPOLLRDHUP | unix.EPOLLONESHOT

// register adds s's descriptor to the epoll set, armed with ev.
func (p *idlePoller) register(s *Session, ev *unix.EpollEvent) bool {
	sc, ok := s.raw.(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	var cerr error
	err = rc.Control(func(fd uintptr) {
		if fd >= uintptr(len(p.byFD)) {
			p.byFD = append(p.byFD, make([]*Session, int(fd)+1-len(p.byFD))...)
		}
		ev.Fd = int32(fd)
		cerr = unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, int(fd), ev)
	})
	if err != nil || cerr != nil {
		return false
	}
	s.pk.regFD = ev.Fd + 1
	return true
}

// setDue records s's idle deadline (zero: none); a parked session's place
// in the deadline list follows it, and one whose deadline has passed (a
// shutdown) is resumed at once. The caller holds s.mu.
func (p *idlePoller) setDue(s *Session, t time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.base.IsZero() {
		p.base = time.Now()
	}
	pk := &s.pk
	pk.due = 0
	if !t.IsZero() {
		pk.due = max(int64(t.Sub(p.base)), 1)
	}
	if pk.gen == 0 {
		return
	}
	p.removeLocked(s)
	switch {
	case pk.due == 0:
	case pk.due <= p.now():
		p.resumeLocked(s)
	default:
		p.insertLocked(s)
	}
}

// forget takes s's descriptor out of the epoll set before its connection is
// closed, so that a new connection given the same number is never taken for
// s. It reports whether s was parked: the caller then resumes it, once the
// connection is closed, so that its reader ends the session.
func (p *idlePoller) forget(s *Session) (parked bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pk := &s.pk
	if parked = pk.gen != 0; parked {
		p.unparkLocked(s)
	}
	if pk.regFD != 0 && p.state == pollerRunning {
		unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, int(pk.fd()), nil)
	}
	pk.regFD = 0
	return parked
}

// stop ends the poller once the server is closed; a session still parked
// is resumed, and sessions that try to park later read as usual.
func (p *idlePoller) stop() {
	p.mu.Lock()
	running := p.state == pollerRunning
	if running {
		for _, s := range p.byFD {
			if s != nil {
				p.resumeLocked(s)
			}
		}
	}
	p.state = pollerStopped
	p.mu.Unlock()
	if running {
		// Not under mu: Close waits for the loop, which may be waiting for mu.
		p.file.Close()
	}
}

// startLocked creates the epoll set and its goroutine on first use.
func (p *idlePoller) startLocked() bool {
	if p.state != pollerNew {
		return p.state == pollerRunning
	}
	p.state = pollerFailed
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return false
	}
	if err := unix.SetNonblock(epfd, true); err != nil {
		unix.Close(epfd)
		return false
	}
	f := os.NewFile(uintptr(epfd), "idle-poller")
	rc, err := f.SyscallConn()
	if err != nil || f.SetReadDeadline(time.Time{}) != nil {
		f.Close() // not in the network poller: parking would never wake
		return false
	}
	p.epfd, p.file, p.rc = epfd, f, rc
	if p.base.IsZero() {
		p.base = time.Now()
	}
	p.state = pollerRunning
	go p.loop()
	return true
}

// loop waits for events and deadlines until the poller is stopped.
func (p *idlePoller) loop() {
	events := make([]unix.EpollEvent, 64)
	for {
		err := p.rc.Read(func(fd uintptr) bool {
			for {
				n, err := unix.EpollWait(int(fd), events, 0)
				if err == unix.EINTR {
					continue
				}
				if n <= 0 {
					return false // wait for the set to turn readable
				}
				p.dispatch(events[:n])
				if n < len(events) {
					return false
				}
			}
		})
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			return // stopped
		}
		p.sweep()
	}
}

// dispatch resumes the sessions whose events arrived, unless they were
// resumed another way meanwhile (the token no longer matches).
func (p *idlePoller) dispatch(events []unix.EpollEvent) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.state != pollerRunning {
		return
	}
	for _, ev := range events {
		if int(ev.Fd) >= len(p.byFD) {
			continue
		}
		s := p.byFD[ev.Fd]
		if s == nil || s.pk.gen != uint32(ev.Pad) {
			continue
		}
		p.resumeLocked(s)
	}
}

// sweep resumes the sessions whose idle deadline has passed: their reader
// finds the connection's read deadline passed too, and says 421.
func (p *idlePoller) sweep() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.state != pollerRunning {
		return
	}
	now := p.now()
	for p.head != nil && p.head.pk.due <= now {
		s := p.head
		p.resumeLocked(s)
	}
	p.alarmAt = 0
	due := time.Time{}
	if p.head != nil {
		p.alarmAt = p.head.pk.due
		due = p.base.Add(time.Duration(p.alarmAt))
	}
	p.file.SetReadDeadline(due)
}

// resumeLocked unparks s and starts a reader for it.
func (p *idlePoller) resumeLocked(s *Session) {
	p.unparkLocked(s)
	go s.serve(true)
}

// unparkLocked takes a parked s out of the poller's tables; its descriptor
// stays in the set, disarmed.
func (p *idlePoller) unparkLocked(s *Session) {
	p.removeLocked(s)
	p.byFD[s.pk.fd()] = nil
	s.pk.gen = 0
}

// insertLocked puts s in the deadline list by its due; deadlines are mostly
// armed in order, so the place is found from the tail.
func (p *idlePoller) insertLocked(s *Session) {
	pk := &s.pk
	after := p.tail
	for after != nil && after.pk.due > pk.due {
		after = after.pk.prev
	}
	pk.prev = after
	if after == nil {
		pk.next, p.head = p.head, s
	} else {
		pk.next, after.pk.next = after.pk.next, s
	}
	if pk.next == nil {
		p.tail = s
	} else {
		pk.next.pk.prev = s
	}
	if p.alarmAt == 0 || pk.due < p.alarmAt {
		p.alarmAt = pk.due
		p.file.SetReadDeadline(p.base.Add(time.Duration(pk.due)))
	}
}

// removeLocked takes s out of the deadline list, if it is there.
func (p *idlePoller) removeLocked(s *Session) {
	pk := &s.pk
	if pk.prev == nil && p.head != s {
		return
	}
	if pk.prev == nil {
		p.head = pk.next
	} else {
		pk.prev.pk.next = pk.next
	}
	if pk.next == nil {
		p.tail = pk.prev
	} else {
		pk.next.pk.prev = pk.prev
	}
	pk.prev, pk.next = nil, nil
}

func (p *idlePoller) now() int64 { return int64(time.Since(p.base)) }
