package hooks

import (
	"fmt"
	"sort"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/luaftpd/luaftpd/core"
)

// kind says which ftp.* call registered a handler.
type kind uint8

const (
	kindBefore kind = iota
	kindAfter
	kindAuth
	kindSite
	kindCommand
	kindOn
)

var kindNames = [...]string{"ftp.before", "ftp.after", "ftp.auth", "ftp.site", "ftp.command", "ftp.on"}

func (k kind) String() string { return kindNames[k] }

// events are the names ftp.on accepts.
var events = map[string]bool{
	"connect": true, "login": true, "login_failed": true,
	"upload": true, "download": true, "disconnect": true,
}

// handler is one registration. Its id is its place in load order (scripts
// in filename order, then registration order), which is the same in every
// state of a set, so each state keeps its own function at fns[id].
type handler struct {
	id       int
	kind     kind
	name     string // verb, SITE name or event; "" for auth
	priority float64
	script   string // where the function was defined
	line     int
	info     core.CommandInfo // ftp.site and ftp.command
}

// set is one load of the scripts: immutable once built, swapped in whole
// by a reload.
type set struct {
	scripts []compiled
	libs    map[string]*lua.FunctionProto
	fp      string // fingerprint of the sources, to skip reloads of unchanged files

	handlers []*handler
	before   map[string][]*handler // verb → chain with "*" merged in; "*" alone under "*"
	after    map[string][]*handler
	auth     []*handler
	sites    map[string]*handler
	commands map[string]*handler
	events   map[string][]*handler
	siteList []core.CommandInfo
	cmdList  []core.CommandInfo
	// wants has bit 1 for a verb with before handlers, bit 2 with after
	// handlers; starWants the same for "*". One lookup answers Wants.
	wants     map[string]uint8
	starWants uint8

	pool *pool
}

// chain returns the handlers for verb in m, falling back to the "*" chain.
func chain(m map[string][]*handler, verb string) []*handler {
	if c, ok := m[verb]; ok {
		return c
	}
	return m["*"]
}

// index fills the lookup tables from s.handlers.
func (s *set) index() {
	s.before = verbChains(s.handlers, kindBefore)
	s.after = verbChains(s.handlers, kindAfter)
	s.wants = map[string]uint8{}
	for verb := range s.before {
		s.wants[verb] |= 1
	}
	for verb := range s.after {
		s.wants[verb] |= 2
	}
	s.starWants = s.wants["*"]
	s.sites = map[string]*handler{}
	s.commands = map[string]*handler{}
	s.events = map[string][]*handler{}
	for _, h := range s.handlers {
		switch h.kind {
		case kindAuth:
			s.auth = append(s.auth, h)
		case kindSite:
			s.sites[h.name] = h
			s.siteList = append(s.siteList, h.info)
		case kindCommand:
			s.commands[h.name] = h
			s.cmdList = append(s.cmdList, h.info)
		case kindOn:
			s.events[h.name] = append(s.events[h.name], h)
		}
	}
	byPriority(s.auth)
	for _, c := range s.events {
		byPriority(c)
	}
	sort.Slice(s.siteList, func(i, j int) bool { return s.siteList[i].Verb < s.siteList[j].Verb })
	sort.Slice(s.cmdList, func(i, j int) bool { return s.cmdList[i].Verb < s.cmdList[j].Verb })
}

// verbChains builds, for every verb named by a handler of kind k, the
// ordered chain of its own handlers and the "*" ones.
func verbChains(hs []*handler, k kind) map[string][]*handler {
	m := map[string][]*handler{}
	var star []*handler
	for _, h := range hs {
		if h.kind != k {
			continue
		}
		if h.name == "*" {
			star = append(star, h)
		} else {
			m[h.name] = append(m[h.name], h)
		}
	}
	for verb, c := range m {
		c = append(c, star...)
		byPriority(c)
		m[verb] = c
	}
	if len(star) > 0 {
		byPriority(star)
		m["*"] = star
	}
	return m
}

