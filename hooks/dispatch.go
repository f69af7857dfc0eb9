package hooks

import (
	"context"
	"errors"
	"fmt"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luaftpd/luaftpd/core"
)

// call is one handler call.
type call struct {
	h      *handler
	sess   *core.Session
	budget time.Duration
	// args pushes the handler's arguments and returns how many.
	args func(st *lstate) int
	// decode reads the handler's result while the state is still the
	// caller's; an error fails the call. Nil: the result is ignored.
	decode func(ret lua.LValue) error
	// sent is set when the handler replied itself through ev:send.
	sent bool
}

// invoke runs one handler on a state from the set's pool, protected and
// under its time budget. A state that ran out of time or saw a Go panic is
// discarded, never reused. Every failure is logged with the script, the
// line and the session; the error returned carries no script text.
func (e *Engine) invoke(ctx context.Context, s *set, c *call) (err error) {
	st, err := s.pool.get()
	if err != nil {
		e.logFailure(c, &ScriptError{Script: c.h.script, Line: c.h.line, Msg: "no Lua state: " + err.Error()})
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, c.budget)
	defer cancel()
	broken := true
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
			e.logFailure(c, &ScriptError{Script: c.h.script, Line: c.h.line, Msg: err.Error()})
		}
		st.inCall, st.sess = false, nil
		if broken {
			s.pool.discard(st)
		} else {
			s.pool.put(st)
		}
	}()
	perr, derr := st.run(cctx, c)
	broken = perr != nil && (cctx.Err() != nil || isPanic(perr))
	switch {
	case perr != nil:
		e.logFailure(c, luaError(c.h.script, c.h.line, perr, cctx.Err()))
		return perr
	case derr != nil:
		e.logFailure(c, &ScriptError{Script: c.h.script, Line: c.h.line, Msg: derr.Error()})
		return derr
	}
	return nil
}

// run calls the handler on st and decodes its result.
func (st *lstate) run(ctx context.Context, c *call) (perr, derr error) {
	L := st.L
	st.call++
	st.inCall, st.sent = true, false
	st.sess, st.script = c.sess, c.h.script
	L.SetContext(ctx)
	defer L.RemoveContext()
	L.Push(st.fns[c.h.id])
	perr = L.PCall(c.args(st), 1, nil)
	c.sent = st.sent
	if perr == nil && c.decode != nil {
		derr = c.decode(L.Get(-1))
	}
	return perr, derr
}

func (e *Engine) logFailure(c *call, se *ScriptError) {
	id := ""
	if c.sess != nil {
		id = c.sess.ID()
	}
	e.log.Error("script failed", "script", se.Script, "line", se.Line, "session", id,
		"handler", c.h.kind.String(), "name", c.h.name, "err", se.Msg)
}

// decisionOrNil decodes what a ftp.before, ftp.site, ftp.command or ftp.on
// handler returned.
func decisionOrNil(ret lua.LValue) (*decision, error) {
	if ret == lua.LNil {
		return nil, nil
	}
	if d, ok := asDecision(ret); ok {
		return d, nil
	}
	return nil, fmt.Errorf("the handler returned a %s; want nil, ftp.deny(code, msg) or ftp.reply(code, msg)", ret.Type())
}

// evArgs pushes ev.
func evArgs(ev *core.Event, canSend bool) func(st *lstate) int {
	return func(st *lstate) int {
		st.L.Push(st.evUD(ev, canSend))
		return 1
	}
}

// decide runs a chain of handlers that may decide: the first decision ends
// it. A failure ends it with errHook.
func (e *Engine) decide(ctx context.Context, s *set, hs []*handler, ev *core.Event) (*decision, error) {
	for _, h := range hs {
		var d *decision
		c := &call{h: h, sess: ev.Session, budget: e.hookTimeout, args: evArgs(ev, false),
			decode: func(ret lua.LValue) (err error) { d, err = decisionOrNil(ret); return err }}
		if err := e.invoke(ctx, s, c); err != nil {
			return nil, errHook
		}
		if d != nil {
			return d, nil
		}
	}
	return nil, nil
}

// Wants implements core.Hooks: a map lookup, no allocation, no Lua.
func (e *Engine) Wants(verb string) (before, after bool) {
	s := e.cur.Load()
	return len(chain(s.before, verb)) > 0, len(chain(s.after, verb)) > 0
}

// Before implements core.Hooks.
func (e *Engine) Before(ctx context.Context, ev *core.Event) (*core.Reply, error) {
	s := e.cur.Load()
	d, err := e.decide(ctx, s, chain(s.before, ev.Command), ev)
	if err != nil || d == nil {
		return nil, err
	}
	r := d.reply
	return &r, nil
}

// After implements core.Hooks. Failures are only logged.
func (e *Engine) After(ctx context.Context, ev *core.Event, res *core.Result) {
	s := e.cur.Load()
	for _, h := range chain(s.after, ev.Command) {
		e.invoke(ctx, s, &call{h: h, sess: ev.Session, budget: e.hookTimeout,
			args: func(st *lstate) int {
				st.L.Push(st.evUD(ev, false))
				st.L.Push(st.resUD(res))
				return 2
			}})
	}
}

// Command implements core.Hooks.
func (e *Engine) Command(verb string) (core.CommandInfo, bool) {
	h, ok := e.cur.Load().commands[verb]
	if !ok {
		return core.CommandInfo{}, false
	}
	return h.info, true
}

