package core

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// openFDs counts the process's open descriptors (Linux); -1 elsewhere.
func openFDs() int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(ents)
}

// waitFDs waits (bounded) for the open descriptors to come back to at most
// want (plus slack for the runtime's own), and fails with the count if they
// do not.
func waitFDs(t *testing.T, want int) {
	t.Helper()
	if want < 0 {
		return
	}
	const slack = 4
	deadline := time.Now().Add(5 * time.Second)
	for openFDs() > want+slack {
		if time.Now().After(deadline) {
			t.Fatalf("%d descriptors open, %d before", openFDs(), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// ABOR sent in the same write as the RETR it aborts stops that transfer,
// though it may arrive before the transfer has started, or even before
// the command before it has ended: 426 (after 150 if the transfer got that
// far), then 226.
func TestPipelinedABORStopsTransfer(t *testing.T) {
	ts := startServer(t)
	ts.putFile(t, "/big", strings.Repeat("0123456789abcdef", 1<<20)) // past any socket buffer
	c := ts.loginAlice(t)
	for range 5 {
		c.pasv() // connected, never read
		c.NC.SetDeadline(time.Now().Add(5 * time.Second))
		c.raw("RETR big\r\nABOR\r\n")
		if code, msg := c.read(); code == 150 {
			c.expect(426)
		} else if code != 426 {
			t.Fatalf("RETR: %d %q, want 150 or 426", code, msg)
		}
		c.expect(226)
		c.cmd(200, "NOOP")
	}
}

// PASV and EPSV repeated a thousand times in one session keep one listener
// open, not a thousand.
func TestRepeatedPASVKeepsOneListener(t *testing.T) {
	ts := startServer(t)
	c := ts.loginAlice(t)
	c.cmd(229, "EPSV")
	before := openFDs()
	for i := range 1000 {
		if i%2 == 0 {
			c.cmd(227, "PASV")
		} else {
			c.cmd(229, "EPSV")
		}
	}
	if n := openFDs(); before >= 0 && n > before+4 {
		t.Fatalf("%d descriptors after 1000 PASV/EPSV, %d before", n, before)
	}
	c.cmd(226, "ABOR")
	waitFDs(t, before-1)
}

// Many connections to one passive port from the client's own address: one
// is taken for the transfer, the others are dropped with the listener, and
// nothing of them stays open once the transfer ends.
func TestPassiveFloodTakesOne(t *testing.T) {
	ts := startServer(t)
	ts.putFile(t, "/f", "payload")
	c := ts.loginAlice(t)
	before := openFDs()
	msg := c.cmd(229, "EPSV")
	port := msg[strings.Index(msg, "(|||")+4 : strings.LastIndex(msg, "|)")]
	var conns []net.Conn
	for range 40 {
		dc, err := net.Dial("tcp", "127.0.0.1:"+port)
		if err != nil {
			break // the backlog is full: fine
		}
		conns = append(conns, dc)
	}
	c.cmd(150, "RETR f")
	c.expect(226)
	got := 0
	for _, dc := range conns {
		dc.SetReadDeadline(time.Now().Add(5 * time.Second))
		b, _ := io.ReadAll(dc)
		if string(b) == "payload" {
			got++
		} else if len(b) > 0 {
			t.Errorf("a dropped connection read %q", b)
		}
		dc.Close()
	}
	if got != 1 {
		t.Fatalf("%d of %d connections got the file", got, len(conns))
	}
	c.cmd(200, "NOOP")
	waitFDs(t, before)
}

// PORT to a port where nothing listens, then RETR: 425 at once, and the
// session goes on.
func TestPORTToClosedPort(t *testing.T) {
	ts := startServer(t, func(s *Server) { s.DataTimeout = 10 * time.Second })
	ts.putFile(t, "/f", "x")
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	c := ts.loginAlice(t)
	for _, cmd := range []string{"RETR f", "LIST", "STOR g"} {
		c.cmd(200, "PORT 127,0,0,1,%d,%d", port>>8, port&0xff)
		start := time.Now()
		c.cmd(150, "%s", cmd)
		c.expect(425)
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("%s: 425 after %v", cmd, d)
		}
	}
	c.cmd(550, "SIZE g")
}

// A download whose client keeps its receive window shut for longer than
// the idle timeout is not ended by it: the client reads everything later
// and gets 226.
func TestZeroWindowOutlivesIdleTimeout(t *testing.T) {
	ts := startServer(t, func(s *Server) { s.IdleTimeout = 100 * time.Millisecond })
	data := strings.Repeat("0123456789abcdef", 2<<20) // past the socket buffers
	ts.putFile(t, "/big", data)
	c := ts.loginAlice(t)
	dc := c.pasv()
	c.cmd(150, "RETR big")
	time.Sleep(500 * time.Millisecond) // five idle timeouts, the window shut
	b, err := io.ReadAll(dc)
	if err != nil || len(b) != len(data) {
		t.Fatalf("read %d of %d bytes: %v", len(b), len(data), err)
	}
	c.expect(226)
}

// QUIT while a PROT P data connection stalls in its TLS handshake (the
// client connected and sends nothing) ends the transfer and the session
// at once.
func TestQUITDuringStalledDataHandshake(t *testing.T) {
	ts, cfg := startTLSServer(t, func(s *Server) { s.DataTimeout = 20 * time.Second })
	ts.putFile(t, "/f", "x")
	c := loginTLS(t, ts, clientTLS(t, cfg, tls.VersionTLS13), "P")
	c.pasv() // connected; no ClientHello comes
	c.cmd(150, "RETR f")
	start := time.Now()
	c.raw("QUIT\r\n")
	c.expect(426)
	c.expect(221)
	c.expectClosed()
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("QUIT took %v", d)
	}
	waitFor(t, func() bool { return ts.sessionCount() == 0 })
}

// osThreads is the process's thread count (Linux); -1 elsewhere.
func osThreads() int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if n, ok := strings.CutPrefix(line, "Threads:"); ok {
			var v int
			fmt.Sscan(n, &v)
			return v
		}
	}
	return -1
}

