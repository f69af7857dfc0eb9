package hooks

import (
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/luaftpd/luaftpd/core"
	"github.com/luaftpd/luaftpd/vfs"
)

// modulesScript drives every module from handlers of a real server.
const modulesScript = `
local crypto, file, kv, json, http, time, log =
  require("crypto"), require("file"), require("kv"), require("json"), require("http"), require("time"), require("log")

ftp.auth(function(user, password)
  for line in file.lines("users.txt") do
    local name, hash = line:match("^([^:]+):(.+)$")
    if name == user then
      if crypto.bcrypt_verify(hash, password) then return { root = "/" } end
      return false
    end
  end
end)

ftp.site("HITS", function(ev)
  return ftp.reply(200, "hits " .. kv.incr("hits"))
end)

ftp.site("WHO", function(ev)
  return ftp.reply(200, json.encode({ user = ev.session.user, epoch = time.format(0) }))
end)

ftp.site("FETCH", function(ev)
  local res, err = http.get(file.read("url.txt") .. ev.arg)
  if not res then return ftp.reply(450, err) end
  log.info("fetched", { status = res.status })
  return ftp.reply(200, res.status .. " " .. res.body)
end)
`

// modServer serves a memory FS with scripts (plus data files) on
// 127.0.0.1 and returns its address.
func modServer(t *testing.T, files map[string]string) string {
	t.Helper()
	e, _ := newTestEngine(t, files, func(o *Options) { o.HookTimeout = 300 * time.Millisecond })
	srv := &core.Server{FS: vfs.NewMem(), Hooks: e, Logger: slog.New(slog.DiscardHandler)}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return l.Addr().String()
}

// ftpCmd sends a command and returns the reply as "CODE text".
func ftpCmd(t *testing.T, c *textproto.Conn, format string, args ...any) string {
	t.Helper()
	id, err := c.Cmd(format, args...)
	if err != nil {
		t.Fatal(err)
	}
	c.StartResponse(id)
	defer c.EndResponse(id)
	code, msg, err := c.ReadResponse(0)
	if err != nil && code == 0 {
		t.Fatal(err)
	}
	return strings.TrimSpace(strconv.Itoa(code) + " " + msg)
}

func TestModulesThroughTheServer(t *testing.T) {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			<-r.Context().Done()
			return
		}
		w.Write([]byte("pong " + r.URL.Path))
	}))
	t.Cleanup(api.Close)
	hash, _ := bcrypt.GenerateFromPassword([]byte("wonderland"), 4)
	addr := modServer(t, map[string]string{
		"10-modules.lua": modulesScript,
		"data/users.txt": "bob:" + string(hash[:20]) + "\nalice:" + string(hash) + "\n",
		"data/url.txt":   api.URL,
	})
	c, err := textproto.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, _, err := c.ReadResponse(220); err != nil {
		t.Fatal(err)
	}
	steps := []struct{ cmd, want string }{
		{"USER alice", "331"},
		{"PASS nope", "530"},
		{"USER alice", "331"},
		{"PASS wonderland", "230"},
		{"SITE HITS", "200 hits 1"},
		{"SITE HITS", "200 hits 2"},
		{"SITE WHO", `200 {"epoch":"1970-01-01T00:00:00Z","user":"alice"}`},
		{"SITE FETCH /ping", "200 200 pong /ping"},
	}
	for _, s := range steps {
		got := ftpCmd(t, c, "%s", s.cmd)
		if !strings.HasPrefix(got, s.want) || (len(s.want) > 3 && got != s.want) {
			t.Fatalf("%s: got %q, want %q", s.cmd, got, s.want)
		}
	}
	// A backend slower than the hook's budget costs the budget, not more:
	// the request ends with it and the client gets 451.
	start := time.Now()
	got := ftpCmd(t, c, "SITE FETCH /slow")
	if took := time.Since(start); took > 3*time.Second {
		t.Fatalf("SITE FETCH /slow took %v", took)
	}
	t.Logf("SITE FETCH /slow: %q after %v", got, time.Since(start))
	if !strings.HasPrefix(got, "451") {
		t.Fatalf("SITE FETCH /slow: got %q, want 451", got)
	}
	if got := ftpCmd(t, c, "SITE HITS"); got != "200 hits 3" {
		t.Fatalf("after the timeout: %q", got)
	}
}

// The store belongs to the engine, not to a set of scripts: a reload that
// replaces every script and state keeps its contents.
func TestKVSurvivesReload(t *testing.T) {
	script := func(tag string) string {
		return `local kv = require("kv")
ftp.before("NOOP", function() return ftp.reply(200, "` + tag + ` " .. kv.incr("n")) end)`
	}
	dir := t.TempDir()
	writeScripts(t, dir, map[string]string{"10-n.lua": script("old")})
	e, err := New(Options{Dir: dir, Stock: fstest.MapFS{}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	noop := func() string {
		r, err := e.Before(t.Context(), &core.Event{Command: "NOOP", Session: &core.Session{}})
		if err != nil || r == nil {
			t.Fatalf("NOOP: %v %v", r, err)
		}
		return strconv.Itoa(r.Code) + " " + r.Message()
	}
	if got := noop() + "; " + noop(); got != "200 old 1; 200 old 2" {
		t.Fatalf("before the reload: %s", got)
	}
	writeScripts(t, dir, map[string]string{"10-n.lua": script("new")})
	if err := e.Reload(); err != nil {
		t.Fatal(err)
	}
	if got := noop(); got != "200 new 3" {
		t.Fatalf("after the reload: %s", got)
	}
}
