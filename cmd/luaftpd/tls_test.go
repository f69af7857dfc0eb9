package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeCert makes a self-signed certificate for 127.0.0.1 and writes it and
// its key as PEM files.
func writeCert(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(42),
		Subject:               pkix.Name{CommonName: "luaftpd test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:                  true,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writePEM(t, certFile, "CERTIFICATE", der)
	writePEM(t, keyFile, "EC PRIVATE KEY", keyDER)
	return certFile, keyFile
}

func writePEM(t *testing.T, name, kind string, der []byte) {
	t.Helper()
	if err := os.WriteFile(name, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestTLSCertFiles serves the certificate of -tls-cert/-tls-key: curl
// verifies it against that certificate alone, without -k.
func TestTLSCertFiles(t *testing.T) {
	needTool(t, "curl")
	certFile, keyFile := writeCert(t)
	s := startServer(t, "-user", alice, "-tls-cert", certFile, "-tls-key", keyFile,
		"-implicit-listen", "127.0.0.1:0")
	writeAt(t, s.root, "f.txt", []byte("verified\n"))

	r := mustCurl(t, "--ssl-reqd", "--cacert", certFile, s.url(alice, "/f.txt"))
	if r.stdout != "verified\n" || !strings.Contains(r.stderr, "SSL certificate verify ok") {
		t.Errorf("explicit TLS: %q\n%s", r.stdout, r.stderr)
	}
	r = mustCurl(t, "--cacert", certFile, "ftps://"+alice+"@"+s.tlsAt+"/f.txt")
	if r.stdout != "verified\n" {
		t.Errorf("implicit TLS: %q", r.stdout)
	}
	// A client that trusts another certificate refuses this one.
	other, _ := writeCert(t)
	if r := curl(t, "--ssl-reqd", "--cacert", other, s.url(alice, "/f.txt")); r.code != 60 {
		t.Errorf("curl trusting another certificate: exit %d, want 60 (peer certificate cannot be verified)", r.code)
	}
}

func TestTLSCertFilesMissing(t *testing.T) {
	dir := t.TempDir()
	r := luaftpd(t, "", "-listen", "127.0.0.1:0", "-root", dir, "-log-format", "json",
		"-tls-cert", filepath.Join(dir, "no-cert.pem"), "-tls-key", filepath.Join(dir, "no-key.pem"))
	if r.code != 1 || !strings.Contains(r.stderr, "no-cert.pem") {
		t.Fatalf("exit %d, stderr %q; want 1 and the missing file named", r.code, r.stderr)
	}
}
