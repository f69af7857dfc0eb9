package examples_test

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// tested maps every example folder to the test that runs its scripts on a
// real server. A new example needs a test and a line here.
var tested = map[string]string{
	"users-file":       "TestUsersFile",
	"http-auth":        "TestHTTPAuth",
	"brute-force":      "TestBruteForce",
	"upload-filter":    "TestUploadFilter",
	"incoming-rewrite": "TestIncomingRewrite",
	"site-commands":    "TestSiteCommands",
	"audit-log":        "TestAuditLog",
	"readonly-home":    "TestReadonlyHome",
}

// TestEveryScriptIsTested finds every shipped .lua file and checks that its
// folder is one a test runs, that it says how to use it, and that the
// README describes the folder.
func TestEveryScriptIsTested(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	err = filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".lua") {
			return err
		}
		dir := strings.Split(filepath.ToSlash(p), "/")[0]
		if _, ok := tested[dir]; !ok {
			t.Errorf("%s: no test runs the scripts of %s/", p, dir)
		}
		seen[dir] = true
		text, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if !strings.Contains(string(text), "-- Usage: luaftpd -scripts examples/"+dir) {
			t.Errorf("%s: the header does not say how to use it", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for dir := range tested {
		if !seen[dir] {
			t.Errorf("%s/ has no .lua file", dir)
		}
		if !strings.Contains(string(readme), "\n## "+dir+"\n") {
			t.Errorf("README.md has no section for %s", dir)
		}
	}
}

// TestExamplesLoadAsShipped loads every example folder as it is, as
// `luaftpd check examples/NAME` does.
func TestExamplesLoadAsShipped(t *testing.T) {
	for dir := range tested {
		if _, err := newEngine(dir); err != nil {
			t.Errorf("%s: %v", dir, err)
		}
	}
}

// TestExamplesTogether loads every example into one scripts folder, as the
// README says one may: their names and data files do not clash, and the
// login providers chain in filename order.
func TestExamplesTogether(t *testing.T) {
	t.Parallel()
	var asked atomic.Int32
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		w.WriteHeader(http.StatusNotFound) // no user is the service's
	}))
	t.Cleanup(hs.Close)
	dir := t.TempDir()
	for name := range tested {
		if err := os.CopyFS(dir, os.DirFS(name)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	writeFile(t, filepath.Join(dir, "data", "auth-url.txt"), hs.URL)
	srv := startScripts(t, dir, setup{
		users: map[string]string{"carol": "pw"},
		dirs:  []string{"incoming/carol"},
	})

	// Every script's ftp.auth passes carol on, to the built-in users.
	c := srv.login(t, "carol", "pw")
	if asked.Load() != 1 {
		t.Errorf("the HTTP service was asked %d times, want 1", asked.Load())
	}
	c.Store("/incoming/a.txt", "a")
	c.EPSV()
	c.Is(553, "Files of this type are not accepted here.", "STOR b.exe")
	c.Cmd(200, "SITE WHO")
	if got := srv.readFile(t, "incoming/carol/a.txt"); got != "a" {
		t.Errorf("incoming/carol/a.txt = %q", got)
	}
}
