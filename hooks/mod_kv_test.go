package hooks

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestKVFromLua(t *testing.T) {
	env, _ := modTestEnv(t)
	L := modState(t, env)
	modCheck(t, L, []modCase{
		{`local kv = require("kv"); kv.set("s", "x"); kv.set("n", 2.5); kv.set("b", false)
		  return kv.get("s"), kv.get("n"), kv.get("b"), kv.get("missing")`,
			[]string{"x", "2.5", "false", "nil"}},
		{`local kv = require("kv"); return kv.incr("c"), kv.incr("c", 5), kv.incr("c", -10)`,
			[]string{"1", "6", "-4"}},
		{`local kv = require("kv"); kv.set("s", nil); return kv.get("s")`, []string{"nil"}},
		{`local kv = require("kv"); kv.delete("n"); return kv.get("n")`, []string{"nil"}},
		{`local kv = require("kv"); kv.set("t", "text"); return kv.incr("t")`,
			[]string{"nil", `kv.incr: the value of "t" is a string, not a number`}},
		{`local kv = require("kv"); return pcall(kv.set, "t", {})`,
			[]string{"false", "<string>:1: bad argument #2 to (anonymous) (kv values are strings, numbers or booleans, not table)"}},
	})
	// The store is the env's: another state (or a reloaded engine) sees it.
	wantStrings(t, "other state", modStrings(t, modState(t, env), `return require("kv").get("c")`), "-4")
}

func TestKVConcurrentIncrLosesNothing(t *testing.T) {
	env, _ := modTestEnv(t)
	const workers, each = 50, 200
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		L := modState(t, env)
		wg.Go(func() {
			_, err := modTry(L, `local kv = require("kv"); for i = 1, 200 do kv.incr("hits", 1, 60) end`)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	v, ok := env.kv.Get("hits")
	if !ok || v != float64(workers*each) {
		t.Fatalf("hits = %v, %v; want %d", v, ok, workers*each)
	}
}

// fakeClock is a settable clock for the store's TTLs.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func TestKVTTL(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	m := newMemKV(clk.now)
	m.Set("a", "x", 10)
	clk.advance(9999 * time.Millisecond)
	if v, ok := m.Get("a"); !ok || v != "x" {
		t.Fatalf("before the TTL: %v %v", v, ok)
	}
	clk.advance(time.Millisecond)
	if _, ok := m.Get("a"); ok {
		t.Fatal("a outlived its TTL")
	}

	// Incr with a TTL restarts it; without one it leaves it alone.
	m.Incr("n", 1, 5)
	clk.advance(4 * time.Second)
	m.Incr("n", 1, 5)
	clk.advance(4 * time.Second)
	m.Incr("n", 1, 0)
	if v, _ := m.Get("n"); v != 3.0 {
		t.Fatalf("n = %v, want 3", v)
	}
	clk.advance(time.Second)
	if _, ok := m.Get("n"); ok {
		t.Fatal("an Incr without TTL extended the expiry")
	}

	// Set without a TTL clears an earlier one.
	m.Set("k", "v", 1)
	m.Set("k", "w", 0)
	clk.advance(time.Hour)
	if v, ok := m.Get("k"); !ok || v != "w" {
		t.Fatalf("k = %v %v, want w", v, ok)
	}
}

func TestKVExpirySweepsWithoutGoroutines(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	m := newMemKV(clk.now)
	for i := range 1000 {
		m.Set(fmt.Sprintf("k%d", i), 1.0, 1)
	}
	// A counter re-armed on every hit keeps one heap entry, not one per hit.
	for range 1000 {
		m.Incr("rate", 1, 60)
	}
	if len(m.exp) != 1001 {
		t.Fatalf("heap holds %d entries, want 1001", len(m.exp))
	}
	clk.advance(2 * time.Second)
	// An expired key is gone for readers at once; the sweep that frees its
	// memory is spread over the calls that follow, maxSweep keys each.
	if _, ok := m.Get("k999"); ok {
		t.Fatal("k999 outlived its TTL")
	}
	// (k999 went with the sweep or, if the sweep missed it, on its own.)
	if n := len(m.exp); n != 1001-maxSweep && n != 1001-maxSweep-1 {
		t.Fatalf("after one call the heap holds %d, want %d less one or none", n, 1001-maxSweep)
	}
	for range 1000 / maxSweep {
		m.Set("other", true, 0)
	}
	if len(m.items) != 2 || len(m.exp) != 1 {
		t.Fatalf("after the sweep: %d items, %d in the heap; want 2 and 1", len(m.items), len(m.exp))
	}
	clk.advance(time.Minute)
	m.Delete("nothing")
	if _, ok := m.items["rate"]; ok || len(m.exp) != 0 {
		t.Fatal("rate survived its TTL")
	}
}

func TestKVIncrFromLuaSetsTTL(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	env, _ := modTestEnv(t)
	env.kv = newMemKV(clk.now)
	L := modState(t, env)
	wantStrings(t, "incr", modStrings(t, L, `local kv = require("kv"); kv.incr("x", 2, 30); kv.set("y", "v", 0.5); return kv.get("x")`), "2")
	clk.advance(time.Second)
	wantStrings(t, "y gone", modStrings(t, L, `local kv = require("kv"); return kv.get("x"), kv.get("y")`), "2", "nil")
	clk.advance(30 * time.Second)
	wantStrings(t, "x gone", modStrings(t, L, `return require("kv").get("x")`), "nil")
}
