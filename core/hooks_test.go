package core

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeHooks is a Hooks with knobs: each map says what a verb or event does.
type fakeHooks struct {
	mu       sync.Mutex
	before   map[string]func(ev *Event) (*Reply, error)
	after    map[string]bool
	results  []Result
	commands map[string]CommandInfo
	sites    map[string]CommandInfo
	auth     func(user, pass string) (*Account, error)
	events   map[string]func(ev *Event) *Reply
	fired    []string
	evCmds   []string // "event=ev.Command" for every event fired
	args     []string // every ev.Arg a hook saw
}

func (h *fakeHooks) Wants(verb string) (bool, bool) {
	return h.before[verb] != nil, h.after[verb]
}

func (h *fakeHooks) Before(ctx context.Context, ev *Event) (*Reply, error) {
	h.mu.Lock()
	h.args = append(h.args, ev.Arg)
	h.mu.Unlock()
	return h.before[ev.Command](ev)
}

func (h *fakeHooks) After(ctx context.Context, ev *Event, res *Result) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.args = append(h.args, ev.Arg)
	h.results = append(h.results, *res)
}

func (h *fakeHooks) Command(verb string) (CommandInfo, bool) {
	ci, ok := h.commands[verb]
	return ci, ok
}

func (h *fakeHooks) RunCommand(ctx context.Context, ev *Event) (Reply, error) {
	if ev.Arg == "fail" {
		return Reply{}, errors.New("script error")
	}
	return NewReply(200, "script %s %s", ev.Command, ev.Arg), nil
}

func (h *fakeHooks) Commands() []CommandInfo {
	var out []CommandInfo
	for _, ci := range h.commands {
		out = append(out, ci)
	}
	return out
}

func (h *fakeHooks) Site(name string) (CommandInfo, bool) {
	ci, ok := h.sites[name]
	return ci, ok
}

func (h *fakeHooks) RunSite(ctx context.Context, name string, ev *Event) (Reply, error) {
	return NewReply(200, "site %s %s", name, ev.Arg), nil
}

func (h *fakeHooks) Sites() []CommandInfo {
	var out []CommandInfo
	for _, ci := range h.sites {
		out = append(out, ci)
	}
	return out
}

func (h *fakeHooks) Authenticate(ctx context.Context, user, pass string, s *Session) (*Account, error) {
	if h.auth == nil {
		return nil, nil
	}
	return h.auth(user, pass)
}

func (h *fakeHooks) WantsEvent(name string) bool { return h.events[name] != nil }

func (h *fakeHooks) On(ctx context.Context, name string, ev *Event) (*Reply, error) {
	h.mu.Lock()
	h.fired = append(h.fired, name+":"+ev.Arg)
	h.evCmds = append(h.evCmds, name+"="+ev.Command)
	h.mu.Unlock()
	return h.events[name](ev), nil
}

func (h *fakeHooks) firedEvents() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.fired)
}

func hooked(h *fakeHooks) func(*Server) { return func(s *Server) { s.Hooks = h } }

func TestBeforeHooks(t *testing.T) {
	h := &fakeHooks{before: map[string]func(*Event) (*Reply, error){
		"SIZE": func(ev *Event) (*Reply, error) {
			ev.Path = "/../../" + strings.TrimPrefix(ev.Path, "/redirect/") // rewritten, cleaned again
			return nil, nil
		},
		"DELE": func(ev *Event) (*Reply, error) {
			r := NewReply(553, "Deleting is off today.\r\nreally")
			return &r, nil
		},
		"MKD":  func(ev *Event) (*Reply, error) { return nil, errors.New("script broke") },
		"PASS": func(ev *Event) (*Reply, error) { return nil, nil },
	}, after: map[string]bool{"SIZE": true, "PASS": true}}
	ts := startServer(t, hooked(h))
	ts.putFile(t, "/real", "abc")
	c := ts.loginAlice(t)
	if msg := c.cmd(213, "SIZE redirect/real"); msg != "3" {
		t.Errorf("SIZE through a rewritten path: %q", msg)
	}
	if msg := c.cmd(553, "DELE real"); msg != "Deleting is off today.\nreally" {
		t.Errorf("deny: %q", msg)
	}
	c.cmd(213, "SIZE /real") // not deleted
	c.cmd(451, "MKD x")
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.results) != 3 || h.results[1].Code != 213 || h.results[1].Path != "/real" {
		t.Errorf("after results: %+v", h.results)
	}
	for _, a := range h.args {
		if strings.Contains(a, testPass) {
			t.Errorf("a hook saw the password: %q", a)
		}
	}
}

