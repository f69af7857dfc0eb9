package examples_test

import (
	"path/filepath"
	"testing"
)

// TestContractArgRewrite runs the ev.arg example of hooks/README.md
// ("cd ~" goes to the root), here to a folder so that the change shows:
// HOOKS.md says the command runs with the new argument.
func TestContractArgRewrite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "10-tilde.lua"), `
ftp.before("CWD", function(ev)
  if ev.arg == "~" then ev.arg = "/home" end
end)
ftp.before("SIZE", function(ev)
  if ev.arg == "latest" then ev.arg = "/home/f.txt" end
end)`)
	srv := startScripts(t, dir, setup{
		users: map[string]string{"alice": "a"},
		files: map[string]string{"home/f.txt": "12345"},
	})
	c := srv.login(t, "alice", "a")
	c.Is(213, "5", "SIZE latest")
	c.Cmd(250, "CWD ~")
	c.Is(257, `"/home" is the current directory.`, "PWD")
}
