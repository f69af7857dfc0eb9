package core

import (
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/luaftpd/luaftpd/core/ftptest"
)

func TestLogging(t *testing.T) {
	var buf ftptest.LogBuf
	ts := startServer(t, func(s *Server) {
		s.Logger = slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	c := ts.dial(t)
	c.cmd(331, "USER alice")
	c.cmd(530, "PASS hunter2-wrong")
	c.cmd(331, "USER alice")
	c.cmd(230, "PASS secret")
	c.cmd(257, "PWD")
	c.cmd(221, "QUIT")
	c.expectClosed()
	waitFor(t, func() bool { return strings.Contains(buf.String(), "session closed") })
	out := buf.String()
	if strings.Contains(out, "hunter2") || strings.Contains(out, testPass) {
		t.Fatalf("a password reached the log:\n%s", out)
	}
	var sawPWD bool
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("bad log line %q", line)
		}
		if rec["session"] == nil || rec["remote"] == nil {
			t.Errorf("line without session or remote: %s", line)
		}
		if rec["msg"] == "command" && rec["cmd"] == "PWD" {
			sawPWD = true
			if rec["user"] != testUser || rec["code"] != float64(257) {
				t.Errorf("PWD line: %s", line)
			}
		}
	}
	if !sawPWD {
		t.Errorf("no debug line for PWD:\n%s", out)
	}
}

// TestLoggingDuringTransfer: STAT and ABOR answered while an upload runs
// get their debug line like every other command.
func TestLoggingDuringTransfer(t *testing.T) {
	var buf ftptest.LogBuf
	ts := startServer(t, func(s *Server) {
		s.Logger = slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	c := ts.loginAlice(t)
	startUpload(t, c)
	waitTransferSTAT(t, c, "STAT")
	c.raw("ABOR\r\n")
	c.expect(426)
	c.expect(226)
	c.cmd(221, "QUIT")
	c.expectClosed()
	buf.Wait(t, "session closed")
	codes := map[string]float64{}
	var order []string
	for _, rec := range buf.Records(t, "command") {
		verb, _ := rec["cmd"].(string)
		codes[verb], _ = rec["code"].(float64)
		order = append(order, verb)
	}
	if codes["STAT"] != 213 || codes["ABOR"] != 226 || codes["STOR"] != 426 {
		t.Errorf("command lines %v, codes %v", order, codes)
	}
	if n := len(order); n < 3 || order[n-3] != "STOR" || order[n-2] != "ABOR" || order[n-1] != "QUIT" {
		t.Errorf("command lines in the order %v, want ... STOR ABOR QUIT", order)
	}
}
