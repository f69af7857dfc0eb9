package hooks

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/luaftpd/luaftpd/core"
)

func TestBudgetDeadline(t *testing.T) {
	b := newBudget()
	defer b.close()
	start := time.Now()
	b.arm(context.Background(), 30*time.Millisecond)
	<-b.Done()
	if d := time.Since(start); d < 30*time.Millisecond || d > time.Second {
		t.Errorf("expired after %v", d)
	}
	if !errors.Is(b.Err(), context.DeadlineExceeded) {
		t.Errorf("Err = %v", b.Err())
	}
	b.disarm()
	// Re-armed, it has a fresh channel and no error.
	b.arm(context.Background(), time.Hour)
	select {
	case <-b.Done():
		t.Fatal("a re-armed budget is done")
	default:
	}
	if b.Err() != nil {
		t.Errorf("Err = %v", b.Err())
	}
	b.disarm()
}

func TestBudgetParentCancel(t *testing.T) {
	b := newBudget()
	defer b.close()
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), "k", "v"))
	b.arm(ctx, time.Hour)
	if b.Value("k") != "v" {
		t.Error("Value does not reach the parent")
	}
	start := time.Now()
	cancel()
	<-b.Done()
	if d := time.Since(start); d > budgetSlice+200*time.Millisecond {
		t.Errorf("the cancellation was seen after %v", d)
	}
	if !errors.Is(b.Err(), context.Canceled) {
		t.Errorf("Err = %v", b.Err())
	}
	b.disarm()
	b.arm(ctx, time.Hour) // already cancelled
	if !errors.Is(b.Err(), context.Canceled) {
		t.Errorf("armed with a cancelled parent: Err = %v", b.Err())
	}
	b.disarm()
}

// A handler running when its command is aborted stops at the next look.
func TestHandlerSeesCancel(t *testing.T) {
	e, logs := newTestEngine(t, map[string]string{"10-a.lua": `ftp.before("RETR", function() while true do end end)`},
		func(o *Options) { o.HookTimeout = 10 * time.Second })
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	start := time.Now()
	_, err := e.Before(ctx, &core.Event{Command: "RETR"})
	if err == nil || time.Since(start) > 2*time.Second {
		t.Errorf("err %v after %v", err, time.Since(start))
	}
	wantContains(t, "log", logs.String(), "cancelled")
}
