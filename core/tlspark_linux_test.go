package core

import (
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/luaftpd/luaftpd/core/ftptest"
)

// tlsVersions are the protocol versions the parking tests run with.
var tlsVersions = []uint16{tls.VersionTLS12, tls.VersionTLS13}

// clientConn is the client's socket under its TLS: in bytes mode it writes
// one byte per write, so that the server sees records, headers included,
// arrive in pieces; while holding, it keeps what it is given until flush
// writes it all at once, so that the server finds several records waiting.
type clientConn struct {
	net.Conn
	bytes   atomic.Bool
	holding atomic.Bool
	held    []byte
}

func (cc *clientConn) Write(p []byte) (int, error) {
	if cc.holding.Load() {
		cc.held = append(cc.held, p...)
		return len(p), nil
	}
	return cc.write(p)
}

func (cc *clientConn) write(p []byte) (int, error) {
	if !cc.bytes.Load() {
		return cc.Conn.Write(p)
	}
	for i := range p {
		if _, err := cc.Conn.Write(p[i : i+1]); err != nil {
			return i, err
		}
	}
	return len(p), nil
}

// flush stops holding and writes what was held.
func (cc *clientConn) flush() error {
	cc.holding.Store(false)
	_, err := cc.write(cc.held)
	cc.held = nil
	return err
}

// authTLS runs AUTH TLS on c, with the client's TLS over wrap(c.NC), and
// logs in; the client writes each command in one TLS record (records as
// large as TLS allows: no small first records).
func authTLS(t *testing.T, c *ftpConn, ccfg *tls.Config, wrap func(net.Conn) net.Conn) *ftpConn {
	t.Helper()
	c.cmd(234, "AUTH TLS")
	ccfg = ccfg.Clone()
	ccfg.DynamicRecordSizingDisabled = true
	tc := tls.Client(wrap(c.NC), ccfg)
	if err := tc.Handshake(); err != nil {
		t.Fatal(err)
	}
	c = &ftpConn{&ftptest.Conn{Conn: textproto.NewConn(tc), T: t, NC: tc}}
	c.cmd(331, "USER %s", testUser)
	c.cmd(230, "PASS %s", testPass)
	return c
}

// dialImplicit logs in on an implicit FTPS listener.
func dialImplicit(t *testing.T, addr string, ccfg *tls.Config) *ftpConn {
	t.Helper()
	tc, err := tls.Dial("tcp", addr, ccfg)
	if err != nil {
		t.Fatal(err)
	}
	tc.SetDeadline(time.Now().Add(ftptest.Timeout))
	c := &ftpConn{&ftptest.Conn{Conn: textproto.NewConn(tc), T: t, NC: tc}}
	t.Cleanup(func() { c.Close() })
	c.expect(220)
	c.cmd(331, "USER %s", testUser)
	c.cmd(230, "PASS %s", testPass)
	return c
}

// writeRecord writes b in one TLS record (one Write of a client with
// DynamicRecordSizingDisabled, up to 16 KiB) and gives the exchange until
// within from now: a line the server holds unanswered fails the test.
func writeRecord(c *ftpConn, b string, within time.Duration) {
	c.T.Helper()
	c.NC.SetDeadline(time.Now().Add(within))
	c.raw(b)
}

// Idle TLS sessions, explicit and implicit, hold no goroutine, and answer
// when their client speaks again, more than once.
func TestTLSSessionsPark(t *testing.T) {
	const n = 10
	for _, v := range tlsVersions {
		t.Run(tls.VersionName(v), func(t *testing.T) {
			ts, cfg := startTLSServer(t)
			implicit := serveImplicit(t, ts)
			ccfg := clientTLS(t, cfg, v)
			ts.dial(t).cmd(200, "NOOP") // the poller's own goroutine is running
			ts.waitParked(t, 1)
			before := runtime.NumGoroutine()
			conns := make([]*ftpConn, 0, 2*n)
			for range n {
				conns = append(conns, loginTLS(t, ts, ccfg, "P"), dialImplicit(t, implicit, ccfg))
			}
			ts.waitParked(t, 2*n+1)
			if g := runtime.NumGoroutine(); g > before+5 {
				t.Errorf("%d goroutines for %d idle TLS sessions, %d before", g, 2*n, before)
			}
			for round := range 3 {
				for i, c := range conns {
					c.cmd(200, "NOOP")
					if msg := c.cmd(257, "PWD"); !strings.Contains(msg, `"/"`) {
						t.Fatalf("round %d, session %d: PWD %q", round, i, msg)
					}
				}
				ts.waitParked(t, 2*n+1)
			}
		})
	}
}

