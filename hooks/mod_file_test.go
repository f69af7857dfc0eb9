package hooks

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, name, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestFileRead(t *testing.T) {
	env, _ := modTestEnv(t)
	writeFile(t, filepath.Join(env.dataDir, "users.txt"), "alice\nbob\r\n\ncarol")
	writeFile(t, filepath.Join(env.dataDir, "lists", "allow.txt"), "10.0.0.1\n")
	if err := os.Symlink("users.txt", filepath.Join(env.dataDir, "alias")); err != nil {
		t.Fatal(err)
	}
	L := modState(t, env)
	modEval(t, L, `file = require("file")`)
	modCheck(t, L, []modCase{
		{`return file.read("users.txt")`, []string{"alice\nbob\r\n\ncarol"}},
		{`return file.read("lists/allow.txt"), file.read("./lists//allow.txt")`, []string{"10.0.0.1\n", "10.0.0.1\n"}},
		{`local out = {}; for l in file.lines("users.txt") do out[#out + 1] = "[" .. l .. "]" end
		  return table.concat(out, ",")`, []string{"[alice],[bob],[],[carol]"}},
		{`local n = 0; for l in file.lines("lists/allow.txt") do n = n + 1 end; return n`, []string{"1"}},
		// A symlink that stays inside the folder is followed.
		{`return file.read("alias")`, []string{"alice\nbob\r\n\ncarol"}},
	})
}

func TestFileRefusesEscapes(t *testing.T) {
	env, _ := modTestEnv(t)
	outside := filepath.Join(t.TempDir(), "secret.txt")
	writeFile(t, outside, "secret")
	writeFile(t, filepath.Join(env.dataDir, "big"), strings.Repeat("x", maxDataFile+1))
	if err := os.Symlink(outside, filepath.Join(env.dataDir, "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Dir(outside), filepath.Join(env.dataDir, "dirlink")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(env.dataDir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	L := modState(t, env)
	modEval(t, L, `file = require("file")`)
	cases := []struct{ name, want string }{
		{"../secret.txt", `file.read: "../secret.txt": ".." is not allowed`},
		{"sub/../../x", `file.read: "sub/../../x": ".." is not allowed`},
		{"/etc/passwd", `file.read: "/etc/passwd": the name must be relative to the data folder`},
		{"", `file.read: "": the name must be relative to the data folder`},
		{"link", `file.read: "link": path escapes from parent`},
		{"dirlink/secret.txt", `file.read: "dirlink/secret.txt": path escapes from parent`},
		{"missing", `file.read: "missing": no such file`},
		{"sub", `file.read: "sub": not a regular file`},
		{"big", `file.read: "big": larger than 4194304 bytes`},
	}
	for _, c := range cases {
		got := modStrings(t, L, `return file.read("`+c.name+`")`)
		wantStrings(t, c.name, got, "nil", c.want)
		if strings.Contains(got[1], env.dataDir) {
			t.Fatalf("%s: the message names the data folder: %s", c.name, got[1])
		}
	}
	wantStrings(t, "lines", modStrings(t, L, `return file.lines("link")`), "nil", `file.lines: "link": path escapes from parent`)
}

func TestFileWithoutDataFolder(t *testing.T) {
	env, _ := modTestEnv(t)
	env.dataDir = ""
	L := modState(t, env)
	wantStrings(t, "no dir", modStrings(t, L, `return require("file").read("x")`), "nil", "file.read: there is no data folder")
	env.dataDir = filepath.Join(t.TempDir(), "absent")
	wantStrings(t, "absent", modStrings(t, L, `return require("file").read("x")`), "nil", "file.read: there is no data folder")
}
