package hooks

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/luaftpd/luaftpd/core"
)

func TestBeforeDecisions(t *testing.T) {
	e, _ := newTestEngine(t, map[string]string{"10-a.lua": `
ftp.before("DELE", function(ev) return ftp.deny(550, "no deleting " .. ev.arg) end)
ftp.before("MKD", function(ev) return ftp.reply(257, {"made", "it\r\n"}) end)
ftp.before("RMD", function(ev) return nil end)
`})
	ctx := context.Background()
	r, err := e.Before(ctx, &core.Event{Command: "DELE", Arg: "x.txt"})
	if err != nil || r == nil || r.Code != 550 || r.Message() != "no deleting x.txt" {
		t.Fatalf("DELE: %+v, %v", r, err)
	}
	r, err = e.Before(ctx, &core.Event{Command: "MKD", Arg: "d"})
	if err != nil || r == nil || r.Code != 257 || r.Message() != "made\nit" {
		t.Fatalf("MKD: %+v, %v", r, err)
	}
	r, err = e.Before(ctx, &core.Event{Command: "RMD", Arg: "d"})
	if err != nil || r != nil {
		t.Fatalf("RMD: %+v, %v", r, err)
	}
	if b, a := e.Wants("DELE"); !b || a {
		t.Errorf("Wants(DELE) = %v, %v", b, a)
	}
	if b, a := e.Wants("RETR"); b || a {
		t.Errorf("Wants(RETR) = %v, %v", b, a)
	}
}

func TestPriorityAndStar(t *testing.T) {
	e, _ := newTestEngine(t, map[string]string{
		"10-a.lua": `
ftp.before("*", function(ev) ev.arg = ev.arg .. "+star" end)
ftp.before("STOR", function(ev) ev.arg = ev.arg .. "+a" end)
ftp.before("STOR", function(ev) ev.arg = ev.arg .. "+high" end, {priority = 10})`,
		"20-b.lua": `
ftp.before("STOR", function(ev) ev.arg = ev.arg .. "+b" end)
ftp.before("STOR", function(ev) return ftp.deny(553, ev.arg) end, {priority = -1})
ftp.before("STOR", function(ev) ev.arg = "never" end, {priority = -2})`,
	})
	r, err := e.Before(context.Background(), &core.Event{Command: "STOR", Arg: "f"})
	if err != nil || r == nil || r.Message() != "f+high+star+a+b" {
		t.Fatalf("STOR: %+v, %v", r, err)
	}
	ev := &core.Event{Command: "NOOP", Arg: ""}
	if b, _ := e.Wants("NOOP"); !b {
		t.Error("Wants(NOOP) is false with a * handler")
	}
	if _, err := e.Before(context.Background(), ev); err != nil || ev.Arg != "+star" {
		t.Errorf("NOOP: arg %q, %v", ev.Arg, err)
	}
}

func TestPathRewriteStaysAbsolute(t *testing.T) {
	e, _ := newTestEngine(t, map[string]string{"10-a.lua": `
ftp.before("RETR", function(ev) ev.path = "/../../../etc/passwd" end)
ftp.before("SIZE", function(ev) ev.path = "rel/../x" end)
ftp.before("DELE", function(ev) ev.command = "RMD" end)`})
	ev := &core.Event{Command: "RETR", Arg: "a", Path: "/a"}
	if _, err := e.Before(context.Background(), ev); err != nil || ev.Path != "/etc/passwd" {
		t.Errorf("RETR path %q, %v", ev.Path, err)
	}
	ev = &core.Event{Command: "SIZE", Arg: "a", Path: "/a"}
	if _, err := e.Before(context.Background(), ev); err != nil || ev.Path != "/x" {
		t.Errorf("SIZE path %q, %v", ev.Path, err)
	}
	ev = &core.Event{Command: "DELE"}
	if _, err := e.Before(context.Background(), ev); err == nil || ev.Command != "DELE" {
		t.Errorf("write to ev.command: %v, %q", err, ev.Command)
	}
}