func TestScriptCommandsAndSites(t *testing.T) {
	h := &fakeHooks{
		commands: map[string]CommandInfo{
			"XHELLO":  {Verb: "XHELLO", Feat: "XHELLO", Help: "XHELLO <name>"},
			"XSECRET": {Verb: "XSECRET", Auth: true},
			"SYST":    {Verb: "SYST"},
		},
		sites: map[string]CommandInfo{"GREET": {Verb: "GREET", Help: "GREET <name>"}},
	}
	ts := startServer(t, hooked(h))
	c := ts.dial(t)
	if msg := c.cmd(200, "xhello bob"); msg != "script XHELLO bob" {
		t.Errorf("script command: %q", msg)
	}
	c.cmd(451, "XHELLO fail")
	c.cmd(530, "XSECRET")
	if msg := c.cmd(200, "SYST"); msg != "script SYST " {
		t.Errorf("replaced built-in: %q", msg)
	}
	if !strings.Contains(c.cmd(211, "FEAT"), "\n XHELLO\n") {
		t.Error("FEAT lacks the script's line")
	}
	if !strings.Contains(c.cmd(214, "HELP"), "XHELLO") {
		t.Error("HELP lacks the script's verb")
	}
	if msg := c.cmd(214, "HELP XHELLO"); msg != "Syntax: XHELLO <name>" {
		t.Errorf("HELP XHELLO: %q", msg)
	}
	c.cmd(331, "USER alice")
	c.cmd(230, "PASS secret")
	c.cmd(200, "XSECRET")
	if msg := c.cmd(200, "SITE greet  bob"); msg != "site GREET bob" {
		t.Errorf("SITE: %q", msg)
	}
	if !strings.Contains(c.cmd(214, "SITE HELP"), "GREET <name>") {
		t.Error("SITE HELP lacks the script's verb")
	}
}

func TestScriptAuth(t *testing.T) {
	h := &fakeHooks{auth: func(user, pass string) (*Account, error) {
		switch user {
		case "scripted":
			return &Account{Root: "/s", Home: "/h", ReadOnly: true}, nil
		case testUser:
			return nil, Errorf(530, "Blocked by policy.")
		}
		return nil, nil
	}}
	ts := startServer(t, hooked(h))
	ts.mkdir(t, "/s")
	ts.mkdir(t, "/s/h")
	c := ts.login(t, "scripted", "any")
	if msg := c.cmd(257, "PWD"); !strings.HasPrefix(msg, `"/h"`) {
		t.Errorf("home: %q", msg)
	}
	c.cmd(550, "MKD x")
	c = ts.dial(t)
	c.cmd(331, "USER alice")
	if msg := c.cmd(530, "PASS secret"); msg != "Blocked by policy." {
		t.Errorf("script rejection: %q", msg)
	}
}

func TestSessionEvents(t *testing.T) {
	deny := func(code int) func(*Event) *Reply {
		return func(ev *Event) *Reply {
			if ev.Session.RemoteIP() == "127.0.0.1" && ev.Arg == "blocked" || code == 220 {
				r := NewReply(code, "go away")
				return &r
			}
			return nil
		}
	}
	none := func(*Event) *Reply { return nil }
	h := &fakeHooks{events: map[string]func(*Event) *Reply{
		"connect": deny(220), "login": deny(530), "login_failed": none, "disconnect": none,
	}}
	ts := startServer(t, hooked(h))
	ts.Auth.(*Users).Add("blocked", "pw", "")
	c := ts.connect(t)
	if msg := c.expect(220); msg != "go away" {
		t.Errorf("banner from connect: %q", msg)
	}
	c.cmd(331, "USER blocked")
	c.cmd(530, "PASS pw")
	c.cmd(530, "PWD")
	c.cmd(331, "USER alice")
	c.cmd(530, "PASS wrong")
	c.cmd(331, "USER alice")
	c.cmd(230, "PASS secret")
	c.cmd(221, "QUIT")
	c.expectClosed()
	waitFor(t, func() bool { return slices.Contains(h.firedEvents(), "disconnect:") })
	want := []string{"connect:", "login:blocked", "login_failed:alice", "login:alice", "disconnect:"}
	if got := h.firedEvents(); !slices.Equal(got, want) {
		t.Errorf("events %q, want %q", got, want)
	}

	h2 := &fakeHooks{events: map[string]func(*Event) *Reply{"connect": func(*Event) *Reply {
		r := NewReply(421, "not you")
		return &r
	}}}
	ts2 := startServer(t, hooked(h2))
	c = ts2.connect(t)
	if msg := c.expect(421); msg != "not you" {
		t.Errorf("refusal: %q", msg)
	}
	c.expectClosed()
}

// discardConn is a control connection that swallows replies.
type discardConn struct{ net.Conn }

func (discardConn) Write(p []byte) (int, error)      { return len(p), nil }
func (discardConn) SetWriteDeadline(time.Time) error { return nil }
func (discardConn) SetReadDeadline(time.Time) error  { return nil }
func (discardConn) RemoteAddr() net.Addr             { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }
func (discardConn) Close() error                     { return nil }
func (discardConn) LocalAddr() net.Addr              { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }
func (discardConn) SetDeadline(t time.Time) error    { return nil }
func (discardConn) Read(p []byte) (n int, err error) { return 0, errors.New("no input") }

