package main

import (
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/pem"
	"io"
	"net"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// The certificate reload tests: -tls-cert and -tls-key are replaced while
// the server runs, and new handshakes must show the new certificate while
// sessions started before keep working, their data connections resuming
// the control connection's TLS session.

const (
	certUser = "carol"
	certPass = "pw"
)

// certSHA256 is the hex SHA-256 of the certificate in the PEM file.
func certSHA256(t *testing.T, certFile string) string {
	t.Helper()
	data, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		t.Fatalf("%s: no PEM block", certFile)
	}
	sum := sha256.Sum256(block.Bytes)
	return hex.EncodeToString(sum[:])
}

// peerSHA256 is the hex SHA-256 of the certificate the server showed.
func peerSHA256(t *testing.T, tc *tls.Conn) string {
	t.Helper()
	certs := tc.ConnectionState().PeerCertificates
	if len(certs) == 0 {
		t.Fatal("the server showed no certificate")
	}
	sum := sha256.Sum256(certs[0].Raw)
	return hex.EncodeToString(sum[:])
}

// replaceAt puts data at path the way a renewal does: a new file renamed
// over the old one, so the server never reads half of it.
func replaceAt(t *testing.T, path string, data []byte) {
	t.Helper()
	tmp := path + ".new"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// copyCert replaces the files certFile and keyFile with the contents of
// fromCert and fromKey.
func copyCert(t *testing.T, certFile, keyFile, fromCert, fromKey string) {
	t.Helper()
	for _, f := range [][2]string{{fromCert, certFile}, {fromKey, keyFile}} {
		data, err := os.ReadFile(f[0])
		if err != nil {
			t.Fatal(err)
		}
		replaceAt(t, f[1], data)
	}
}

// tlsSession is a control connection after AUTH TLS, PROT P and login.
type tlsSession struct {
	t    *testing.T
	c    *textproto.Conn
	tc   *tls.Conn
	ccfg *tls.Config // its own session cache: no other session resumes this one
}

// certClientTLS is a client configuration that accepts any certificate
// (the tests compare fingerprints instead) and caches its sessions under
// one name, so a data connection finds its control connection's session.
func certClientTLS(maxVersion uint16) *tls.Config {
	return &tls.Config{
		InsecureSkipVerify: true,
		ServerName:         "127.0.0.1",
		ClientSessionCache: tls.NewLRUClientSessionCache(4),
		MaxVersion:         maxVersion,
	}
}

// openTLSSession logs in on a new control connection protected by AUTH
// TLS (at most maxVersion; 0 for the newest) with PROT P.
func openTLSSession(t *testing.T, addr string, maxVersion uint16) *tlsSession {
	t.Helper()
	raw, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	plain := textproto.NewConn(raw) // nothing comes after 234 before the handshake: none of it is buffered
	expect(t, plain, "", 220)
	expect(t, plain, "AUTH TLS", 234)
	s := &tlsSession{t: t, ccfg: certClientTLS(maxVersion)}
	s.tc = tls.Client(raw, s.ccfg)
	if err := s.tc.Handshake(); err != nil {
		t.Fatalf("AUTH TLS handshake: %v", err)
	}
	s.c = textproto.NewConn(s.tc)
	expect(t, s.c, "PBSZ 0", 200)
	expect(t, s.c, "PROT P", 200)
	expect(t, s.c, "USER "+certUser, 331)
	expect(t, s.c, "PASS "+certPass, 230)
	return s
}

// retr downloads name on a protected EPSV data connection and reports
// whether its handshake resumed the control connection's session.
func (s *tlsSession) retr(name string) (string, bool) {
	s.t.Helper()
	msg := expect(s.t, s.c, "EPSV", 229)
	_, port, ok := strings.Cut(msg, "(|||")
	port, _, ok2 := strings.Cut(port, "|)")
	if !ok || !ok2 {
		s.t.Fatalf("EPSV reply %q", msg)
	}
	host, _, _ := net.SplitHostPort(s.tc.RemoteAddr().String())
	raw, err := net.Dial("tcp", net.JoinHostPort(host, port))
	if err != nil {
		s.t.Fatal(err)
	}
	dc := tls.Client(raw, s.ccfg)
	defer dc.Close()
	expect(s.t, s.c, "RETR "+name, 150)
	data, err := io.ReadAll(dc)
	if err != nil {
		s.t.Fatalf("RETR %s: %v", name, err)
	}
	expect(s.t, s.c, "", 226)
	return string(data), dc.ConnectionState().DidResume
}

// implicitSHA256 is the fingerprint an implicit FTPS connection sees.
func implicitSHA256(t *testing.T, addr string) string {
	t.Helper()
	tc, err := tls.Dial("tcp", addr, certClientTLS(0))
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	expect(t, textproto.NewConn(tc), "", 220)
	return peerSHA256(t, tc)
}

// startCertServer serves certFile and keyFile on a control address and an
// implicit FTPS one, with a file f.txt.
func startCertServer(t *testing.T, certFile, keyFile string) *server {
	t.Helper()
	s := startServer(t, "-user", certUser+":"+certPass, "-tls-cert", certFile, "-tls-key", keyFile,
		"-implicit-listen", "127.0.0.1:0")
	writeAt(t, s.root, "f.txt", []byte("served\n"))
	return s
}

// TestTLSCertReloadsOnSIGHUP serves certificate A, replaces the files with
// certificate B and sends SIGHUP: new connections (AUTH TLS and implicit)
// show B, while sessions opened before (TLS 1.2 and 1.3) still transfer,
// their data connections resuming their sessions.
func TestTLSCertReloadsOnSIGHUP(t *testing.T) {
	certFile, keyFile := writeCert(t)
	certB, keyB := writeCert(t)
	a, b := certSHA256(t, certFile), certSHA256(t, certB)
	s := startCertServer(t, certFile, keyFile)

	versions := []uint16{tls.VersionTLS12, tls.VersionTLS13}
	var before []*tlsSession
	for _, v := range versions {
		old := openTLSSession(t, s.addr, v)
		if got := peerSHA256(t, old.tc); got != a {
			t.Fatalf("%s before the reload: certificate %s, want A %s", tls.VersionName(v), got, a)
		}
		if data, resumed := old.retr("f.txt"); data != "served\n" || !resumed {
			t.Fatalf("%s before the reload: RETR %q, resumed %v", tls.VersionName(v), data, resumed)
		}
		before = append(before, old)
	}

	copyCert(t, certFile, keyFile, certB, keyB)
	s.hup("TLS certificate reloaded")
	fresh := openTLSSession(t, s.addr, 0)
	if got := peerSHA256(t, fresh.tc); got != b {
		t.Errorf("AUTH TLS after the reload: certificate %s, want B %s", got, b)
	}
	if data, resumed := fresh.retr("f.txt"); data != "served\n" || !resumed {
		t.Errorf("new session after the reload: RETR %q, resumed %v", data, resumed)
	}
	if got := implicitSHA256(t, s.tlsAt); got != b {
		t.Errorf("implicit FTPS after the reload: certificate %s, want B %s", got, b)
	}
	for i, old := range before {
		name := tls.VersionName(versions[i])
		if data, resumed := old.retr("f.txt"); data != "served\n" || !resumed {
			t.Errorf("%s session opened before the reload: RETR %q, resumed %v", name, data, resumed)
		}
		expect(t, old.c, "NOOP", 200)
	}
}

// TestTLSCertBadReloadKeepsOld replaces the key with one that does not
// match, then the certificate with garbage: each SIGHUP logs an error
// naming both files, and new connections still get certificate A.
func TestTLSCertBadReloadKeepsOld(t *testing.T) {
	certFile, keyFile := writeCert(t)
	_, otherKey := writeCert(t)
	a := certSHA256(t, certFile)
	s := startCertServer(t, certFile, keyFile)
	goodKey, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	const failed = "reloading the TLS certificate failed; the certificate loaded before stays in use"

	wrong, err := os.ReadFile(otherKey)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		what        string
		file        string
		data        []byte
		errMentions string
	}{
		{"a key of another certificate", keyFile, wrong, "private key does not match public key"},
		{"a certificate file that is not PEM", certFile, []byte("not a certificate\n"), "failed to find any PEM data"},
	} {
		replaceAt(t, c.file, c.data)
		if c.file == certFile {
			replaceAt(t, keyFile, goodKey)
		}
		s.cmd.Process.Signal(syscall.SIGHUP)
		// The change may be seen by the polling first: either way the
		// files were read and refused.
		e := s.waitLog(func(e logEntry) bool {
			return e.str("msg") == failed && strings.Contains(e.str("err"), c.errMentions)
		})
		if e.str("cert") != certFile || e.str("key") != keyFile {
			t.Errorf("%s: the error logged is %v; want cert %s and key %s named", c.what, e, certFile, keyFile)
		}
		se := openTLSSession(t, s.addr, 0)
		if got := peerSHA256(t, se.tc); got != a {
			t.Errorf("%s: AUTH TLS shows %s, want A %s still", c.what, got, a)
		}
		if data, resumed := se.retr("f.txt"); data != "served\n" || !resumed {
			t.Errorf("%s: RETR %q, resumed %v", c.what, data, resumed)
		}
		if got := implicitSHA256(t, s.tlsAt); got != a {
			t.Errorf("%s: implicit FTPS shows %s, want A %s still", c.what, got, a)
		}
	}
}

// TestTLSCertReloadsOnChange replaces the certificate and key files
// without a signal: the server sees them change and serves the new one.
func TestTLSCertReloadsOnChange(t *testing.T) {
	dir := t.TempDir()
	certA, keyA := writeCert(t)
	certB, keyB := writeCert(t)
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	copyCert(t, certFile, keyFile, certA, keyA)
	s := startCertServer(t, certFile, keyFile)

	copyCert(t, certFile, keyFile, certB, keyB)
	b := certSHA256(t, certB)
	s.waitLog(func(e logEntry) bool { return e.str("msg") == "TLS certificate reloaded" && e.str("sha256") == b })
	se := openTLSSession(t, s.addr, 0)
	if got := peerSHA256(t, se.tc); got != b {
		t.Errorf("AUTH TLS after the files changed: certificate %s, want B %s", got, b)
	}
}
