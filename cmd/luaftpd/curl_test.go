package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// alice is the account most interop tests log in with.
const alice = "alice:secret"

// curlArgs are given to every curl run: bounded, quiet but for errors,
// verbose so the test can see which commands were sent.
var curlArgs = []string{"-sS", "-v", "--connect-timeout", "10", "--max-time", "50"}

func curl(t *testing.T, args ...string) result {
	t.Helper()
	return runTool(t, nil, needTool(t, "curl"), append(append([]string{}, curlArgs...), args...)...)
}

func mustCurl(t *testing.T, args ...string) result {
	t.Helper()
	r := curl(t, args...)
	if r.code != 0 {
		t.Fatalf("curl %q exited %d\n%s", args, r.code, r.stderr)
	}
	return r
}

// commands lists the commands curl's verbose output shows it sent.
func commands(r result) string {
	var out []string
	for _, line := range strings.Split(r.stderr, "\n") {
		if strings.HasPrefix(line, "> ") {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

// sent reports whether curl's verbose output shows it sent the command.
func sent(r result, command string) bool {
	return strings.Contains(r.stderr, "> "+command)
}

func TestCurlListDownloadUpload(t *testing.T) {
	needTool(t, "curl")
	s := startServer(t, "-user", alice)
	data := randomBytes(t, 1<<20+17)
	writeAt(t, s.root, "pub/big.bin", data)
	writeAt(t, s.root, "hello.txt", []byte("hello\n"))

	names := strings.Fields(mustCurl(t, "--list-only", s.url(alice, "/")).stdout)
	sort.Strings(names)
	if strings.Join(names, " ") != "hello.txt pub" {
		t.Errorf("NLST / = %q, want hello.txt pub", names)
	}
	list := mustCurl(t, s.url(alice, "/pub/")).stdout
	if !strings.Contains(list, "big.bin") || !strings.Contains(list, strconv.Itoa(len(data))) {
		t.Errorf("LIST /pub/ = %q, want big.bin with its size %d", list, len(data))
	}

	dst := filepath.Join(t.TempDir(), "big.bin")
	mustCurl(t, "-o", dst, s.url(alice, "/pub/big.bin"))
	sameFile(t, dst, data)

	src := writeAt(t, t.TempDir(), "up.bin", data)
	mustCurl(t, "-T", src, s.url(alice, "/pub/up.bin"))
	sameFile(t, filepath.Join(s.root, "pub", "up.bin"), data)

	if r := curl(t, s.url(alice, "/nowhere.bin")); r.code != 78 {
		t.Errorf("RETR of a missing file: curl exit %d, want 78 (remote file not found)\n%s", r.code, r.stderr)
	}
	if r := curl(t, s.url("alice:wrong", "/")); r.code != 67 {
		t.Errorf("a wrong password: curl exit %d, want 67 (login denied)\n%s", r.code, r.stderr)
	}
}

// TestCurlResume interrupts a download (curl aborts it after the range it
// asked for) and resumes it with -C -.
func TestCurlResume(t *testing.T) {
	needTool(t, "curl")
	s := startServer(t, "-user", alice)
	data := randomBytes(t, 4<<20)
	writeAt(t, s.root, "r.bin", data)
	dst := filepath.Join(t.TempDir(), "r.bin")

	const part = 1 << 20
	r := mustCurl(t, "-r", "0-"+strconv.Itoa(part-1), "-o", dst, s.url(alice, "/r.bin"))
	if !sent(r, "ABOR") {
		t.Errorf("curl did not abort the download; it sent:\n%s", commands(r))
	}
	sameFile(t, dst, data[:part])

	r = mustCurl(t, "-C", "-", "-o", dst, s.url(alice, "/r.bin"))
	if want := "REST " + strconv.Itoa(part); !sent(r, want) {
		t.Errorf("curl did not send %s; it sent:\n%s", want, commands(r))
	}
	sameFile(t, dst, data)
}

// TestCurlAnonymous checks that a server with no users serves anonymous
// read-only logins, and says so in its log.
func TestCurlAnonymous(t *testing.T) {
	needTool(t, "curl")
	s := startServer(t)
	s.waitLog(func(e logEntry) bool { return e.str("level") == "WARN" && strings.Contains(e.str("msg"), "anonymous") })
	writeAt(t, s.root, "readme.txt", []byte("read me\n"))

	r := mustCurl(t, "ftp://"+s.addr+"/readme.txt")
	if r.stdout != "read me\n" {
		t.Errorf("anonymous RETR = %q", r.stdout)
	}
	src := writeAt(t, t.TempDir(), "x.txt", []byte("x"))
	if r := curl(t, "-T", src, "ftp://"+s.addr+"/x.txt"); r.code != 25 {
		t.Errorf("anonymous upload: curl exit %d, want 25 (upload refused)\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(s.root, "x.txt")); !os.IsNotExist(err) {
		t.Errorf("the anonymous upload left a file: %v", err)
	}
}

// TestCurlConcurrent runs many curl uploads and downloads at once, plain and
// over TLS, through one server (built with -race when the tests are).
func TestCurlConcurrent(t *testing.T) {
	needTool(t, "curl")
	s := startServer(t, "-user", alice, "-tls-self-signed")
	const clients = 12
	local := t.TempDir()
	files := make([][]byte, clients)
	for i := range files {
		files[i] = randomBytes(t, 200<<10+i)
		writeAt(t, local, fmt.Sprintf("up%d.bin", i), files[i])
	}
	errs := make(chan error, clients)
	for i := range clients {
		go func() {
			args := append([]string{}, curlArgs...)
			if i%2 == 1 {
				args = append(args, "--ssl-reqd", "-k")
			}
			name := fmt.Sprintf("up%d.bin", i)
			up := slices.Concat(args, []string{"-T", filepath.Join(local, name), s.url(alice, "/"+name)})
			down := slices.Concat(args, []string{"-o", filepath.Join(local, "down"+name), s.url(alice, "/"+name)})
			for _, a := range [][]string{up, down} {
				ctx, cancel := context.WithTimeout(context.Background(), clientTimeout)
				out, err := exec.CommandContext(ctx, "curl", a...).CombinedOutput()
				cancel()
				if err != nil {
					errs <- fmt.Errorf("client %d: %v\n%s", i, err, out)
					return
				}
			}
			errs <- nil
		}()
	}
	for range clients {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	for i, data := range files {
		sameFile(t, filepath.Join(s.root, fmt.Sprintf("up%d.bin", i)), data)
		sameFile(t, filepath.Join(local, fmt.Sprintf("downup%d.bin", i)), data)
	}
}

// TestCurlAppendAndResumeUpload appends with APPE (--append) and resumes a
// cut-short upload with -C - (SIZE, then APPE of the rest).
func TestCurlAppendAndResumeUpload(t *testing.T) {
	needTool(t, "curl")
	s := startServer(t, "-user", alice)
	data := randomBytes(t, 3<<20)
	src := writeAt(t, t.TempDir(), "full.bin", data)

	writeAt(t, s.root, "log.txt", []byte("one\n"))
	more := writeAt(t, t.TempDir(), "more.txt", []byte("two\n"))
	r := mustCurl(t, "-T", more, "--append", s.url(alice, "/log.txt"))
	if !sent(r, "APPE log.txt") {
		t.Errorf("curl did not send APPE; it sent:\n%s", commands(r))
	}
	sameFile(t, filepath.Join(s.root, "log.txt"), []byte("one\ntwo\n"))

	// The first megabyte made it before the upload broke off.
	writeAt(t, s.root, "full.bin", data[:1<<20])
	r = mustCurl(t, "-C", "-", "-T", src, s.url(alice, "/full.bin"))
	if !sent(r, "SIZE full.bin") || !sent(r, "APPE full.bin") {
		t.Errorf("curl did not resume with SIZE and APPE; it sent:\n%s", commands(r))
	}
	sameFile(t, filepath.Join(s.root, "full.bin"), data)
}
