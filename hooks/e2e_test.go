package hooks

import (
	"crypto/tls"
	"fmt"
	"github.com/luaftpd/luaftpd/scripts"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/luaftpd/luaftpd/core"
)

const errText = "Requested action aborted: local error in processing."

// ftp.before: nil goes on, ftp.deny stops the command with its reply,
// ftp.reply answers in place of the built-in.
func TestE2EBefore(t *testing.T) {
	x := startE2E(t, map[string]string{"10-guard.lua": `
ftp.before("DELE", function(ev)
  if ev.arg:match("%.keep$") then return ftp.deny(550, "Keep files stay: " .. ev.path) end
end)
ftp.before("MKD", function(ev) return ftp.reply(257, '"' .. ev.path .. '" pretended') end)
`})
	x.writeFile(t, "a.keep", "k")
	x.writeFile(t, "b.txt", "b")
	c := x.login(t)
	c.Is(550, "Keep files stay: /a.keep", "DELE a.keep")
	c.Is(250, "File deleted.", "DELE b.txt")
	c.Is(257, `"/newdir" pretended`, "MKD newdir")
	if _, err := os.Stat(filepath.Join(x.root, "a.keep")); err != nil {
		t.Error("a denied DELE ran")
	}
	if _, err := os.Stat(filepath.Join(x.root, "newdir")); err == nil {
		t.Error("the built-in MKD ran after ftp.reply")
	}
}

// ev.arg and ev.path are writable: the command runs on the new values.
func TestE2ERewrite(t *testing.T) {
	x := startE2E(t, map[string]string{"10-rw.lua": `
ftp.before("MKD", function(ev) ev.path = "/made/" .. ev.arg:upper() end)
ftp.before("RETR", function(ev) if ev.arg == "escape" then ev.path = "/../../../etc/passwd" end end)
ftp.before("CWD", function(ev) ev.path = "../../.." end)
`})
	os.Mkdir(filepath.Join(x.root, "made"), 0o755)
	x.writeFile(t, "etc/passwd", "inside the root\n")
	c := x.login(t)
	c.Is(257, `"/made/ABC" created.`, "MKD abc")
	if fi, err := os.Stat(filepath.Join(x.root, "made", "ABC")); err != nil || !fi.IsDir() {
		t.Errorf("MKD did not act on the rewritten path: %v", err)
	}
	if got := c.Retrieve("RETR escape"); got != "inside the root\n" {
		t.Errorf("RETR with a path rewritten to /../../../etc/passwd read %q", got)
	}
	c.Cmd(250, "CWD anywhere")
	c.Is(257, `"/" is the current directory.`, "PWD")
}

// ftp.after sees the result after the reply went out.
func TestE2EAfter(t *testing.T) {
	x := startE2E(t, map[string]string{"10-after.lua": `
local log = require("log")
ftp.after("RETR", function(ev, r)
  log.info("after", {code = r.code, msg = r.message, bytes = r.bytes, path = r.path,
    err = r.error or "none", fast = r.seconds < 5, user = ev.session.user})
end)
ftp.after("*", function(ev, r)
  if ev.command == "SIZE" then log.info("after size", {code = r.code, err = r.error}) end
end)`})
	x.writeFile(t, "f.bin", "12345")
	c := x.login(t)
	if got := c.Retrieve("RETR f.bin"); got != "12345" {
		t.Fatalf("RETR: %q", got)
	}
	c.Cmd(550, "SIZE nothing")
	got := x.waitLog(t, "msg=\"after size\"")
	wantContains(t, "log", got,
		`msg=after script=10-after.lua session=`,
		`bytes=5 code=226 err=none fast=true msg="Transfer complete." path=/f.bin user=alice`,
		`msg="after size" script=10-after.lua session=`, `code=550 err="No such file or directory."`)
}

