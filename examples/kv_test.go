package examples_test

import (
	"fmt"
	"sync"
	"time"

	"github.com/luaftpd/luaftpd/hooks"
)

// clockKV is a hooks.KV whose clock the test moves, so TTLs can be
// tested without waiting. Numbers are stored as float64, as the engine's
// own store does.
type clockKV struct {
	mu    sync.Mutex
	now   time.Time
	items map[string]kvItem
}

type kvItem struct {
	value   any
	expires time.Time // zero: never
}

var _ hooks.KV = (*clockKV)(nil)

func newClockKV() *clockKV {
	return &clockKV{now: time.Unix(1_700_000_000, 0), items: map[string]kvItem{}}
}

// advance moves the clock forward.
func (k *clockKV) advance(d time.Duration) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.now = k.now.Add(d)
}

// live returns the item under key unless it expired (under mu).
func (k *clockKV) live(key string) (kvItem, bool) {
	it, ok := k.items[key]
	if ok && !it.expires.IsZero() && !k.now.Before(it.expires) {
		delete(k.items, key)
		return kvItem{}, false
	}
	return it, ok
}

func (k *clockKV) expiry(ttl float64) time.Time {
	if ttl <= 0 {
		return time.Time{}
	}
	return k.now.Add(time.Duration(ttl * float64(time.Second)))
}

func (k *clockKV) Get(key string) (any, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	it, ok := k.live(key)
	return it.value, ok
}

func (k *clockKV) Set(key string, value any, ttl float64) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.items[key] = kvItem{value: value, expires: k.expiry(ttl)}
}

func (k *clockKV) Incr(key string, delta, ttl float64) (float64, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	it, ok := k.live(key)
	n := 0.0
	if ok {
		f, isNum := it.value.(float64)
		if !isNum {
			return 0, fmt.Errorf("kv.incr: %q does not hold a number", key)
		}
		n = f
	}
	it.value = n + delta
	if ttl > 0 {
		it.expires = k.expiry(ttl)
	}
	k.items[key] = it
	return n + delta, nil
}

func (k *clockKV) Delete(key string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.items, key)
}
