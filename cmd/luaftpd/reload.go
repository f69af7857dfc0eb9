package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"os"
	"time"

	"github.com/luaftpd/luaftpd/core"
)

// pollInterval is how often the files luaftpd reloads on a change (the
// users file, the config file, the TLS certificate and key) are looked at.
const pollInterval = 2 * time.Second

// fileWatch is a few files and what they looked like when last seen.
type fileWatch struct {
	files []string
	last  []os.FileInfo
}

// watchFiles looks at the files (empty names left out) now. Taken before
// the files are read, it makes a change made after that read, however
// soon, a change the polling sees.
func watchFiles(files ...string) *fileWatch {
	w := &fileWatch{}
	for _, f := range files {
		if f != "" {
			w.files = append(w.files, f)
		}
	}
	w.last = statAll(w.files)
	return w
}

// poll calls changed whenever one of the files changes (written in place
// or replaced: its identity, mtime or size), until ctx ends. Polling a
// file or two costs nothing worth a watcher, sees files that come back,
// and follows symbolic links whose target moves (certbot's live folder).
func (w *fileWatch) poll(ctx context.Context, changed func()) {
	if len(w.files) == 0 {
		return
	}
	t := time.NewTicker(pollInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if now := statAll(w.files); !sameStats(w.last, now) {
			w.last = now
			changed()
		}
	}
}

// statAll describes each file; nil for one that cannot be read.
func statAll(files []string) []os.FileInfo {
	out := make([]os.FileInfo, len(files))
	for i, f := range files {
		out[i], _ = os.Stat(f)
	}
	return out
}

// sameStats reports whether no file changed between a and b.
func sameStats(a, b []os.FileInfo) bool {
	for i := range a {
		switch {
		case (a[i] == nil) != (b[i] == nil):
			return false
		case a[i] == nil:
		case !os.SameFile(a[i], b[i]) || !a[i].ModTime().Equal(b[i].ModTime()) || a[i].Size() != b[i].Size():
			return false
		}
	}
	return true
}

// certReloader reads the certificate and key of -tls-cert and -tls-key
// again, on SIGHUP or when either file changes. New handshakes (AUTH TLS,
// implicit FTPS, data connections) get the new certificate; sessions
// already up keep theirs, and their data connections still resume.
type certReloader struct {
	files  *core.CertFiles // nil without -tls-cert
	logger *slog.Logger
}

// reload loads the files again; if they fail to load or do not match,
// the error names them and the certificate loaded before stays in use.
// A renewal that replaces the two files one after the other may be caught
// between them: that read fails, and the second file's change brings the
// next one.
func (r *certReloader) reload() {
	if r.files == nil {
		return
	}
	certFile, keyFile := r.files.Files()
	if err := r.files.Reload(); err != nil {
		r.logger.Error("reloading the TLS certificate failed; the certificate loaded before stays in use",
			"cert", certFile, "key", keyFile, "err", err)
		return
	}
	r.logger.Info("TLS certificate reloaded", certAttrs(r.files)...)
}

// certAttrs describes the certificate served now for the log: what an
// operator checks after a renewal.
func certAttrs(files *core.CertFiles) []any {
	leaf := files.Leaf()
	sum := sha256.Sum256(leaf.Raw)
	certFile, _ := files.Files()
	return []any{"cert", certFile, "subject", leaf.Subject.String(),
		"not_after", leaf.NotAfter.UTC().Format(time.RFC3339), "sha256", hex.EncodeToString(sum[:])}
}
