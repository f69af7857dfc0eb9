// Package vfstest is the conformance suite every vfs backend passes, in the
// manner of testing/fstest: a backend's test calls Run with a constructor,
// and each case gets a fresh, empty FS.
package vfstest

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"slices"
	"testing"

	"github.com/luaftpd/luaftpd/vfs"
)

// Run runs the whole suite against FS values made by newFS, one per case.
// Cases for an optional interface the FS lacks are skipped.
func Run(t *testing.T, newFS func(t *testing.T) vfs.FS) {
	for _, group := range [][]testCase{basicCases, writeCases, optionalCases, escapeCases} {
		for _, tc := range group {
			t.Run(tc.name, func(t *testing.T) { tc.run(t, newFS(t)) })
		}
	}
}

type testCase struct {
	name string
	run  func(t *testing.T, fsys vfs.FS)
}

// Put writes data to name through Create and Commit, failing t on error.
func Put(t testing.TB, fsys vfs.FS, name string, data []byte) {
	t.Helper()
	up, err := fsys.Create(t.Context(), name)
	if err != nil {
		t.Fatalf("Create(%q): %v", name, err)
	}
	if _, err := up.Write(data); err != nil {
		up.Abort()
		t.Fatalf("Write(%q): %v", name, err)
	}
	if err := up.Commit(); err != nil {
		t.Fatalf("Commit(%q): %v", name, err)
	}
}

// Get reads the whole file name through Open, failing t on error.
func Get(t testing.TB, fsys vfs.FS, name string) []byte {
	t.Helper()
	f, err := fsys.Open(t.Context(), name)
	if err != nil {
		t.Fatalf("Open(%q): %v", name, err)
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		t.Fatalf("read %q: %v", name, err)
	}
	return data
}

// Mkdir makes a folder, failing t on error.
func Mkdir(t testing.TB, fsys vfs.FS, name string) {
	t.Helper()
	if err := fsys.Mkdir(t.Context(), name); err != nil {
		t.Fatalf("Mkdir(%q): %v", name, err)
	}
}

// Names lists the entry names of a folder, failing t on error.
func Names(t testing.TB, fsys vfs.FS, dir string) []string {
	t.Helper()
	infos, err := fsys.ReadDir(t.Context(), dir)
	if err != nil {
		t.Fatalf("ReadDir(%q): %v", dir, err)
	}
	names := make([]string, len(infos))
	for i, fi := range infos {
		names[i] = fi.Name()
	}
	return names
}

// wantContent fails t unless name holds exactly want.
func wantContent(t *testing.T, fsys vfs.FS, name string, want []byte) {
	t.Helper()
	if got := Get(t, fsys, name); !bytes.Equal(got, want) {
		t.Fatalf("%s holds %q, want %q", name, clip(got), clip(want))
	}
}

// wantNames fails t unless dir lists exactly want.
func wantNames(t *testing.T, fsys vfs.FS, dir string, want ...string) {
	t.Helper()
	if got := Names(t, fsys, dir); !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
		t.Fatalf("ReadDir(%q) = %q, want %q", dir, got, want)
	}
}

// wantErr fails t unless err wraps one of targets.
func wantErr(t *testing.T, what string, err error, targets ...error) {
	t.Helper()
	for _, target := range targets {
		if errors.Is(err, target) {
			return
		}
	}
	t.Fatalf("%s: error %v, want one of %v", what, err, targets)
}

// wantOK fails t on err.
func wantOK(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// wantMissing fails t unless name does not exist.
func wantMissing(t *testing.T, fsys vfs.FS, name string) {
	t.Helper()
	_, err := fsys.Stat(t.Context(), name)
	wantErr(t, "Stat("+name+")", err, fs.ErrNotExist)
}

// wantDir fails t unless name is a folder.
func wantDir(t *testing.T, fsys vfs.FS, name string) {
	t.Helper()
	fi, err := fsys.Stat(t.Context(), name)
	wantOK(t, "Stat("+name+")", err)
	if !fi.IsDir() {
		t.Fatalf("%s is not a folder: %v", name, fi.Mode())
	}
}

func clip(b []byte) []byte {
	if len(b) > 40 {
		return append(b[:40:40], "..."...)
	}
	return b
}
