package hooks

import (
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"
)

func compileLua(t *testing.T, name, src string) {
	t.Helper()
	chunk, err := parse.Parse(strings.NewReader(src), name)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if _, err := lua.Compile(chunk, name); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func readDoc(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// moduleMembers lists "mod.name" for every member of every Go module, as
// a script sees them, with whether it is a function.
func moduleMembers(t *testing.T) map[string]bool {
	env, _ := modTestEnv(t)
	L := modState(t, env)
	members := map[string]bool{}
	for name := range modules(env) {
		mod := modEval(t, L, `return require("`+name+`")`)[0].(*lua.LTable)
		mod.ForEach(func(k, v lua.LValue) {
			members[name+"."+k.String()] = v.Type() == lua.LTFunction
		})
	}
	return members
}

// The annotation file is valid Lua (gopher-lua parses it) and declares
// every member of every module, so editors complete all of them.
func TestMetaFileCoversTheAPI(t *testing.T) {
	meta := readDoc(t, "luaftpd.meta.lua")
	compileLua(t, "luaftpd.meta.lua", meta)
	if !strings.HasPrefix(meta, "---@meta\n") {
		t.Fatal("luaftpd.meta.lua does not start with ---@meta")
	}
	for member, isFunc := range moduleMembers(t) {
		want := member + " ="
		if isFunc {
			want = "function " + member + "("
		}
		if !strings.Contains(meta, want) {
			t.Errorf("luaftpd.meta.lua lacks %q", want)
		}
	}
	for _, want := range append(ftpAPI("function ftp.", "("), "function Event:send(", "function Session:get(",
		"function Session:set(", "---@class luaftpd.Result", "---@field command string", "---@field remote_ip string",
		"---@field seconds number") {
		if !strings.Contains(meta, want) {
			t.Errorf("luaftpd.meta.lua lacks %q", want)
		}
	}
}

func ftpAPI(prefix, suffix string) []string {
	var out []string
	for _, f := range []string{"before", "after", "auth", "site", "command", "on", "deny", "reply"} {
		out = append(out, prefix+f+suffix)
	}
	return out
}

// The reference documents every member of every module and of HOOKS.md,
// with a heading of its own, and each of its Lua examples compiles.
func TestReadmeCoversTheAPI(t *testing.T) {
	readme := readDoc(t, "README.md")
	var missing []string
	for member, isFunc := range moduleMembers(t) {
		want := "### " + member
		if isFunc {
			want += "("
		}
		if !strings.Contains(readme, want) && !strings.Contains(readme, "· "+member+"(") && !strings.Contains(readme, want[:len(want)-1]+"{") {
			missing = append(missing, want)
		}
	}
	want := ftpAPI("ftp.", "(")
	for _, f := range []string{"command", "arg", "path", "session", "bytes", "ok"} {
		want = append(want, "`ev."+f+"`")
	}
	for _, f := range []string{"code", "message", "bytes", "seconds", "error", "path"} {
		want = append(want, "`result."+f+"`")
	}
	for _, f := range []string{"id", "user", "remote_ip", "tls", "cwd", "root"} {
		want = append(want, "`s."+f+"`")
	}
	want = append(want, "`ev:send(text)`", "`s:get(key)`", "`s:set(key, value)`", "\n## Benchmarks\n")
	for _, w := range want {
		if !strings.Contains(readme, w) {
			missing = append(missing, w)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("README.md lacks %q", missing)
	}
	blocks := regexp.MustCompile("(?s)```lua\n(.*?)```").FindAllStringSubmatch(readme, -1)
	if len(blocks) < 30 {
		t.Fatalf("README.md has only %d Lua examples", len(blocks))
	}
	for i, b := range blocks {
		compileLua(t, fmt.Sprintf("README example %d", i+1), b[1])
	}
}

// Each function of the meta file documents exactly its parameters, so the
// editor's hints cannot drift from the signatures.
func TestMetaParamsMatchSignatures(t *testing.T) {
	fnRe := regexp.MustCompile(`^function ([\w.:]+)\((.*)\) end$`)
	paramRe := regexp.MustCompile(`^---@param (\w+)\??\s`)
	var params []string
	checked := 0
	for i, line := range strings.Split(readDoc(t, "luaftpd.meta.lua"), "\n") {
		if m := paramRe.FindStringSubmatch(line); m != nil {
			params = append(params, m[1])
			continue
		}
		m := fnRe.FindStringSubmatch(line)
		if m == nil {
			if !strings.HasPrefix(line, "---") {
				params = nil
			}
			continue
		}
		var want []string
		for _, p := range strings.Split(m[2], ",") {
			if p = strings.TrimSpace(p); p != "" {
				want = append(want, p)
			}
		}
		if strings.Join(params, ",") != strings.Join(want, ",") {
			t.Errorf("line %d: %s has @param %v, want %v", i+1, m[1], params, want)
		}
		params = nil
		checked++
	}
	if checked < 30 {
		t.Fatalf("checked only %d functions", checked)
	}
}
