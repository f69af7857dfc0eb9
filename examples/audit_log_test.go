package examples_test

import (
	"strings"
	"testing"
)

// TestAuditLog runs audit-log/10-audit-log.lua.
func TestAuditLog(t *testing.T) {
	t.Parallel()
	kv := newClockKV()
	srv := startExample(t, "audit-log", setup{
		users: map[string]string{"alice": "pw-7f3a9c"},
		kv:    kv,
	})
	c := srv.dial(t)
	c.Cmd(331, "USER alice")
	c.Cmd(230, "PASS pw-7f3a9c")
	c.Store("f.txt", "hello")
	c.Store("/g.txt", "abc")
	dc := c.EPSV()
	c.Cmd(150, "APPE f.txt")
	dc.Write([]byte("!!"))
	dc.Close()
	c.Expect(226)
	dc = c.EPSV()
	c.Cmd(150, "STOU")
	dc.Write([]byte("unique"))
	dc.Close()
	c.Expect(226)
	if got := c.Retrieve("RETR f.txt"); got != "hello!!" {
		t.Errorf("RETR f.txt = %q", got)
	}
	c.EPSV()
	c.Cmd(550, "RETR missing.txt")
	c.Cmd(200, "NOOP") // the after handlers of the commands before have run

	byCmd := map[string][]map[string]any{}
	for _, rec := range srv.Logs.Records(t, "audit") {
		cmd, _ := rec["cmd"].(string)
		byCmd[cmd] = append(byCmd[cmd], rec)
	}
	check := func(cmd string, i int, want map[string]any) {
		t.Helper()
		if len(byCmd[cmd]) <= i {
			t.Errorf("no audit line %d for %s", i, cmd)
			return
		}
		rec := byCmd[cmd][i]
		for k, v := range want {
			if rec[k] != v {
				t.Errorf("%s line %d: %s = %v (%T), want %v", cmd, i, k, rec[k], rec[k], v)
			}
		}
		if s, ok := rec["seconds"].(float64); !ok || s < 0 || s > 10 {
			t.Errorf("%s line %d: seconds = %v", cmd, i, rec["seconds"])
		}
	}
	check("USER", 0, map[string]any{"user": "-", "remote": "127.0.0.1", "code": 331.0, "bytes": 0.0, "err": nil})
	check("PASS", 0, map[string]any{"user": "alice", "code": 230.0})
	check("STOR", 0, map[string]any{"user": "alice", "path": "/f.txt", "code": 226.0, "bytes": 5.0, "err": nil})
	check("STOR", 1, map[string]any{"path": "/g.txt", "code": 226.0, "bytes": 3.0})
	check("APPE", 0, map[string]any{"path": "/f.txt", "code": 226.0, "bytes": 2.0})
	check("STOU", 0, map[string]any{"code": 226.0, "bytes": 6.0})
	check("RETR", 0, map[string]any{"path": "/f.txt", "code": 226.0, "bytes": 7.0, "err": nil})
	check("RETR", 1, map[string]any{"path": "/missing.txt", "code": 550.0, "bytes": 0.0})
	if len(byCmd["RETR"]) > 1 {
		if e, _ := byCmd["RETR"][1]["err"].(string); e == "" {
			t.Errorf("the failed RETR has no err: %v", byCmd["RETR"][1])
		}
	}
	if strings.Contains(srv.Logs.String(), "pw-7f3a9c") {
		t.Error("the password is in the log")
	}

	// STOR, STOR, APPE and STOU each fire an upload event.
	for key, want := range map[string]any{"audit:alice:uploads": 4.0, "audit:alice:upload_bytes": 16.0} {
		if got, _ := kv.Get(key); got != want {
			t.Errorf("kv %s = %v, want %v", key, got, want)
		}
	}
	last, _ := kv.Get("audit:alice:last_upload")
	if stou, _ := last.(string); !strings.HasPrefix(stou, "/") || !srv.exists(stou) || srv.readFile(t, stou) != "unique" {
		t.Errorf("kv audit:alice:last_upload = %v, want the STOU file", last)
	}
}
