package vfs_test

import (
	"errors"
	"io"
	"io/fs"
	"testing"
	"time"

	"github.com/luaftpd/luaftpd/vfs"
	"github.com/luaftpd/luaftpd/vfs/vfstest"
)

func TestReadOnly(t *testing.T) {
	mem := vfs.NewMem()
	vfstest.Mkdir(t, mem, "/d")
	vfstest.Put(t, mem, "/d/f", []byte("F"))
	ro := vfs.ReadOnly(mem)
	if vfs.ReadOnly(ro) != ro {
		t.Error("ReadOnly of a read-only FS wraps it again")
	}
	checkReadOnly(t, ro, "/d", "/d/f")
	sub, err := ro.(vfs.Subber).Sub(t.Context(), "/d")
	if err != nil {
		t.Fatal(err)
	}
	checkReadOnly(t, sub, "/", "/f")
	n, err := ro.(vfs.Availer).Avail(t.Context(), "/")
	if err != nil || n == 0 {
		t.Fatalf("Avail = %d, %v", n, err)
	}
	if got := vfstest.Get(t, mem, "/d/f"); string(got) != "F" {
		t.Fatalf("/d/f = %q", got)
	}
	if got := vfstest.Names(t, mem, "/d"); len(got) != 1 {
		t.Fatalf("/d holds %q", got)
	}
}

// checkReadOnly checks reads of dir and file work and every write is
// refused with fs.ErrPermission.
func checkReadOnly(t *testing.T, ro vfs.FS, dir, file string) {
	t.Helper()
	ctx := t.Context()
	if got := vfstest.Get(t, ro, file); string(got) != "F" {
		t.Fatalf("%s = %q", file, got)
	}
	if got := vfstest.Names(t, ro, dir); len(got) != 1 {
		t.Fatalf("%s holds %q", dir, got)
	}
	_, err := ro.Create(ctx, file)
	errs := []error{err, ro.Mkdir(ctx, dir+"/x"), ro.Remove(ctx, file), ro.RemoveDir(ctx, dir),
		ro.(vfs.Renamer).Rename(ctx, file, dir+"/g"),
		ro.(vfs.Chmoder).Chmod(ctx, file, 0o777),
		ro.(vfs.Chtimeser).Chtimes(ctx, file, time.Now())}
	_, err = ro.(vfs.WriterAt).OpenWrite(ctx, file, -1)
	errs = append(errs, err)
	_, err = ro.(vfs.Patcher).OpenPatch(ctx, file, 0)
	errs = append(errs, err)
	for i, err := range errs {
		if !errors.Is(err, fs.ErrPermission) {
			t.Errorf("write %d: error %v, want fs.ErrPermission", i, err)
		}
	}
}

// TestReadOnlyClose: closing a read-only view leaves the wrapped FS open;
// closing a read-only Sub closes the sub.
func TestReadOnlyClose(t *testing.T) {
	j := newJail(t)
	vfstest.Mkdir(t, j, "/d")
	ro := vfs.ReadOnly(j)
	sub, err := ro.(vfs.Subber).Sub(t.Context(), "/d")
	if err != nil {
		t.Fatal(err)
	}
	if err := sub.(io.Closer).Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := sub.Stat(t.Context(), "/"); err == nil {
		t.Error("Stat on a closed read-only Sub succeeded")
	}
	if err := ro.(io.Closer).Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := j.Stat(t.Context(), "/d"); err != nil {
		t.Errorf("closing the read-only view closed the FS: %v", err)
	}
}

func TestReadOnlyWithoutOptional(t *testing.T) {
	ro := vfs.ReadOnly(bare{vfs.NewMem()})
	_, err := ro.(vfs.Availer).Avail(t.Context(), "/")
	if !errors.Is(err, vfs.ErrNotSupported) {
		t.Errorf("Avail: %v", err)
	}
	_, err = ro.(vfs.Subber).Sub(t.Context(), "/")
	if !errors.Is(err, vfs.ErrNotSupported) {
		t.Errorf("Sub: %v", err)
	}
	_, err = ro.(vfs.Readlinker).Readlink(t.Context(), "/")
	if !errors.Is(err, fs.ErrInvalid) {
		t.Errorf("Readlink without links: %v", err)
	}
}

// TestReadOnlyReadlink: a read-only view reads a link's text through, and
// lists the link as a link.
func TestReadOnlyReadlink(t *testing.T) {
	j := linkJail(t)
	ro := vfs.ReadOnly(j)
	text, err := ro.(vfs.Readlinker).Readlink(t.Context(), "/in-dir")
	if err != nil || text != "dir" {
		t.Errorf("Readlink(/in-dir) = %q, %v", text, err)
	}
	infos, err := ro.ReadDir(t.Context(), "/")
	must(t, err)
	listed := false
	for _, fi := range infos {
		if fi.Name() == "in-dir" {
			listed = true
			if fi.Mode()&fs.ModeSymlink == 0 {
				t.Errorf("in-dir listed as %v", fi.Mode())
			}
		}
	}
	if !listed {
		t.Error("in-dir not listed")
	}
}

// bare hides every optional interface of its FS.
type bare struct{ vfs.FS }