// Uploads read by blocking reads hold a thread each while they run: many
// slow uploads at once must not take a thread each past a bound (past the
// runtime's 10 000 threads the whole process dies); the rest read through
// the poller, and every upload still arrives whole.
func TestManyUploadsBoundThreads(t *testing.T) {
	if osThreads() < 0 {
		t.Skip("no thread count here")
	}
	old := maxDetached
	maxDetached = 4
	detachAfter = 0 // every upload asks for a thread from its first byte
	t.Cleanup(func() { maxDetached, detachAfter = old, recvDetachAfter })
	ts := startServer(t)
	const n = 40
	before := osThreads()
	var conns []*ftpConn
	var dcs []net.Conn
	for i := range n {
		c := ts.loginAlice(t)
		dc := c.pasv()
		c.cmd(150, "STOR up%d", i)
		io.WriteString(dc, "first half ")
		conns, dcs = append(conns, c), append(dcs, dc)
	}
	time.Sleep(200 * time.Millisecond) // every upload in its read loop
	during := osThreads()
	if got := detached.Load(); got != maxDetached {
		t.Errorf("%d uploads read by blocking reads, want the bound, %d", got, maxDetached)
	}
	for i, dc := range dcs {
		io.WriteString(dc, "second half")
		dc.Close()
		conns[i].expect(226)
	}
	// Each gave its place back before its 226: later uploads detach again.
	if got := detached.Load(); got != 0 {
		t.Errorf("%d places still taken after every upload ended", got)
	}
	t.Logf("threads: %d before, %d during %d uploads", before, during, n)
	if during-before > n/2 {
		t.Fatalf("%d threads during %d uploads, %d before", during, n, before)
	}
	for i := range n {
		if got := getFile(t, ts.Mem, fmt.Sprintf("/up%d", i)); got != "first half second half" {
			t.Fatalf("up%d: %q", i, got)
		}
	}
}

// slowConn is a data connection that takes its time for every write and
// keeps a deadline as a socket does: a write after it fails.
type slowConn struct {
	net.Conn
	mu       sync.Mutex
	deadline time.Time
	n        int
}

func (c *slowConn) SetDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.deadline = t
	return nil
}

