package hooks

import (
	"context"
	"github.com/luaftpd/luaftpd/core/ftptest"
	"github.com/luaftpd/luaftpd/scripts"
	"log/slog"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/luaftpd/luaftpd/core"
)

// TestStockTransferLog runs scripts/20-transfer-log.lua as shipped.
func TestStockTransferLog(t *testing.T) {
	logs := &ftptest.LogBuf{}
	e, err := New(Options{Stock: scripts.FS(), Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if !e.WantsEvent("upload") || !e.WantsEvent("download") {
		t.Fatal("the stock transfer log is not loaded")
	}
	ctx := context.Background()
	e.On(ctx, "upload", &core.Event{Command: "upload", Path: "/in/a.bin", Bytes: 1234, OK: true, Session: &core.Session{}})
	e.On(ctx, "download", &core.Event{Command: "download", Path: "/b.txt", Bytes: 5, OK: false})
	got := logs.String()
	wantContains(t, "log", got,
		"msg=transfer script=20-transfer-log.lua session=\"\" bytes=1234 kind=upload ok=true path=/in/a.bin user=\"\"",
		"msg=transfer script=20-transfer-log.lua bytes=5 kind=download ok=false path=/b.txt user=\"\"")
}

func TestStockReplacedAndDisabled(t *testing.T) {
	stock := fstest.MapFS{
		"20-x.lua": {Data: []byte(`ftp.before("NOOP", function() return ftp.reply(200, "stock") end)`)},
		"30-y.lua": {Data: []byte(`ftp.before("PWD", function() return ftp.reply(257, "stock") end)`)},
	}
	e, _ := newTestEngine(t, map[string]string{"20-x.lua": `ftp.before("NOOP", function() return ftp.reply(200, "mine") end)`},
		func(o *Options) { o.Stock = stock })
	r, _ := e.Before(context.Background(), &core.Event{Command: "NOOP"})
	if r == nil || r.Message() != "mine" {
		t.Errorf("NOOP: %+v", r)
	}
	if b, _ := e.Wants("PWD"); !b {
		t.Error("the other stock script is not loaded")
	}
	e, logs := newTestEngine(t, nil, func(o *Options) { o.Stock = stock; o.Disable = []string{"30-y.lua", "99-nope.lua"} })
	if b, _ := e.Wants("PWD"); b {
		t.Error("a disabled stock script is loaded")
	}
	wantContains(t, "log", logs.String(), `msg="no stock script of that name to disable" script=99-nope.lua`)
	if b, _ := e.Wants("NOOP"); !b {
		t.Error("20-x.lua is not loaded")
	}
}

func TestModulesAreTagged(t *testing.T) {
	e, logs := newTestEngine(t, map[string]string{"10-a.lua": `
local log = require("log")
local kv = require("kv")
log.info("loading")
ftp.before("NOOP", function(ev)
  log.warn("hello", {n = kv.incr("n")})
end)`})
	sess := &core.Session{}
	for range 2 {
		if _, err := e.Before(context.Background(), &core.Event{Command: "NOOP", Session: sess}); err != nil {
			t.Fatal(err)
		}
	}
	got := logs.String()
	wantContains(t, "log", got, "msg=loading script=10-a.lua", "msg=hello script=10-a.lua session=\"\" n=2")
	if strings.Count(got, "msg=loading") != 1 {
		t.Errorf("the script ran more than once at load:\n%s", got)
	}
}