func TestHandlerFailures(t *testing.T) {
	e, logs := newTestEngine(t, map[string]string{"10-bad.lua": `
ftp.before("DELE", function(ev)
  error("secret detail")
end)
ftp.before("RMD", function(ev) return "yes" end)
ftp.before("MKD", function(ev) while true do end end)
ftp.before("CWD", function(ev) local t = {} ; t.x.y = 1 end)
`})
	ctx := context.Background()
	for _, verb := range []string{"DELE", "RMD", "MKD", "CWD"} {
		start := time.Now()
		r, err := e.Before(ctx, &core.Event{Command: verb, Session: &core.Session{}})
		var ce *core.Error
		if r != nil || !errors.As(err, &ce) || ce.Code != 451 {
			t.Errorf("%s: %+v, %v; want a 451 error", verb, r, err)
		}
		if ce != nil && (strings.Contains(ce.Msg, "secret") || strings.Contains(ce.Msg, "10-bad")) {
			t.Errorf("%s: the reply %q carries script text", verb, ce.Msg)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("%s took %v", verb, d)
		}
	}
	wantContains(t, "log", logs.String(),
		"script=10-bad.lua line=3", "secret detail",
		"script=10-bad.lua line=5", "returned a string",
		"script=10-bad.lua line=6", "time budget",
		"script=10-bad.lua line=7", "session=")
}

func TestAfterSeesResult(t *testing.T) {
	e, logs := newTestEngine(t, map[string]string{"10-a.lua": `
ftp.after("RETR", function(ev, r)
  if r.code ~= 226 or r.bytes ~= 42 or r.path ~= "/f" or r.error ~= nil or r.message ~= "done" then
    error("bad result " .. tostring(r.code))
  end
  error("seen " .. r.seconds)
end)`})
	e.After(context.Background(), &core.Event{Command: "RETR", Path: "/f"},
		&core.Result{Code: 226, Message: "done", Bytes: 42, Seconds: 1.5, Path: "/f"})
	wantContains(t, "log", logs.String(), "seen 1.5")
}

func TestAuth(t *testing.T) {
	e, _ := newTestEngine(t, map[string]string{
		"10-a.lua": `
ftp.auth(function(user, pass, s)
  if user == "alice" and pass == "pw" then return {root = "alice/../alice", home = "/in", readonly = true} end
  if user == "bob" then return false end
  if user == "carol" then return ftp.deny(530, "carol is away\n") end
  if user == "dave" then error("boom") end
  if user == "erin" then return "yes" end
  return nil
end)`,
		"20-b.lua": `ftp.auth(function(user) if user == "frank" then return {} end end)`,
	})
	ctx := context.Background()
	acc, err := e.Authenticate(ctx, "alice", "pw", &core.Session{})
	if err != nil || acc == nil || acc.Root != "/alice" || acc.Home != "/in" || !acc.ReadOnly {
		t.Errorf("alice: %+v, %v", acc, err)
	}
	if acc, err := e.Authenticate(ctx, "bob", "x", nil); acc != nil || err != core.ErrAuthFailed {
		t.Errorf("bob: %+v, %v", acc, err)
	}
	var ce *core.Error
	if _, err := e.Authenticate(ctx, "carol", "x", nil); !errors.As(err, &ce) || ce.Code != 530 || ce.Msg != "carol is away" {
		t.Errorf("carol: %v", err)
	}
	for _, u := range []string{"dave", "erin"} {
		if _, err := e.Authenticate(ctx, u, "x", nil); !errors.As(err, &ce) || ce.Code != 530 || ce.Msg != "Login incorrect." {
			t.Errorf("%s: %v", u, err)
		}
	}
	if acc, err := e.Authenticate(ctx, "frank", "x", nil); err != nil || acc == nil || acc.Root != "" {
		t.Errorf("frank: %+v, %v", acc, err)
	}
	if acc, err := e.Authenticate(ctx, "zed", "x", nil); err != nil || acc != nil {
		t.Errorf("zed: %+v, %v", acc, err)
	}
}

