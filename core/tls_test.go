package core

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
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
	cfg, err := SelfSignedTLSConfig()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cert := cfg.Certificates[0]
	key, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: key}), 0o600)
	got, err := LoadTLSConfig(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if got.MinVersion != tls.VersionTLS12 || len(got.Certificates) != 1 {
		t.Fatalf("loaded config: %+v", got)
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