// ftp.auth: a table logs in (root, home, readonly), false and ftp.deny
// refuse without asking anyone else, nil passes to the built-in users, an
// error is a 530.
func TestE2EAuth(t *testing.T) {
	x := startE2E(t, map[string]string{"10-auth.lua": `
ftp.auth(function(user, pass, s)
  if s.user ~= nil then error("user set before login") end
  if user == "bob" and pass == "pw" then return {root = "/bob", home = "/in", readonly = true} end
  if user == "bob" then return false end
  if user == "alice" and pass == "blocked" then return ftp.deny(530, "Alice\r\nis blocked") end
  if user == "boom" then error("database down") end
end)`})
	os.MkdirAll(filepath.Join(x.root, "bob", "in"), 0o755)
	x.writeFile(t, "bob/in/hello.txt", "hi bob")
	c := x.dial(t)
	c.Cmd(331, "USER bob")
	c.Is(230, "User bob logged in.", "PASS pw")
	c.Is(257, `"/in" is the current directory.`, "PWD")
	if got := c.Retrieve("RETR hello.txt"); got != "hi bob" {
		t.Errorf("bob's root: RETR gave %q", got)
	}
	c.Cmd(550, "MKD nope")

	c = x.dial(t)
	c.Cmd(331, "USER bob")
	c.Is(530, "Login incorrect.", "PASS wrong")
	c.Cmd(331, "USER alice")
	c.Is(530, "Aliceis blocked", "PASS blocked")
	c.Cmd(331, "USER alice")
	c.Is(230, "User alice logged in.", "PASS secret")

	c = x.dial(t)
	c.Cmd(331, "USER boom")
	c.Is(530, "Login incorrect.", "PASS x")
	wantContains(t, "log", x.logs.String(), "script=10-auth.lua line=7", "database down")
	if strings.Contains(x.logs.String(), "pw") && strings.Contains(x.logs.String(), "password") {
		t.Error("a password reached the log")
	}
}

// ftp.site: SITE NAME args runs the handler with ev.arg = args; SITE HELP
// lists it; nil means 200.
func TestE2ESite(t *testing.T) {
	x := startE2E(t, map[string]string{"10-site.lua": `
ftp.site("ECHO", function(ev) return ftp.reply(200, "echo: " .. ev.arg) end, {help = "ECHO <text>"})
ftp.site("NOTHING", function(ev) end)
ftp.site("WHO", function(ev)
  local s = ev.session
  return ftp.reply(200, table.concat({s.id ~= "" and "id" or "noid", s.user, s.remote_ip, tostring(s.tls), s.cwd, s.root}, " "))
end)`})
	c := x.login(t)
	c.Is(200, "echo: hello  world", "SITE ECHO hello  world")
	c.Is(200, "echo: x", "SITE echo x")
	c.Is(200, "Command okay.", "SITE NOTHING")
	c.Is(200, "id alice 127.0.0.1 false / /", "SITE WHO")
	c.Is(214, "SITE commands:\n CHMOD <mode> <path>\n HELP\n UTIME YYYYMMDDhhmm[ss] <path>\n ECHO <text>\n NOTHING\n WHO\nEnd.", "SITE HELP")
	c.Is(500, "SITE UNKNOWN not understood.", "SITE UNKNOWN")
}

// ftp.command: a new verb, with opts.auth, opts.feat and opts.help, shown
// by FEAT and HELP; ev:send answers over the data connection.
func TestE2ECommand(t *testing.T) {
	x := startE2E(t, map[string]string{"10-cmd.lua": `
ftp.command("XTIM", function(ev) return ftp.reply(213, "20260101000000") end,
  {auth = false, feat = "XTIM", help = "XTIM (server time)"})
ftp.command("XLS", function(ev)
  local ok, err = ev:send("one\r\ntwo " .. ev.arg .. "\r\n")
  if not ok then error(err) end
end, {help = "XLS <word>"})
ftp.command("XNIL", function(ev) end)
ftp.command("SYST", function(ev) return ftp.reply(215, "UNIX Type: L8 (scripted)") end, {auth = false})
`})
	c := x.dial(t)
	c.Is(213, "20260101000000", "XTIM")
	c.Is(215, "UNIX Type: L8 (scripted)", "SYST")
	c.Cmd(530, "XLS")
	c.Cmd(331, "USER alice")
	c.Cmd(230, "PASS secret")
	if got := c.Retrieve("XLS three"); got != "one\r\ntwo three\r\n" {
		t.Errorf("XLS sent %q", got)
	}
	c.Is(200, "Command okay.", "XNIL")
	c.Cmd(200, "NOOP") // nothing more was queued after the 226
	feat := c.Cmd(211, "FEAT")
	wantContains(t, "FEAT", feat, "\n XTIM\n")
	help := c.Cmd(214, "HELP")
	wantContains(t, "HELP", help, "XLS", "XNIL", "XTIM")
	c.Is(214, "Syntax: XTIM (server time)", "HELP XTIM")
	c.Is(214, "Syntax: XLS <word>", "HELP xls")
}

