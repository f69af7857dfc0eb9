package core

import (
	"context"
	"errors"
	"io"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"
)

// startUpload starts a STOR that stays open: the client sends a few bytes
// and keeps the data connection, so the transfer runs until told otherwise.
func startUpload(t *testing.T, c *ftpConn) net.Conn {
	dc := c.pasv()
	c.cmd(150, "STOR big")
	if _, err := io.WriteString(dc, "some bytes"); err != nil {
		t.Fatal(err)
	}
	return dc
}

// waitTransferSTAT sends line (STAT, with or without a path) during the
// upload of startUpload until its 213 reply counts the 10 bytes sent.
func waitTransferSTAT(t *testing.T, c *ftpConn, line string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		msg := c.cmd(213, "%s", line)
		if msg == "Status: 10 bytes transferred." {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s during transfer: %q", line, msg)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestSTATDuringTransfer(t *testing.T) {
	ts := startServer(t)
	c := ts.loginAlice(t)
	dc := startUpload(t, c)
	waitTransferSTAT(t, c, "STAT")
	dc.Close()
	c.expect(226)
	c.cmd(213, "SIZE big")
}

func TestABORDuringTransfer(t *testing.T) {
	ts := startServer(t)
	c := ts.loginAlice(t)
	startUpload(t, c)
	c.raw("\xff\xf4\xff\xf2ABOR\r\n")
	c.expect(426)
	if msg := c.expect(226); msg != "ABOR successful." {
		t.Errorf("after 426: %q", msg)
	}
	c.cmd(550, "SIZE big") // an aborted upload leaves nothing
	c.cmd(200, "NOOP")
}

func TestQUITDuringTransfer(t *testing.T) {
	ts := startServer(t)
	c := ts.loginAlice(t)
	startUpload(t, c)
	c.raw("QUIT\r\n")
	c.expect(426)
	c.expect(221)
	c.expectClosed()
}

func TestIdleTimeoutSparesTransfers(t *testing.T) {
	ts := startServer(t, func(s *Server) { s.IdleTimeout = 100 * time.Millisecond })
	c := ts.loginAlice(t)
	dc := startUpload(t, c)
	time.Sleep(300 * time.Millisecond) // three idle timeouts long
	io.WriteString(dc, "more")
	dc.Close()
	c.expect(226)
	if msg := c.cmd(213, "SIZE big"); msg != "14" {
		t.Errorf("SIZE: %q", msg)
	}
}

func TestMaxSessions(t *testing.T) {
	ts := startServer(t, func(s *Server) { s.MaxSessions = 2 })
	a := ts.dial(t)
	ts.dial(t)
	c := ts.connect(t)
	c.expect(421)
	c.expectClosed()
	a.cmd(221, "QUIT")
	a.expectClosed()
	waitFor(t, func() bool { return ts.sessionCount() < 2 })
	ts.dial(t)
}

func TestMaxSessionsPerIP(t *testing.T) {
	ts := startServer(t, func(s *Server) { s.MaxSessionsPerIP = 1 })
	ts.dial(t)
	c := ts.connect(t)
	if msg := c.expect(421); !strings.Contains(msg, "your address") {
		t.Errorf("421 text %q", msg)
	}
	c.expectClosed()
}

func (ts *testServer) sessionCount() int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return len(ts.sessions)
}

// waitFor polls cond for up to five seconds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestPanicCostsOneCommand(t *testing.T) {
	commands["XPANIC"] = &command{fn: func(s *Session, r *request) Reply { panic("boom") }, flags: cmdNoLogin}
	defer delete(commands, "XPANIC")
	ts := startServer(t)
	c := ts.dial(t)
	if msg := c.cmd(451, "XPANIC"); strings.Contains(msg, "boom") {
		t.Errorf("panic text reached the client: %q", msg)
	}
	c.cmd(200, "NOOP")
	ts.dial(t).cmd(200, "NOOP")
}

func TestUnknownErrorIs451(t *testing.T) {
	commands["XFAIL"] = &command{fn: func(s *Session, r *request) Reply {
		return s.fail(errors.New("secret internal detail"))
	}, flags: cmdNoLogin}
	defer delete(commands, "XFAIL")
	ts := startServer(t)
	c := ts.dial(t)
	if msg := c.cmd(451, "XFAIL"); strings.Contains(msg, "secret") {
		t.Errorf("Go error text reached the client: %q", msg)
	}
}

func TestShutdownWaitsForTransfers(t *testing.T) {
	ts := startServer(t)
	idle := ts.loginAlice(t)
	busy := ts.loginAlice(t)
	dc := startUpload(t, busy)
	done := make(chan error, 1)
	go func() { done <- ts.Shutdown(context.Background()) }()
	idle.expect(421)
	idle.expectClosed()
	if _, err := net.Dial("tcp", ts.Addr); err == nil {
		t.Error("still accepting after Shutdown")
	}
	select {
	case err := <-done:
		t.Fatalf("Shutdown returned %v during a transfer", err)
	case <-time.After(50 * time.Millisecond):
	}
	io.WriteString(dc, "end")
	dc.Close()
	busy.expect(226)
	busy.expect(421)
	if err := <-done; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

func TestShutdownDeadline(t *testing.T) {
	ts := startServer(t)
	busy := ts.loginAlice(t)
	startUpload(t, busy)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := ts.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown: %v", err)
	}
	busy.expectClosed()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := ts.Serve(l); !errors.Is(err, ErrServerClosed) {
		t.Errorf("Serve after Shutdown: %v", err)
	}
}

func TestNoGoroutineLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	func() {
		ts := startServer(t)
		for i := 0; i < 5; i++ {
			c := ts.loginAlice(t)
			c.retrieve("LIST")
			c.cmd(221, "QUIT")
		}
		c := ts.loginAlice(t)
		startUpload(t, c)
		ts.Close()
		ts.sessWG.Wait()
	}()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestListenAndServeAfterClose(t *testing.T) {
	srv := &Server{}
	srv.Close()
	if err := srv.ListenAndServe("127.0.0.1:0"); !errors.Is(err, ErrServerClosed) {
		t.Errorf("ListenAndServe after Close: %v", err)
	}
	if err := srv.ListenAndServe("not an address"); !errors.Is(err, ErrServerClosed) {
		t.Errorf("got %v", err)
	}
	if err := (&Server{}).ListenAndServe("256.0.0.1:x"); err == nil || errors.Is(err, ErrServerClosed) {
		t.Errorf("bad address: %v", err)
	}
}

// A Synch whose IAC went out of band leaves a lone Data Mark before ABOR:
// still ABOR.
func TestABORAfterLoneDataMark(t *testing.T) {
	ts := startServer(t)
	c := ts.loginAlice(t)
	startUpload(t, c)
	c.NC.SetDeadline(time.Now().Add(5 * time.Second))
	c.raw("\xff\xf4\xf2ABOR\r\n")
	c.expect(426)
	c.expect(226)
	c.cmd(200, "NOOP")
}

// ABOR behind a pipelined line still stops the transfer at once; its 226
// comes after the reply of the line before it. QUIT behind one ends the
// session.
func TestABORBehindQueuedLine(t *testing.T) {
	ts := startServer(t)
	c := ts.loginAlice(t)
	startUpload(t, c)
	c.NC.SetDeadline(time.Now().Add(5 * time.Second))
	c.raw("NOOP\r\nABOR\r\n")
	c.expect(426)
	c.expect(200)
	c.expect(226)
	c.cmd(550, "SIZE big")

	startUpload(t, c)
	c.raw("NOOP\r\nQUIT\r\n")
	c.expect(426)
	c.expect(221)
	c.expectClosed()
}
