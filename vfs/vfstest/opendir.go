package vfstest

import (
	"context"
	"io"
	"io/fs"
	"slices"
	"testing"

	"github.com/luaftpd/luaftpd/vfs"
)

// testOpenDir: OpenDir gives what ReadDir gives, one entry at a time, in
// the same order; an entry removed meanwhile is left out, and it fails
// where ReadDir fails.
func testOpenDir(t *testing.T, fsys vfs.FS) {
	o := need[vfs.DirOpener](t, fsys)
	Mkdir(t, fsys, "/d")
	for _, n := range []string{"/d/b", "/d/a", "/d/c", "/d/é"} {
		Put(t, fsys, n, []byte(n))
	}
	Mkdir(t, fsys, "/d/sub")
	want, err := fsys.ReadDir(t.Context(), "/d")
	wantOK(t, "ReadDir", err)
	d, err := o.OpenDir(t.Context(), "/d")
	wantOK(t, "OpenDir", err)
	defer d.Close()
	wantOK(t, "Remove", fsys.Remove(t.Context(), "/d/c")) // after OpenDir: left out
	var got []fs.FileInfo
	for {
		fi, err := d.Next()
		if err == io.EOF {
			break
		}
		wantOK(t, "Next", err)
		got = append(got, fi)
	}
	if _, err := d.Next(); err != io.EOF {
		t.Fatalf("Next after the last: %v, want io.EOF", err)
	}
	want = slices.DeleteFunc(want, func(fi fs.FileInfo) bool { return fi.Name() == "c" })
	if len(got) != len(want) {
		t.Fatalf("OpenDir gave %d entries, want %d", len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Name() != w.Name() || g.Size() != w.Size() || g.Mode() != w.Mode() || !g.ModTime().Equal(w.ModTime()) {
			t.Errorf("entry %d: %s %d %v, want %s %d %v", i, g.Name(), g.Size(), g.Mode(), w.Name(), w.Size(), w.Mode())
		}
	}
	_, err = o.OpenDir(t.Context(), "/d/a")
	wantErr(t, "OpenDir of a file", err, vfs.ErrNotDir)
	_, err = o.OpenDir(t.Context(), "/missing")
	wantErr(t, "OpenDir of nothing", err, fs.ErrNotExist)
}

// testOpenDirCancelled: a Dir stops at the first entry after its context
// ends.
func testOpenDirCancelled(t *testing.T, fsys vfs.FS) {
	o := need[vfs.DirOpener](t, fsys)
	Put(t, fsys, "/a", nil)
	Put(t, fsys, "/b", nil)
	ctx, cancel := context.WithCancel(t.Context())
	d, err := o.OpenDir(ctx, "/")
	wantOK(t, "OpenDir", err)
	defer d.Close()
	_, err = d.Next()
	wantOK(t, "Next", err)
	cancel()
	_, err = d.Next()
	wantErr(t, "Next after cancel", err, context.Canceled)
}
