package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Idle TLS control sessions park in the server's poller between commands;
// these tests drive them with real clients, explicit and implicit FTPS,
// with pauses that let them park, pipelined lines, and key updates.

// TestLftpMirrorParallelTLS uploads a 200-file tree with four parallel
// connections and downloads it back, over explicit and implicit TLS; a
// pause between the two outlasts the idle timeout, and lftp reconnects
// after the 421 its parked sessions get over TLS.
func TestLftpMirrorParallelTLS(t *testing.T) {
	needTool(t, "lftp")
	s := startServer(t, "-user", alice, "-tls-self-signed", "-implicit-listen", "127.0.0.1:0",
		"-idle-timeout", "2s")
	src := t.TempDir()
	makeTree(t, src, 200)
	for _, mode := range []struct{ name, open string }{
		{"explicit", lftpTLS + fmt.Sprintf("open -u alice,secret -p %s 127.0.0.1; ", s.port())},
		{"implicit", "set ftp:ssl-protect-data true; set ssl:verify-certificate no; " +
			"open -u alice,secret ftps://" + s.tlsAt + "; "},
	} {
		t.Run(mode.name, func(t *testing.T) {
			back := t.TempDir()
			out := lftp(t, mode.open+fmt.Sprintf("mirror -R --parallel=4 %s /%s; "+
				"sleep 3; cls -1 /%s/d1; mirror --parallel=4 /%s %s",
				src, mode.name, mode.name, mode.name, back))
			if !strings.Contains(out, "/"+mode.name+"/d1/f001.bin\n") {
				t.Errorf("lftp's listing after the idle timeout:\n%s", out)
			}
			sameTree(t, src, filepath.Join(s.root, mode.name))
			sameTree(t, src, back)
		})
	}
	if !s.log.contains("idle timeout") {
		t.Errorf("no session reached the idle timeout:\n%s", s.log)
	}
}

// ftplibPipelined sends over FTP_TLS several lines in one sendall, a line
// byte by byte with pauses, QUIT behind other lines, and aborts with
// ftplib's abort(); then the same on an implicit FTPS connection. It
// prints each reply's code.
const ftplibPipelined = `
import ftplib, socket, ssl, sys, time

host, port, implicit = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE

def codes(f, n):
    out = []
    for _ in range(n):
        line = f.readline()
        while line[3:4] == b"-" or not line[:3].isdigit() or line[3:4] not in (b" ", b"\r"):
            if not line:
                raise EOFError("connection closed")
            line = f.readline()
        out.append(line[:3].decode())
    print(" ".join(out), flush=True)

ftp = ftplib.FTP_TLS(context=ctx, timeout=10)
ftp.connect(host, port)
ftp.login("alice", "secret")
ftp.prot_p()
time.sleep(0.2)
s = ftp.sock
f = s.makefile("rb")
s.sendall(b"NOOP\r\nPWD\r\nSYST\r\nTYPE I\r\nSTAT\r\nFEAT\r\nNOOP\r\n")
codes(f, 7)
time.sleep(0.2)
for b in b"PWD\r\nNOOP\r\n":
    s.sendall(bytes([b]))
    time.sleep(0.01)
codes(f, 2)
print(ftp.abort()[:3], flush=True)
time.sleep(0.2)
s.sendall(b"NOOP\r\nPWD\r\nQUIT\r\nNOOP\r\n")
codes(f, 3)
print("closed", f.read() == b"", flush=True)

raw = socket.create_connection((host, int(implicit)), timeout=10)
s = ctx.wrap_socket(raw)
f = s.makefile("rb")
codes(f, 1)
s.sendall(b"USER alice\r\nPASS secret\r\nPBSZ 0\r\nPROT P\r\nPWD\r\n")
codes(f, 5)
time.sleep(0.2)
s.sendall(b"NOOP\r\nQUIT\r\n")
codes(f, 2)
`

