package core

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"
)

// TestIdleSessionMemory opens many logged-in sessions and measures what
// each costs the server while idle: heap plus goroutine stacks, per session.
func TestIdleSessionMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("opens 500 connections")
	}
	const n = 500
	ts := startServer(t, func(s *Server) {
		// The logger a deployment has: JSON with its per-session attributes.
		s.Logger = slog.New(slog.NewJSONHandler(io.Discard, nil))
	})
	// The clients' side lives in this process too: measure it alone first by
	// holding plain TCP connections to a listener that does nothing.
	clientCost := measure(func() func() {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		accepted := make(chan net.Conn, n)
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				accepted <- c
			}
		}()
		conns := make([]net.Conn, 0, 2*n)
		for i := 0; i < n; i++ {
			c, err := net.Dial("tcp", l.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, c, <-accepted)
		}
		return func() {
			l.Close()
			for _, c := range conns {
				c.Close()
			}
		}
	})
	total := measure(func() func() {
		conns := make([]net.Conn, 0, n)
		for i := 0; i < n; i++ {
			conns = append(conns, rawLogin(t, ts.Addr))
		}
		waitFor(t, func() bool { return ts.idleSessions() == n })
		return func() {
			for _, c := range conns {
				c.Close()
			}
		}
	})
	// A plain connection pair cost both ends' sockets; the server's share
	// of it is half.
	perSession := (total - clientCost/2) / n
	t.Logf("idle logged-in session: %.2f KiB (total %.0f KiB, client side %.0f KiB)",
		perSession/1024, total/1024, clientCost/2048)
	if perSession > 8*1024 && !raceEnabled {
		t.Errorf("an idle session costs %.2f KiB, want at most 8 KiB", perSession/1024)
	}
}

// An idle session's largest object is its Session: keep it in the 448-byte
// size class (the next is 480). A new field can usually take the place of
// padding among the small fields at the end of a group.
func TestSessionSize(t *testing.T) {
	if n := unsafe.Sizeof(Session{}); n > 448 {
		t.Errorf("Session is %d bytes, want at most 448", n)
	}
}

// measure runs setup and reports the heap and stack growth while its
// result is alive; the returned func tears it down.
func measure(setup func() func()) float64 {
	before := memInUse()
	teardown := setup()
	after := memInUse()
	teardown()
	return float64(after) - float64(before)
}

func memInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if debugMem {
		fmt.Printf("heap %d stack %d goroutines %d\n", ms.HeapAlloc, ms.StackInuse, runtime.NumGoroutine())
	}
	return ms.HeapAlloc + ms.StackInuse
}

var debugMem = false

// rawLogin logs in with as little client-side state as possible.
func rawLogin(t testing.TB, addr string) net.Conn {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReaderSize(c, 256)
	expectRaw(t, r, "220")
	fmt.Fprintf(c, "USER %s\r\n", testUser)
	expectRaw(t, r, "331")
	fmt.Fprintf(c, "PASS %s\r\n", testPass)
	expectRaw(t, r, "230")
	return c
}

func expectRaw(t testing.TB, r *bufio.Reader, code string) {
	line, err := r.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, code+" ") {
		t.Fatalf("got %q %v, want %s", line, err, code)
	}
}

// idleSessions counts sessions logged in and waiting for a command.
func (ts *testServer) idleSessions() int {
	return countIdle(ts.snapshot())
}

// BenchmarkLoginQuit measures whole sessions (connect, greeting, USER, PASS,
// QUIT, close) with 8 concurrent clients and a -user account.
func BenchmarkLoginQuit(b *testing.B) {
	ts := startServer(b, func(s *Server) { s.MaxSessionsPerIP = 0 })
	var sessions atomic.Int64
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	var next atomic.Int64
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				c := rawLogin(b, ts.Addr)
				fmt.Fprintf(c, "QUIT\r\n")
				expectRaw(b, bufio.NewReaderSize(c, 256), "221")
				c.Close()
				sessions.Add(1)
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(sessions.Load())/time.Since(start).Seconds(), "sessions/s")
}

// BenchmarkNOOP measures NOOP round trips on logged-in sessions, 8 at once:
// the cost a busy session pays for idle parking.
func BenchmarkNOOP(b *testing.B) {
	ts := startServer(b, func(s *Server) { s.MaxSessionsPerIP = 0 })
	var next atomic.Int64
	var wg sync.WaitGroup
	conns := make([]net.Conn, 8)
	for i := range conns {
		conns[i] = rawLogin(b, ts.Addr)
		conns[i].SetDeadline(time.Time{})
	}
	b.ResetTimer()
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := bufio.NewReaderSize(c, 256)
			for next.Add(1) <= int64(b.N) {
				io.WriteString(c, "NOOP\r\n")
				expectRaw(b, r, "200")
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	for _, c := range conns {
		c.Close()
	}
}
