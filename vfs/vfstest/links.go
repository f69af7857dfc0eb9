package vfstest

import (
	"errors"
	"io/fs"
	"testing"

	"github.com/luaftpd/luaftpd/vfs"
)

// LinkFS is a backend with symlinks, as RunLinks takes it.
type LinkFS struct {
	vfs.FS
	// Symlink makes the symlink name (an FS name) with target as its text,
	// as os.Symlink does; target may lead out of the root.
	Symlink func(target, name string) error
	// Outside is a link text, relative to the root folder, that leads to a
	// folder outside the root holding a file "passwd" and a folder "dir"
	// with a file in it ("../outside" for a jail beside it). Nothing
	// there may change: the constructor's cleanup checks it.
	Outside string
}

// RunLinks runs the symlink cases against backends that have symlinks
// (Local; Mem has none): a link that leads out of the root is a name
// inside it, which Remove, Rename and Lstat act on without ever reaching
// what it points to.
func RunLinks(t *testing.T, newFS func(t *testing.T) LinkFS) {
	for _, tc := range linkCases {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, newFS(t)) })
	}
}

var linkCases = []struct {
	name string
	run  func(t *testing.T, l LinkFS)
}{
	{"RemoveLeavingLink", testRemoveLeavingLink},
	{"RenameLeavingLink", testRenameLeavingLink},
	{"RemoveDirOfLeavingLink", testRemoveDirOfLeavingLink},
	{"LstatLeavingLink", testLstatLeavingLink},
}

// link makes the symlink name to target, failing t on error.
func (l LinkFS) link(t *testing.T, target, name string) {
	t.Helper()
	if err := l.Symlink(target, name); err != nil {
		t.Fatalf("Symlink(%q, %q): %v", target, name, err)
	}
}

func testRemoveLeavingLink(t *testing.T, l LinkFS) {
	l.link(t, l.Outside+"/passwd", "/to-file")
	l.link(t, l.Outside+"/dir", "/to-dir")
	l.link(t, l.Outside+"/missing", "/dangling")
	for _, name := range []string{"/to-file", "/to-dir", "/dangling"} {
		wantOK(t, "Remove("+name+")", l.Remove(t.Context(), name))
	}
	wantNames(t, l, "/")
}

func testRenameLeavingLink(t *testing.T, l LinkFS) {
	r := need[vfs.Renamer](t, l.FS)
	l.link(t, l.Outside+"/passwd", "/to-file")
	Mkdir(t, l, "/d")
	wantOK(t, "Rename of a leaving link", r.Rename(t.Context(), "/to-file", "/d/moved"))
	wantNames(t, l, "/d", "moved")
	wantLink(t, l, "/d/moved")
	Put(t, l, "/payload", []byte("payload"))
	wantOK(t, "Rename over a leaving link", r.Rename(t.Context(), "/payload", "/d/moved"))
	wantContent(t, l, "/d/moved", []byte("payload"))
}

func testRemoveDirOfLeavingLink(t *testing.T, l LinkFS) {
	l.link(t, l.Outside+"/dir", "/to-dir")
	err := l.RemoveDir(t.Context(), "/to-dir")
	wantErr(t, "RemoveDir of a link to a folder outside", err, vfs.ErrNotDir, fs.ErrPermission)
	wantLink(t, l, "/to-dir")
}

func testLstatLeavingLink(t *testing.T, l LinkFS) {
	ls := need[vfs.Lstater](t, l.FS)
	l.link(t, l.Outside+"/passwd", "/to-file")
	fi, err := ls.Lstat(t.Context(), "/to-file")
	wantOK(t, "Lstat(/to-file)", err)
	if fi.Mode()&fs.ModeSymlink == 0 || fi.Name() != "to-file" {
		t.Fatalf("Lstat(/to-file) = %s %v, want the link", fi.Name(), fi.Mode())
	}
	_, err = l.Stat(t.Context(), "/to-file")
	wantErr(t, "Stat through a leaving link", err, fs.ErrPermission, fs.ErrNotExist)
	_, err = ls.Lstat(t.Context(), "/to-file/x")
	if err == nil || errors.Is(err, fs.ErrExist) {
		t.Fatalf("Lstat below a leaving link: %v, want a refusal", err)
	}
}

// wantLink fails t unless name is a symlink.
func wantLink(t *testing.T, l LinkFS, name string) {
	t.Helper()
	ls, ok := l.FS.(vfs.Lstater)
	if !ok {
		return
	}
	fi, err := ls.Lstat(t.Context(), name)
	wantOK(t, "Lstat("+name+")", err)
	if fi.Mode()&fs.ModeSymlink == 0 {
		t.Fatalf("%s is %v, want a symlink", name, fi.Mode())
	}
}