// benchSession is a logged-in session whose replies go nowhere.
func benchSession(h Hooks) *Session {
	srv := &Server{FS: nil, Hooks: h, Logger: slog.New(slog.DiscardHandler)}
	s := &Session{srv: srv, conn: discardConn{}, raw: discardConn{}, log: srv.Logger, cwd: "/", user: "alice"}
	s.idle = sync.NewCond(&s.mu)
	return s
}

// A verb no script watches pays nothing for the hook engine: not one
// allocation more than with no hooks at all.
func TestHooksCostNothingUnwatched(t *testing.T) {
	plain := benchSession(nil)
	watched := benchSession(&fakeHooks{after: map[string]bool{"STOR": true}})
	a := testing.AllocsPerRun(200, func() { plain.execute("NOOP") })
	b := testing.AllocsPerRun(200, func() { watched.execute("NOOP") })
	if b != a {
		t.Errorf("NOOP allocates %v times with idle hooks, %v without", b, a)
	}
	t.Logf("NOOP: %v allocations per command", a)
}

func BenchmarkDispatchNOOP(b *testing.B) {
	for _, bc := range []struct {
		name string
		h    Hooks
	}{{"no-hooks", nil}, {"hooks-not-watching", &fakeHooks{after: map[string]bool{"STOR": true}}}} {
		b.Run(bc.name, func(b *testing.B) {
			s := benchSession(bc.h)
			b.ReportAllocs()
			for b.Loop() {
				s.execute("NOOP")
			}
		})
	}
}

// panicHooks is a hook engine that panics everywhere it is called.
type panicHooks struct{ fakeHooks }

func (*panicHooks) Wants(verb string) (bool, bool)                     { return verb == "NOOP", false }
func (*panicHooks) WantsEvent(name string) bool                        { return true }
func (*panicHooks) Before(context.Context, *Event) (*Reply, error)     { panic("before") }
func (*panicHooks) On(context.Context, string, *Event) (*Reply, error) { panic("on") }

func TestPanickingHookEngine(t *testing.T) {
	ts := startServer(t, func(s *Server) { s.Hooks = &panicHooks{} })
	for i := 0; i < 2; i++ {
		c := ts.connect(t)
		c.expect(220) // a panicking connect handler does not stop the banner...
		c.cmd(451, "NOOP")
		c.cmd(215, "SYST")
		c.cmd(331, "USER alice")
		c.cmd(230, "PASS secret")
		c.cmd(221, "QUIT")
	}
}

// An After hook learns the bytes of the command's own transfer: 0 for a
// command that moves no data, and for a transfer that never started, even
// right after a transfer.
func TestAfterHookBytes(t *testing.T) {
	h := &fakeHooks{after: map[string]bool{"RETR": true, "STOR": true, "SIZE": true, "NOOP": true, "LIST": true}}
	ts := startServer(t, hooked(h))
	ts.putFile(t, "/f", "12345")
	c := ts.loginAlice(t)
	c.retrieve("RETR f")
	c.cmd(213, "SIZE f")
	c.cmd(200, "NOOP")
	c.cmd(425, "RETR f")
	c.store("g", "abc")
	c.cmd(200, "NOOP")
	listing := c.retrieve("LIST")
	c.cmd(200, "NOOP")
	c.cmd(215, "SYST") // commands run in turn: every After hook above has run
	want := []int64{5, 0, 0, 0, 3, 0, int64(len(listing)), 0}
	h.mu.Lock()
	defer h.mu.Unlock()
	var got []int64
	for _, res := range h.results {
		got = append(got, res.Bytes)
	}
	if !slices.Equal(got, want) {
		t.Errorf("result bytes %v, want %v", got, want)
	}
}

// Session events carry their name in ev.Command; transfer events carry the
// verb of the transfer, as Event.Command says.
func TestEventCommands(t *testing.T) {
	none := func(*Event) *Reply { return nil }
	h := &fakeHooks{events: map[string]func(*Event) *Reply{
		"connect": none, "login": none, "login_failed": none, "disconnect": none,
		"upload": none, "download": none,
	}}
	ts := startServer(t, hooked(h))
	c := ts.dial(t)
	c.cmd(331, "USER alice")
	c.cmd(530, "PASS wrong")
	c.cmd(331, "USER alice")
	c.cmd(230, "PASS secret")
	c.store("f", "abc")
	dc := c.pasv()
	c.cmd(150, "APPE f")
	dc.Close()
	c.expect(226)
	dc = c.pasv()
	c.cmd(150, "STOU")
	dc.Close()
	c.expect(226)
	c.retrieve("RETR f")
	c.cmd(221, "QUIT")
	c.expectClosed()
	waitFor(t, func() bool { return slices.Contains(h.firedEvents(), "disconnect:") })
	want := []string{"connect=connect", "login_failed=login_failed", "login=login",
		"upload=STOR", "upload=APPE", "upload=STOU", "download=RETR", "disconnect=disconnect"}
	h.mu.Lock()
	defer h.mu.Unlock()
	if !slices.Equal(h.evCmds, want) {
		t.Errorf("event commands %q, want %q", h.evCmds, want)
	}
}
