package core

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// LoadTLSConfig returns a TLS configuration serving the PEM certificate
// and key read once, for an embedder that never reloads them; luaftpd
// itself uses CertFiles, which can.
func LoadTLSConfig(certFile, keyFile string) (*tls.Config, error) {
	cert, err := loadKeyPair(certFile, keyFile)
	if err != nil {
		return nil, err
	}
	return newTLSConfig(cert), nil
}

// SelfSignedTLSConfig returns a TLS configuration with a certificate made
// now, for hosts (names or IPs) plus localhost, 127.0.0.1 and ::1.
func SelfSignedTLSConfig(hosts ...string) (*tls.Config, error) {
	cert, err := selfSigned(append([]string{"localhost", "127.0.0.1", "::1"}, hosts...))
	if err != nil {
		return nil, fmt.Errorf("tls: self-signed certificate: %w", err)
	}
	return newTLSConfig(cert), nil
}

// newTLSConfig is the one configuration the whole server shares. Session
// tickets stay on: their keys live in this *tls.Config, which is what lets
// a data connection resume the control connection's session.
func newTLSConfig(cert tls.Certificate) *tls.Config {
	cfg := baseTLSConfig()
	cfg.Certificates = []tls.Certificate{cert}
	return cfg
}

// baseTLSConfig is the configuration every server one starts from.
func baseTLSConfig() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12}
}

// CertFiles is a certificate and its key read from PEM files, which Reload
// reads again when they have been replaced (a renewal). The configuration
// of TLSConfig serves whichever pair loaded last to every new handshake;
// connections already up keep theirs.
type CertFiles struct {
	certFile, keyFile string
	mu                sync.Mutex // one Reload at a time: an older read never wins
	cert              atomic.Pointer[tls.Certificate]
}

// LoadCertFiles reads the certificate of certFile and the key of keyFile,
// which must match.
func LoadCertFiles(certFile, keyFile string) (*CertFiles, error) {
	c := &CertFiles{certFile: certFile, keyFile: keyFile}
	if err := c.Reload(); err != nil {
		return nil, err
	}
	return c, nil
}

// Reload reads the files again. If they load and match, every handshake
// from now on uses the new certificate; otherwise it returns the error
// and the certificate loaded before stays in use.
func (c *CertFiles) Reload() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	cert, err := loadKeyPair(c.certFile, c.keyFile)
	if err != nil {
		return err
	}
	c.cert.Store(&cert)
	return nil
}

// loadKeyPair reads a PEM certificate and its matching key, with the
// certificate parsed into Leaf; its errors name both files.
func loadKeyPair(certFile, keyFile string) (tls.Certificate, error) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return cert, fmt.Errorf("tls: load certificate %s and key %s: %w", certFile, keyFile, err)
	}
	if cert.Leaf == nil { // filled in by LoadX509KeyPair unless GODEBUG says otherwise
		if cert.Leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			return cert, fmt.Errorf("tls: parse certificate %s: %w", certFile, err)
		}
	}
	return cert, nil
}

// Files returns the certificate and key file names.
func (c *CertFiles) Files() (certFile, keyFile string) { return c.certFile, c.keyFile }

// Leaf returns the certificate served now.
func (c *CertFiles) Leaf() *x509.Certificate { return c.cert.Load().Leaf }

// TLSConfig returns a new server configuration serving the certificate
// loaded last. A server must keep the one it got: its session ticket keys
// are what lets a data connection resume its control connection's session,
// across a Reload too, which changes the certificate and not those keys.
func (c *CertFiles) TLSConfig() *tls.Config {
	cfg := baseTLSConfig()
	cfg.GetCertificate = func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
		return c.cert.Load(), nil
	}
	return cfg
}

// selfSigned makes an ECDSA P-256 certificate valid for a year for hosts.
func selfSigned(hosts []string) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return tls.Certificate{}, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "luaftpd", Organization: []string{"luaftpd"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(1, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	seen := map[string]bool{}
	for _, h := range hosts {
		if h == "" || seen[h] {
			continue
		}
		seen[h] = true
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
}