// RunCommand implements core.Hooks.
func (e *Engine) RunCommand(ctx context.Context, ev *core.Event) (core.Reply, error) {
	s := e.cur.Load()
	h, ok := s.commands[ev.Command]
	if !ok {
		return core.NewReply(502, "Command not implemented."), nil
	}
	return e.runHandled(ctx, s, h, ev)
}

// Commands implements core.Hooks. The slice is shared: do not change it.
func (e *Engine) Commands() []core.CommandInfo { return e.cur.Load().cmdList }

// Site implements core.Hooks.
func (e *Engine) Site(name string) (core.CommandInfo, bool) {
	h, ok := e.cur.Load().sites[name]
	if !ok {
		return core.CommandInfo{}, false
	}
	return h.info, true
}

// RunSite implements core.Hooks.
func (e *Engine) RunSite(ctx context.Context, name string, ev *core.Event) (core.Reply, error) {
	s := e.cur.Load()
	h, ok := s.sites[name]
	if !ok {
		return core.NewReply(504, "SITE %s not understood.", name), nil
	}
	return e.runHandled(ctx, s, h, ev)
}

// Sites implements core.Hooks. The slice is shared: do not change it.
func (e *Engine) Sites() []core.CommandInfo { return e.cur.Load().siteList }

// runHandled runs a ftp.command or ftp.site handler. nil means 200; after
// ev:send the client already has its final reply, so the zero Reply (send
// nothing more) is returned whatever happened next.
func (e *Engine) runHandled(ctx context.Context, s *set, h *handler, ev *core.Event) (core.Reply, error) {
	var d *decision
	c := &call{h: h, sess: ev.Session, budget: e.hookTimeout, args: evArgs(ev, true),
		decode: func(ret lua.LValue) (err error) { d, err = decisionOrNil(ret); return err }}
	err := e.invoke(ctx, s, c)
	switch {
	case c.sent:
		return core.Reply{}, nil
	case err != nil:
		return core.Reply{}, errHook
	case d == nil:
		return core.NewReply(200, "Command okay."), nil
	}
	return d.reply, nil
}

// Authenticate implements core.Authenticator over the ftp.auth handlers.
func (e *Engine) Authenticate(ctx context.Context, user, password string, sess *core.Session) (*core.Account, error) {
	s := e.cur.Load()
	for _, h := range s.auth {
		var acc *core.Account
		var reject error
		c := &call{h: h, sess: sess, budget: e.authTimeout,
			args: func(st *lstate) int {
				st.L.Push(lua.LString(user))
				st.L.Push(lua.LString(password))
				st.L.Push(st.sessValue(sess))
				return 3
			},
			decode: func(ret lua.LValue) (err error) { acc, reject, err = decodeAuth(ret); return err }}
		if err := e.invoke(ctx, s, c); err != nil {
			return nil, errAuth
		}
		if reject != nil || acc != nil {
			return acc, reject
		}
	}
	return nil, nil
}

// decodeAuth reads what a ftp.auth handler returned.
func decodeAuth(ret lua.LValue) (*core.Account, error, error) {
	switch v := ret.(type) {
	case *lua.LNilType:
		return nil, nil, nil
	case lua.LBool:
		if !v {
			return nil, core.ErrAuthFailed, nil
		}
	case *lua.LTable:
		acc, err := account(v)
		return acc, nil, err
	case *lua.LUserData:
		if d, ok := asDecision(v); ok && d.deny {
			return nil, &core.Error{Code: d.reply.Code, Msg: d.reply.Message()}, nil
		}
	}
	return nil, nil, fmt.Errorf("the auth handler returned a %s; want a table, false, nil or ftp.deny(530, msg)", ret.Type())
}

// account reads {root=, home=, readonly=}.
func account(t *lua.LTable) (*core.Account, error) {
	acc := &core.Account{}
	var err error
	str := func(key string) string {
		switch v := t.RawGetString(key).(type) {
		case *lua.LNilType:
		case lua.LString:
			return string(v)
		default:
			err = fmt.Errorf("the auth handler's %s must be a string", key)
		}
		return ""
	}
	acc.Root = cleanAbs(str("root"))
	acc.Home = cleanAbs(str("home"))
	switch v := t.RawGetString("readonly").(type) {
	case *lua.LNilType:
	case lua.LBool:
		acc.ReadOnly = bool(v)
	default:
		err = errors.New("the auth handler's readonly must be a boolean")
	}
	return acc, err
}

// WantsEvent implements core.Hooks.
func (e *Engine) WantsEvent(name string) bool { return len(e.cur.Load().events[name]) > 0 }

// On implements core.Hooks. connect and login take decisions: a failure
// in a connect handler is only logged, one in a login handler refuses the
// login (530). The other events only observe.
func (e *Engine) On(ctx context.Context, name string, ev *core.Event) (*core.Reply, error) {
	s := e.cur.Load()
	hs := s.events[name]
	switch name {
	case "connect":
		d, err := e.decide(ctx, s, hs, ev)
		if err != nil || d == nil {
			return nil, nil
		}
		r := d.reply
		return &r, nil
	case "login":
		d, err := e.decide(ctx, s, hs, ev)
		if err != nil || (d != nil && !d.deny) {
			r := core.NewReply(530, "Login incorrect.")
			return &r, nil
		}
		if d == nil {
			return nil, nil
		}
		r := d.reply
		return &r, nil
	}
	// Observers run after the fact (a transfer ended, the session is
	// closing): the command's cancellation must not cut them short, only
	// their own budget.
	ctx = context.WithoutCancel(ctx)
	for _, h := range hs {
		e.invoke(ctx, s, &call{h: h, sess: ev.Session, budget: e.hookTimeout, args: evArgs(ev, false)})
	}
	return nil, nil
}
