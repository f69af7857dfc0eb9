package core

import (
	"bytes"
	"context"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jlaffaye/ftp"
	"github.com/luaftpd/luaftpd/vfs"
)

// putFile writes a file into fsys directly.
func putFile(t testing.TB, fsys vfs.FS, name, data string) {
	t.Helper()
	up, err := fsys.Create(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(up, data); err != nil {
		t.Fatal(err)
	}
	if err := up.Commit(); err != nil {
		t.Fatal(err)
	}
}

// getFile reads a file of fsys directly; "<missing>" if it does not exist.
func getFile(t testing.TB, fsys vfs.FS, name string) string {
	t.Helper()
	f, err := fsys.Open(context.Background(), name)
	if err != nil {
		return "<missing>"
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// binaryData has every byte value, CR and LF included, so any conversion
// in binary mode shows.
func binaryData(n int) string {
	b := make([]byte, 1<<16+1)
	for i := range b {
		b[i] = byte(i*31 + i/256)
	}
	return strings.Repeat(string(b), n/len(b)+1)[:n]
}

func TestStoreRetrieveBinary(t *testing.T) {
	ts := startServer(t)
	c := ts.loginAlice(t)
	data := binaryData(100_000) + "\r\n\n\r"
	c.store("/bin.dat", data)
	if got := getFile(t, ts.Mem, "/bin.dat"); got != data {
		t.Fatalf("stored %d bytes, want %d unchanged", len(got), len(data))
	}
	if got := c.retrieve("RETR bin.dat"); got != data {
		t.Fatalf("retrieved %d bytes, want %d unchanged", len(got), len(data))
	}
}

func TestTransferTypeA(t *testing.T) {
	ts := startServer(t)
	c := ts.loginAlice(t)
	c.cmd(200, "TYPE A")
	c.store("/a.txt", "one\r\ntwo\r\n\r\nbare\rcr\r\n")
	if got, want := getFile(t, ts.Mem, "/a.txt"), "one\ntwo\n\nbare\rcr\n"; got != want {
		t.Fatalf("TYPE A stored %q, want %q", got, want)
	}
	if got, want := c.retrieve("RETR a.txt"), "one\r\ntwo\r\n\r\nbare\rcr\r\n"; got != want {
		t.Fatalf("TYPE A sent %q, want %q", got, want)
	}
	c.cmd(200, "TYPE I")
	if got, want := c.retrieve("RETR a.txt"), "one\ntwo\n\nbare\rcr\n"; got != want {
		t.Fatalf("TYPE I sent %q, want %q", got, want)
	}
}

func TestTypeStruModeReplies(t *testing.T) {
	ts := startServer(t)
	c := ts.loginAlice(t)
	for cmd, code := range map[string]int{
		"TYPE A": 200, "TYPE a": 200, "TYPE A N": 200, "TYPE I": 200, "TYPE L 8": 200,
		"TYPE E": 504, "TYPE A T": 200, "TYPE L 7": 504, "TYPE X": 504,
		"STRU F": 200, "STRU R": 504, "STRU P": 504,
		"MODE S": 200, "MODE B": 504, "MODE C": 504,
	} {
		c.cmd(code, "%s", cmd)
	}
}

func TestBinaryIsDefault(t *testing.T) {
	ts := startServer(t)
	putFile(t, ts.Mem, "/f", "a\nb\n")
	c := ts.loginAlice(t)
	if got := c.retrieve("RETR f"); got != "a\nb\n" {
		t.Fatalf("default type sent %q", got)
	}
}

func TestRestRetrieve(t *testing.T) {
	ts := startServer(t)
	putFile(t, ts.Mem, "/f", "0123456789")
	c := ts.loginAlice(t)
	if msg := c.cmd(350, "REST 4"); !strings.HasPrefix(msg, "Restarting at 4.") {
		t.Fatalf("REST reply %q", msg)
	}
	if got := c.retrieve("RETR f"); got != "456789" {
		t.Fatalf("REST 4 + RETR sent %q", got)
	}
	// The offset applies to one transfer only.
	if got := c.retrieve("RETR f"); got != "0123456789" {
		t.Fatalf("RETR after a REST transfer sent %q", got)
	}
	c.cmd(350, "REST 10")
	if got := c.retrieve("RETR f"); got != "" {
		t.Fatalf("REST at the end sent %q", got)
	}
	for _, bad := range []string{"-1", "abc", "99999999999999999999", "+5", "1.5"} {
		c.cmd(501, "REST %s", bad)
	}
	c.cmd(350, "REST 1000000000000")
	c.pasv()
	c.cmd(554, "RETR f") // RFC 3659 section 5.4: invalid REST parameter
	c.cmd(200, "NOOP")
}

func TestRestStore(t *testing.T) {
	ts := startServer(t)
	putFile(t, ts.Mem, "/f", "0123456789")
	c := ts.loginAlice(t)
	c.cmd(350, "REST 4")
	c.store("f", "xy")
	if got := getFile(t, ts.Mem, "/f"); got != "0123xy" {
		t.Fatalf("REST 4 + STOR left %q", got)
	}
	c.cmd(350, "REST 100")
	c.pasv()
	c.cmd(554, "STOR f") // RFC 1123: an invalid REST
	if got := getFile(t, ts.Mem, "/f"); got != "0123xy" {
		t.Fatalf("refused REST + STOR left %q", got)
	}
}

func TestAppend(t *testing.T) {
	ts := startServer(t)
	putFile(t, ts.Mem, "/f", "abc")
	c := ts.loginAlice(t)
	for _, tc := range []struct{ name, data, want string }{
		{"f", "def", "abcdef"},
		{"new", "xyz", "xyz"},
	} {
		dc := c.pasv()
		c.cmd(150, "APPE %s", tc.name)
		io.WriteString(dc, tc.data)
		dc.Close()
		c.expect(226)
		if got := getFile(t, ts.Mem, "/"+tc.name); got != tc.want {
			t.Fatalf("APPE %s left %q, want %q", tc.name, got, tc.want)
		}
	}
}

// noWriterAt hides the in-place writes of a backend.
type noWriterAt struct{ vfs.FS }

func TestAppendWithoutWriterAt(t *testing.T) {
	ts := startServer(t, func(s *Server) { s.FS = noWriterAt{s.FS} })
	c := ts.loginAlice(t)
	c.pasv()
	c.cmd(502, "APPE f")
	c.cmd(350, "REST 1")
	c.pasv()
	c.cmd(554, "STOR f")
	c.store("f", "still works")
}

func TestStoreUnique(t *testing.T) {
	ts := startServer(t)
	c := ts.loginAlice(t)
	names := map[string]bool{}
	for i := range 3 {
		dc := c.pasv()
		msg := c.cmd(150, "STOU")
		name, ok := strings.CutPrefix(msg, "FILE: ")
		if !ok {
			t.Fatalf("STOU 150 reply %q", msg)
		}
		io.WriteString(dc, "data"+strconv.Itoa(i))
		dc.Close()
		if msg := c.expect(226); !strings.Contains(msg, name) {
			t.Fatalf("STOU 226 reply %q does not name %q", msg, name)
		}
		if names[name] {
			t.Fatalf("STOU gave %q twice", name)
		}
		names[name] = true
		if got := getFile(t, ts.Mem, "/"+name); got != "data"+strconv.Itoa(i) {
			t.Fatalf("STOU file %s holds %q", name, got)
		}
	}
	putFile(t, ts.Mem, "/want", "taken")
	dc := c.pasv()
	msg := c.cmd(150, "STOU want")
	if msg == "FILE: want" || !strings.HasPrefix(msg, "FILE: want.") {
		t.Fatalf("STOU of a taken name: %q", msg)
	}
	dc.Close()
	c.expect(226)
	if got := getFile(t, ts.Mem, "/want"); got != "taken" {
		t.Fatalf("STOU replaced an existing file: %q", got)
	}
}

func TestRetrieveErrors(t *testing.T) {
	ts := startServer(t)
	if err := ts.Mem.Mkdir(context.Background(), "/dir"); err != nil {
		t.Fatal(err)
	}
	putFile(t, ts.Mem, "/f", "ok")
	c := ts.loginAlice(t)
	c.cmd(425, "RETR f")
	dc := c.pasv()
	c.cmd(550, "RETR missing")
	c.cmd(550, "RETR dir")
	c.cmd(553, "STOR dir")
	c.cmd(200, "NOOP")
	// Refusals before 150 leave the prepared connection for the next transfer.
	c.cmd(150, "RETR f")
	if b, _ := io.ReadAll(dc); string(b) != "ok" {
		t.Fatalf("RETR after refusals sent %q", b)
	}
	c.expect(226)
}

// bigFile is large enough that a transfer is still running when the test
// acts on it: the client reads only a little and the socket buffers fill.
const bigFile = 32 << 20

func TestAbortRetrieve(t *testing.T) {
	ts := startServer(t)
	putFile(t, ts.Mem, "/big", binaryData(bigFile))
	c := ts.loginAlice(t)
	dc := c.pasv()
	c.cmd(150, "RETR big")
	if _, err := io.ReadFull(dc, make([]byte, 64<<10)); err != nil {
		t.Fatal(err)
	}
	code, msg := c.send("STAT")
	if code != 213 || !strings.Contains(msg, "bytes transferred") {
		t.Fatalf("STAT during RETR: %d %q", code, msg)
	}
	c.cmd(426, "ABOR")
	c.expect(226)
	n, _ := io.Copy(io.Discard, dc)
	if n >= bigFile {
		t.Fatalf("the whole file came after ABOR")
	}
	putFile(t, ts.Mem, "/small", "small")
	if got := c.retrieve("RETR small"); got != "small" {
		t.Fatalf("RETR after ABOR sent %q", got)
	}
}

func TestAbortStoreKeepsOldFile(t *testing.T) {
	ts := startServer(t)
	putFile(t, ts.Mem, "/f", "the good old file")
	c := ts.loginAlice(t)
	dc := c.pasv()
	c.cmd(150, "STOR f")
	if _, err := io.WriteString(dc, "half of a new fi"); err != nil {
		t.Fatal(err)
	}
	c.cmd(426, "ABOR")
	c.expect(226)
	if got := getFile(t, ts.Mem, "/f"); got != "the good old file" {
		t.Fatalf("aborted STOR left %q", got)
	}
	c.cmd(200, "NOOP")
}

func TestClientDropsRetrieve(t *testing.T) {
	ts := startServer(t)
	putFile(t, ts.Mem, "/big", binaryData(bigFile))
	c := ts.loginAlice(t)
	dc := c.pasv()
	c.cmd(150, "RETR big")
	io.ReadFull(dc, make([]byte, 1024))
	dc.(*net.TCPConn).SetLinger(0)
	dc.Close()
	c.expect(426)
	c.cmd(200, "NOOP")
}

func TestClientDropsStore(t *testing.T) {
	ts := startServer(t)
	putFile(t, ts.Mem, "/f", "old")
	c := ts.loginAlice(t)
	dc := c.pasv()
	c.cmd(150, "STOR f")
	io.WriteString(dc, "partial")
	// A reset, not a clean close: the upload is known to be incomplete.
	dc.(*net.TCPConn).SetLinger(0)
	dc.Close()
	c.expect(426)
	if got := getFile(t, ts.Mem, "/f"); got != "old" {
		t.Fatalf("broken STOR left %q", got)
	}
	c.cmd(200, "NOOP")
}

func TestStalledDataConnection(t *testing.T) {
	old := dataStallTimeout
	dataStallTimeout = 300 * time.Millisecond
	t.Cleanup(func() { dataStallTimeout = old })
	ts := startServer(t)
	putFile(t, ts.Mem, "/f", "old")
	c := ts.loginAlice(t)
	c.pasv() // connected, and then nothing is ever sent
	c.cmd(150, "STOR f")
	c.expect(426)
	if got := getFile(t, ts.Mem, "/f"); got != "old" {
		t.Fatalf("stalled STOR left %q", got)
	}
	c.cmd(200, "NOOP")
}

func TestDataConnectTimeout(t *testing.T) {
	ts := startServer(t, func(s *Server) { s.DataTimeout = 200 * time.Millisecond })
	putFile(t, ts.Mem, "/f", "x")
	c := ts.loginAlice(t)
	c.cmd(229, "EPSV") // and no connection comes
	c.cmd(150, "RETR f")
	c.expect(425)
	c.cmd(200, "NOOP")
}

func TestQuitDuringTransfer(t *testing.T) {
	ts := startServer(t)
	putFile(t, ts.Mem, "/big", binaryData(bigFile))
	c := ts.loginAlice(t)
	dc := c.pasv()
	c.cmd(150, "RETR big")
	io.ReadFull(dc, make([]byte, 1024))
	code, _ := c.send("QUIT")
	if code == 426 {
		code, _ = c.read()
	}
	if code != 221 {
		t.Fatalf("QUIT during RETR: %d", code)
	}
}

func TestBounceRefused(t *testing.T) {
	ts := startServer(t)
	ts.putFile(t, "/f", "x") // so that RETR f fails for want of a data channel only
	c := ts.loginAlice(t)
	c.cmd(501, "PORT 127,0,0,2,4,1")
	c.cmd(501, "PORT 10,0,0,1,4,1")
	c.cmd(501, "PORT 127,0,0,1,0,21")
	c.cmd(501, "PORT 127,0,0,1,256,1")
	c.cmd(501, "PORT 127,0,0,1,4")
	c.cmd(501, "EPRT |1|127.0.0.2|6275|")
	c.cmd(522, "EPRT |2|::1|6275|") // IPv6 on an IPv4 connection
	c.cmd(522, "EPRT |3|127.0.0.1|6275|")
	c.cmd(501, "EPRT garbage")
	c.cmd(425, "RETR f")
}

// activeListen listens where an active transfer will connect and returns
// the accepted connection on a channel.
func activeListen(t *testing.T, network, addr string) (port int, conns <-chan net.Conn) {
	t.Helper()
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	t.Cleanup(func() { ln.Close() })
	ch := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			t.Cleanup(func() { c.Close() })
			ch <- c
		}
		close(ch)
	}()
	return ln.Addr().(*net.TCPAddr).Port, ch
}

func TestActivePORT(t *testing.T) {
	ts := startServer(t)
	putFile(t, ts.Mem, "/f", "active data")
	c := ts.loginAlice(t)
	port, conns := activeListen(t, "tcp4", "127.0.0.1:0")
	c.cmd(200, "PORT 127,0,0,1,%d,%d", port>>8, port&0xff)
	c.cmd(150, "RETR f")
	dc := <-conns
	if b, _ := io.ReadAll(dc); string(b) != "active data" {
		t.Fatalf("PORT RETR sent %q", b)
	}
	c.expect(226)

	port, conns = activeListen(t, "tcp4", "127.0.0.1:0")
	c.cmd(200, "EPRT |1|127.0.0.1|%d|", port)
	c.cmd(150, "STOR g")
	dc = <-conns
	io.WriteString(dc, "uploaded actively")
	dc.Close()
	c.expect(226)
	if got := getFile(t, ts.Mem, "/g"); got != "uploaded actively" {
		t.Fatalf("EPRT STOR stored %q", got)
	}
}

// startServer6 starts the test server on [::1]:0 instead.
func startServer6(t *testing.T) *testServer {
	t.Helper()
	l, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	ts := startServer(t)
	addr := l.Addr().String()
	done := make(chan error, 1)
	go func() { done <- ts.Server.Serve(l) }()
	t.Cleanup(func() { ts.Server.Close(); <-done })
	ts.Addr = addr
	return ts
}

func TestActiveAndPassiveIPv6(t *testing.T) {
	ts := startServer6(t)
	putFile(t, ts.Mem, "/f", "over IPv6")
	c := ts.loginAlice(t)
	c.cmd(501, "PORT 127,0,0,1,4,1")
	c.cmd(522, "EPSV 1")
	c.cmd(502, "PASV")
	c.cmd(522, "EPRT |1|127.0.0.1|6275|")
	port, conns := activeListen(t, "tcp6", "[::1]:0")
	c.cmd(200, "EPRT |2|::1|%d|", port)
	c.cmd(150, "RETR f")
	dc := <-conns
	if b, _ := io.ReadAll(dc); string(b) != "over IPv6" {
		t.Fatalf("EPRT |2| RETR sent %q", b)
	}
	c.expect(226)
	if got := c.retrieve("RETR f"); got != "over IPv6" {
		t.Fatalf("EPSV over IPv6 sent %q", got)
	}
}

func TestAborWithoutTransfer(t *testing.T) {
	ts := startServer(t)
	ts.putFile(t, "/f", "x") // so that RETR f fails for want of a data channel only
	c := ts.loginAlice(t)
	msg := c.cmd(229, "EPSV")
	port, _ := strconv.Atoi(msg[strings.Index(msg, "|||")+3 : strings.LastIndex(msg, "|")])
	c.cmd(226, "ABOR")
	// The prepared listener is gone.
	if dc, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), time.Second); err == nil {
		dc.Close()
		t.Fatal("passive listener still open after ABOR")
	}
	c.cmd(425, "RETR f")
}

