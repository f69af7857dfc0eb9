package main

import (
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func parse(t *testing.T, args ...string) (*options, error) {
	t.Helper()
	return parseOptions(args, io.Discard, false)
}

func TestDefaults(t *testing.T) {
	t.Chdir(t.TempDir()) // no ./scripts here
	o, err := parse(t)
	if err != nil {
		t.Fatal(err)
	}
	want := options{
		listen: ":2121", root: "./data", maxSessions: 1000, maxSessionsPerIP: 100,
		idleTimeout: 15 * time.Minute, loginFailDelay: time.Second, hookTimeout: time.Second, authTimeout: 5 * time.Second,
		logFormat: "json", logLevel: "info", anonymous: true, set: map[string]bool{},
	}
	if !reflect.DeepEqual(*o, want) {
		t.Fatalf("got %+v\nwant %+v", *o, want)
	}
}

func TestDefaultScriptsFolder(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := os.Mkdir("scripts", 0o755); err != nil {
		t.Fatal(err)
	}
	o, err := parse(t)
	if err != nil || o.scripts != "./scripts" {
		t.Fatalf("scripts = %q, err %v; want ./scripts", o.scripts, err)
	}
	if o, _ := parse(t, "-scripts", ""); o.scripts != "" {
		t.Fatalf("-scripts '' gave %q", o.scripts)
	}
}

func TestLogFormatOnTerminal(t *testing.T) {
	o, err := parseOptions(nil, io.Discard, true)
	if err != nil || o.logFormat != "text" {
		t.Fatalf("log format %q, err %v; want text on a terminal", o.logFormat, err)
	}
}

func TestAnonymousDefault(t *testing.T) {
	cases := []struct {
		args []string
		want bool
	}{
		{nil, true},
		{[]string{"-user", "a:b"}, false},
		{[]string{"-users", "/nonexistent"}, false},
		{[]string{"-user", "a:b", "-anonymous"}, true},
		{[]string{"-anonymous=false"}, false},
	}
	for _, c := range cases {
		o, err := parse(t, c.args...)
		if err != nil || o.anonymous != c.want {
			t.Errorf("%q: anonymous %v, err %v; want %v", c.args, o.anonymous, err, c.want)
		}
	}
}

func TestFlagValues(t *testing.T) {
	o, err := parse(t, "-listen", "127.0.0.1:0", "-user", "alice:pw:/a/../alice",
		"-user", "bob:pw2", "-user", "carol:x:", "-pasv-ports", "50000-50100",
		"-public-host", "192.0.2.7", "-tls-self-signed", "-implicit-listen", ":0",
		"-require-tls", "-max-sessions", "0", "-idle-timeout", "0",
		"-disable-stock", "a.lua, b.lua", "-disable-stock", "c.lua", "-log-level", "debug")
	if err != nil {
		t.Fatal(err)
	}
	wantUsers := userList{{"alice", "pw", "/alice"}, {"bob", "pw2", ""}, {"carol", "x", ""}}
	if !reflect.DeepEqual(o.users, wantUsers) {
		t.Errorf("users %+v, want %+v", o.users, wantUsers)
	}
	if o.pasvPorts != (portRange{50000, 50100}) || o.publicHost != "192.0.2.7" {
		t.Errorf("pasv %v host %q", o.pasvPorts, o.publicHost)
	}
	if !reflect.DeepEqual([]string(o.disableStock), []string{"a.lua", "b.lua", "c.lua"}) {
		t.Errorf("disable-stock %q", o.disableStock)
	}
	if o.anonymous || !o.requireTLS || o.maxSessions != 0 || o.idleTimeout != 0 || o.logLevel != "debug" {
		t.Errorf("options %+v", o)
	}
}

func TestUserRootCannotLeave(t *testing.T) {
	o, err := parse(t, "-user", "eve:pw:../../etc")
	if err != nil || o.users[0].root != "/etc" {
		t.Fatalf("root %q, err %v; want /etc inside -root", o.users[0].root, err)
	}
}

func TestBadFlags(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"-nope"}, "usage printed"},
		{[]string{"serve"}, `unexpected argument "serve"`},
		{[]string{"-max-sessions", "many"}, "usage printed"},
		{[]string{"-max-sessions", "-1"}, "-max-sessions must be 0 or more"},
		{[]string{"-max-sessions-per-ip", "-1"}, "-max-sessions-per-ip must be 0 or more"},
		{[]string{"-idle-timeout", "-1s"}, "-idle-timeout must be 0 or more"},
		{[]string{"-login-fail-delay", "-1s"}, "-login-fail-delay must be 0 or more"},
		{[]string{"-hook-timeout", "0"}, "-hook-timeout must be more than 0"},
		{[]string{"-auth-timeout", "0s"}, "-auth-timeout must be more than 0"},
		{[]string{"-pasv-ports", "50000"}, "usage printed"},
		{[]string{"-pasv-ports", "60000-50000"}, "usage printed"},
		{[]string{"-pasv-ports", "0-10"}, "usage printed"},
		{[]string{"-user", "nopassword"}, "usage printed"},
		{[]string{"-user", ":pw"}, "usage printed"},
		{[]string{"-user", "a:"}, "usage printed"},
		{[]string{"-tls-cert", "c.pem"}, "-tls-cert and -tls-key go together"},
		{[]string{"-tls-key", "k.pem"}, "-tls-cert and -tls-key go together"},
		{[]string{"-tls-cert", "c", "-tls-key", "k", "-tls-self-signed"}, "exclude each other"},
		{[]string{"-implicit-listen", ":990"}, "-implicit-listen needs"},
		{[]string{"-require-tls"}, "-require-tls needs"},
		{[]string{"-log-format", "xml"}, `-log-format "xml": want text or json`},
		{[]string{"-log-level", "loud"}, `-log-level "loud": want debug, info, warn or error`},
		{[]string{"-public-host", "::1"}, "only an IPv4 address"},
		{[]string{"-run-as", "no-such-user-here"}, `-run-as "no-such-user-here"`},
		{[]string{"-config", "/nonexistent/luaftpd.lua"}, "no such file"},
		{[]string{"-listen", "2121"}, `-listen "2121": want HOST:PORT or :PORT`},
		{[]string{"-listen", ":no-such-service"}, "unknown port"},
		{[]string{"-listen", ":70000"}, "invalid port"},
		{[]string{"-listen", ""}, `-listen "": want HOST:PORT`},
		{[]string{"-tls-self-signed", "-implicit-listen", "990"}, `-implicit-listen "990"`},
	}
	for _, c := range cases {
		_, err := parse(t, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err %v, want one containing %q", c.args, err, c.want)
		}
	}
}

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConfigFile(t *testing.T) {
	cfg := writeFile(t, "luaftpd.lua", `return {
  listen = "127.0.0.1:2100",
  root = "/srv/ftp",
  max_sessions = 50,
  ["max-sessions-per-ip"] = 5,
  idle_timeout = 90,
  hook_timeout = "250ms",
  login_fail_delay = 0.5,
  require_tls = true,
  tls_self_signed = true,
  pasv_ports = "40000-40010",
  disable_stock = {"a.lua", "b.lua"},
  users = {"alice:pw:alice", {name = "bob", password = "p:w", root = "/b"}},
}`)
	o, err := parse(t, "-config", cfg, "-listen", ":21")
	if err != nil {
		t.Fatal(err)
	}
	if o.listen != ":21" {
		t.Errorf("listen %q: the command line must win", o.listen)
	}
	wantUsers := userList{{"alice", "pw", "/alice"}, {"bob", "p:w", "/b"}}
	if !reflect.DeepEqual(o.users, wantUsers) {
		t.Errorf("users %+v, want %+v", o.users, wantUsers)
	}
	if o.root != "/srv/ftp" || o.maxSessions != 50 || o.maxSessionsPerIP != 5 ||
		o.idleTimeout != 90*time.Second || o.hookTimeout != 250*time.Millisecond || o.loginFailDelay != 500*time.Millisecond ||
		!o.requireTLS || !o.tlsSelfSigned || o.pasvPorts != (portRange{40000, 40010}) ||
		o.anonymous || strings.Join(o.disableStock, ",") != "a.lua,b.lua" {
		t.Errorf("options %+v", o)
	}
}

