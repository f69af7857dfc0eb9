package core

import "testing"

// Refusals use the codes RFC 959 section 5.4 lists for each verb: STOR,
// STOU and RNTO have no 550 (553 instead), LIST, NLST and STAT neither (450),
// SITE has no 504 (500), and the data channel commands refused after EPSV
// ALL answer 501. A script's denial keeps the code the script chose.
func TestRepliesInRFC959Sets(t *testing.T) {
	h := &fakeHooks{before: map[string]func(*Event) (*Reply, error){
		"STOR": func(ev *Event) (*Reply, error) {
			if ev.Arg == "denied" {
				r := NewReply(550, "Not today.")
				return &r, nil
			}
			return nil, nil
		},
	}}
	ts := startServer(t, hooked(h))
	ts.mkdir(t, "/dir")
	ts.putFile(t, "/f", "x")
	c := ts.loginAlice(t)
	for _, tc := range []struct {
		line string
		code int
		msg  string
	}{
		{"STOR /nope/x", 553, "No such file or directory."},
		{"STOR dir", 553, "Not a regular file."},
		{"STOU /nope/x", 553, "No such file or directory."},
		{"APPE /nope/x", 550, "No such file or directory."},
		{"STOR denied", 550, "Not today."},
		{"LIST /nope", 450, "No such file or directory."},
		{"NLST /nope", 450, "No such file or directory."},
		{"MLSD /nope", 550, "No such file or directory."},
		{"RETR /nope", 550, "No such file or directory."},
	} {
		c.pasv()
		if code, msg := c.send("%s", tc.line); code != tc.code || msg != tc.msg {
			t.Errorf("%s: %d %q, want %d %q", tc.line, code, msg, tc.code, tc.msg)
		}
		c.cmd(226, "ABOR") // drop the prepared connection
	}
	for _, tc := range []struct {
		first, line string
		code        int
	}{
		{"RNFR f", "RNTO /nope/x", 553},
		{"RNFR f", "RNTO dir", 553},
		{"NOOP", "STAT /nope", 450},
		{"NOOP", "SITE FOO", 500},
		{"EPSV ALL", "PASV", 501},
		{"NOOP", "PORT 127,0,0,1,4,1", 501},
		{"NOOP", "EPRT |1|127.0.0.1|6275|", 501},
	} {
		c.send("%s", tc.first)
		if code, msg := c.send("%s", tc.line); code != tc.code {
			t.Errorf("%s: %d %q, want %d", tc.line, code, msg, tc.code)
		}
	}
}