func TestLargeTransferRoundTrip(t *testing.T) {
	ts := startServer(t)
	c := ts.loginAlice(t)
	data := binaryData(8 << 20)
	c.store("/big", data)
	if got := c.retrieve("RETR big"); !bytes.Equal([]byte(got), []byte(data)) {
		t.Fatalf("8 MiB round trip: %d bytes back, differ", len(got))
	}
}

// clientRoundTrip drives a real FTP client library through uploads,
// resumed transfers and appends.
func clientRoundTrip(t *testing.T, ts *testServer, opts ...ftp.DialOption) {
	t.Helper()
	c, err := ftp.Dial(ts.Addr, append([]ftp.DialOption{ftp.DialWithTimeout(10 * time.Second)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Quit()
	if err := c.Login(testUser, testPass); err != nil {
		t.Fatal(err)
	}
	data := binaryData(300_000)
	if err := c.Stor("f", strings.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	if got := retr(t, c, "f", 0); got != data {
		t.Fatalf("RETR: %d bytes, want %d", len(got), len(data))
	}
	if got := retr(t, c, "f", 1000); got != data[1000:] {
		t.Fatalf("REST 1000 + RETR: %d bytes, want %d", len(got), len(data)-1000)
	}
	if err := c.StorFrom("f", strings.NewReader("tail"), 5); err != nil {
		t.Fatal(err)
	}
	if got := getFile(t, ts.Mem, "/f"); got != data[:5]+"tail" {
		t.Fatalf("REST 5 + STOR left %q", got)
	}
	if err := c.Append("f", strings.NewReader("+more")); err != nil {
		t.Fatal(err)
	}
	if got := retr(t, c, "f", 0); got != data[:5]+"tail+more" {
		t.Fatalf("after APPE: %q", got)
	}
	if err := c.Stor("empty", strings.NewReader("")); err != nil {
		t.Fatal(err)
	}
	if got := retr(t, c, "empty", 0); got != "" {
		t.Fatalf("empty file: %q", got)
	}
	if _, err := c.Retr("missing"); err == nil {
		t.Fatal("RETR of a missing file succeeded")
	}
	if err := c.NoOp(); err != nil {
		t.Fatal(err)
	}
}

func retr(t *testing.T, c *ftp.ServerConn, name string, offset uint64) string {
	t.Helper()
	r, err := c.RetrFrom(name, offset)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestClientLibraryEPSV(t *testing.T) {
	clientRoundTrip(t, startServer(t))
}

func TestClientLibraryPASV(t *testing.T) {
	clientRoundTrip(t, startServer(t), ftp.DialWithDisabledEPSV(true))
}

// sendHooks is a Hooks fake: it defines the command SENDME, which sends
// its argument over the data connection the way ev:send does, and records
// the upload and download events.
type sendHooks struct {
	Hooks  // nil: any method not written below is not expected
	mu     sync.Mutex
	events []Event
}

func (h *sendHooks) Wants(string) (bool, bool) { return false, false }
func (h *sendHooks) Authenticate(context.Context, string, string, *Session) (*Account, error) {
	return nil, nil
}
func (h *sendHooks) Command(verb string) (CommandInfo, bool) {
	return CommandInfo{Verb: "SENDME", Auth: true}, verb == "SENDME"
}
func (h *sendHooks) RunCommand(ctx context.Context, ev *Event) (Reply, error) {
	if err := ev.Session.SendData(ctx, []byte(ev.Arg)); err != nil {
		return Reply{}, nil // SendData replied already
	}
	return Reply{}, nil
}
func (h *sendHooks) WantsEvent(name string) bool { return name == "upload" || name == "download" }
func (h *sendHooks) On(ctx context.Context, name string, ev *Event) (*Reply, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	e := *ev
	e.Session = nil
	h.events = append(h.events, e)
	return nil, nil
}

func TestScriptSendData(t *testing.T) {
	h := &sendHooks{}
	ts := startServer(t, func(s *Server) { s.Hooks = h })
	c := ts.loginAlice(t)
	if got := c.retrieve("SENDME hello from a script"); got != "hello from a script" {
		t.Fatalf("ev:send sent %q", got)
	}
	c.cmd(425, "SENDME no data connection")
	c.cmd(200, "NOOP")
}

func TestTransferEvents(t *testing.T) {
	h := &sendHooks{}
	ts := startServer(t, func(s *Server) { s.Hooks = h })
	c := ts.loginAlice(t)
	c.store("/up", "12345")
	c.retrieve("RETR up")
	dc := c.pasv()
	c.cmd(150, "STOR broken")
	dc.(*net.TCPConn).SetLinger(0)
	dc.Close()
	c.expect(426)
	c.cmd(200, "NOOP")
	h.mu.Lock()
	defer h.mu.Unlock()
	want := []Event{
		{Command: "STOR", Arg: "/up", Path: "/up", Bytes: 5, OK: true},
		{Command: "RETR", Arg: "up", Path: "/up", Bytes: 5, OK: true},
		{Command: "STOR", Arg: "broken", Path: "/broken", Bytes: 0, OK: false},
	}
	if len(h.events) != len(want) {
		t.Fatalf("events %+v, want %+v", h.events, want)
	}
	for i := range want {
		if h.events[i] != want[i] {
			t.Errorf("event %d: %+v, want %+v", i, h.events[i], want[i])
		}
	}
}

// A listing uses up a REST offset: the RETR or STOR after it starts at 0.
func TestListingUsesUpREST(t *testing.T) {
	ts := startServer(t)
	putFile(t, ts.Mem, "/r.txt", "0123456789")
	c := ts.loginAlice(t)
	for _, list := range []string{"LIST", "NLST", "MLSD"} {
		c.cmd(350, "REST 4")
		c.retrieve("%s", list)
		if got := c.retrieve("RETR r.txt"); got != "0123456789" {
			t.Errorf("RETR after REST and %s sent %q", list, got)
		}
	}
	c.cmd(350, "REST 4")
	c.retrieve("NLST")
	c.store("new.txt", "abc")
	if got := getFile(t, ts.Mem, "/new.txt"); got != "abc" {
		t.Errorf("STOR after REST and NLST stored %q", got)
	}
}
