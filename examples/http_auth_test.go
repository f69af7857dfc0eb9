package examples_test

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
)

// authRequest is what http-auth/10-http-auth.lua posts.
type authRequest struct {
	User     string `json:"user"`
	Password string `json:"password"`
	RemoteIP string `json:"remote_ip"`
	TLS      bool   `json:"tls"`
}

// authService is a fake authentication service; it records what it got.
type authService struct {
	t    *testing.T
	mu   sync.Mutex
	seen []authRequest
}

func (a *authService) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/ftp/login" ||
		r.Header.Get("Content-Type") != "application/json" {
		a.t.Errorf("request %s %s, Content-Type %q", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
	}
	var req authRequest
	body, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(body, &req); err != nil {
		a.t.Errorf("body %q: %v", body, err)
	}
	a.mu.Lock()
	a.seen = append(a.seen, req)
	a.mu.Unlock()
	switch {
	case req.User == "alice" && req.Password == "s3cret":
		io.WriteString(w, `{"root": "/alice", "home": "/inbox", "readonly": false}`)
	case req.User == "reader" && req.Password == "s3cret":
		io.WriteString(w, `{"root": "/alice", "readonly": true}`)
	case req.User == "lost":
		io.WriteString(w, `{"root": "/alice", "home": "/nope"}`)
	case req.User == "rootless":
		io.WriteString(w, `{"root": "/nope"}`)
	case req.User == "alice" || req.User == "reader":
		w.WriteHeader(http.StatusUnauthorized)
	case req.User == "junk":
		io.WriteString(w, `<html>not json</html>`)
	case req.User == "boom":
		w.WriteHeader(http.StatusInternalServerError)
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

// TestHTTPAuth runs http-auth/10-http-auth.lua against a fake service.
func TestHTTPAuth(t *testing.T) {
	t.Parallel()
	svc := &authService{t: t}
	hs := httptest.NewServer(svc)
	t.Cleanup(hs.Close)
	srv := startExample(t, "http-auth", setup{
		data: map[string]string{"auth-url.txt": hs.URL + "/ftp/login\n"},
		// alice and boom are built-in users too, with the passwords the
		// service refuses: a refusal must not fall through to them.
		users: map[string]string{"carol": "built-in", "alice": "wrong", "boom": "x"},
		dirs:  []string{"alice/inbox"},
		files: map[string]string{"top.txt": "top\n"},
	})

	t.Run("200 logs in with the root and home of the answer", func(t *testing.T) {
		c := srv.login(t, "alice", "s3cret")
		c.Is(257, `"/inbox" is the current directory.`, "PWD")
		c.Store("new.txt", "hello")
		if got := srv.readFile(t, "alice/inbox/new.txt"); got != "hello" {
			t.Errorf("alice/inbox/new.txt = %q", got)
		}
		c.Cmd(550, "SIZE /top.txt")
	})
	t.Run("readonly in the answer", func(t *testing.T) {
		c := srv.login(t, "reader", "s3cret")
		c.Is(257, `"/" is the current directory.`, "PWD")
		c.Cmd(550, "MKD /x")
		if got := c.Retrieve("RETR /inbox/new.txt"); got != "hello" {
			t.Errorf("RETR = %q", got)
		}
	})
	t.Run("a missing home starts at the top, a missing root refuses", func(t *testing.T) {
		c := srv.login(t, "lost", "x")
		c.Is(257, `"/" is the current directory.`, "PWD")
		c = srv.dial(t)
		c.Cmd(331, "USER rootless")
		c.Is(530, "Login refused: home folder unavailable.", "PASS x")
	})
	t.Run("401 refuses", func(t *testing.T) {
		c := srv.dial(t)
		c.Cmd(331, "USER alice")
		c.Cmd(530, "PASS wrong")
	})
	t.Run("404 asks the next provider", func(t *testing.T) {
		srv.login(t, "carol", "built-in")
		c := srv.dial(t)
		c.Cmd(331, "USER nobody")
		c.Cmd(530, "PASS x")
	})
	t.Run("a failing service refuses with a reason", func(t *testing.T) {
		c := srv.dial(t)
		for _, user := range []string{"boom", "junk"} {
			c.Cmd(331, "USER %s", user)
			c.Is(530, "Authentication service unavailable, try again later.", "PASS x")
		}
	})

	svc.mu.Lock()
	first := svc.seen[0]
	svc.mu.Unlock()
	if want := (authRequest{User: "alice", Password: "s3cret", RemoteIP: "127.0.0.1"}); first != want {
		t.Errorf("the service got %+v, want %+v", first, want)
	}
}

// TestHTTPAuthUnreachable points the script at a closed port.
func TestHTTPAuthUnreachable(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	srv := startExample(t, "http-auth", setup{
		data: map[string]string{"auth-url.txt": "http://" + addr + "/ftp/login"},
	})
	c := srv.dial(t)
	c.Cmd(331, "USER alice")
	c.Is(530, "Authentication service unavailable, try again later.", "PASS s3cret")
	if len(srv.Logs.Records(t, "authentication service unreachable")) != 1 {
		t.Errorf("no log line for the failure:\n%s", srv.Logs)
	}
}

// TestHTTPAuthNeedsURL checks that the script refuses to load without a URL.
func TestHTTPAuthNeedsURL(t *testing.T) {
	t.Parallel()
	dir := copyExample(t, "http-auth")
	writeFile(t, filepath.Join(dir, "data", "auth-url.txt"), "\n")
	if _, err := newEngine(dir); err == nil {
		t.Fatal("the script loaded without a URL")
	}
}
