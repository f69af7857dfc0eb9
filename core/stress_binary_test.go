package core

import (
	"crypto/tls"
	"encoding/json"
	"flag"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/luaftpd/luaftpd/core/ftptest"
)

// stressBinary runs the stress walk against a built luaftpd binary (with
// its stock scripts) rather than a Server in the test's process: the
// scripts' engine then runs under the same load. The goroutine check is
// left out; the log is searched for panics instead.
var (
	stressBinary  = flag.String("stress.binary", "", "run the stress test against this luaftpd binary")
	stressScripts = flag.String("stress.scripts", "", "the binary's -scripts folder")
)

// startStressBinary starts *stressBinary serving env.root with the test
// user and a self-signed certificate, and returns its address, a client
// TLS configuration and a check to run at the end.
func startStressBinary(t *testing.T, env *stressEnv) (addr string, ccfg *tls.Config, check func()) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr = l.Addr().String()
	l.Close()
	out := &ftptest.LogBuf{}
	args := []string{"-listen", addr, "-root", env.root,
		"-user", testUser + ":" + testPass, "-tls-self-signed", "-idle-timeout", "1m",
		"-log-format", "json", "-log-level", "warn"}
	if *stressScripts != "" {
		args = append(args, "-scripts", *stressScripts)
	}
	cmd := exec.Command(*stressBinary, args...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("the server's output:\n%s", out)
		}
	})
	for end := time.Now().Add(10 * time.Second); ; {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(end) {
			t.Fatalf("%s does not listen on %s: %s", *stressBinary, addr, out)
		}
		time.Sleep(20 * time.Millisecond)
	}
	replyWait = 90 * time.Second
	ccfg = &tls.Config{InsecureSkipVerify: true, ClientSessionCache: tls.NewLRUClientSessionCache(64)}
	check = func() {
		c := ftptest.Login(t, addr, testUser, testPass)
		c.Cmd(257, "PWD")
		c.Cmd(221, "QUIT")
		for _, line := range strings.Split(out.String(), "\n") {
			if strings.Contains(line, "panic") || strings.Contains(line, "DATA RACE") {
				t.Errorf("the server logged: %s", line)
			}
		}
		msgs := map[string]int{}
		for _, line := range strings.Split(out.String(), "\n") {
			var rec struct{ Level, Msg string }
			if json.Unmarshal([]byte(line), &rec) == nil {
				if msgs[rec.Level+" "+rec.Msg]++; rec.Level == "ERROR" && msgs[rec.Level+" "+rec.Msg] <= 3 {
					t.Logf("server: %s", line)
				}
			}
		}
		t.Logf("server log: %v", msgs)
	}
	return addr, ccfg, check
}

// external reports whether the walk runs against a binary, whose data
// timeout is the default 30 s: walkers then never leave a data connection
// unmade, and wait longer for replies.
func external() bool { return *stressBinary != "" }
