package core

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeKeyPair writes a new self-signed certificate and its key as PEM
// files in dir, under the names given, and returns the certificate.
func writeKeyPair(t *testing.T, dir, certName, keyName string) *x509.Certificate {
	t.Helper()
	cert, err := selfSigned([]string{"127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct {
		name, kind string
		der        []byte
	}{{certName, "CERTIFICATE", cert.Certificate[0]}, {keyName, "PRIVATE KEY", keyDER}} {
		data := pem.EncodeToMemory(&pem.Block{Type: f.kind, Bytes: f.der})
		if err := os.WriteFile(filepath.Join(dir, f.name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return cert.Leaf
}

// servedCert handshakes with cfg over a pipe and returns the certificate
// the client saw.
func servedCert(t *testing.T, cfg *tls.Config) []byte {
	t.Helper()
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	go tls.Server(b, cfg).Handshake()
	c := tls.Client(a, &tls.Config{InsecureSkipVerify: true})
	if err := c.Handshake(); err != nil {
		t.Fatal(err)
	}
	return c.ConnectionState().PeerCertificates[0].Raw
}

// TestCertFilesReload: one configuration serves the pair loaded last; a
// pair that does not match is refused with both files named, and the
// certificate before stays.
func TestCertFilesReload(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	a := writeKeyPair(t, dir, "cert.pem", "key.pem")
	files, err := LoadCertFiles(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	cfg := files.TLSConfig()
	if !bytes.Equal(servedCert(t, cfg), a.Raw) || !bytes.Equal(files.Leaf().Raw, a.Raw) {
		t.Fatal("the certificate loaded is not the one served")
	}

	b := writeKeyPair(t, dir, "cert.pem", "key.pem")
	if err := files.Reload(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(servedCert(t, cfg), b.Raw) || !bytes.Equal(files.Leaf().Raw, b.Raw) {
		t.Fatal("after Reload the configuration does not serve the new certificate")
	}

	writeKeyPair(t, dir, "other-cert.pem", "key.pem") // a key of another certificate
	err = files.Reload()
	if err == nil || !strings.Contains(err.Error(), certFile) || !strings.Contains(err.Error(), keyFile) {
		t.Fatalf("Reload with a key that does not match: %v; want an error naming both files", err)
	}
	if !bytes.Equal(servedCert(t, cfg), b.Raw) {
		t.Fatal("a failed Reload changed the certificate served")
	}
}

func TestLoadCertFilesMissing(t *testing.T) {
	dir := t.TempDir()
	_, err := LoadCertFiles(filepath.Join(dir, "no-cert.pem"), filepath.Join(dir, "no-key.pem"))
	if err == nil || !strings.Contains(err.Error(), "no-cert.pem") {
		t.Fatalf("LoadCertFiles of missing files: %v", err)
	}
}
