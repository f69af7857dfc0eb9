package hooks

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// budgetSlice is how often a running handler looks at its caller's context
// (ABOR, a session that closed). A handler that ends sooner, as nearly all
// do, never wakes the timer.
const budgetSlice = 50 * time.Millisecond

// budget is the context a state's handler calls run under: the caller's
// context with a deadline. gopher-lua reads ctx.Done() before every VM
// instruction, and a fresh context.WithTimeout per call (a timer, a
// channel, a registration with the parent) was half the cost of a small
// handler. A budget belongs to one state and is re-armed for each call: its
// timer lives as long as the state, its channel is replaced only after it
// was closed, and instead of registering with the caller's context it
// looks at it every budgetSlice.
type budget struct {
	done  atomic.Pointer[chan struct{}]
	timer *time.Timer

	mu       sync.Mutex
	parent   context.Context
	deadline time.Time
	err      error
	active   bool
}

func newBudget() *budget {
	b := &budget{}
	ch := make(chan struct{})
	b.done.Store(&ch)
	b.timer = time.AfterFunc(time.Hour, b.tick)
	b.timer.Stop()
	return b
}

// arm starts a call's budget: d from now, or less if parent ends first.
func (b *budget) arm(parent context.Context, d time.Duration) {
	deadline := time.Now().Add(d)
	if dl, ok := parent.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	b.mu.Lock()
	if b.err != nil {
		ch := make(chan struct{})
		b.done.Store(&ch)
		b.err = nil
	}
	b.parent, b.deadline, b.active = parent, deadline, true
	b.mu.Unlock()
	if err := parent.Err(); err != nil {
		b.expire(context.Cause(parent))
		return
	}
	b.timer.Reset(min(d, budgetSlice))
}

// disarm ends a call's budget.
func (b *budget) disarm() {
	b.timer.Stop()
	b.mu.Lock()
	b.active, b.parent = false, nil
	b.mu.Unlock()
}

// tick is the timer: it ends the running call when its caller's context
// ended or its deadline passed, and otherwise looks again later. A tick
// meant for a call that already ended only looks at the one running now.
func (b *budget) tick() {
	b.mu.Lock()
	if !b.active || b.err != nil {
		b.mu.Unlock()
		return
	}
	var err error
	left := time.Until(b.deadline)
	switch {
	case b.parent.Err() != nil:
		err = context.Cause(b.parent)
	case left <= 0:
		err = context.DeadlineExceeded
	}
	b.mu.Unlock()
	if err != nil {
		b.expire(err)
		return
	}
	b.timer.Reset(min(left, budgetSlice))
}

// expire ends the running call's budget with err.
func (b *budget) expire(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.active || b.err != nil {
		return
	}
	b.err = err
	close(*b.done.Load())
}

// close releases the timer of a state that is closed.
func (b *budget) close() { b.timer.Stop() }

// Deadline implements context.Context.
func (b *budget) Deadline() (time.Time, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.deadline, true
}

// Done implements context.Context without a lock: the VM calls it before
// every instruction.
func (b *budget) Done() <-chan struct{} { return *b.done.Load() }

// Err implements context.Context.
func (b *budget) Err() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err
}

// Value implements context.Context.
func (b *budget) Value(key any) any {
	b.mu.Lock()
	p := b.parent
	b.mu.Unlock()
	if p == nil {
		return nil
	}
	return p.Value(key)
}