func (c *slowConn) Write(p []byte) (int, error) {
	time.Sleep(10 * time.Millisecond)
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.deadline.IsZero() && time.Now().After(c.deadline) {
		return 0, os.ErrDeadlineExceeded
	}
	c.n += len(p)
	return len(p), nil
}

// pieceReader reads 64 KiB at most at a time.
type pieceReader struct{ r io.Reader }

func (p pieceReader) Read(b []byte) (int, error) { return p.r.Read(b[:min(len(b), 64<<10)]) }

// A client that reads a download or a listing slowly but steadily is not
// taken for a stalled one: the stall timeout bounds a pause, not the whole
// transfer (it cut a steady client short once a megabyte took longer than
// the stall timeout).
func TestSlowSteadyReaderNotStalled(t *testing.T) {
	old := dataStallTimeout
	// 64 writes 10 ms apart take longer than the stall timeout, each far
	// less (a loaded machine stretches a 10 ms sleep, not to 300 ms).
	dataStallTimeout = 400 * time.Millisecond
	t.Cleanup(func() { dataStallTimeout = old })
	s := newDataTestSession(&Server{})
	data := strings.Repeat("x", 2<<20) // in 32 KiB pieces (copyBufSize), 10 ms apart
	conn := &slowConn{}
	n, err := s.copyLoop(conn, pieceReader{strings.NewReader(data)}, conn, false, make([]byte, copyBufSize))
	if err != nil || n != int64(len(data)) || conn.n != len(data) {
		t.Fatalf("download: %d bytes, %v", n, err)
	}
	conn = &slowConn{}
	w := &countWriter{w: conn, n: &s.data.bytes, stall: s.newStallClock(conn)}
	for range 64 {
		if _, err := w.Write([]byte(data[:64<<10])); err != nil {
			t.Fatalf("listing: %v after %d bytes", err, conn.n)
		}
	}
}

// ctxHooks watches TYPE with a Before hook that fails once the command's
// context is cancelled, as a script's does.
type ctxHooks struct{ fakeHooks }

func (*ctxHooks) Wants(verb string) (bool, bool) { return verb == "TYPE", false }
func (*ctxHooks) Before(ctx context.Context, ev *Event) (*Reply, error) {
	return nil, ctx.Err()
}

// ABOR pipelined behind a queued command aborts it only if it is a
// transfer: a TYPE before it still runs (its script hook is not cancelled
// into a 451), a RETR before it does not start.
func TestPipelinedABORSparesNonTransfer(t *testing.T) {
	ts := startServer(t, func(s *Server) { s.Hooks = &ctxHooks{} })
	ts.putFile(t, "/f", "data")
	c := ts.loginAlice(t)
	startUpload(t, c)
	c.raw("TYPE A\r\nABOR\r\n")
	c.expect(426) // the upload
	c.expect(200)
	c.expect(226)
	startUpload(t, c)
	c.raw("EPSV\r\nRETR f\r\nABOR\r\n")
	c.expect(426) // the upload
	c.expect(229)
	c.expect(426) // the RETR, not started
	c.expect(226)
	c.cmd(200, "TYPE I")
}

// afterHooks watches STOR with an After hook that reports its context's
// state and the result it was given.
type afterHooks struct {
	fakeHooks
	got chan string
}

func (*afterHooks) Wants(verb string) (bool, bool) { return false, verb == "STOR" }
func (h *afterHooks) After(ctx context.Context, ev *Event, res *Result) {
	h.got <- fmt.Sprintf("%d %v", res.Code, ctx.Err())
}

// An After hook hears of an aborted command too (an audit log wants those
// most), with a context of its own: the command's, cancelled by the ABOR,
// failed the script before it began.
func TestAfterHookSeesAbortedCommand(t *testing.T) {
	h := &afterHooks{got: make(chan string, 1)}
	ts := startServer(t, func(s *Server) { s.Hooks = h })
	c := ts.loginAlice(t)
	startUpload(t, c)
	c.raw("ABOR\r\n")
	c.expect(426)
	c.expect(226)
	if got := <-h.got; got != "426 <nil>" {
		t.Fatalf("the After hook got %q", got)
	}
}
