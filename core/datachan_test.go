package core

import (
	"context"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

// newDataTestSession is a session as the data side sees it, with a control
// peer and local address of 127.0.0.1 and no control connection.
func newDataTestSession(srv *Server) *Session {
	if srv == nil {
		srv = &Server{}
	}
	return &Session{
		srv:      srv,
		log:      slog.New(slog.DiscardHandler),
		remoteIP: net.IPv4(127, 0, 0, 1),
		localIP:  net.IPv4(127, 0, 0, 1),
	}
}

func call(s *Session, fn handler, arg string) Reply {
	return fn(s, &request{ctx: context.Background(), arg: arg})
}

func TestParsePORT(t *testing.T) {
	tests := []struct {
		arg  string
		want string // "" for a syntax error
	}{
		{"127,0,0,1,4,1", "127.0.0.1:1025"},
		{" 10,1,2,3,255,255 ", "10.1.2.3:65535"},
		{"127,0,0,1,256,1", ""},
		{"127,0,0,1,4,256", ""},
		{"127,0,0,300,4,1", ""},
		{"127,0,0,-1,4,1", ""},
		{"127,0,0,+1,4,1", ""},
		{"127,0,0,1,4", ""},
		{"127,0,0,1,4,1,1", ""},
		{"127,0,0,1,0,0", ""},
		{"a,b,c,d,e,f", ""},
		{"", ""},
	}
	for _, tc := range tests {
		addr, ok := parsePORT(tc.arg)
		got := ""
		if ok {
			got = addr.String()
		}
		if got != tc.want {
			t.Errorf("parsePORT(%q) = %q, want %q", tc.arg, got, tc.want)
		}
	}
}

func TestParseEPRT(t *testing.T) {
	tests := []struct {
		arg  string
		want string
		code int
	}{
		{"|1|127.0.0.1|6275|", "127.0.0.1:6275", 0},
		{"|2|::1|5282|", "[::1]:5282", 0},
		{"!2!fe80::1!5282!", "[fe80::1]:5282", 0},
		{"|3|127.0.0.1|6275|", "", 522},
		{"|0|127.0.0.1|6275|", "", 522},
		{"|1|::1|6275|", "", 501},
		{"|2|127.0.0.1|6275|", "", 501},
		{"|1|127.0.0.1|0|", "", 501},
		{"|1|127.0.0.1|65536|", "", 501},
		{"|1|127.0.0.1|x|", "", 501},
		{"|1|nohost|6275|", "", 501},
		{"|2|fe80::1%eth0|5282|", "", 501},
		{"|1|127.0.0.1|6275", "", 501},
		{"1|127.0.0.1|6275|", "", 501},
		{"", "", 501},
	}
	for _, tc := range tests {
		addr, code := parseEPRT(tc.arg)
		got := ""
		if addr != nil {
			got = addr.String()
		}
		if got != tc.want || code != tc.code {
			t.Errorf("parseEPRT(%q) = %q, %d; want %q, %d", tc.arg, got, code, tc.want, tc.code)
		}
	}
}

func TestActiveRefusesBounce(t *testing.T) {
	s := newDataTestSession(nil)
	tests := []struct {
		fn   handler
		arg  string
		code int
	}{
		{(*Session).cmdPORT, "127,0,0,2,4,1", 501},
		{(*Session).cmdPORT, "10,0,0,1,4,1", 501},
		{(*Session).cmdPORT, "127,0,0,1,0,21", 501},
		{(*Session).cmdPORT, "127,0,0,1,256,1", 501},
		{(*Session).cmdPORT, "127,0,0,1,4,1", 200},
		{(*Session).cmdEPRT, "|1|127.0.0.2|6275|", 501},
		{(*Session).cmdEPRT, "|2|::1|6275|", 522}, // IPv6 on an IPv4 connection: "use (1)"
		{(*Session).cmdEPRT, "|9|127.0.0.1|6275|", 522},
		{(*Session).cmdEPRT, "|1|127.0.0.1|80|", 501},
		{(*Session).cmdEPRT, "|1|127.0.0.1|6275|", 200},
		{(*Session).cmdEPRT, "|2|::ffff:127.0.0.1|6275|", 200},
	}
	for _, tc := range tests {
		if got := call(s, tc.fn, tc.arg); got.Code != tc.code {
			t.Errorf("%q: %d %s, want %d", tc.arg, got.Code, got.Message(), tc.code)
		}
	}
}

func TestEPSVAll(t *testing.T) {
	s := newDataTestSession(nil)
	defer s.data.close()
	if rep := call(s, (*Session).cmdEPSV, "ALL"); rep.Code != 200 {
		t.Fatalf("EPSV ALL: %v", rep)
	}
	for _, fn := range []handler{(*Session).cmdPORT, (*Session).cmdEPRT, (*Session).cmdPASV} {
		if rep := call(s, fn, "127,0,0,1,4,1"); rep.Code != 501 {
			t.Errorf("after EPSV ALL: %v, want 501", rep)
		}
	}
	if rep := call(s, (*Session).cmdEPSV, ""); rep.Code != 229 {
		t.Errorf("EPSV after EPSV ALL: %v", rep)
	}
}

func TestEPSVProtocol(t *testing.T) {
	s := newDataTestSession(nil)
	defer s.data.close()
	for arg, code := range map[string]int{"1": 229, "2": 522, "3": 522, "x": 501, "1 2": 501, "": 229} {
		if rep := call(s, (*Session).cmdEPSV, arg); rep.Code != code {
			t.Errorf("EPSV %q: %v, want %d", arg, rep, code)
		}
	}
}

// pasvPort returns the port of a 227 or 229 reply.
func pasvPort(t *testing.T, rep Reply) int {
	t.Helper()
	msg := rep.Message()
	switch rep.Code {
	case 229:
		f := strings.Split(msg, "|")
		p, err := strconv.Atoi(f[3])
		if err != nil {
			t.Fatalf("bad 229: %q", msg)
		}
		return p
	case 227:
		msg = msg[strings.Index(msg, "(")+1 : strings.Index(msg, ")")]
		f := strings.Split(msg, ",")
		hi, _ := strconv.Atoi(f[4])
		lo, _ := strconv.Atoi(f[5])
		return hi<<8 | lo
	}
	t.Fatalf("not a passive reply: %v", rep)
	return 0
}

func TestPASVReply(t *testing.T) {
	s := newDataTestSession(&Server{PublicHost: "203.0.113.7"})
	defer s.data.close()
	rep := call(s, (*Session).cmdPASV, "")
	if rep.Code != 227 || !strings.HasPrefix(rep.Message(), "Entering Passive Mode (203,0,113,7,") {
		t.Fatalf("PASV: %v", rep)
	}
	if s.data.pasv == nil || s.data.pasv.ln.Addr().(*net.TCPAddr).Port != pasvPort(t, rep) {
		t.Fatalf("PASV listens on %v, announced %v", s.data.pasv.ln.Addr(), rep)
	}
}

// freeRange finds n consecutive free ports above 20000.
func freeRange(t *testing.T, n int) int {
	t.Helper()
	for base := 20000 + int(time.Now().UnixNano()%20000); base < 65000; base += n {
		var lns []net.Listener
		for p := base; p < base+n; p++ {
			ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
			if err != nil {
				break
			}
			lns = append(lns, ln)
		}
		for _, ln := range lns {
			ln.Close()
		}
		if len(lns) == n {
			return base
		}
	}
	t.Skip("no free port range")
	return 0
}

func TestPassivePortRange(t *testing.T) {
	lo := freeRange(t, 4)
	srv := &Server{PasvMinPort: lo, PasvMaxPort: lo + 3}
	s := newDataTestSession(srv)
	defer s.data.close()
	// Hold three of the four ports: PASV must find the last one.
	for p := lo; p < lo+3; p++ {
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err != nil {
			t.Skipf("port %d taken meanwhile: %v", p, err)
		}
		defer ln.Close()
	}
	for range 5 {
		rep := call(s, (*Session).cmdEPSV, "")
		if p := pasvPort(t, rep); p != lo+3 {
			t.Fatalf("EPSV chose %d, want %d", p, lo+3)
		}
		s.data.close()
	}
	ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(lo+3))
	if err != nil {
		t.Skipf("port %d taken meanwhile: %v", lo+3, err)
	}
	defer ln.Close()
	if rep := call(s, (*Session).cmdPASV, ""); rep.Code != 425 {
		t.Fatalf("PASV with the range full: %v, want 425", rep)
	}
}

