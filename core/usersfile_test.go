package core

import "testing"

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