// byPriority orders handlers: higher priority first, then load order.
func byPriority(hs []*handler) {
	sort.Slice(hs, func(i, j int) bool {
		if hs[i].priority != hs[j].priority {
			return hs[i].priority > hs[j].priority
		}
		return hs[i].id < hs[j].id
	})
}

// ftpTable returns the ftp table's functions for state st.
func (st *lstate) ftpTable() *lua.LTable {
	L := st.L
	t := L.CreateTable(0, 8)
	reg := func(name string, k kind) {
		t.RawSetString(name, L.NewFunction(func(L *lua.LState) int { return st.register(L, k) }))
	}
	reg("before", kindBefore)
	reg("after", kindAfter)
	reg("auth", kindAuth)
	reg("site", kindSite)
	reg("command", kindCommand)
	reg("on", kindOn)
	t.RawSetString("deny", L.NewFunction(func(L *lua.LState) int { return newDecision(L, true) }))
	t.RawSetString("reply", L.NewFunction(func(L *lua.LState) int { return newDecision(L, false) }))
	return t
}

// register implements ftp.before, ftp.after, ftp.auth, ftp.site,
// ftp.command and ftp.on.
func (st *lstate) register(L *lua.LState, k kind) int {
	if !st.building {
		L.RaiseError("%s: handlers are registered while the script loads, not later", k)
	}
	h := &handler{kind: k}
	arg := 1
	if k != kindAuth {
		h.name = checkName(L, k)
		arg = 2
	}
	fn := L.CheckFunction(arg)
	h.script, h.line = st.script, 0
	if fn.Proto != nil {
		h.script, h.line = fn.Proto.SourceName, fn.Proto.LineDefined
	}
	readOpts(L, k, arg+1, h)
	if k == kindSite || k == kindCommand {
		if prev := st.named[k][h.name]; prev != nil {
			L.RaiseError("%s: %s is already registered (%s:%d)", k, h.name, prev.script, prev.line)
		}
		st.named[k][h.name] = h
	}
	h.id = len(st.fns)
	st.fns = append(st.fns, fn)
	st.regs = append(st.regs, h)
	return 0
}

// checkName validates the first argument of a registration.
func checkName(L *lua.LState, k kind) string {
	name := L.CheckString(1)
	if k == kindOn {
		if !events[name] {
			L.ArgError(1, fmt.Sprintf("unknown event %q (want connect, login, login_failed, upload, download or disconnect)", name))
		}
		return name
	}
	if name == "*" && (k == kindBefore || k == kindAfter) {
		return name
	}
	if !validVerb(name) {
		L.ArgError(1, fmt.Sprintf("%q is not a command name (1 to 16 letters or digits)", name))
	}
	return strings.ToUpper(name)
}

func validVerb(s string) bool {
	if len(s) == 0 || len(s) > 16 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// readOpts reads the options table of a registration into h.
func readOpts(L *lua.LState, k kind, n int, h *handler) {
	h.info = core.CommandInfo{Verb: h.name, Auth: true}
	if L.Get(n) == lua.LNil {
		return
	}
	opts := L.CheckTable(n)
	opts.ForEach(func(key, v lua.LValue) {
		name, _ := key.(lua.LString)
		switch {
		case name == "priority":
			num, ok := v.(lua.LNumber)
			if !ok {
				L.ArgError(n, "priority must be a number")
			}
			h.priority = float64(num)
		case name == "help" && (k == kindSite || k == kindCommand):
			h.info.Help = sanitize(optString(L, n, "help", v))
		case name == "feat" && k == kindCommand:
			h.info.Feat = sanitize(optString(L, n, "feat", v))
		case name == "auth" && k == kindCommand:
			b, ok := v.(lua.LBool)
			if !ok {
				L.ArgError(n, "auth must be a boolean")
			}
			h.info.Auth = bool(b)
		default:
			L.ArgError(n, fmt.Sprintf("unknown option %q for %s", lua.LVAsString(key), k))
		}
	})
}

func optString(L *lua.LState, n int, name string, v lua.LValue) string {
	s, ok := v.(lua.LString)
	if !ok {
		L.ArgError(n, name+" must be a string")
	}
	return string(s)
}
