package hooks

import (
	"context"
	"github.com/luaftpd/luaftpd/scripts"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/luaftpd/luaftpd/core"
)

func TestLibModules(t *testing.T) {
	e, logs := newTestEngine(t, map[string]string{
		"10-a.lua":         `local u = require("util") ; local d = require("deep.mod") ; ftp.before("NOOP", function() return ftp.reply(200, u.twice(d.x)) end)`,
		"lib/util.lua":     `local M = {} ; function M.twice(s) return s .. s end ; return M`,
		"lib/deep/mod.lua": `return {x = "hi"}`,
	})
	r, err := e.Before(context.Background(), &core.Event{Command: "NOOP"})
	if err != nil || r.Message() != "hihi" {
		t.Errorf("%+v %v\n%s", r, err, logs)
	}
	if len(e.cur.Load().scripts) != 1 {
		t.Errorf("lib files were loaded as scripts: %d", len(e.cur.Load().scripts))
	}
}

func TestBadScripts(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"syntax", map[string]string{"10-a.lua": "ftp.before('NOOP', function()\n  if then\nend)"}, []string{"10-a.lua:2:"}},
		{"load error", map[string]string{"10-a.lua": "local x = 1\nerror('no config')"}, []string{"10-a.lua:2: no config"}},
		{"twice", map[string]string{"10-a.lua": "ftp.site('X', function() end)", "20-b.lua": "\nftp.site('x', function() end)"},
			[]string{"20-b.lua:2:", "ftp.site: X is already registered (10-a.lua:1)"}},
		{"command twice", map[string]string{"10-a.lua": "ftp.command('XA', function() end)\nftp.command('XA', function() end)"},
			[]string{"10-a.lua:2:", "already registered"}},
		{"bad verb", map[string]string{"10-a.lua": "ftp.before('NO OP', function() end)"}, []string{"10-a.lua:1:", "not a command name"}},
		{"bad event", map[string]string{"10-a.lua": "ftp.on('boot', function() end)"}, []string{"unknown event"}},
		{"bad option", map[string]string{"10-a.lua": "ftp.before('NOOP', function() end, {prio = 1})"}, []string{"unknown option"}},
		{"require outside lib", map[string]string{"10-a.lua": "require('io')"}, []string{"10-a.lua:1:", `module "io" not found`}},
		{"lib error", map[string]string{"10-a.lua": "require('m')", "lib/m.lua": "\n\nerror('in lib')"}, []string{"lib/m.lua:3: in lib"}},
		{"lib syntax", map[string]string{"10-a.lua": "ftp.before('NOOP', function() end)", "lib/m.lua": "x ="}, []string{"lib/m.lua"}},
		{"not utf8", map[string]string{"10-a.lua": "-- ok\n-- \xff\xfe\n"}, []string{"10-a.lua:2: not UTF-8"}},
		{"empty", map[string]string{"10-a.lua": " \n"}, []string{"10-a.lua: the file is empty"}},
		{"all listed", map[string]string{"10-a.lua": "x = = 1", "20-b.lua": "error('b')", "30-c.lua": "ftp.before('NOOP', function() end)"},
			[]string{"2 errors: 10-a.lua:1: syntax error near '='; 20-b.lua:1: b"}},
		{"endless load", map[string]string{"10-a.lua": "while true do end"}, []string{"10-a.lua", "time budget"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := loadErr(t, c.files)
			wantContains(t, "error", got, c.want...)
		})
	}
}

func TestMissingFolder(t *testing.T) {
	_, err := New(Options{Dir: t.TempDir() + "/nope"})
	if err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("err = %v", err)
	}
}

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	writeScripts(t, dir, map[string]string{"10-a.lua": "x = = 1", "20-b.lua": "\nerror('b')", "30-ok.lua": "ftp.before('NOOP', function() end)"})
	errs := Check(Options{Dir: dir, Stock: scripts.FS(), Disable: []string{"20-transfer-log.lua"}})
	if len(errs) != 2 {
		t.Fatalf("Check = %v", errs)
	}
	wantContains(t, "first", errs[0].Error(), "10-a.lua:1:")
	wantContains(t, "second", errs[1].Error(), "20-b.lua:2: b")
	if errs := Check(Options{Dir: t.TempDir() + "/nope"}); len(errs) != 1 || !strings.Contains(errs[0].Error(), "does not exist") {
		t.Errorf("Check(missing) = %v", errs)
	}
}

func TestDanglingLink(t *testing.T) {
	dir := t.TempDir()
	writeScripts(t, dir, map[string]string{"10-a.lua": `ftp.before("NOOP", function() end)`})
	if err := os.Symlink("nowhere.lua", filepath.Join(dir, "20-b.lua")); err != nil {
		t.Fatal(err)
	}
	errs := Check(Options{Dir: dir, Stock: scripts.FS(), Disable: []string{"20-transfer-log.lua"}})
	if len(errs) != 1 || errs[0].Error() != "20-b.lua: a link to a file that does not exist" {
		t.Errorf("Check = %v", errs)
	}
}

func TestSendOnlyInCommands(t *testing.T) {
	got, logs := runLua(t, `ev:send("x")`)
	if got != "error" || !strings.Contains(logs.String(), "ev:send is only for ftp.command and ftp.site") {
		t.Errorf("%q\n%s", got, logs)
	}
}

func TestRequireFtp(t *testing.T) {
	got, logs := runLua(t, `local f = require("ftp") ; return f.reply(200, tostring(f == ftp))`)
	if got != "true" {
		t.Errorf("%q\n%s", got, logs)
	}
}

// A file that cannot be read is reported with the others, not alone.
func TestUnreadableReportedWithOthers(t *testing.T) {
	dir := t.TempDir()
	writeScripts(t, dir, map[string]string{"10-a.lua": "x = = 1"})
	if err := os.Symlink("nowhere.lua", filepath.Join(dir, "20-b.lua")); err != nil {
		t.Fatal(err)
	}
	errs := Check(Options{Dir: dir, Stock: scripts.FS(), Disable: []string{"20-transfer-log.lua"}})
	if len(errs) != 2 || !strings.HasPrefix(errs[0].Error(), "10-a.lua:1:") || errs[1].Error() != "20-b.lua: a link to a file that does not exist" {
		t.Errorf("Check = %v", errs)
	}
}
