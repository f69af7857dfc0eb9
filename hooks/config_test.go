package hooks

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func writeConfig(t *testing.T, src string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "luaftpd.lua")
	if err := os.WriteFile(p, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadConfigValues(t *testing.T) {
	p := writeConfig(t, `
local base = "/srv/"
return {
  listen = ":21",
  root = base .. string.upper("ftp"),
  max_sessions = math.max(10, 20),
  anonymous = false,
  require_tls = true,
  users = { "alice:pw", { name = "bob", password = "s3", root = "bob" } },
  empty = {},
}`)
	got, err := LoadConfig(p)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"listen":       ":21",
		"root":         "/srv/FTP",
		"max_sessions": float64(20),
		"anonymous":    false,
		"require_tls":  true,
		"users": []any{
			"alice:pw",
			map[string]any{"name": "bob", "password": "s3", "root": "bob"},
		},
		"empty": map[string]any{},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v\nwant %#v", got, want)
	}
}

func TestLoadConfigErrors(t *testing.T) {
	cases := []struct {
		name, src, want string
	}{
		{"syntax", "return {", "luaftpd.lua at EOF:   syntax error"},
		{"runtime", "error('no way')", "no way"},
		{"not a table", "return 42", "must return a table"},
		{"nothing", "local x = 1", "must return a table"},
		{"list at top", "return {1, 2}", "table of named keys"},
		{"mixed", "return {users = {'a', x = 1}}", "users: a table must be a list"},
		{"function value", "return {f = function() end}", "f: a function"},
		{"sparse list", "return {l = {[1] = 'a', [3] = 'c'}}", "l: a table"},
		{"cycle", "local t = {} t.t = t return {t = t}", "nested deeper"},
		{"global io", "return {x = io.open('/etc/passwd')}", "luaftpd.lua:1: attempt to index a non-table object(nil) with key 'open'"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := LoadConfig(writeConfig(t, c.src))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, c.want)
			}
		})
	}
}

// TestLoadConfigSandbox checks that a config file sees exactly the libraries
// it is meant to: nothing that reads files, runs code or leaves the state.
func TestLoadConfigSandbox(t *testing.T) {
	p := writeConfig(t, `
local names = {"io", "os", "require", "module", "load", "loadstring", "dofile",
  "loadfile", "setfenv", "getfenv", "print", "_printregs", "newproxy",
  "collectgarbage", "debug", "package", "coroutine", "channel",
  "string", "table", "math", "pairs", "pcall", "tostring", "_G"}
local t = {}
for _, n in ipairs(names) do t[n] = type(_G[n]) end
t.rep = string.rep("ab", 2)
t.concat = table.concat({"a", "b"}, ",")
t.floor = math.floor(2.5)
t.method = ("x"):upper()
return t`)
	got, err := LoadConfig(p)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"string": "table", "table": "table", "math": "table", "pairs": "function",
		"pcall": "function", "tostring": "function", "_G": "table",
		"rep": "abab", "concat": "a,b", "floor": float64(2), "method": "X",
	}
	for _, n := range []string{"io", "os", "require", "module", "load", "loadstring",
		"dofile", "loadfile", "setfenv", "getfenv", "print", "_printregs", "newproxy",
		"collectgarbage", "debug", "package", "coroutine", "channel"} {
		want[n] = "nil"
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v\nwant %#v", got, want)
	}
}

func TestLoadConfigMissingFile(t *testing.T) {
	_, err := LoadConfig(filepath.Join(t.TempDir(), "nope.lua"))
	if !os.IsNotExist(err) {
		t.Fatalf("err = %v, want not-exist", err)
	}
}

func TestLoadConfigEndlessLoop(t *testing.T) {
	defer func(d time.Duration) { configTimeout = d }(configTimeout)
	configTimeout = 200 * time.Millisecond
	start := time.Now()
	_, err := LoadConfig(writeConfig(t, "while true do end"))
	if err == nil {
		t.Fatal("an endless loop loaded")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("stopped after %v", d)
	}
}
