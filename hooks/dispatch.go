package hooks

import (
	"context"
	"errors"
	"fmt"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luaftpd/luaftpd/core"
)

// What a handler is called with, and what is read back from it.
type (
	argKind    uint8
	resultKind uint8
)

const (
	argsEv     argKind = iota // fn(ev)
	argsEvSend                // fn(ev), ev:send allowed
	argsEvRes                 // fn(ev, result)
	argsAuth                  // fn(user, password, session)
)

const (
	resultNone     resultKind = iota // ignored (observers)
	resultDecision                   // nil, ftp.deny or ftp.reply
	resultAuth                       // an account, false, nil or ftp.deny
)

// call is one handler call: its inputs, and what came out of it.
type call struct {
	h      *handler
	sess   *core.Session
	budget time.Duration
	args   argKind
	result resultKind

	ev             *core.Event
	res            *core.Result
	user, password string

	d      *decision     // resultDecision, resultAuth
	acc    *core.Account // resultAuth
	reject error         // resultAuth
	sent   bool          // the handler replied itself through ev:send
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
	st.bud.arm(ctx, c.budget)
	broken := true
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
			e.logFailure(c, &ScriptError{Script: c.h.script, Line: c.h.line, Msg: err.Error()})
		}
		st.bud.disarm()
		st.inCall, st.sess = false, nil
		if broken {
			s.pool.discard(st)
		} else {
			s.pool.put(st)
		}
	}()
	perr, derr := st.run(c)
	ctxErr := st.bud.Err()
	broken = perr != nil && (ctxErr != nil || isPanic(perr))
	switch {
	case perr != nil && ctxErr != nil && !errors.Is(ctxErr, context.DeadlineExceeded):
		// The command was aborted or the session ended: the client's
		// doing, not the script's fault.
		se := luaError(c.h.script, c.h.line, perr, ctxErr)
		e.log.Debug("script cancelled", "script", se.Script, "line", se.Line, "session", c.sessionID(),
			"handler", c.h.kind.String(), "name", c.h.name)
		return perr
	case perr != nil:
		e.logFailure(c, luaError(c.h.script, c.h.line, perr, ctxErr))
		return perr
	case derr != nil:
		e.logFailure(c, &ScriptError{Script: c.h.script, Line: c.h.line, Msg: derr.Error()})
		return derr
	}
	return nil
}

// run calls the handler on st and decodes its result.
func (st *lstate) run(c *call) (perr, derr error) {
	L := st.L
	st.call++
	st.inCall, st.sent = true, false
	st.sess, st.script = c.sess, c.h.script
	L.SetContext(st.bud)
	defer L.RemoveContext()
	L.Push(st.fns[c.h.id])
	perr = L.PCall(st.pushArgs(c), 1, nil)
	c.sent = st.sent
	if perr != nil {
		return perr, nil
	}
	ret := L.Get(-1)
	switch c.result {
	case resultDecision:
		c.d, derr = decisionOrNil(ret)
	case resultAuth:
		c.acc, c.reject, derr = decodeAuth(ret)
	}
	return nil, derr
}

// pushArgs pushes the handler's arguments and returns how many.
func (st *lstate) pushArgs(c *call) int {
	L := st.L
	switch c.args {
	case argsAuth:
		L.Push(lua.LString(c.user))
		L.Push(lua.LString(c.password))
		L.Push(st.sessValue(c.sess))
		return 3
	case argsEvRes:
		L.Push(st.evUD(c.ev, false))
		L.Push(st.resUD(c.res))
		return 2
	}
	L.Push(st.evUD(c.ev, c.args == argsEvSend))
	return 1
}

// sessionID is the id of the call's session, "" for a call without one.
func (c *call) sessionID() string {
	if c.sess == nil {
		return ""
	}
	return c.sess.ID()
}

func (e *Engine) logFailure(c *call, se *ScriptError) {
	e.log.Error("script failed", "script", se.Script, "line", se.Line, "session", c.sessionID(),
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

// decide runs a chain of handlers that may decide: the first decision ends
// it. A failure ends it with errHook.
func (e *Engine) decide(ctx context.Context, s *set, hs []*handler, ev *core.Event) (*decision, error) {
	for _, h := range hs {
		c := call{h: h, sess: ev.Session, budget: e.hookTimeout, ev: ev, result: resultDecision}
		if err := e.invoke(ctx, s, &c); err != nil {
			return nil, errHook
		}
		if c.d != nil {
			return c.d, nil
		}
	}
	return nil, nil
}

// Wants implements core.Hooks: a map lookup, no allocation, no Lua.
func (e *Engine) Wants(verb string) (before, after bool) {
	s := e.cur.Load()
	w := s.wants[verb] | s.starWants
	return w&1 != 0, w&2 != 0
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
		c := call{h: h, sess: ev.Session, budget: e.hookTimeout, args: argsEvRes, ev: ev, res: res}
		e.invoke(ctx, s, &c)
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
	c := call{h: h, sess: ev.Session, budget: e.hookTimeout, args: argsEvSend, ev: ev, result: resultDecision}
	err := e.invoke(ctx, s, &c)
	switch {
	case c.sent:
		return core.Reply{}, nil
	case err != nil:
		return core.Reply{}, errHook
	case c.d == nil:
		return core.NewReply(200, "Command okay."), nil
	}
	return c.d.reply, nil
}

// Authenticate implements core.Authenticator over the ftp.auth handlers.
func (e *Engine) Authenticate(ctx context.Context, user, password string, sess *core.Session) (*core.Account, error) {
	s := e.cur.Load()
	for _, h := range s.auth {
		c := call{h: h, sess: sess, budget: e.authTimeout, args: argsAuth, result: resultAuth,
			user: user, password: password}
		if err := e.invoke(ctx, s, &c); err != nil {
			return nil, errAuth
		}
		if c.reject != nil || c.acc != nil {
			return c.acc, c.reject
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
		if !d.deny && d.reply.Code != 220 {
			e.log.Error("a connect handler replied with a code other than 220; the banner stays", "code", d.reply.Code)
			return nil, nil
		}
		r := d.reply
		return &r, nil
	case "login":
		d, err := e.decide(ctx, s, hs, ev)
		if d != nil && !d.deny {
			e.log.Error("a login handler returned ftp.reply; only ftp.deny or nil mean something there: the login is refused")
		}
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
		c := call{h: h, sess: ev.Session, budget: e.hookTimeout, ev: ev}
		e.invoke(ctx, s, &c)
	}
	return nil, nil
}
