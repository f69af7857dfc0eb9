//go:build unix

package vfs_test

import (
	"io/fs"
	"path/filepath"
	"slices"
	"syscall"
	"testing"

	"github.com/luaftpd/luaftpd/vfs"
	"github.com/luaftpd/luaftpd/vfs/vfstest"
)

// TestLocalSpecialFiles checks a FIFO can neither hang nor be served.
func TestLocalSpecialFiles(t *testing.T) {
	j := newJail(t)
	ctx := t.Context()
	must(t, syscall.Mkfifo(filepath.Join(j.root, "fifo"), 0o644))
	_, err := j.Open(ctx, "/fifo")
	wantIs(t, "Open of a FIFO", err, fs.ErrPermission)
	for _, off := range []int64{-1, 0} {
		_, err = j.OpenWrite(ctx, "/fifo", off)
		wantIs(t, "OpenWrite of a FIFO", err, fs.ErrPermission)
	}
	_, err = j.Avail(ctx, "/fifo")
	must(t, err)
	if n := vfstest.Names(t, j, "/"); !slices.Equal(n, []string{"fifo"}) {
		t.Fatalf("ReadDir = %q", n)
	}
}

// TestLocalFIFOFolderOps checks folder operations on a FIFO fail at once.
func TestLocalFIFOFolderOps(t *testing.T) {
	j := newJail(t)
	ctx := t.Context()
	must(t, syscall.Mkfifo(filepath.Join(j.root, "fifo"), 0o644))
	_, err := j.ReadDir(ctx, "/fifo")
	wantIs(t, "ReadDir of a FIFO", err, vfs.ErrNotDir)
	_, err = j.Sub(ctx, "/fifo")
	wantIs(t, "Sub of a FIFO", err, vfs.ErrNotDir)
}

// TestLocalDeviceRefused checks a device node inside the root is neither
// served nor written (nor opened: preCheck refuses it first).
func TestLocalDeviceRefused(t *testing.T) {
	j := newJail(t)
	// A copy of /dev/null (char 1:3); only root may make one.
	if err := syscall.Mknod(filepath.Join(j.root, "null"), syscall.S_IFCHR|0o666, 1<<8|3); err != nil {
		t.Skipf("mknod: %v", err)
	}
	_, err := j.Open(t.Context(), "/null")
	wantIs(t, "Open of a device", err, fs.ErrPermission)
	for _, off := range []int64{-1, 0} {
		_, err = j.OpenWrite(t.Context(), "/null", off)
		wantIs(t, "OpenWrite of a device", err, fs.ErrPermission)
	}
}
