package core

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/luaftpd/luaftpd/core/ftptest"
)

// dripFeed writes b one byte every interval until the connection fails or
// stop is closed.
func dripFeed(nc net.Conn, b string, interval time.Duration, stop <-chan struct{}) {
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		case <-time.After(interval):
		}
		if _, err := nc.Write([]byte{b[i%len(b)]}); err != nil {
			return
		}
	}
}

// A client that sends one byte every 100 ms and never a line feed is not
// busy: the idle timeout ends it as if it were silent, before login and
// after, and whether or not the line it drips has grown past the line
// limit.
func TestDripFeedHitsIdleTimeout(t *testing.T) {
	const idle = 400 * time.Millisecond
	ts := startServer(t, func(s *Server) { s.IdleTimeout = idle })
	for _, tc := range []struct {
		name  string
		login bool
		pre   string // sent at once before the drip
	}{
		{"greeted", false, ""},
		{"logged in", true, ""},
		{"after a long line", true, strings.Repeat("x", 2*maxLineLen)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c *ftpConn
			if tc.login {
				c = ts.loginAlice(t)
			} else {
				c = ts.dial(t)
			}
			c.raw(tc.pre)
			stop := make(chan struct{})
			defer close(stop)
			go dripFeed(c.NC, "NOOP ", 100*time.Millisecond, stop)
			start := time.Now()
			c.expect(421)
			c.expectClosed()
			if d := time.Since(start); d > idle+2*time.Second {
				t.Fatalf("421 after %v, idle timeout %v", d, idle)
			}
		})
	}
	waitFor(t, func() bool { return ts.sessionCount() == 0 })
}

// A client that sends command after command and never reads a reply is
// stopped by its own socket: the server reads a bounded queue ahead of the
// replies it could not write, so the client's writes block after a bounded
// amount, and the server's heap does not grow with what the client sends.
// Once a reply cannot be written within the write timeout, the session
// ends: a reply cut in the middle cannot be taken back.
func TestUnreadRepliesBounded(t *testing.T) {
	old := writeTimeout
	writeTimeout = 300 * time.Millisecond
	t.Cleanup(func() { writeTimeout = old })
	ts := startServer(t)
	c := ts.loginAlice(t)
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)

	chunk := []byte(strings.Repeat("HELP\r\nFEAT\r\nNOOP\r\n", 4096))
	var sent int
	for sent < 256<<20 {
		c.NC.SetWriteDeadline(time.Now().Add(time.Second))
		n, err := c.NC.Write(chunk)
		sent += n
		if err != nil {
			break
		}
	}
	if sent >= 256<<20 {
		t.Fatalf("the server took %d MiB of commands without its replies being read", sent>>20)
	}
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	growth := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("client sent %d KiB before blocking; heap grew %d KiB", sent>>10, growth>>10)
	if !raceEnabled && growth > 8<<20 {
		t.Errorf("heap grew by %d KiB", growth>>10)
	}
	// Not reading on, the client sees the server end the session.
	waitFor(t, func() bool { return ts.sessionCount() == 0 })
	c.NC.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.Copy(io.Discard, c.NC); err != nil && !isReset(err) {
		t.Fatalf("reading after the session ended: %v", err)
	}
}

// isReset reports a connection the server closed with data unread.
func isReset(err error) bool {
	return err != nil && !errors.Is(err, os.ErrDeadlineExceeded)
}

// A client that opens a data connection for RETR and never reads it gets
// 426 once nothing has moved for the stall timeout, and the session goes
// on.
func TestRetrieveNeverRead(t *testing.T) {
	old := dataStallTimeout
	dataStallTimeout = 300 * time.Millisecond
	t.Cleanup(func() { dataStallTimeout = old })
	ts := startServer(t)
	ts.putFile(t, "/big", strings.Repeat("0123456789abcdef", 1<<20)) // 16 MiB, past any socket buffer
	for _, list := range []bool{false, true} {
		c := ts.loginAlice(t)
		dc := c.pasv()
		start := time.Now()
		if list {
			long := strings.Repeat("x", 200)
			for i := range 40000 {
				ts.putFile(t, fmt.Sprintf("/many%s%d", long, i), "")
			}
			c.cmd(150, "LIST /")
		} else {
			c.cmd(150, "RETR big")
		}
		c.expect(426)
		if d := time.Since(start); d > 10*time.Second {
			t.Fatalf("426 after %v", d)
		}
		c.cmd(200, "NOOP")
		dc.Close()
		c.cmd(221, "QUIT")
	}
}