// TestPassiveDropsOtherAddress connects from 127.0.0.2 first: the server
// must drop that connection and keep waiting for the control peer's.
func TestPassiveDropsOtherAddress(t *testing.T) {
	s := newDataTestSession(nil)
	port := pasvPort(t, call(s, (*Session).cmdEPSV, ""))
	addr := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}
	type result struct {
		conn net.Conn
		err  error
	}
	done := make(chan result, 1)
	go func() {
		c, err := s.openData(context.Background())
		done <- result{c, err}
	}()
	thief, err := net.DialTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}, addr)
	if err != nil {
		t.Skipf("cannot dial from 127.0.0.2: %v", err)
	}
	defer thief.Close()
	thief.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := thief.Read(make([]byte, 1)); err == nil || n != 0 {
		t.Fatalf("connection from 127.0.0.2 not dropped: %d, %v", n, err)
	}
	good, err := net.DialTCP("tcp", nil, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer good.Close()
	res := <-done
	if res.err != nil {
		t.Fatalf("openData: %v", res.err)
	}
	defer res.conn.Close()
	if res.conn.RemoteAddr().String() != good.LocalAddr().String() {
		t.Fatalf("accepted %v, want %v", res.conn.RemoteAddr(), good.LocalAddr())
	}
}

func TestPassiveTimeout(t *testing.T) {
	s := newDataTestSession(&Server{DataTimeout: 100 * time.Millisecond})
	call(s, (*Session).cmdPASV, "")
	start := time.Now()
	if _, err := s.openData(context.Background()); err == nil {
		t.Fatal("openData without a client succeeded")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("timeout took %v", d)
	}
	if s.data.prepared() {
		t.Fatal("listener still prepared after the timeout")
	}
}

