package examples_test

import (
	"bytes"
	"testing"
)

// TestIncomingRewrite runs incoming-rewrite/10-incoming.lua.
func TestIncomingRewrite(t *testing.T) {
	t.Parallel()
	srv := startExample(t, "incoming-rewrite", setup{
		users: map[string]string{"alice": "a", "bob": "b", "x/../bob": "x"},
		dirs:  []string{"incoming/alice", "incoming/bob", "incomingx", "pub"},
		files: map[string]string{"incoming/bob/secret.txt": "bob's\n"},
	})

	c := srv.login(t, "alice", "a")
	c.Store("/incoming/report.txt", "alice's report")
	if got := srv.readFile(t, "incoming/alice/report.txt"); got != "alice's report" {
		t.Errorf("incoming/alice/report.txt = %q", got)
	}
	c.Cmd(250, "CWD /incoming")
	c.Is(257, `"/incoming/alice" is the current directory.`, "PWD")
	c.Store("second.txt", "2")
	c.Store("/incoming/alice/third.txt", "3")
	// NLST names entries as the client named the folder.
	if got := c.Retrieve("NLST /incoming"); got != "/incoming/report.txt\r\n/incoming/second.txt\r\n/incoming/third.txt\r\n" {
		t.Errorf("NLST /incoming = %q", got)
	}
	// bob's box cannot be named: it is looked for inside alice's.
	for _, cmd := range []string{
		"SIZE /incoming/bob/secret.txt", "MDTM /incoming/bob/secret.txt", "MLST /incoming/bob/secret.txt",
		"XCRC /incoming/bob/secret.txt", "XMD5 /incoming/bob/secret.txt", "HASH /incoming/bob/secret.txt",
		"DELE ../bob/secret.txt", "RNFR /incoming/bob/secret.txt", "CWD /incoming/bob", "RMD /incoming/bob",
		"MKD /incoming/bob/new",
	} {
		c.Is(550, "No such file or directory.", "%s", cmd)
	}
	c.EPSV()
	c.Is(550, "No such file or directory.", "RETR /incoming/bob/secret.txt")
	c.EPSV()
	c.Is(450, "No such file or directory.", "LIST /incoming/bob") // LIST has no 550 in RFC 959
	c.Cmd(350, "RNFR /incoming/report.txt")
	c.Cmd(250, "RNTO /incoming/renamed.txt")
	c.Cmd(250, "CWD /")
	c.Store("/incomingx/free.txt", "x")
	c.Store("pub/free.txt", "y")
	for name, want := range map[string]string{"incoming/alice/renamed.txt": "alice's report",
		"incomingx/free.txt": "x", "pub/free.txt": "y", "incoming/bob/secret.txt": "bob's\n"} {
		if got := srv.readFile(t, name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}

	// A user name with a slash must not lead into another box.
	x := srv.login(t, "x/../bob", "x")
	x.Is(550, "No drop box for this user name.", "SIZE /incoming/secret.txt")
	x.Cmd(213, "SIZE /incomingx/free.txt")

	fc := srv.ftpClient(t, "bob", "b")
	r, err := fc.Retr("/incoming/secret.txt")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	b.ReadFrom(r)
	r.Close()
	if b.String() != "bob's\n" {
		t.Errorf("bob's RETR /incoming/secret.txt = %q", b.String())
	}
}