// Half-closed control connections: a client that sends its commands and
// then shuts down its sending side still gets every reply, in order, and
// then the end of the connection; the session ends.
func TestHalfClosedControl(t *testing.T) {
	ts := startServer(t)
	ts.putFile(t, "/f", "data")
	for _, tc := range []struct {
		name, send string
		want       []string
	}{
		{"one command", "NOOP\r\n", []string{"200"}},
		{"pipelined", "USER alice\r\nPASS secret\r\nSIZE f\r\nPWD\r\n", []string{"331", "230", "213 4", "257"}},
		{"unfinished line", "NOOP\r\nNOO", []string{"200"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := ts.dial(t)
			c.raw(tc.send)
			if err := c.NC.(*net.TCPConn).CloseWrite(); err != nil {
				t.Fatal(err)
			}
			br := bufio.NewReader(c.NC)
			for _, want := range tc.want {
				line, err := br.ReadString('\n')
				if err != nil || !strings.HasPrefix(line, want) {
					t.Fatalf("got %q, %v; want %s", line, err, want)
				}
			}
			if line, err := br.ReadString('\n'); err == nil {
				t.Fatalf("then %q, want the end of the connection", line)
			}
		})
	}
	waitFor(t, func() bool { return ts.sessionCount() == 0 })
}

// The end of the control stream may be a client that vanished: an upload
// it started is aborted, and one still queued is refused, so that data
// cut short never replaces the file. The commands before it are answered.
func TestHalfClosedControlNoUpload(t *testing.T) {
	ts := startServer(t)
	for _, queued := range []bool{false, true} {
		ts.putFile(t, "/f", "good")
		c := ts.loginAlice(t)
		dc := c.pasv()
		if queued {
			c.raw("SIZE f\r\nSTOR f\r\n")
		} else {
			c.cmd(150, "STOR f")
		}
		c.NC.(*net.TCPConn).CloseWrite()
		time.Sleep(20 * time.Millisecond) // the server sees the end first
		io.WriteString(dc, "cut short")
		dc.Close()
		if queued {
			c.expect(213)
			if code, msg := c.read(); code == 150 { // it started before the end came
				c.expect(426)
			} else if code != 425 {
				t.Fatalf("queued STOR: %d %q", code, msg)
			}
		} else {
			c.expect(426)
		}
		c.expectClosed()
		if got := getFile(t, ts.Mem, "/f"); got != "good" {
			t.Fatalf("queued %v: f holds %q", queued, got)
		}
	}
}

// A client that half-closes its data connection in the middle of a
// download, or never sends on an upload's and half-closes it, ends that
// transfer as a complete upload (EOF) or a broken download; the session
// goes on.
func TestHalfClosedData(t *testing.T) {
	ts := startServer(t)
	ts.putFile(t, "/f", "old")
	c := ts.loginAlice(t)
	dc := c.pasv()
	c.cmd(150, "STOR f")
	dc.(*net.TCPConn).CloseWrite()
	c.expect(226)
	dc.Close()
	if got := getFile(t, ts.Mem, "/f"); got != "" {
		t.Fatalf("STOR of nothing left %q", got)
	}
	c.cmd(200, "NOOP")
}

// A client that holds the most sessions its address may have gets a 421
// for one more; once it hangs up one of them (idle, so parked), a new
// session is admitted, and all of them end when it hangs up the rest.
func TestMaxSessionsPerIPReleased(t *testing.T) {
	const limit = 3
	ts := startServer(t, func(s *Server) { s.MaxSessionsPerIP = limit })
	var held []*ftpConn
	for range limit {
		c := ts.loginAlice(t)
		c.cmd(200, "NOOP")
		held = append(held, c)
	}
	over := ts.connect(t)
	if msg := over.expect(421); !strings.Contains(msg, "your address") {
		t.Fatalf("421 text %q", msg)
	}
	over.expectClosed()
	held[0].NC.Close()
	waitFor(t, func() bool { return ts.sessionCount() < limit })
	c := ts.loginAlice(t)
	c.cmd(257, "PWD")
	for _, h := range held[1:] {
		h.NC.Close()
	}
	c.NC.Close()
	waitFor(t, func() bool { return ts.sessionCount() == 0 })
}

// blockingHooks is a hook engine whose Before hook for NOOP waits for the
// command's cancellation and returns its error, as a script does when the
// session ends under it.
type blockingHooks struct {
	fakeHooks
	entered chan struct{}
}

func (*blockingHooks) Wants(verb string) (bool, bool) { return verb == "NOOP", false }
func (h *blockingHooks) Before(ctx context.Context, ev *Event) (*Reply, error) {
	h.entered <- struct{}{}
	<-ctx.Done()
	return nil, ctx.Err()
}

// A client that hangs up while a script runs for its command is no error
// of the server's or the script's: it is not logged as one.
func TestHangupDuringHookIsNoError(t *testing.T) {
	var buf ftptest.LogBuf
	h := &blockingHooks{entered: make(chan struct{}, 1)}
	ts := startServer(t, func(s *Server) {
		s.Hooks = h
		s.Logger = slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	c := ts.loginAlice(t)
	c.raw("NOOP\r\n")
	<-h.entered
	c.NC.Close()
	waitFor(t, func() bool { return ts.sessionCount() == 0 })
	if strings.Contains(buf.String(), `"level":"ERROR"`) {
		t.Fatalf("a hangup was logged as an error:\n%s", buf.String())
	}
	if !strings.Contains(buf.String(), "before hook cancelled") {
		t.Fatalf("no record of the cancelled hook:\n%s", buf.String())
	}
}
