package core

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/textproto"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/jlaffaye/ftp"

	"github.com/luaftpd/luaftpd/core/ftptest"
)

func TestSelfSignedTLSConfig(t *testing.T) {
	cfg, err := SelfSignedTLSConfig("ftp.example.org", "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MinVersion != tls.VersionTLS12 || cfg.SessionTicketsDisabled {
		t.Fatalf("MinVersion %x, tickets disabled %v", cfg.MinVersion, cfg.SessionTicketsDisabled)
	}
	leaf := cfg.Certificates[0].Leaf
	if k, ok := leaf.PublicKey.(*ecdsa.PublicKey); !ok || k.Curve != elliptic.P256() {
		t.Fatalf("key %T, want ECDSA P-256", leaf.PublicKey)
	}
	for _, h := range []string{"ftp.example.org", "192.0.2.1", "localhost", "127.0.0.1", "::1"} {
		if err := leaf.VerifyHostname(h); err != nil {
			t.Errorf("certificate not valid for %s: %v", h, err)
		}
	}
}

func TestLoadTLSConfig(t *testing.T) {
	dir := t.TempDir()
	want := writeKeyPair(t, dir, "cert.pem", "key.pem")
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	got, err := LoadTLSConfig(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if got.MinVersion != tls.VersionTLS12 || len(got.Certificates) != 1 {
		t.Fatalf("loaded config: %+v", got)
	}
	if leaf := got.Certificates[0].Leaf; leaf == nil || !leaf.Equal(want) || !bytes.Equal(servedCert(t, got), want.Raw) {
		t.Fatalf("loaded certificate %v, want the one written, served", leaf)
	}
	if _, err := LoadTLSConfig(keyFile, certFile); err == nil {
		t.Fatal("swapped files loaded")
	}
}

// clientTLS trusts cfg's certificate and caches sessions, like an FTPS
// client that reuses its control session on data connections.
func clientTLS(t *testing.T, cfg *tls.Config, version uint16) *tls.Config {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AddCert(cfg.Certificates[0].Leaf)
	return &tls.Config{
		RootCAs:            pool,
		ServerName:         "127.0.0.1",
		ClientSessionCache: tls.NewLRUClientSessionCache(8),
		MinVersion:         version,
		MaxVersion:         version,
	}
}

// TestDataTLSResumes runs a control-like TLS connection, then a PROT P data
// connection through the session's own code: the data connection must
// resume the first session, for TLS 1.2 and 1.3.
func TestDataTLSResumes(t *testing.T) {
	cfg, err := SelfSignedTLSConfig()
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		t.Run(tls.VersionName(v), func(t *testing.T) {
			ccfg := clientTLS(t, cfg, v)
			controlRoundTrip(t, cfg, ccfg)
			s := newDataTestSession(&Server{TLSConfig: cfg})
			s.protPrivate = true
			port := pasvPort(t, call(s, (*Session).cmdEPSV, ""))
			done := make(chan net.Conn, 1)
			go func() {
				c, err := s.openData(context.Background())
				if err != nil {
					t.Error(err)
				}
				done <- c
			}()
			raw, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
			if err != nil {
				t.Fatal(err)
			}
			tc := tls.Client(raw, ccfg)
			defer tc.Close()
			// The client's handshake must complete even though the
			// server sends nothing: a 0-byte transfer.
			if err := tc.Handshake(); err != nil {
				t.Fatal(err)
			}
			if sc := <-done; sc != nil {
				sc.Close()
			}
			if b, err := io.ReadAll(tc); err != nil || len(b) != 0 {
				t.Fatalf("0-byte read: %q, %v", b, err)
			}
			if !tc.ConnectionState().DidResume {
				t.Fatal("data connection did not resume the control session")
			}
		})
	}
}

// controlRoundTrip stands for the control connection: one full handshake
// with cfg and an exchange, so the client holds a session ticket.
func controlRoundTrip(t *testing.T, cfg, ccfg *tls.Config) {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.Write([]byte("220 hi\r\n"))
		io.Copy(io.Discard, c)
	}()
	c, err := tls.Dial("tcp", ln.Addr().String(), ccfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.ReadFull(c, make([]byte, 8)); err != nil {
		t.Fatal(err)
	}
	if c.ConnectionState().DidResume {
		t.Fatal("first connection resumed")
	}
}

