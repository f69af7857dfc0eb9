package hooks

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/luaftpd/luaftpd/core"
	"github.com/luaftpd/luaftpd/core/ftptest"
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

// A handler running when its command is aborted stops at the next look,
// and says so at debug: an abort is the client's doing, not a script
// failure (a busy server would log an error per ABOR otherwise).
func TestHandlerSeesCancel(t *testing.T) {
	logs := &ftptest.LogBuf{}
	e, _ := newTestEngine(t, map[string]string{"10-a.lua": `ftp.before("RETR", function() while true do end end)`},
		func(o *Options) {
			o.HookTimeout = 10 * time.Second
			o.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	start := time.Now()
	_, err := e.Before(ctx, &core.Event{Command: "RETR"})
	if err == nil || time.Since(start) > 2*time.Second {
		t.Errorf("err %v after %v", err, time.Since(start))
	}
	wantContains(t, "log", logs.String(), `level=DEBUG msg="script cancelled" script=10-a.lua line=1`)
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("an aborted handler logged an error:\n%s", logs.String())
	}
}