// Lines that come in one TLS record, in several, or in records that come
// in pieces, are all answered, in order, by a session that parks between
// them. A session that parked with a line left in the tls.Conn would never
// answer it: each exchange has a deadline.
func TestTLSParkedRecords(t *testing.T) {
	for _, v := range tlsVersions {
		t.Run(tls.VersionName(v), func(t *testing.T) {
			ts, cfg := startTLSServer(t)
			ccfg := clientTLS(t, cfg, v)
			for _, mode := range []string{"whole", "bytes"} {
				t.Run(mode, func(t *testing.T) {
					cc := &clientConn{}
					c := authTLS(t, ts.dial(t), ccfg, func(nc net.Conn) net.Conn { cc.Conn = nc; return cc })
					cc.bytes.Store(mode == "bytes")
					parkedRecords(t, ts, c, cc)
				})
			}
		})
	}
}

// parkedRecords sends c's lines in the ways TestTLSParkedRecords lists.
func parkedRecords(t *testing.T, ts *testServer, c *ftpConn, cc *clientConn) {
	expect := func(codes ...int) {
		t.Helper()
		for _, want := range codes {
			c.expect(want)
		}
		ts.waitParked(t, 1)
	}
	ts.waitParked(t, 1)
	writeRecord(c, "NOOP\r\nPWD\r\nSYST\r\n", 5*time.Second)
	expect(200, 257, 215)

	// One line in two records.
	writeRecord(c, "PW", 5*time.Second)
	writeRecord(c, "D\r\nNOOP\r\n", 5*time.Second)
	expect(257, 200)

	// A line longer than the line buffer, one longer than a line may be,
	// and lines after them, in one record.
	long := "CWD /" + strings.Repeat("d", 2000) + "\r\n"
	tooLong := "CWD /" + strings.Repeat("e", maxLineLen+10) + "\r\n"
	writeRecord(c, long+tooLong+"PWD\r\n", 5*time.Second)
	expect(550, 500, 257)

	// More plaintext in one record than the line reader reads at once,
	// more lines than may queue behind a command. The first lines fill the
	// line buffer exactly: that Read leaves the rest of the record in the
	// tls.Conn with no partial line in the line reader.
	const k = 1000
	fill := strings.Repeat("MODE S\r\n", lineBufMin/8)
	writeRecord(c, fill+strings.Repeat("NOOP\r\n", k)+"SYST\r\n", 10*time.Second)
	for range lineBufMin/8 + k {
		c.expect(200)
	}
	expect(215)

	// Lines in records of their own, which reach the server together.
	cc.holding.Store(true)
	for i := range 50 {
		writeRecord(c, fmt.Sprintf("MODE %c\r\n", "SX"[i%2]), 5*time.Second)
	}
	writeRecord(c, "PW", 5*time.Second)
	writeRecord(c, "D\r\n", 5*time.Second)
	if err := cc.flush(); err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		c.expect([]int{200, 501}[i%2])
	}
	expect(257)
	c.cmd(221, "QUIT")
	c.expectClosed()
}

