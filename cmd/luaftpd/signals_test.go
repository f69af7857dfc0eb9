package main

import (
	"bytes"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/jlaffaye/ftp"
)

// waitExit waits for the server process to end by itself and returns its
// exit code.
func (s *server) waitExit(within time.Duration) int {
	s.t.Helper()
	select {
	case <-s.exited:
	case <-time.After(within):
		s.t.Fatalf("luaftpd still running %v after the signal:\n%s", within, s.log)
	}
	if s.cmd.ProcessState == nil {
		s.t.Fatalf("no exit status: %v", s.err)
	}
	return s.cmd.ProcessState.ExitCode()
}

// TestSIGTERMLetsTransfersFinish starts a download, sends SIGTERM while it
// runs, and checks that it completes intact and the server then exits 0.
func TestSIGTERMLetsTransfersFinish(t *testing.T) {
	s := startServer(t, "-user", alice)
	data := randomBytes(t, 32<<20) // more than the socket buffers hold
	writeAt(t, s.root, "big.bin", data)

	c, err := ftp.Dial(s.addr, ftp.DialWithTimeout(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Login("alice", "secret"); err != nil {
		t.Fatal(err)
	}
	r, err := c.Retr("big.bin")
	if err != nil {
		t.Fatal(err)
	}
	head := make([]byte, 1<<20)
	if _, err := io.ReadFull(r, head); err != nil {
		t.Fatal(err)
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	s.waitLog(func(e logEntry) bool { return e.str("msg") == "shutting down" && e.str("signal") == "terminated" })

	rest, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("the transfer broke after SIGTERM: %v", err)
	}
	if err := r.Close(); err != nil {
		t.Fatalf("the transfer did not end with 226 after SIGTERM: %v", err)
	}
	if got := append(head, rest...); !bytes.Equal(got, data) {
		t.Fatalf("got %d bytes, not the %d of the file", len(got), len(data))
	}
	// Long after SIGTERM, the server accepts no one new.
	if nc, err := net.DialTimeout("tcp", s.addr, 5*time.Second); err == nil {
		nc.Close()
		t.Error("a new connection was accepted after SIGTERM")
	}
	c.Quit()
	if code := s.waitExit(35 * time.Second); code != 0 {
		t.Fatalf("exit %d after SIGTERM, want 0", code)
	}
	if !s.log.contains(`"msg":"stopped"`) {
		t.Error("no stopped line in the log")
	}
}

func TestSIGINTIdleExit(t *testing.T) {
	s := startServer(t)
	start := time.Now()
	s.cmd.Process.Signal(syscall.SIGINT)
	if code := s.waitExit(10 * time.Second); code != 0 {
		t.Fatalf("exit %d after SIGINT, want 0", code)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("an idle server took %v to stop", d)
	}
}

// TestSecondSIGTERMClosesAtOnce stalls a download, sends SIGTERM twice, and
// checks that the second one ends the server without waiting for the
// shutdown deadline.
func TestSecondSIGTERMClosesAtOnce(t *testing.T) {
	s := startServer(t, "-user", alice)
	writeAt(t, s.root, "big.bin", randomBytes(t, 32<<20))
	c, err := ftp.Dial(s.addr, ftp.DialWithTimeout(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Quit()
	if err := c.Login("alice", "secret"); err != nil {
		t.Fatal(err)
	}
	r, err := c.Retr("big.bin")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := io.ReadFull(r, make([]byte, 1<<20)); err != nil {
		t.Fatal(err)
	}
	// The client reads no more: the transfer cannot finish by itself.
	s.cmd.Process.Signal(syscall.SIGTERM)
	s.waitLog(func(e logEntry) bool { return e.str("msg") == "shutting down" })
	start := time.Now()
	s.cmd.Process.Signal(syscall.SIGTERM)
	if code := s.waitExit(20 * time.Second); code != 0 {
		t.Fatalf("exit %d, want 0", code)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the second SIGTERM took %v to end the server", d)
	}
	if !s.log.contains("closing every connection now") {
		t.Error("the log does not say the second signal closed the connections")
	}
}
