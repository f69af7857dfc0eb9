package main

import (
	"crypto/sha256"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// lftpSettings make lftp fail fast and loudly instead of retrying for
// minutes, and overwrite files.
const lftpSettings = "set cmd:fail-exit yes; set net:max-retries 2; set net:timeout 15; " +
	"set net:reconnect-interval-base 1; set xfer:clobber on; "

// lftpPlain keeps lftp from upgrading to TLS on its own when the server
// offers it.
const lftpPlain = "set ftp:ssl-allow false; "

// lftpTLS turns on explicit FTPS for control and data, trusting the
// server's self-signed certificate.
const lftpTLS = "set ftp:ssl-force true; set ftp:ssl-protect-data true; set ssl:verify-certificate no; "

func lftp(t *testing.T, script string) string {
	t.Helper()
	return mustRun(t, nil, needTool(t, "lftp"), "-c", lftpSettings+script)
}

// makeTree writes n files of random sizes (some empty) into nested folders
// under dir.
func makeTree(t *testing.T, dir string, n int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range n {
		name := fmt.Sprintf("d%d/f%03d.bin", i%10, i)
		if i%3 == 0 {
			name = fmt.Sprintf("d%d/sub%d/f%03d.bin", i%10, i%4, i)
		}
		size := rng.IntN(64 << 10)
		if i%25 == 0 {
			size = 0
		}
		data := make([]byte, size)
		for j := range data {
			data[j] = byte(rng.Uint32())
		}
		writeAt(t, dir, name, data)
	}
}

// treeSums maps every file and folder under dir to a digest of its content
// ("dir" for folders).
func treeSums(t *testing.T, dir string) map[string]string {
	t.Helper()
	sums := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			sums[rel] = "dir"
			return nil
		}
		data, err := os.ReadFile(p)
		sums[rel] = fmt.Sprintf("%x", sha256.Sum256(data))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return sums
}

// sameTree fails the test unless the two trees hold the same folders and
// byte-for-byte the same files.
func sameTree(t *testing.T, want, got string) {
	t.Helper()
	a, b := treeSums(t, want), treeSums(t, got)
	for name, sum := range a {
		if b[name] != sum {
			t.Errorf("%s: %s in %s, %q in %s", name, sum, want, b[name], got)
		}
	}
	for name := range b {
		if _, ok := a[name]; !ok {
			t.Errorf("%s: in %s, not in %s", name, got, want)
		}
	}
}

// TestLftpMirror uploads a 200-file tree with mirror -R and downloads it
// back with mirror, plain and over explicit TLS.
func TestLftpMirror(t *testing.T) {
	needTool(t, "lftp")
	s := startServer(t, "-user", alice, "-tls-self-signed")
	src := t.TempDir()
	makeTree(t, src, 200)
	for _, mode := range []struct{ name, settings string }{{"plain", lftpPlain}, {"tls", lftpTLS}} {
		t.Run(mode.name, func(t *testing.T) {
			back := t.TempDir()
			open := fmt.Sprintf("open -u alice,secret -p %s 127.0.0.1; ", s.port())
			lftp(t, mode.settings+open+fmt.Sprintf("mirror -R %s /%s; mirror /%s %s",
				src, mode.name, mode.name, back))
			sameTree(t, src, filepath.Join(s.root, mode.name))
			sameTree(t, src, back)
		})
	}
}