// A parked TLS session ends cleanly when its client sends close_notify or
// hangs up, and times out with a 421 sent over TLS.
func TestTLSParkedEnds(t *testing.T) {
	ts, cfg := startTLSServer(t, func(s *Server) { s.IdleTimeout = 300 * time.Millisecond })
	ccfg := clientTLS(t, cfg, tls.VersionTLS13)

	c := loginTLS(t, ts, ccfg, "")
	ts.waitParked(t, 1)
	if err := c.NC.(*tls.Conn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	c.expectClosed()
	waitFor(t, func() bool { return ts.sessionCount() == 0 })

	c = loginTLS(t, ts, ccfg, "")
	ts.waitParked(t, 1)
	c.Close()
	waitFor(t, func() bool { return ts.sessionCount() == 0 && ts.parkedCount() == 0 })

	c = loginTLS(t, ts, ccfg, "")
	ts.waitParked(t, 1)
	if msg := c.expect(421); !strings.Contains(msg, "Timeout") {
		t.Errorf("421 text %q", msg)
	}
	c.expectClosed()
	waitFor(t, func() bool { return ts.sessionCount() == 0 && ts.parkedCount() == 0 })
}

// Shutdown ends parked TLS sessions, explicit and implicit, with a 421
// sent over TLS.
func TestTLSShutdownClosesParkedSessions(t *testing.T) {
	ts, cfg := startTLSServer(t)
	implicit := serveImplicit(t, ts)
	ccfg := clientTLS(t, cfg, tls.VersionTLS13)
	conns := []*ftpConn{loginTLS(t, ts, ccfg, "P"), dialImplicit(t, implicit, ccfg), loginTLS(t, ts, ccfg, "")}
	shutdownParked(t, ts, conns)
}

// Transfers over PROT P work from a parked TLS session, which parks again
// after each.
func TestTLSParkedTransfers(t *testing.T) {
	ts, cfg := startTLSServer(t)
	ccfg := clientTLS(t, cfg, tls.VersionTLS13)
	c := loginTLS(t, ts, ccfg, "P")
	data := binaryData(300 << 10)
	for round := range 2 {
		ts.waitParked(t, 1)
		name := fmt.Sprintf("f%d", round)
		dc := pasvTLS(c, ccfg)
		c.cmd(150, "STOR %s", name)
		if _, err := io.WriteString(dc, data); err != nil {
			t.Fatal(err)
		}
		dc.Close()
		c.expect(226)

		ts.waitParked(t, 1)
		dc = pasvTLS(c, ccfg)
		c.cmd(150, "RETR %s", name)
		if b, err := io.ReadAll(dc); err != nil || string(b) != data {
			t.Fatalf("RETR: %d bytes, %v", len(b), err)
		}
		c.expect(226)

		ts.waitParked(t, 1)
		dc = pasvTLS(c, ccfg)
		c.cmd(150, "NLST")
		b, err := io.ReadAll(dc)
		if err != nil || !strings.Contains(string(b), name) {
			t.Fatalf("NLST: %q, %v", b, err)
		}
		c.expect(226)
	}
	ts.waitParked(t, 1)
}

// waitParked waits until n sessions are parked in the idle poller.
func (ts *testServer) waitParked(t *testing.T, n int) {
	t.Helper()
	waitFor(t, func() bool { return ts.parkedCount() == n })
}

// inSocket is how many bytes wait unread in conn's socket.
func inSocket(t *testing.T, conn net.Conn) int {
	t.Helper()
	rc, err := conn.(syscall.Conn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var n int
	var ierr error
	rc.Control(func(fd uintptr) { n, ierr = unix.IoctlGetInt(int(fd), unix.SIOCINQ) })
	if ierr != nil {
		t.Fatal(ierr)
	}
	return n
}

// countingConn counts the bytes written through it.
type countingConn struct {
	net.Conn
	n atomic.Int64
}

func (c *countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.n.Add(int64(n))
	return n, err
}

// A tls.Conn over a recordConn takes one record from the socket at a time:
// records the client sent together wait in the socket, where epoll sees
// them, until the plaintext before them has been read; and the recordConn
// knows when the plaintext is all read.
func TestRecordConnLeavesRecordsInSocket(t *testing.T) {
	cfg, err := SelfSignedTLSConfig()
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range tlsVersions {
		t.Run(tls.VersionName(v), func(t *testing.T) {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			accepted := make(chan net.Conn, 1)
			go func() {
				c, _ := l.Accept()
				accepted <- c
			}()
			nc, err := net.Dial("tcp", l.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			cc := &countingConn{Conn: nc}
			client := tls.Client(cc, clientTLS(t, cfg, v))
			raw := <-accepted
			if raw == nil {
				t.Fatal("accept failed")
			}
			defer raw.Close()
			raw.SetDeadline(time.Now().Add(10 * time.Second))
			server := newTLSControl(&Server{TLSConfig: cfg}, raw)
			rc := tlsRecords(server)
			done := make(chan error, 1)
			go func() { done <- client.Handshake() }()
			if err := server.Handshake(); err != nil {
				t.Fatal(err)
			}
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			if !rc.drained() {
				t.Fatal("not drained after the handshake")
			}
			start := cc.n.Load()
			var sizes []int64
			for _, s := range []string{"one\n", "two\n", "three\n"} {
				at := cc.n.Load()
				client.Write([]byte(s))
				sizes = append(sizes, cc.n.Load()-at)
			}
			total := int(cc.n.Load() - start)
			waitFor(t, func() bool { return inSocket(t, raw) == total })
			lines := (*tlsLines)(rc)
			buf := make([]byte, 512)
			for i, want := range []string{"one\n", "two\n", "three\n"} {
				n, err := lines.Read(buf)
				if err != nil || string(buf[:n]) != want {
					t.Fatalf("read %q, %v; want %q", buf[:n], err, want)
				}
				total -= int(sizes[i])
				if got := inSocket(t, raw); got != total {
					t.Fatalf("after record %d: %d bytes in the socket, want %d", i, got, total)
				}
				if !rc.drained() {
					t.Fatalf("after record %d: not drained", i)
				}
			}
			// A Read that fills its buffer may leave plaintext behind.
			client.Write([]byte("abcdef"))
			if n, err := lines.Read(buf[:3]); n != 3 || err != nil {
				t.Fatalf("read %d, %v", n, err)
			}
			if rc.drained() {
				t.Fatal("drained with 3 bytes left in the tls.Conn")
			}
			if n, err := lines.Read(buf); string(buf[:n]) != "def" || err != nil {
				t.Fatalf("read %q, %v", buf[:n], err)
			}
			if !rc.drained() {
				t.Fatal("not drained")
			}
		})
	}
}
