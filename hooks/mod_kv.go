package hooks

import (
	"container/heap"
	"fmt"
	"math"
	"sync"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// maxTTL bounds a TTL so that converting it to a time.Duration cannot
// overflow; a longer one is taken as this long (about 31 years).
const maxTTL = 1e9

// maxSweep bounds how many expired keys one call drops, so that a crowd of
// keys expiring together is cleared over many calls, not in one slow one.
const maxSweep = 64

// NewMemKV returns the in-memory KV store: one map under one mutex, TTLs
// kept in a min-heap. Expired keys are dropped by the operations themselves
// (every call first pops up to maxSweep expired keys off the heap, and a
// key read after its deadline counts as gone), so the store needs no
// goroutine at all and never one per key.
func NewMemKV() KV { return newMemKV(time.Now) }

func newMemKV(now func() time.Time) *memKV {
	return &memKV{now: now, items: make(map[string]*kvItem)}
}

type memKV struct {
	mu    sync.Mutex
	now   func() time.Time
	items map[string]*kvItem
	exp   expiryHeap // the items that have a deadline, soonest first
}

var _ KV = (*memKV)(nil)

type kvItem struct {
	key     string
	value   any
	expires time.Time // zero: never
	index   int       // position in exp; -1 when not there
}

// Get returns the value of key, if it is there and has not expired.
func (m *memKV) Get(key string) (any, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	it, ok := m.live(key)
	if !ok {
		return nil, false
	}
	return it.value, true
}

// Set stores value under key; ttl <= 0 keeps it until deleted.
func (m *memKV) Set(key string, value any, ttlSeconds float64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.expire()
	it := m.item(key)
	it.value = value
	m.setTTL(it, ttlSeconds, true)
}

// Incr adds delta to the number under key (missing: 0) and returns the sum;
// ttl > 0 (re)sets the expiry, otherwise the expiry stays as it was.
func (m *memKV) Incr(key string, delta float64, ttlSeconds float64) (float64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var n float64
	if it, ok := m.live(key); ok {
		f, isNum := it.value.(float64)
		if !isNum {
			return 0, fmt.Errorf("kv.incr: the value of %q is a %s, not a number", key, kvTypeName(it.value))
		}
		n = f
	}
	it := m.item(key)
	n += delta
	it.value = n
	m.setTTL(it, ttlSeconds, false)
	return n, nil
}

// Delete removes key.
func (m *memKV) Delete(key string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.expire()
	if it, ok := m.items[key]; ok {
		m.remove(it)
	}
}

// live returns the item of key unless it is missing or expired, after a
// sweep. Callers hold mu.
func (m *memKV) live(key string) (*kvItem, bool) {
	now := m.expire()
	it, ok := m.items[key]
	if ok && !it.expires.IsZero() && !it.expires.After(now) {
		m.remove(it)
		return nil, false
	}
	return it, ok
}

// item returns the item of key, creating it if missing. Callers hold mu
// and have dropped key if it expired.
func (m *memKV) item(key string) *kvItem {
	if it, ok := m.items[key]; ok {
		return it
	}
	it := &kvItem{key: key, index: -1}
	m.items[key] = it
	return it
}

// setTTL gives it a deadline ttl seconds from now. ttl <= 0 clears the
// deadline when clear is set (Set) and leaves it alone otherwise (Incr).
func (m *memKV) setTTL(it *kvItem, ttl float64, clear bool) {
	if !(ttl > 0) { // NaN too
		if clear && it.index >= 0 {
			heap.Remove(&m.exp, it.index)
			it.expires = time.Time{}
		}
		return
	}
	it.expires = m.now().Add(time.Duration(math.Min(ttl, maxTTL) * float64(time.Second)))
	if it.index >= 0 {
		heap.Fix(&m.exp, it.index)
	} else {
		heap.Push(&m.exp, it)
	}
}

// expire drops up to maxSweep items whose deadline has passed and returns
// the time it went by. Callers hold mu.
func (m *memKV) expire() time.Time {
	if len(m.exp) == 0 {
		return time.Time{}
	}
	now := m.now()
	for i := 0; i < maxSweep && len(m.exp) > 0 && !m.exp[0].expires.After(now); i++ {
		m.remove(m.exp[0])
	}
	return now
}

func (m *memKV) remove(it *kvItem) {
	if it.index >= 0 {
		heap.Remove(&m.exp, it.index)
	}
	delete(m.items, it.key)
}

// expiryHeap is a container/heap of items ordered by deadline.
type expiryHeap []*kvItem

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].expires.Before(h[j].expires) }
func (h expiryHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}
func (h *expiryHeap) Push(x any) {
	it := x.(*kvItem)
	it.index = len(*h)
	*h = append(*h, it)
}
func (h *expiryHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	old[len(old)-1] = nil
	it.index = -1
	*h = old[:len(old)-1]
	return it
}

func kvTypeName(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case bool:
		return "boolean"
	case float64:
		return "number"
	}
	return fmt.Sprintf("%T", v)
}

// kvFuncs is the kv module: the engine's one store, seen by every state.
func kvFuncs(env *moduleEnv) map[string]lua.LGFunction {
	return map[string]lua.LGFunction{
		"get": func(L *lua.LState) int {
			v, ok := env.kv.Get(L.CheckString(1))
			if !ok {
				L.Push(lua.LNil)
				return 1
			}
			L.Push(kvToLua(v))
			return 1
		},
		"set": func(L *lua.LState) int {
			key := L.CheckString(1)
			ttl := float64(L.OptNumber(3, 0))
			if L.Get(2) == lua.LNil {
				env.kv.Delete(key)
				return 0
			}
			env.kv.Set(key, kvFromLua(L, 2), ttl)
			return 0
		},
		"incr": func(L *lua.LState) int {
			key := L.CheckString(1)
			delta := float64(L.OptNumber(2, 1))
			if math.IsNaN(delta) || math.IsInf(delta, 0) {
				L.ArgError(2, "delta must be a finite number")
			}
			n, err := env.kv.Incr(key, delta, float64(L.OptNumber(3, 0)))
			if err != nil {
				return pushFail(L, err.Error())
			}
			L.Push(lua.LNumber(n))
			return 1
		},
		"delete": func(L *lua.LState) int {
			env.kv.Delete(L.CheckString(1))
			return 0
		},
	}
}

// kvFromLua converts argument n to a store value; anything but a string, a
// number or a boolean raises.
func kvFromLua(L *lua.LState, n int) any {
	switch v := L.Get(n).(type) {
	case lua.LString:
		return string(v)
	case lua.LNumber:
		return float64(v)
	case lua.LBool:
		return bool(v)
	default:
		L.ArgError(n, "kv values are strings, numbers or booleans, not "+v.Type().String())
		return nil
	}
}

// kvToLua converts a stored value; integers are accepted too, as another
// KV (a networked one) may hand them back.
func kvToLua(v any) lua.LValue {
	switch v := v.(type) {
	case string:
		return lua.LString(v)
	case float64:
		return lua.LNumber(v)
	case bool:
		return lua.LBool(v)
	case int:
		return lua.LNumber(v)
	case int64:
		return lua.LNumber(v)
	}
	return lua.LNil
}
