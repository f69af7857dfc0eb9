package ftptest

import (
	"bufio"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"
)

// LogBuf collects a server's log output for assertions; it is safe for
// concurrent use, so a slog handler may write to it from every session.
type LogBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

// Write appends p.
func (l *LogBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String returns everything written so far.
func (l *LogBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Records decodes the JSON log lines (slog.JSONHandler) whose msg is msg.
func (l *LogBuf) Records(t testing.TB, msg string) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(l.String()))
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		if rec["msg"] == msg {
			out = append(out, rec)
		}
	}
	return out
}

// Wait waits, at most five seconds, until the log contains want, and
// returns the log; handlers that observe a command run after its reply is
// sent, so their lines may come a moment later.
func (l *LogBuf) Wait(t testing.TB, want string) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := l.String()
		if strings.Contains(got, want) {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("the log never had %q:\n%s", want, got)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
