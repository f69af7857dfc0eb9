//go:build !unix

package main

import (
	"runtime"
	"strings"
	"testing"
)

// TestRunAsRefusedHere: where luaftpd cannot change its user, -run-as
// stops it at start with exit status 2 and says why, rather than serving
// as the wrong user.
func TestRunAsRefusedHere(t *testing.T) {
	r := luaftpd(t, "", "-listen", "127.0.0.1:0", "-root", t.TempDir(), "-run-as", "nobody")
	want := `-run-as "nobody": not supported on ` + runtime.GOOS
	if r.code != exitUsage || !strings.Contains(r.stderr, want) {
		t.Fatalf("exit %d, stderr %q; want %d and %q", r.code, r.stderr, exitUsage, want)
	}
}
