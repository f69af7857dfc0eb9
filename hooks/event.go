package hooks

import (
	"path"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/luaftpd/luaftpd/core"
)

// Scripts see ev, result and the session as userdata whose fields are read
// from (and, for ev.arg and ev.path, written to) the Go values directly, so
// nothing has to be copied back after the call. A view lives as long as
// the call that made it: one kept in a global and used later (maybe on
// another session's call) raises an error instead of touching a session
// that is not its own.
type (
	evView struct {
		st      *lstate
		call    uint64
		ev      *core.Event
		canSend bool
	}
	resView struct {
		st   *lstate
		call uint64
		res  *core.Result
	}
	sessView struct {
		st   *lstate
		call uint64
		s    *core.Session
	}
)

// alive reports whether the call a view was made in is still running.
func (st *lstate) alive(call uint64) bool { return st.inCall && st.call == call }

func (st *lstate) initViews() {
	L := st.L
	meta := func(index, newindex lua.LGFunction) *lua.LTable {
		mt := L.NewTable()
		mt.RawSetString("__index", L.NewFunction(index))
		mt.RawSetString("__newindex", L.NewFunction(newindex))
		mt.RawSetString("__metatable", lua.LString("locked"))
		return mt
	}
	st.evMeta = meta(st.evIndex, st.evNewIndex)
	st.resMeta = meta(st.resIndex, readOnly("result"))
	st.sessMeta = meta(st.sessIndex, readOnly("session"))
	st.sendFn = L.NewFunction(st.evSend)
	st.getFn = L.NewFunction(st.sessGet)
	st.setFn = L.NewFunction(st.sessSet)
}

func readOnly(what string) lua.LGFunction {
	return func(L *lua.LState) int {
		L.RaiseError("%s.%s is read-only", what, lua.LVAsString(L.Get(2)))
		return 0
	}
}

func (st *lstate) newUD(v any, mt *lua.LTable) *lua.LUserData {
	ud := st.L.NewUserData()
	ud.Value = v
	ud.Metatable = mt
	return ud
}

func (st *lstate) evUD(ev *core.Event, canSend bool) *lua.LUserData {
	return st.newUD(&evView{st: st, call: st.call, ev: ev, canSend: canSend}, st.evMeta)
}

func (st *lstate) resUD(res *core.Result) *lua.LUserData {
	return st.newUD(&resView{st: st, call: st.call, res: res}, st.resMeta)
}

// sessValue is the session as scripts see it, nil when there is none.
func (st *lstate) sessValue(s *core.Session) lua.LValue {
	if s == nil {
		return lua.LNil
	}
	return st.newUD(&sessView{st: st, call: st.call, s: s}, st.sessMeta)
}

func (st *lstate) checkEv(L *lua.LState) *evView {
	v, ok := L.CheckUserData(1).Value.(*evView)
	if !ok || !st.alive(v.call) {
		L.RaiseError("ev is used after its handler returned")
	}
	return v
}

func (st *lstate) evIndex(L *lua.LState) int {
	v := st.checkEv(L)
	ev := v.ev
	switch L.Get(2) {
	case lua.LString("command"):
		L.Push(lua.LString(ev.Command))
	case lua.LString("arg"):
		L.Push(lua.LString(ev.Arg))
	case lua.LString("path"):
		L.Push(lua.LString(ev.Path))
	case lua.LString("session"):
		L.Push(st.sessValue(ev.Session))
	case lua.LString("bytes"):
		L.Push(lua.LNumber(ev.Bytes))
	case lua.LString("ok"):
		L.Push(lua.LBool(ev.OK))
	case lua.LString("send"):
		L.Push(st.sendFn)
	default:
		L.Push(lua.LNil)
	}
	return 1
}

