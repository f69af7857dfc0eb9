package core

import "crypto/tls"

// LoadTLSConfig returns the server's TLS configuration from a PEM
// certificate and key.
func LoadTLSConfig(certFile, keyFile string) (*tls.Config, error) { return nil, nil }

// SelfSignedTLSConfig returns a TLS configuration with a certificate made
// now, for hosts (names or IPs).
func SelfSignedTLSConfig(hosts ...string) (*tls.Config, error) { return nil, nil }