// startTLSServer is startServer with explicit FTPS.
func startTLSServer(t *testing.T, configure ...func(*Server)) (*testServer, *tls.Config) {
	t.Helper()
	cfg, err := SelfSignedTLSConfig()
	if err != nil {
		t.Fatal(err)
	}
	ts := startServer(t, append([]func(*Server){func(s *Server) { s.TLSConfig = cfg }}, configure...)...)
	return ts, cfg
}

// loginTLS runs AUTH TLS, PBSZ 0 and, if prot is not "", PROT, then logs in.
func loginTLS(t *testing.T, ts *testServer, ccfg *tls.Config, prot string) *ftpConn {
	t.Helper()
	c := ts.dial(t)
	c.cmd(234, "AUTH TLS")
	tc := tls.Client(c.NC, ccfg)
	if err := tc.Handshake(); err != nil {
		t.Fatal(err)
	}
	c = &ftpConn{&ftptest.Conn{Conn: textproto.NewConn(tc), T: t, NC: tc}}
	c.cmd(200, "PBSZ 0")
	if prot != "" {
		c.cmd(200, "PROT %s", prot)
	}
	c.cmd(331, "USER %s", testUser)
	c.cmd(230, "PASS %s", testPass)
	return c
}

// pasvTLS dials a passive data connection and wraps it in TLS, without
// starting the handshake (the first Read or Write does, as most clients).
func pasvTLS(c *ftpConn, ccfg *tls.Config) *tls.Conn {
	return tls.Client(c.pasv(), ccfg)
}

func TestTLSTransfersResume(t *testing.T) {
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		t.Run(tls.VersionName(v), func(t *testing.T) {
			ts, cfg := startTLSServer(t)
			ccfg := clientTLS(t, cfg, v)
			c := loginTLS(t, ts, ccfg, "P")
			data := binaryData(1 << 20)

			dc := pasvTLS(c, ccfg)
			c.cmd(150, "STOR f")
			if _, err := io.WriteString(dc, data); err != nil {
				t.Fatal(err)
			}
			if !dc.ConnectionState().DidResume {
				t.Error("STOR data connection did not resume the control session")
			}
			dc.Close()
			c.expect(226)
			if got := getFile(t, ts.Mem, "/f"); got != data {
				t.Fatalf("TLS STOR stored %d bytes, want %d", len(got), len(data))
			}

			dc = pasvTLS(c, ccfg)
			c.cmd(150, "RETR f")
			got, err := io.ReadAll(dc)
			if err != nil {
				t.Fatal(err)
			}
			c.expect(226)
			if string(got) != data {
				t.Fatalf("TLS RETR sent %d bytes, want %d", len(got), len(data))
			}
			if !dc.ConnectionState().DidResume {
				t.Error("RETR data connection did not resume the control session")
			}
		})
	}
}

// TestTLSZeroBytes retrieves an empty file the way curl does: the client's
// handshake starts before it sends RETR. The handshake must complete and
// the client must see a clean end of an empty stream.
func TestTLSZeroBytes(t *testing.T) {
	ts, cfg := startTLSServer(t)
	putFile(t, ts.Mem, "/empty", "")
	ccfg := clientTLS(t, cfg, tls.VersionTLS13)
	c := loginTLS(t, ts, ccfg, "P")
	dc := pasvTLS(c, ccfg)
	handshake := make(chan error, 1)
	go func() { handshake <- dc.Handshake() }()
	c.cmd(150, "RETR empty")
	if err := <-handshake; err != nil {
		t.Fatalf("handshake of a 0-byte transfer: %v", err)
	}
	if b, err := io.ReadAll(dc); err != nil || len(b) != 0 {
		t.Fatalf("0-byte RETR: %q, %v", b, err)
	}
	c.expect(226)
	// And a 0-byte upload.
	dc = pasvTLS(c, ccfg)
	c.cmd(150, "STOR zero")
	if err := dc.Handshake(); err != nil {
		t.Fatal(err)
	}
	dc.Close()
	c.expect(226)
	if got := getFile(t, ts.Mem, "/zero"); got != "" {
		t.Fatalf("0-byte STOR stored %q", got)
	}
}

func TestTLSProtClearData(t *testing.T) {
	ts, cfg := startTLSServer(t)
	putFile(t, ts.Mem, "/f", "clear")
	c := loginTLS(t, ts, clientTLS(t, cfg, tls.VersionTLS13), "C")
	if got := c.retrieve("RETR f"); got != "clear" {
		t.Fatalf("PROT C RETR sent %q", got)
	}
}