// TestPythonFtplibTLSPipelined runs ftplibPipelined: every line is
// answered, in order, by sessions that park between the bursts.
func TestPythonFtplibTLSPipelined(t *testing.T) {
	python := needTool(t, "python3")
	s := startServer(t, "-user", alice, "-tls-self-signed", "-implicit-listen", "127.0.0.1:0")
	script := writeAt(t, t.TempDir(), "pipelined.py", []byte(ftplibPipelined))
	_, implicitPort, _ := strings.Cut(s.tlsAt, ":")
	r := runTool(t, nil, python, script, "127.0.0.1", s.port(), implicitPort)
	want := "200 257 215 200 211 211 200\n257 200\n226\n200 257 221\nclosed True\n220\n331 230 200 200 257\n200 221\n"
	if r.code != 0 || r.stdout != want {
		t.Errorf("python exited %d, saw:\n%s\nwant:\n%s\n%s", r.code, r.stdout, want, r.stderr)
	}
}

// TestOpensslKeyUpdate has openssl s_client, over explicit TLS 1.3, send
// KeyUpdate messages (its "k" and "K" commands: without and with a request
// for the server's) between commands, and answers the session on.
func TestOpensslKeyUpdate(t *testing.T) {
	openssl := needTool(t, "openssl")
	s := startServer(t, "-user", alice, "-tls-self-signed")
	ctx, cancel := context.WithTimeout(context.Background(), clientTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, openssl, "s_client", "-tls1_3", "-starttls", "ftp", "-crlf",
		"-connect", s.addr)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	// s_client writes its KEYUPDATE notes on stderr, the replies on stdout
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	cmd.Stdout, cmd.Stderr = pw, pw
	err = cmd.Start()
	pw.Close()
	if err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer stdin.Close()
	out := bufio.NewReader(pr)
	var seen strings.Builder
	// expect reads s_client's output up to a line starting with want.
	expect := func(want string) {
		t.Helper()
		for {
			line, err := out.ReadString('\n')
			seen.WriteString(line)
			if strings.HasPrefix(line, want) {
				return
			}
			if err != nil {
				t.Fatalf("no %q from s_client: %v\n%s", want, err, seen.String())
			}
		}
	}
	// send writes one line; s_client takes a line that is alone in its
	// read and starts with k or K as a command.
	send := func(line string) {
		t.Helper()
		if _, err := io.WriteString(stdin, line+"\n"); err != nil {
			t.Fatal(err)
		}
	}
	expect("220 ")
	send("USER alice")
	expect("331 ")
	send("PASS secret")
	expect("230 ")
	for i, ku := range []string{"k", "K", "K", "k"} {
		time.Sleep(100 * time.Millisecond) // the session parks
		send(ku)
		expect("KEYUPDATE")
		send("PWD")
		expect(`257 "/"`)
		if i == 2 {
			send("NOOP")
			expect("200 ")
		}
	}
	send("quit")
	expect("221 ")
}

// TestCurlManyQuoteTLS has curl send 180 quoted commands before a
// download, over explicit and implicit TLS.
func TestCurlManyQuoteTLS(t *testing.T) {
	needTool(t, "curl")
	s := startServer(t, "-user", alice, "-tls-self-signed", "-implicit-listen", "127.0.0.1:0")
	writeAt(t, s.root, "f.txt", []byte("quoted\n"))
	var args []string
	for range 60 {
		args = append(args, "-Q", "NOOP", "-Q", "PWD", "-Q", "TYPE I")
	}
	for _, url := range []string{s.url(alice, "/f.txt"), "ftps://" + alice + "@" + s.tlsAt + "/f.txt"} {
		r := mustCurl(t, append([]string{"-k", "--ssl-reqd"}, append(args, url)...)...)
		if r.stdout != "quoted\n" || strings.Count(r.stderr, "< 257 ") < 60 {
			t.Errorf("%s: %q, %d replies 257\n%s", url, r.stdout, strings.Count(r.stderr, "< 257 "), r.stderr)
		}
	}
}
