package core

import (
	"os"
	"testing"
)

// TestDropUserLines: every line of the user goes (a hand-edited file may
// have two; the last would win), nothing else, byte for byte.
func TestDropUserLines(t *testing.T) {
	cases := []struct {
		in, user, want string
		removed        int
	}{
		{"alice:h1\nbob:h2\n", "alice", "bob:h2\n", 1},
		{"bob:h2\nalice:h1", "alice", "bob:h2\n", 1},
		{"alice:h1\nbob:h2\n  alice:h3:/a\n", "alice", "bob:h2\n", 2},
		{"#alice:old\nalicex:h\nalice2:h\n\nbob:h\n", "alice", "#alice:old\nalicex:h\nalice2:h\n\nbob:h\n", 0},
		{"alice:h1\r\nbob:h2\r\n", "alice", "bob:h2\r\n", 1},
		{"", "alice", "", 0},
	}
	for _, c := range cases {
		out, n := dropUserLines([]byte(c.in), c.user)
		if string(out) != c.want || n != c.removed {
			t.Errorf("dropUserLines(%q, %q) = %q, %d; want %q, %d", c.in, c.user, out, n, c.want, c.removed)
		}
	}
}

// TestSetUserLine: the user's last line (the one LoadFile keeps) gets the
// hash with its root, their earlier lines go, the rest stays byte for byte.
func TestSetUserLine(t *testing.T) {
	cases := []struct{ in, want string }{
		{"alice:h1\nbob:h2\n", "alice:NEW\nbob:h2\n"},
		{"alice:h1:/a\nbob:h2\nalice:h3:/b\n", "bob:h2\nalice:NEW:/b\n"},
		{"#alice:old\nbob:h", "#alice:old\nbob:h\nalice:NEW\n"},
		{"", "alice:NEW\n"},
	}
	for _, c := range cases {
		if got := string(setUserLine([]byte(c.in), "alice", "NEW")); got != c.want {
			t.Errorf("setUserLine(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestSetPasswordTwoLines: in a hand-edited file with two lines for a user,
// the new password is the one that works, and the old one no longer does.
func TestSetPasswordTwoLines(t *testing.T) {
	path := t.TempDir() + "/users"
	if err := SetPassword(path, "alice", "old"); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(data, data...), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := SetPassword(path, "alice", "new"); err != nil {
		t.Fatal(err)
	}
	u := NewUsers()
	if err := u.LoadFile(path); err != nil {
		t.Fatal(err)
	}
	if _, err := u.Authenticate(t.Context(), "alice", "new", nil); err != nil {
		t.Errorf("new password refused: %v", err)
	}
	if _, err := u.Authenticate(t.Context(), "alice", "old", nil); err == nil {
		t.Error("old password still works")
	}
}
