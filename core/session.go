package core

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime/debug"
	"sync"
	"sync/atomic"

	"github.com/luaftpd/luaftpd/vfs"
)

// Session is one control connection. Scripts see it through the accessors
// below; everything else is the engine's.
//
// Concurrency: one goroutine at a time reads the control connection
// (session_loop.go); while a session on a plain connection waits for a
// line it holds none, and the idle poller starts a new reader once the
// client sends one (idlepark_linux.go). A command runs in a goroutine of
// its own, which then runs any lines the client pipelined behind it, in
// order. While a command works, the reader
// answers ABOR (the command's context is cancelled, its 426 is followed by
// 226), STAT and QUIT during a transfer, and queues anything else; once the
// command has sent its final reply those verbs queue too. The idle timeout
// (a read deadline) is armed only while no command runs. Fields marked (cmd)
// are touched only by the running command, or by the reader while no command
// runs; the hand-over goes through mu.
type Session struct {
	srv  *Server
	id   string
	conn net.Conn // the control connection; replaced by AUTH TLS (under wmu)
	raw  net.Conn // the TCP connection under conn, for deadlines and Close
	log  *slog.Logger

	remoteIP net.IP // the control peer's address, for PORT/EPRT and PASV checks
	localIP  net.IP // the control connection's local address, for PASV replies

	wmu sync.Mutex // serializes replies on the control connection
	// wfail is the error of a reply that could not be written (under wmu):
	// the stream may hold half a reply, so nothing more is written and the
	// session ends (see reply).
	wfail   error
	wbroken atomic.Bool // wfail is set: queued commands are dropped

	// (cmd) login and position
	user     string // after a successful PASS; "" before
	pendUser string // after USER, before PASS
	account  *Account
	fs       vfs.FS    // the user's root; nil before login
	fsClose  io.Closer // releases fs when it was opened for this session
	cwd      string    // absolute, clean, inside fs
	failed   int       // failed logins so far

	// (cmd) transfer parameters; the small fields come last in each group,
	// together, so that an idle Session stays in a smaller size class.
	restOffset  int64      // REST, consumed by the next RETR/STOR
	renameFrom  string     // RNFR, consumed by RNTO
	rang        *byteRange // RANG, consumed by the next transfer or HASH (range.go)
	ascii       bool       // TYPE A
	tlsControl  bool       // the control channel is protected
	protPrivate bool       // PROT P
	pbsz        bool       // PBSZ seen after AUTH

	// (cmd) preferences set by OPTS and CLNT
	mlstOff  uint8  // OPTS MLST: the facts turned off, a bit per fact
	hashAlgo uint8  // OPTS HASH: the algorithm HASH uses
	client   string // CLNT

	data dataState // passive/active data channel state, see datachan.go

	values atomic.Pointer[scriptValues] // s:get/s:set from scripts; nil until the first set

	cancelCmd context.CancelFunc // cancels the running command (ABOR); under mu

	rd lineReader // the control reader's buffer (reader goroutine only)
	pk parking    // the idle poller's record of s (idlepark_linux.go)

	// mu guards the command runner's state, shared by the reader and the
	// goroutine running commands.
	mu        sync.Mutex
	idle      *sync.Cond // signalled when running turns false; made on first wait
	queue     []string   // lines received while a command runs, in order
	running   bool       // a command goroutine is working
	finalSent bool       // the running command has sent its final reply
	aborting  bool       // ABOR arrived during a command: 226 follows it
	quitting  bool       // QUIT arrived, or the session must end after the command
	closed    bool       // the connection was closed
	eof       bool       // the client's stream ended: no transfer may start
}

// fireEvent runs the scripts' handlers for a session event ("upload",
// "download", ...), if any script registered one; it costs nothing
// otherwise. ev.Session is set here. Replies are ignored; errors and panics
// are logged. Handlers run even after ABOR or the end of the session (the
// "disconnect" event), so they do not inherit cancellation. The data side
// calls it when a transfer ends.
func (s *Session) fireEvent(name string, ev *Event) {
	h := s.srv.Hooks
	if h == nil || !h.WantsEvent(name) {
		return
	}
	ev.Session = s
	if ev.Command == "" {
		ev.Command = name
	}
	if _, err := s.onEvent(name, ev); err != nil {
		s.log.Warn("event handler failed", "event", name, "err", err)
	}
}

// onEvent runs an event's handlers; a panic in them becomes an error.
func (s *Session) onEvent(name string, ev *Event) (rep *Reply, err error) {
	ctx := context.Background()
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("panic in event handler", "event", name, "panic", p, "stack", string(debug.Stack()))
			rep, err = nil, fmt.Errorf("panic in %s handler", name)
		}
	}()
	return s.srv.Hooks.On(ctx, name, ev)
}

// recoverLogged stops a panic of the hook engine or a handler from taking
// the server down; it logs the panic with its stack.
func (s *Session) recoverLogged(what string) {
	if p := recover(); p != nil {
		s.log.Error("panic", "in", what, "panic", p, "stack", string(debug.Stack()))
	}
}

// ID is the session's id, unique in this process.
func (s *Session) ID() string { return s.id }

// User is the logged-in user, or "" before login.
func (s *Session) User() string { return s.user }

// RemoteIP is the client's address as text.
func (s *Session) RemoteIP() string { return s.remoteIP.String() }

// TLS reports whether the control channel is protected.
func (s *Session) TLS() bool { return s.tlsControl }

// Cwd is the current folder, absolute inside the user's root.
func (s *Session) Cwd() string { return s.cwd }

// Root is the user's root inside the server's FS ("/" for all of it).
func (s *Session) Root() string {
	if s.account == nil || s.account.Root == "" {
		return "/"
	}
	return s.account.Root
}

// Get returns a value a script stored on the session.
func (s *Session) Get(key string) (any, bool) {
	sv := s.values.Load()
	if sv == nil {
		return nil, false
	}
	sv.mu.Lock()
	defer sv.mu.Unlock()
	v, ok := sv.m[key]
	return v, ok
}

// Set stores a value on the session; nil deletes it. The caller passes a
// value it will not mutate afterwards.
func (s *Session) Set(key string, v any) {
	sv := s.values.Load()
	if sv == nil {
		if v == nil {
			return
		}
		s.values.CompareAndSwap(nil, &scriptValues{m: make(map[string]any)})
		sv = s.values.Load()
	}
	sv.mu.Lock()
	defer sv.mu.Unlock()
	if v == nil {
		delete(sv.m, key)
		return
	}
	sv.m[key] = v
}

// scriptValues holds what scripts store on a session, made on the first
// Set so that sessions without any cost one word.
type scriptValues struct {
	mu sync.Mutex
	m  map[string]any
}

// Logger is the session's child logger.
func (s *Session) Logger() *slog.Logger { return s.log }
