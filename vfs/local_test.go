package vfs_test

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/luaftpd/luaftpd/vfs"
	"github.com/luaftpd/luaftpd/vfs/vfstest"
)

// jail is a Local served from base/root beside a folder base/outside that
// no operation may touch; Cleanup checks it is unchanged.
type jail struct {
	*vfs.Local
	base, root, outside string
}

func newJail(t *testing.T) *jail {
	t.Helper()
	base := t.TempDir()
	j := &jail{base: base, root: filepath.Join(base, "root"), outside: filepath.Join(base, "outside")}
	must(t, os.MkdirAll(filepath.Join(j.outside, "dir"), 0o755))
	must(t, os.WriteFile(filepath.Join(j.outside, "passwd"), []byte("secret"), 0o644))
	must(t, os.WriteFile(filepath.Join(j.outside, "dir", "file"), []byte("secret2"), 0o644))
	l, err := vfs.NewLocal(j.root)
	must(t, err)
	j.Local = l
	before := snapshot(t, base, j.root)
	t.Cleanup(func() {
		l.Close()
		if after := snapshot(t, base, j.root); after != before {
			t.Errorf("outside the root changed:\nbefore:\n%s\nafter:\n%s", before, after)
		}
		wantNoTemp(t, j.root)
	})
	return j
}

// snapshot describes everything under base except the root folder's
// contents: names, modes, sizes, times and data.
func snapshot(t *testing.T, base, root string) string {
	var b strings.Builder
	err := filepath.WalkDir(base, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == root {
			return fs.SkipDir
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s %v %d %v", p, fi.Mode(), fi.Size(), fi.ModTime().UnixNano())
		if fi.Mode().IsRegular() {
			data, _ := os.ReadFile(p)
			fmt.Fprintf(&b, " %q", data)
		}
		b.WriteByte('\n')
		return nil
	})
	must(t, err)
	return b.String()
}

// wantNoTemp fails if an upload file outlived its Commit or Abort.
func wantNoTemp(t *testing.T, root string) {
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasPrefix(d.Name(), ".luaftpd-upload-") {
			t.Errorf("upload file left behind: %s", p)
		}
		return nil
	})
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestLocal(t *testing.T) {
	vfstest.Run(t, func(t *testing.T) vfs.FS { return newJail(t) })
}

// TestLocalSub runs the suite on a Sub, checking nothing lands in the
// parent root beside the sub's folder.
func TestLocalSub(t *testing.T) {
	vfstest.Run(t, func(t *testing.T) vfs.FS {
		j := newJail(t)
		must(t, j.Mkdir(t.Context(), "/home"))
		sub, err := j.Sub(t.Context(), "/home")
		must(t, err)
		t.Cleanup(func() {
			sub.(io.Closer).Close()
			entries, err := os.ReadDir(j.root)
			must(t, err)
			if len(entries) != 1 || entries[0].Name() != "home" {
				t.Errorf("root holds %v, want just home", entries)
			}
		})
		return sub
	})
}

func TestLocalCreatesRoot(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	l, err := vfs.NewLocal(dir)
	must(t, err)
	defer l.Close()
	vfstest.Put(t, l, "/f", []byte("x"))
	data, err := os.ReadFile(filepath.Join(dir, "f"))
	if err != nil || string(data) != "x" {
		t.Fatalf("file on disk: %q, %v", data, err)
	}
}

// TestLocalFastPaths checks the types the engine relies on for sendfile
// and splice, and that files carry FS names, not host paths.
func TestLocalFastPaths(t *testing.T) {
	j := newJail(t)
	ctx := t.Context()
	vfstest.Put(t, j, "/f", []byte("data"))
	f, err := j.Open(ctx, "/f")
	must(t, err)
	defer f.Close()
	osf, ok := f.(*os.File)
	if !ok || osf.Name() != "/f" {
		t.Fatalf("Open returned %T named %q, want *os.File named /f", f, osf.Name())
	}
	up, err := j.Create(ctx, "/g")
	must(t, err)
	if _, ok := up.(io.ReaderFrom); !ok {
		t.Errorf("Upload %T is not an io.ReaderFrom", up)
	}
	must(t, up.Abort())
	w, err := j.OpenWrite(ctx, "/f", -1)
	must(t, err)
	defer w.Close()
	if wf, ok := w.(*os.File); !ok || wf.Name() != "/f" {
		t.Fatalf("OpenWrite returned %T, want *os.File named /f", w)
	}
}

// TestLocalUploadFiles checks uploads in progress are hidden and that
// Commit and Abort leave no temporary file on disk.
func TestLocalUploadFiles(t *testing.T) {
	j := newJail(t)
	ctx := t.Context()
	up1, err := j.Create(ctx, "/a")
	must(t, err)
	up2, err := j.Create(ctx, "/b")
	must(t, err)
	if n := diskNames(t, j.root); len(n) != 2 || !strings.HasPrefix(n[0], ".luaftpd-upload-") {
		t.Fatalf("on disk during upload: %q", n)
	}
	if n := vfstest.Names(t, j, "/"); len(n) != 0 {
		t.Fatalf("ReadDir shows uploads in progress: %q", n)
	}
	tmp := "/" + diskNames(t, j.root)[0]
	_, err = j.Open(ctx, tmp)
	wantIs(t, "Open of an upload in progress", err, vfs.ErrBadName)
	wantIs(t, "Remove of an upload in progress", j.Remove(ctx, tmp), vfs.ErrBadName)
	_, err = j.Create(ctx, "/.luaftpd-upload-mine")
	wantIs(t, "Create of a reserved name", err, vfs.ErrBadName)
	must(t, up1.Commit())
	must(t, up2.Abort())
	if n := diskNames(t, j.root); !slices.Equal(n, []string{"a"}) {
		t.Fatalf("on disk after Commit and Abort: %q", n)
	}
	fi, err := os.Stat(filepath.Join(j.root, "a"))
	must(t, err)
	if fi.Mode().Perm()&^0o022 != 0o644&^0o022 {
		t.Errorf("committed file mode %v", fi.Mode())
	}
}

func diskNames(t *testing.T, dir string) []string {
	entries, err := os.ReadDir(dir)
	must(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func wantIs(t *testing.T, what string, err error, targets ...error) {
	t.Helper()
	for _, target := range targets {
		if errors.Is(err, target) {
			return
		}
	}
	t.Errorf("%s: error %v, want one of %v", what, err, targets)
}

func TestLocalChtimesKeepsAtime(t *testing.T) {
	j := newJail(t)
	vfstest.Put(t, j, "/f", []byte("x"))
	mtime := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	must(t, j.Chtimes(t.Context(), "/f", mtime))
	fi, err := os.Stat(filepath.Join(j.root, "f"))
	must(t, err)
	if !fi.ModTime().Equal(mtime) {
		t.Fatalf("mtime on disk %v", fi.ModTime())
	}
}