// ev:send without a prepared data connection gets 425 from the server.
func TestE2ESendWithoutDataConnection(t *testing.T) {
	x := startE2E(t, map[string]string{"10-cmd.lua": `
ftp.site("LS", function(ev)
  local ok, err = ev:send("x")
  require("log").info("send", {ok = ok or false})
end)`})
	c := x.login(t)
	got, _, _ := func() (int, string, error) { c.PrintfLine("SITE LS"); return c.ReadResponse(0) }()
	if got != 425 {
		t.Errorf("SITE LS without EPSV: code %d, want 425", got)
	}
	c.Cmd(200, "NOOP")
	x.waitLog(t, "msg=send script=10-cmd.lua")
}

// ftp.on: connect replaces the banner or refuses, login refuses, and the
// observers see login_failed, upload, download and disconnect.
func TestE2EEvents(t *testing.T) {
	x := startE2E(t, map[string]string{"10-events.lua": `
local log = require("log")
ftp.on("connect", function(ev)
  if ev.session:get("x") == nil and ev.session.remote_ip == "127.0.0.1" then
    return ftp.reply(220, "Welcome, " .. ev.session.remote_ip)
  end
end)
ftp.on("login", function(ev) if ev.session.user == "alice" and ev.arg == "alice" then return nil end return ftp.deny(530, "no") end)
ftp.on("login_failed", function(ev) log.info("failed", {user = ev.arg}) end)
ftp.on("upload", function(ev) log.info("up", {path = ev.path, bytes = ev.bytes, ok = ev.ok, cmd = ev.command}) end)
ftp.on("download", function(ev) log.info("down", {path = ev.path, bytes = ev.bytes, ok = ev.ok}) end)
ftp.on("disconnect", function(ev) log.info("bye", {user = ev.session.user}) end)
`})
	c := x.dialRaw(t)
	if got := c.Expect(220); got != "Welcome, 127.0.0.1" {
		t.Errorf("banner %q", got)
	}
	c.Cmd(331, "USER nobody")
	c.Cmd(530, "PASS x")
	c.Cmd(331, "USER alice")
	c.Cmd(230, "PASS secret")
	c.Store("up.txt", "hello")
	if got := c.Retrieve("RETR up.txt"); got != "hello" {
		t.Errorf("RETR %q", got)
	}
	c.Cmd(221, "QUIT")
	got := x.waitLog(t, "msg=bye")
	wantContains(t, "log", got, "msg=failed", "user=nobody",
		"msg=up script=10-events.lua", "bytes=5 cmd=STOR ok=true path=/up.txt",
		"msg=down script=10-events.lua", "bytes=5 ok=true path=/up.txt",
		"msg=bye script=10-events.lua", "user=alice")
}

func TestE2EConnectRefused(t *testing.T) {
	x := startE2E(t, map[string]string{"10-c.lua": `
ftp.on("connect", function(ev) return ftp.deny(421, "Go away\nnow") end)`})
	c := x.dialRaw(t)
	if got := c.Expect(421); got != "Go awaynow" {
		t.Errorf("refusal %q", got)
	}
}