// evNewIndex lets a handler change ev.arg and ev.path. A new path is made
// absolute (relative to the current folder) and clean; the session cleans
// it again inside the user's root, so no path leaves it.
func (st *lstate) evNewIndex(L *lua.LState) int {
	v := st.checkEv(L)
	key := lua.LVAsString(L.Get(2))
	if key != "arg" && key != "path" {
		L.RaiseError("ev.%s is read-only", key)
	}
	s, ok := L.Get(3).(lua.LString)
	if !ok {
		L.RaiseError("ev.%s must be a string", key)
	}
	if strings.ContainsAny(string(s), "\r\n\x00") {
		L.RaiseError("ev.%s must not contain CR, LF or NUL", key)
	}
	if key == "arg" {
		v.ev.Arg = string(s)
		return 0
	}
	p := string(s)
	if !strings.HasPrefix(p, "/") {
		cwd := "/"
		if v.ev.Session != nil {
			cwd = v.ev.Session.Cwd()
		}
		p = path.Join(cwd, p)
	}
	v.ev.Path = path.Clean("/" + p)
	return 0
}

// evSend implements ev:send(text): it sends text over the data connection
// the client prepared, with the 150 and 226 replies. It returns true, or
// nil and a message when the transfer failed (the client was told).
func (st *lstate) evSend(L *lua.LState) int {
	v := st.checkEv(L)
	text := L.CheckString(2)
	if !v.canSend {
		L.RaiseError("ev:send is only for ftp.command and ftp.site handlers")
	}
	if v.ev.Session == nil {
		L.RaiseError("ev:send: no session")
	}
	st.sent = true
	if err := v.ev.Session.SendData(L.Context(), []byte(text)); err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(err.Error()))
		return 2
	}
	L.Push(lua.LTrue)
	return 1
}

func (st *lstate) resIndex(L *lua.LState) int {
	v, ok := L.CheckUserData(1).Value.(*resView)
	if !ok || !st.alive(v.call) {
		L.RaiseError("result is used after its handler returned")
	}
	r := v.res
	switch L.Get(2) {
	case lua.LString("code"):
		L.Push(lua.LNumber(r.Code))
	case lua.LString("message"):
		L.Push(lua.LString(r.Message))
	case lua.LString("bytes"):
		L.Push(lua.LNumber(r.Bytes))
	case lua.LString("seconds"):
		L.Push(lua.LNumber(r.Seconds))
	case lua.LString("error"):
		L.Push(nilIfEmpty(r.Err))
	case lua.LString("path"):
		L.Push(lua.LString(r.Path))
	default:
		L.Push(lua.LNil)
	}
	return 1
}

func nilIfEmpty(s string) lua.LValue {
	if s == "" {
		return lua.LNil
	}
	return lua.LString(s)
}

func (st *lstate) checkSess(L *lua.LState) *core.Session {
	v, ok := L.CheckUserData(1).Value.(*sessView)
	if !ok || !st.alive(v.call) {
		L.RaiseError("session is used after its handler returned")
	}
	return v.s
}

func (st *lstate) sessIndex(L *lua.LState) int {
	s := st.checkSess(L)
	switch L.Get(2) {
	case lua.LString("id"):
		L.Push(lua.LString(s.ID()))
	case lua.LString("user"):
		L.Push(nilIfEmpty(s.User()))
	case lua.LString("remote_ip"):
		L.Push(lua.LString(s.RemoteIP()))
	case lua.LString("tls"):
		L.Push(lua.LBool(s.TLS()))
	case lua.LString("cwd"):
		L.Push(lua.LString(s.Cwd()))
	case lua.LString("root"):
		L.Push(lua.LString(s.Root()))
	case lua.LString("get"):
		L.Push(st.getFn)
	case lua.LString("set"):
		L.Push(st.setFn)
	default:
		L.Push(lua.LNil)
	}
	return 1
}

// sessGet implements s:get(key): a fresh copy of the stored value.
func (st *lstate) sessGet(L *lua.LState) int {
	s := st.checkSess(L)
	v, _ := s.Get(L.CheckString(2))
	L.Push(toLua(L, v))
	return 1
}

// sessSet implements s:set(key, value): the value is copied, so a table
// changed later in Lua does not change what the session holds.
func (st *lstate) sessSet(L *lua.LState) int {
	s := st.checkSess(L)
	key := L.CheckString(2)
	n := 0
	s.Set(key, toGo(L, L.Get(3), 0, &n))
	return 0
}