func TestRequireTLSRefusesClearData(t *testing.T) {
	ts, cfg := startTLSServer(t, func(s *Server) { s.RequireTLS = true })
	putFile(t, ts.Mem, "/f", "secret")
	ccfg := clientTLS(t, cfg, tls.VersionTLS13)
	c := loginTLS(t, ts, ccfg, "") // no PROT P: data would go in the clear
	c.pasv()
	c.cmd(521, "RETR f")
	c.cmd(521, "STOR g")
	c.cmd(200, "PROT P")
	dc := pasvTLS(c, ccfg)
	c.cmd(150, "RETR f")
	if b, _ := io.ReadAll(dc); string(b) != "secret" {
		t.Fatalf("PROT P RETR sent %q", b)
	}
	c.expect(226)
}

// TestTLSHandshakeFailure: a client that speaks plain TCP on a PROT P data
// connection gets 425, and the session goes on.
func TestTLSHandshakeFailure(t *testing.T) {
	ts, cfg := startTLSServer(t, func(s *Server) { s.DataTimeout = time.Second })
	putFile(t, ts.Mem, "/f", "x")
	c := loginTLS(t, ts, clientTLS(t, cfg, tls.VersionTLS13), "P")
	dc := c.pasv()
	c.cmd(150, "RETR f")
	io.WriteString(dc, "not a ClientHello at all\r\n")
	c.expect(425)
	c.cmd(200, "NOOP")
}

func TestClientLibraryExplicitTLS(t *testing.T) {
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		t.Run(tls.VersionName(v), func(t *testing.T) {
			ts, cfg := startTLSServer(t, func(s *Server) { s.RequireTLS = true })
			clientRoundTrip(t, ts, ftp.DialWithExplicitTLS(clientTLS(t, cfg, v)))
		})
	}
}

// serveImplicit adds an implicit FTPS listener to ts and returns its
// address; ServeTLS must return ErrServerClosed once ts is closed.
func serveImplicit(t *testing.T, ts *testServer) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- ts.Server.ServeTLS(l) }()
	t.Cleanup(func() {
		ts.Server.Close()
		if err := <-done; !errors.Is(err, ErrServerClosed) {
			t.Errorf("ServeTLS returned %v, want %v", err, ErrServerClosed)
		}
	})
	return l.Addr().String()
}

func TestImplicitTLSData(t *testing.T) {
	ts, cfg := startTLSServer(t)
	addr := serveImplicit(t, ts)
	putFile(t, ts.Mem, "/f", "implicit")
	ccfg := clientTLS(t, cfg, tls.VersionTLS13)
	tc, err := tls.Dial("tcp", addr, ccfg)
	if err != nil {
		t.Fatal(err)
	}
	tc.SetDeadline(time.Now().Add(20 * time.Second))
	c := &ftpConn{&ftptest.Conn{Conn: textproto.NewConn(tc), T: t, NC: tc}}
	defer c.Close()
	c.expect(220)
	c.cmd(331, "USER %s", testUser)
	c.cmd(230, "PASS %s", testPass)
	dc := pasvTLS(c, ccfg)
	c.cmd(150, "RETR f")
	if b, err := io.ReadAll(dc); err != nil || string(b) != "implicit" {
		t.Fatalf("implicit FTPS RETR: %q, %v", b, err)
	}
	c.expect(226)
	if !dc.ConnectionState().DidResume {
		t.Error("implicit FTPS data connection did not resume the control session")
	}

	// A real client library, implicit mode.
	ts.Addr = addr
	clientRoundTrip(t, ts, ftp.DialWithTLS(ccfg))
}

// TestTLSActiveData: with PORT/EPRT the server connects, and is still the
// TLS server on that connection.
func TestTLSActiveData(t *testing.T) {
	ts, cfg := startTLSServer(t)
	putFile(t, ts.Mem, "/f", "active and private")
	ccfg := clientTLS(t, cfg, tls.VersionTLS13)
	c := loginTLS(t, ts, ccfg, "P")
	port, conns := activeListen(t, "tcp4", "127.0.0.1:0")
	c.cmd(200, "EPRT |1|127.0.0.1|%d|", port)
	c.cmd(150, "RETR f")
	dc := tls.Client(<-conns, ccfg)
	if b, err := io.ReadAll(dc); err != nil || string(b) != "active and private" {
		t.Fatalf("active TLS RETR: %q, %v", b, err)
	}
	c.expect(226)
	if !dc.ConnectionState().DidResume {
		t.Error("active data connection did not resume the control session")
	}
}
