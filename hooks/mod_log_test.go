package hooks

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

func TestLog(t *testing.T) {
	env, logs := modTestEnv(t)
	L := modState(t, env)
	modEval(t, L, `local log = require("log")
		log.info("upload done", {user = "bob", bytes = 1024, ratio = 0.5, ok = true, tags = {"a", "b"}, [7] = "seven"})
		log.warn(42)
		log.debug("d")
		log.error("e", {})`)
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("got %d lines:\n%s", len(lines), logs)
	}
	var first map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	delete(first, "time")
	want := map[string]any{"level": "INFO", "msg": "upload done", "user": "bob", "bytes": 1024.0,
		"ratio": 0.5, "ok": true, "tags": `["a","b"]`, "7": "seven"}
	if len(first) != len(want) {
		t.Fatalf("got %v\nwant %v", first, want)
	}
	for k, v := range want {
		if first[k] != v {
			t.Fatalf("%s = %#v, want %#v (line %s)", k, first[k], v, lines[0])
		}
	}
	// Attributes come sorted by key, so a line reads the same every time.
	if i, j := strings.Index(lines[0], `"7"`), strings.Index(lines[0], `"user"`); i > j {
		t.Fatalf("fields out of order: %s", lines[0])
	}
	for i, want := range []string{`"level":"WARN","msg":"42"`, `"level":"DEBUG","msg":"d"`, `"level":"ERROR","msg":"e"}`} {
		if !strings.Contains(lines[i+1], want) {
			t.Fatalf("line %d = %s, want %s", i+1, lines[i+1], want)
		}
	}
}

func TestLogLevelAndCap(t *testing.T) {
	var buf bytes.Buffer
	lg := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	env := &moduleEnv{kv: NewMemKV(), logger: func(*lua.LState) *slog.Logger { return lg }}
	L := modState(t, env)
	modEval(t, L, `local log = require("log"); log.debug("hidden"); log.info(string.rep("x", 100000))`)
	out := buf.String()
	if strings.Contains(out, "hidden") {
		t.Fatal("a debug line passed an info logger")
	}
	if n := strings.Count(out, "x"); n != maxLogString {
		t.Fatalf("logged %d x, want %d", n, maxLogString)
	}
	if !strings.Contains(out, "…(cut)") {
		t.Fatal("a cut message is not marked")
	}
}