func TestSiteAndCommand(t *testing.T) {
	e, _ := newTestEngine(t, map[string]string{"10-a.lua": `
ftp.site("ECHO", function(ev) return ftp.reply(200, "echo " .. ev.arg) end, {help = "ECHO <text>"})
ftp.site("quiet", function(ev) end)
ftp.command("XTIM", function(ev) return ftp.reply(213, "1") end, {auth = false, feat = "XTIM", help = "XTIM"})
`})
	ctx := context.Background()
	info, ok := e.Site("ECHO")
	if !ok || info.Help != "ECHO <text>" || info.Verb != "ECHO" {
		t.Errorf("Site(ECHO) = %+v, %v", info, ok)
	}
	r, err := e.RunSite(ctx, "ECHO", &core.Event{Command: "SITE", Arg: "hi"})
	if err != nil || r.Code != 200 || r.Message() != "echo hi" {
		t.Errorf("SITE ECHO: %+v, %v", r, err)
	}
	r, err = e.RunSite(ctx, "QUIET", &core.Event{Command: "SITE"})
	if err != nil || r.Code != 200 {
		t.Errorf("SITE QUIET: %+v, %v", r, err)
	}
	if got := e.Sites(); len(got) != 2 || got[0].Verb != "ECHO" || got[1].Verb != "QUIET" {
		t.Errorf("Sites() = %+v", got)
	}
	info, ok = e.Command("XTIM")
	if !ok || info.Auth || info.Feat != "XTIM" {
		t.Errorf("Command(XTIM) = %+v, %v", info, ok)
	}
	r, err = e.RunCommand(ctx, &core.Event{Command: "XTIM"})
	if err != nil || r.Code != 213 {
		t.Errorf("XTIM: %+v, %v", r, err)
	}
	if _, ok := e.Command("NOPE"); ok {
		t.Error("Command(NOPE) found")
	}
}

func TestEvents(t *testing.T) {
	e, logs := newTestEngine(t, map[string]string{"10-a.lua": `
ftp.on("connect", function(ev) return ftp.reply(220, "hello " .. ev.command) end)
ftp.on("connect", function(ev) error("not reached") end)
ftp.on("login", function(ev) if ev.session.user == nil then return ftp.deny(530, "who?") end end)
ftp.on("upload", function(ev) error("up " .. ev.path .. " " .. ev.bytes .. " " .. tostring(ev.ok)) end)
ftp.on("upload", function(ev) error("second ran") end)
`})
	ctx := context.Background()
	r, err := e.On(ctx, "connect", &core.Event{Command: "connect"})
	if err != nil || r == nil || r.Code != 220 || r.Message() != "hello connect" {
		t.Errorf("connect: %+v, %v", r, err)
	}
	e2, logs2 := newTestEngine(t, map[string]string{"10-a.lua": `ftp.on("connect", function() return ftp.reply(200, "hi") end)`})
	if r, _ := e2.On(ctx, "connect", &core.Event{Command: "connect"}); r != nil {
		t.Errorf("connect with ftp.reply(200): %+v", r)
	}
	wantContains(t, "log", logs2.String(), "code other than 220")
	r, _ = e.On(ctx, "login", &core.Event{Command: "login", Session: &core.Session{}})
	if r == nil || r.Code != 530 || r.Message() != "who?" {
		t.Errorf("login: %+v", r)
	}
	r, _ = e.On(ctx, "upload", &core.Event{Command: "upload", Path: "/f", Bytes: 7, OK: true})
	if r != nil {
		t.Errorf("upload: %+v", r)
	}
	wantContains(t, "log", logs.String(), "up /f 7 true", "second ran")
	if e.WantsEvent("download") || !e.WantsEvent("upload") {
		t.Error("WantsEvent")
	}
}

func TestSessionValuesAreCopies(t *testing.T) {
	e, logs := newTestEngine(t, map[string]string{"10-a.lua": `
ftp.before("NOOP", function(ev)
  local s = ev.session
  local t = {n = 1, list = {"a", "b"}}
  s:set("k", t)
  t.n = 2
  local got = s:get("k")
  got.list[1] = "z"
  local again = s:get("k")
  if again.n ~= 1 or again.list[1] ~= "a" then error("shared") end
  s:set("gone", 1) ; s:set("gone", nil)
  if s:get("gone") ~= nil then error("not deleted") end
  local ok = pcall(s.set, s, "f", function() end)
  if ok then error("stored a function") end
  saved = s
end)
ftp.before("PWD", function(ev) return ftp.reply(257, tostring(saved.id)) end)
`})
	sess := &core.Session{}
	if _, err := e.Before(context.Background(), &core.Event{Command: "NOOP", Session: sess}); err != nil {
		t.Fatalf("NOOP: %v\n%s", err, logs)
	}
	if v, ok := sess.Get("k"); !ok || v.(map[any]any)["n"] != 1.0 {
		t.Errorf("k = %#v", v)
	}
	// A session kept in a global from another call must not be usable.
	if _, err := e.Before(context.Background(), &core.Event{Command: "PWD", Session: sess}); err == nil {
		t.Error("a session view outlived its call")
	}
	wantContains(t, "log", logs.String(), "used after its handler returned")
}
