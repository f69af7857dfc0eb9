package hooks

import (
	"context"
	"errors"
	"runtime"
	"sync/atomic"

	lua "github.com/yuin/gopher-lua"

	"github.com/luaftpd/luaftpd/core"
)

// lstate is one Lua state of a set's pool. It is used by one goroutine at
// a time: taken from the pool for one handler call and given back after.
type lstate struct {
	L   *lua.LState
	e   *Engine
	set *set
	env *lua.LTable // metatable of every script's globals

	// fns[id] is this state's function for handler id of the set.
	fns []*lua.LFunction

	// While the state is built: the registrations so far, by kind and name
	// for the kinds that must be unique.
	building bool
	regs     []*handler
	named    map[kind]map[string]*handler

	loaded  map[string]lua.LValue // require's cache
	loading map[string]bool       // modules being loaded, to catch require loops

	// The call running now, for log tags and for views of ev, result and
	// the session, which die when the call ends.
	script string
	sess   *core.Session
	call   uint64
	inCall bool
	sent   bool    // ev:send wrote the final reply
	bud    *budget // the context calls run under

	evMeta, resMeta, sessMeta *lua.LTable
	sendFn, getFn, setFn      *lua.LFunction
}

const registryKey = "luaftpd.state"

// close releases the state.
func (st *lstate) close() {
	st.bud.close()
	st.L.Close()
}

// stateOf returns the lstate that owns L.
func stateOf(L *lua.LState) *lstate {
	ud, _ := L.GetField(L.Get(lua.RegistryIndex), registryKey).(*lua.LUserData)
	if ud == nil {
		return nil
	}
	st, _ := ud.Value.(*lstate)
	return st
}

// newState builds a state for set s by running every script in it. It
// returns the state and the errors of the scripts that failed.
func (s *set) newState(e *Engine) (*lstate, []error) {
	L := newLState()
	st := &lstate{
		L: L, e: e, set: s,
		named:   map[kind]map[string]*handler{kindSite: {}, kindCommand: {}},
		loaded:  map[string]lua.LValue{},
		loading: map[string]bool{},
	}
	base := openStdlib(L)
	st.bud = newBudget()
	ftp := readOnlyTable(L, "ftp", st.ftpTable())
	base.RawSetString("ftp", ftp)
	base.RawSetString("require", st.require(ftp))
	st.env = envMeta(L, base)
	st.initViews()
	ud := L.NewUserData()
	ud.Value = st
	L.SetField(L.Get(lua.RegistryIndex), registryKey, ud)
	st.building = true
	var errs []error
	for _, c := range s.scripts {
		if err := st.runChunk(c.name, c.proto); err != nil {
			errs = append(errs, err)
		}
	}
	st.building = false
	st.named = nil
	return st, errs
}

// runChunk runs a script's main chunk in its own environment, under the
// load budget.
func (st *lstate) runChunk(name string, proto *lua.FunctionProto) error {
	L := st.L
	ctx, cancel := context.WithTimeout(context.Background(), st.e.loadBudget())
	defer cancel()
	prev := st.script
	st.script = name
	defer func() { st.script = prev }()
	fn := L.NewFunctionFromProto(proto)
	fn.Env = newEnv(L, st.env)
	L.SetContext(ctx)
	L.Push(fn)
	err := L.PCall(0, 0, nil)
	L.RemoveContext()
	L.SetTop(0)
	if err != nil {
		return loadError(name, err, ctx.Err() != nil)
	}
	return nil
}

// sameShape reports whether a new state registered the same handlers, in
// the same order, as the state the set was built from.
func sameShape(a, b []*handler) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].kind != b[i].kind || a[i].name != b[i].name {
			return false
		}
	}
	return true
}

var errShape = errors.New("the scripts registered other handlers in a new Lua state than at load (registrations must not depend on time, randomness or kv)")

// pool keeps a set's idle states. It grows with the number of handler calls
// running at once and keeps at most cap(free) idle states; there is never
// one state per session, and never one state used by two goroutines.
type pool struct {
	e      *Engine
	s      *set
	free   chan *lstate
	closed atomic.Bool
	built  atomic.Int64 // states built after the first, for tests and stats
}

func newPool(e *Engine, s *set) *pool {
	n := 4 * runtime.GOMAXPROCS(0)
	if n < 8 {
		n = 8
	}
	return &pool{e: e, s: s, free: make(chan *lstate, n)}
}

// get returns an idle state, or builds one.
func (p *pool) get() (*lstate, error) {
	select {
	case st := <-p.free:
		return st, nil
	default:
	}
	p.built.Add(1)
	st, errs := p.s.newState(p.e)
	if len(errs) > 0 {
		st.close()
		return nil, errs[0]
	}
	if !sameShape(st.regs, p.s.handlers) {
		st.close()
		return nil, errShape
	}
	st.regs = nil
	return st, nil
}

// put gives a state back after a call that ended normally.
func (p *pool) put(st *lstate) {
	st.L.SetTop(0)
	if p.closed.Load() {
		st.close()
		return
	}
	select {
	case p.free <- st:
	default:
		st.close()
	}
}

// discard drops a state that timed out or panicked: whatever it was doing
// may have left it half-way.
func (p *pool) discard(st *lstate) { st.close() }

// close closes the idle states; states in use are closed when given back.
func (p *pool) close() {
	p.closed.Store(true)
	for {
		select {
		case st := <-p.free:
			st.close()
		default:
			return
		}
	}
}