func TestE2ELoginRefused(t *testing.T) {
	x := startE2E(t, map[string]string{"10-l.lua": `
ftp.on("login", function(ev) return ftp.deny(530, "Not today, " .. ev.session.user) end)`})
	c := x.dial(t)
	c.Cmd(331, "USER alice")
	c.Is(530, "Not today, alice", "PASS secret")
	c.Cmd(530, "PWD")
}

// Priorities: higher first, ties in script order; the first decision ends
// the chain.
func TestE2EPriority(t *testing.T) {
	x := startE2E(t, map[string]string{
		"10-a.lua": `ftp.before("RMD", function(ev) return ftp.deny(550, "a") end)`,
		"20-b.lua": `ftp.before("RMD", function(ev) return ftp.deny(550, "b") end, {priority = 5})
ftp.before("*", function(ev) if ev.command == "RMD" then return ftp.deny(550, "star") end end, {priority = 1})`,
	})
	c := x.login(t)
	c.Is(550, "b", "RMD x")
}

// A failing handler costs its command a 451 (auth: 530) with no script
// text; the log names script, line and session; the session goes on.
func TestE2EFailureContained(t *testing.T) {
	x := startE2E(t, map[string]string{"10-bad.lua": `
ftp.before("MKD", function(ev)
  error("secret: /etc/shadow")
end)
ftp.before("RMD", function(ev) return 42 end)
ftp.before("DELE", function(ev) return ftp.deny(550, "a\r\nb\0c") end)
ftp.site("SPIN", function(ev) while true do end end)
`})
	c := x.login(t)
	c.Is(451, errText, "MKD x")
	c.Is(451, errText, "RMD x")
	c.Is(550, "abc", "DELE x")
	c.Is(451, errText, "SITE SPIN")
	c.Is(200, "NOOP ok.", "NOOP")
	log := x.logs.String()
	wantContains(t, "log", log, "script=10-bad.lua line=3", "secret: /etc/shadow",
		"script=10-bad.lua line=5", "returned a number",
		"script=10-bad.lua line=7", "time budget", "session=")
}

// One session spinning in a hook does not slow down another.
func TestE2ESpinningSessionIsolated(t *testing.T) {
	x := startE2E(t, map[string]string{"10-spin.lua": `
ftp.site("SPIN", function(ev) require("log").info("spinning") ; while true do end end)`},
		func(o *Options) { o.HookTimeout = 2 * time.Second })
	spinner := x.login(t)
	other := x.login(t)
	if err := spinner.PrintfLine("SITE SPIN"); err != nil {
		t.Fatal(err)
	}
	x.waitLog(t, "msg=spinning")
	for range 5 {
		start := time.Now()
		other.Is(200, "NOOP ok.", "NOOP")
		if d := time.Since(start); d > 300*time.Millisecond {
			t.Errorf("NOOP took %v while another session spun", d)
		}
	}
	if got := spinner.Expect(451); got != errText {
		t.Errorf("spinner got %q", got)
	}
}

// A rewritten arg with a forbidden character is refused in Lua (451).
func TestE2EBadRewrite(t *testing.T) {
	x := startE2E(t, map[string]string{"10-rw.lua": `
ftp.before("MKD", function(ev) ev.arg = "a\r\nDELE b" end)
ftp.before("RMD", function(ev) ev.path = 5 end)`})
	c := x.login(t)
	c.Is(451, errText, "MKD x")
	c.Is(451, errText, "RMD x")
	wantContains(t, "log", x.logs.String(), "must not contain CR, LF or NUL", "ev.path must be a string")
}

// Reload swaps in new scripts at once; a broken edit keeps the old set and
// logs one error naming every failing file with its line.
func TestE2EReload(t *testing.T) {
	x := startE2E(t, map[string]string{"10-a.lua": `ftp.site("V", function() return ftp.reply(200, "one") end)`})
	c := x.login(t)
	c.Is(200, "one", "SITE V")
	writeScripts(t, x.scripts, map[string]string{"10-a.lua": `ftp.site("V", function() return ftp.reply(200, "two") end)`})
	if err := x.eng.Reload(); err != nil {
		t.Fatal(err)
	}
	c.Is(200, "two", "SITE V")
	writeScripts(t, x.scripts, map[string]string{
		"10-a.lua": "ftp.site('V', function() return ftp.reply(200, 'three') end)\nx = = 1",
		"20-b.lua": "\n\nerror('b is broken')",
	})
	err := x.eng.Reload()
	if err == nil {
		t.Fatal("a broken reload succeeded")
	}
	c.Is(200, "two", "SITE V")
	if got, want := err.Error(), "2 errors: 10-a.lua:2: syntax error near '='; 20-b.lua:3: b is broken"; got != want {
		t.Errorf("Reload error:\n got  %s\n want %s", got, want)
	}
}

