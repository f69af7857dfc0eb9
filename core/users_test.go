package core

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

func TestUsersPlain(t *testing.T) {
	u := NewUsers()
	if err := u.Add("bob", "pw", "/home/bob"); err != nil {
		t.Fatal(err)
	}
	if err := u.Add("bad:name", "pw", ""); err == nil {
		t.Error("name with a colon accepted")
	}
	ctx := context.Background()
	acct, err := u.Authenticate(ctx, "bob", "pw", nil)
	if err != nil || acct == nil || acct.Root != "/home/bob" {
		t.Fatalf("good password: %v %v", acct, err)
	}
	if acct, err := u.Authenticate(ctx, "bob", "pW", nil); acct != nil || !errors.Is(err, ErrAuthFailed) {
		t.Fatalf("bad password: %v %v", acct, err)
	}
	if acct, err := u.Authenticate(ctx, "carol", "pw", nil); acct != nil || err != nil {
		t.Fatalf("unknown user: %v %v", acct, err)
	}
	if u.Len() != 1 {
		t.Errorf("Len %d", u.Len())
	}
}

func TestUsersFileAndSetPassword(t *testing.T) {
	defer func(c int) { bcryptCost = c }(bcryptCost)
	bcryptCost = bcrypt.MinCost
	path := filepath.Join(t.TempDir(), "users")
	if err := SetPassword(path, "bob", "first"); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("users file: %v %v", fi, err)
	}
	// Keep a root the file gives, and other users, when changing a password.
	data, _ := os.ReadFile(path)
	os.WriteFile(path, []byte("# users\n"+strings.TrimSpace(string(data))+":/bob\n"), 0o600)
	if err := SetPassword(path, "carol", "c"); err != nil {
		t.Fatal(err)
	}
	if err := SetPassword(path, "bob", "second"); err != nil {
		t.Fatal(err)
	}
	data, _ = os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 3 || lines[0] != "# users" || !strings.HasPrefix(lines[1], "bob:$2") || !strings.HasSuffix(lines[1], ":/bob") || !strings.HasPrefix(lines[2], "carol:$2") {
		t.Fatalf("users file:\n%s", data)
	}
	if strings.Contains(string(data), "second") {
		t.Fatal("plain password in the file")
	}
	u := NewUsers()
	if err := u.LoadFile(path); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := 0; i < 2; i++ { // the second check comes from the cache
		acct, err := u.Authenticate(ctx, "bob", "second", nil)
		if err != nil || acct == nil || acct.Root != "/bob" {
			t.Fatalf("bob: %v %v", acct, err)
		}
	}
	if len(u.verified) != 1 {
		t.Errorf("cache holds %d entries", len(u.verified))
	}
	if _, err := u.Authenticate(ctx, "bob", "first", nil); !errors.Is(err, ErrAuthFailed) {
		t.Errorf("old password: %v", err)
	}
	os.WriteFile(path, []byte("bob:notahash\n"), 0o600)
	if err := NewUsers().LoadFile(path); err == nil {
		t.Error("a line without a bcrypt hash loaded")
	}
	if err := SetPassword(path, "x", "y"); err == nil {
		t.Error("SetPassword rewrote a broken file")
	}
}

func TestUserRoot(t *testing.T) {
	ts := startServer(t)
	ts.mkdir(t, "/home")
	ts.mkdir(t, "/home/bob")
	ts.putFile(t, "/home/bob/mine", "x")
	ts.putFile(t, "/secret", "y")
	ts.Auth.(*Users).Add("bob", "pw", "/home/bob")
	ts.Auth.(*Users).Add("ghost", "pw", "/nowhere")
	c := ts.login(t, "bob", "pw")
	c.cmd(213, "SIZE mine")
	c.cmd(213, "SIZE /mine")
	c.cmd(550, "SIZE /secret")
	c.cmd(550, "SIZE ../../secret")
	c.cmd(250, "CWD ..")
	if got := c.retrieve("NLST"); got != "mine\r\n" {
		t.Errorf("root listing %q", got)
	}
	c = ts.dial(t)
	c.cmd(331, "USER ghost")
	c.cmd(530, "PASS pw")
}

// Replace swaps the whole list: a changed password stops working at once
// (the cache of checked passwords never vouches for an old hash), a
// removed user is unknown, and a new one logs in.
func TestUsersReplace(t *testing.T) {
	defer func(c int) { bcryptCost = c }(bcryptCost)
	bcryptCost = bcrypt.MinCost
	file := filepath.Join(t.TempDir(), "users")
	for _, up := range [][2]string{{"alice", "old"}, {"bob", "pw"}} {
		if err := SetPassword(file, up[0], up[1]); err != nil {
			t.Fatal(err)
		}
	}
	live := NewUsers()
	if err := live.LoadFile(file); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if acct, err := live.Authenticate(ctx, "alice", "old", nil); acct == nil || err != nil {
		t.Fatalf("alice before: %v %v", acct, err)
	}
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	for _, up := range [][2]string{{"alice", "new"}, {"carol", "pw3"}} {
		if err := SetPassword(file, up[0], up[1]); err != nil {
			t.Fatal(err)
		}
	}
	fresh := NewUsers()
	if err := fresh.LoadFile(file); err != nil {
		t.Fatal(err)
	}
	live.Replace(fresh)
	for _, c := range []struct {
		user, pass string
		ok         bool
		err        error
	}{
		{"alice", "old", false, ErrAuthFailed},
		{"alice", "new", true, nil},
		{"bob", "pw", false, nil},
		{"carol", "pw3", true, nil},
	} {
		acct, err := live.Authenticate(ctx, c.user, c.pass, nil)
		if (acct != nil) != c.ok || !errors.Is(err, c.err) {
			t.Errorf("%s/%s after Replace: %v %v", c.user, c.pass, acct, err)
		}
	}
	if live.Len() != 2 {
		t.Errorf("Len %d after Replace, want 2", live.Len())
	}
}