func TestConfigUsersCommandLineWins(t *testing.T) {
	cfg := writeFile(t, "c.lua", `return {users = {"alice:pw"}, anonymous = true}`)
	o, err := parse(t, "-config", cfg, "-user", "bob:pw", "-anonymous=false")
	if err != nil {
		t.Fatal(err)
	}
	if len(o.users) != 1 || o.users[0].name != "bob" || o.anonymous {
		t.Fatalf("users %+v anonymous %v", o.users, o.anonymous)
	}
}

func TestConfigUsersFile(t *testing.T) {
	cfg := writeFile(t, "c.lua", `return {users = "/etc/luaftpd.users"}`)
	o, err := parse(t, "-config", cfg)
	if err != nil || o.usersFile != "/etc/luaftpd.users" || o.anonymous {
		t.Fatalf("users file %q anonymous %v err %v", o.usersFile, o.anonymous, err)
	}
}

func TestBadConfig(t *testing.T) {
	cases := []struct{ text, want string }{
		{`return {lisen = ":21"}`, "lisen: unknown option"},
		{`return {max_sessions = "lots"}`, `max_sessions: invalid value "lots"`},
		{`return {max_sessions = 1.5}`, "want a whole number"},
		{`return {anonymous = "maybe"}`, `anonymous: invalid value "maybe"`},
		{`return {users = {42}}`, "users: [1]: a user is a string"},
		{`return {users = {{name = "a"}}}`, "empty password"},
		{`return {users = {{name = "a", password = "b", home = "/"}}}`, "string fields name, password and root"},
		{`return {config = "other.lua"}`, "cannot name another"},
		{`return {root = {}}`, "want a string, number or boolean"},
		{`return {log_format = "xml"}`, "-log-format"},
	}
	for _, c := range cases {
		_, err := parse(t, "-config", writeFile(t, "c.lua", c.text))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want one containing %q", c.text, err, c.want)
		}
	}
}