// ev.path: the current folder for LIST without an argument, the target
// for RNTO.
func TestE2EPaths(t *testing.T) {
	x := startE2E(t, map[string]string{"10-p.lua": `
ftp.before("LIST", function(ev) return ftp.deny(550, "list " .. ev.path) end)
ftp.before("RNTO", function(ev) return ftp.deny(553, "to " .. ev.path) end)`})
	os.Mkdir(filepath.Join(x.root, "sub"), 0o755)
	x.writeFile(t, "sub/a", "a")
	c := x.login(t)
	c.Cmd(250, "CWD sub")
	c.Is(550, "list /sub", "LIST")
	c.Is(550, "list /x", "LIST ../x")
	c.Cmd(350, "RNFR a")
	c.Is(553, "to /b", "RNTO ../b")
}

// s.tls is true once the control channel is protected.
func TestE2ESessionTLS(t *testing.T) {
	cfg, err := core.SelfSignedTLSConfig("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	x := startE2EWith(t, map[string]string{"10-t.lua": `
ftp.site("TLS", function(ev) return ftp.reply(200, tostring(ev.session.tls)) end)`},
		func(srv *core.Server) { srv.TLSConfig = cfg })
	c := x.login(t)
	c.Is(200, "false", "SITE TLS")
	c = x.dial(t)
	c.Cmd(234, "AUTH TLS")
	tc := tls.Client(c.NC, &tls.Config{InsecureSkipVerify: true})
	c.Conn = textproto.NewConn(tc)
	c.Cmd(331, "USER alice")
	c.Cmd(230, "PASS secret")
	c.Is(200, "true", "SITE TLS")
}

// The stock transfer log, as shipped, over real transfers.
func TestE2EStockTransferLog(t *testing.T) {
	x := startE2E(t, nil, func(o *Options) { o.Stock = scripts.FS() })
	c := x.login(t)
	c.Store("in.bin", "0123456789")
	if got := c.Retrieve("RETR in.bin"); got != "0123456789" {
		t.Fatalf("RETR %q", got)
	}
	log := x.waitLog(t, "kind=download")
	wantContains(t, "log", log,
		"msg=transfer script=20-transfer-log.lua session=1 bytes=10 kind=upload ok=true path=/in.bin user=alice",
		"msg=transfer script=20-transfer-log.lua session=1 bytes=10 kind=download ok=true path=/in.bin user=alice")
}

// Sessions keep being served, each command on one whole set, while the
// scripts are reloaded under them.
func TestE2EReloadUnderLoad(t *testing.T) {
	script := func(v string) map[string]string {
		return map[string]string{"10-a.lua": `
local kv = require("kv")
ftp.before("*", function(ev) ev.session:set("n", (ev.session:get("n") or 0) + 1) ; kv.incr("calls") end)
ftp.site("V", function(ev) return ftp.reply(200, "` + v + ` " .. ev.session:get("n")) end)`}
	}
	x := startE2E(t, script("a"))
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 20 {
			writeScripts(t, x.scripts, script(string(rune('a'+i%2))))
			if err := x.eng.Reload(); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			c := x.login(t)
			for i := range 40 {
				got := c.Cmd(200, "SITE V")
				if want := fmt.Sprint(i + 3); !strings.HasSuffix(got, " "+want) { // USER and PASS counted too
					errs <- fmt.Errorf("SITE V #%d: %q", i+1, got)
					return
				}
			}
			errs <- nil
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	<-done
}