func TestPassiveCancel(t *testing.T) {
	s := newDataTestSession(nil)
	call(s, (*Session).cmdPASV, "")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := s.openData(ctx)
		done <- err
	}()
	cancel()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("openData succeeded after cancel")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("openData ignored cancellation")
	}
}

func TestActiveConnect(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	s := newDataTestSession(nil)
	if rep := call(s, (*Session).cmdEPRT, "|1|127.0.0.1|"+strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)+"|"); rep.Code != 200 {
		t.Fatal(rep)
	}
	conn, err := s.openData(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	go func() { conn.Write([]byte("hello")); conn.Close() }()
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if b, _ := io.ReadAll(c); string(b) != "hello" {
		t.Fatalf("got %q", b)
	}
}

func TestNoDataChannel(t *testing.T) {
	s := newDataTestSession(nil)
	if _, err := s.openData(context.Background()); err != errNoDataChannel {
		t.Fatalf("openData with nothing prepared: %v", err)
	}
	if rep, ok := s.acquireData(); ok || rep.Code != 425 {
		t.Fatalf("acquireData with nothing prepared: %v", rep)
	}
}

func TestRequireTLSRefusesPlainData(t *testing.T) {
	s := newDataTestSession(&Server{RequireTLS: true})
	defer s.data.close()
	call(s, (*Session).cmdPASV, "")
	if rep, ok := s.acquireData(); ok || rep.Code != 521 {
		t.Fatalf("plain data with RequireTLS: %v", rep)
	}
}

func TestOneTransferAtATime(t *testing.T) {
	s := newDataTestSession(nil)
	defer s.data.close()
	call(s, (*Session).cmdPASV, "")
	if _, ok := s.acquireData(); !ok {
		t.Fatal("first transfer refused")
	}
	if rep, ok := s.acquireData(); ok || rep.Code != 425 {
		t.Fatalf("second transfer: %v, want 425", rep)
	}
	s.releaseData()
	if _, ok := s.acquireData(); !ok {
		t.Fatal("transfer after release refused")
	}
}

// FuzzParseEPRT: no input panics, and what parses formats back to itself.
func FuzzParseEPRT(f *testing.F) {
	for _, s := range []string{"|1|127.0.0.1|6275|", "|2|::1|5282|", "!1!1.2.3.4!1!", "|||||", "|9|x|y|"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arg string) {
		addr, code := parseEPRT(arg)
		if (addr == nil) == (code == 0) {
			t.Fatalf("parseEPRT(%q) = %v, %d", arg, addr, code)
		}
		if addr == nil {
			return
		}
		proto := "1"
		if addr.IP.To4() == nil || strings.Contains(arg, ":") {
			proto = "2"
		}
		again, code := parseEPRT("|" + proto + "|" + addr.IP.String() + "|" + strconv.Itoa(addr.Port) + "|")
		if code != 0 || !again.IP.Equal(addr.IP) || again.Port != addr.Port {
			t.Fatalf("%q parsed to %v, which does not parse back (%v, %d)", arg, addr, again, code)
		}
	})
}

// FuzzParsePORT: no input panics, and every result is a usable address.
func FuzzParsePORT(f *testing.F) {
	for _, s := range []string{"127,0,0,1,4,1", "1,2,3,4,256,1", ",,,,,", "1,2,3,4,5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arg string) {
		addr, ok := parsePORT(arg)
		if ok && (addr.IP.To4() == nil || addr.Port < 1 || addr.Port > 65535) {
			t.Fatalf("parsePORT(%q) = %v", arg, addr)
		}
	})
}
