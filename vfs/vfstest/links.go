package vfstest

import (
	"errors"
	"io"
	"io/fs"
	"slices"
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
// what it points to; listings describe every link as a link, and
// Readlink reads its text.
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
	{"Readlink", testReadlink},
	{"ListsLinksAsLinks", testListsLinksAsLinks},
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

// linkTree makes /d holding a file f, and links to it, to f, to the
// parent folder, out of the root and to nothing.
func linkTree(t *testing.T, l LinkFS) {
	Mkdir(t, l, "/d")
	Put(t, l, "/d/f", []byte("F"))
	l.link(t, "d", "/to-d")
	l.link(t, "f", "/d/to-f")
	l.link(t, "..", "/d/up")
	l.link(t, l.Outside+"/dir", "/leave")
	l.link(t, "missing", "/dangling")
}

// testReadlink: Readlink returns each link's text as stored, wherever it
// leads; a file is not a link, and nothing is read below a leaving link.
func testReadlink(t *testing.T, l LinkFS) {
	r := need[vfs.Readlinker](t, l.FS)
	linkTree(t, l)
	for name, want := range map[string]string{
		"/to-d": "d", "/d/to-f": "f", "/d/up": "..", "/to-d/up": "..",
		"/leave": l.Outside + "/dir", "/dangling": "missing",
	} {
		got, err := r.Readlink(t.Context(), name)
		wantOK(t, "Readlink("+name+")", err)
		if got != want {
			t.Errorf("Readlink(%s) = %q, want %q", name, got, want)
		}
	}
	_, err := r.Readlink(t.Context(), "/d/f")
	wantErr(t, "Readlink of a file", err, fs.ErrInvalid)
	_, err = r.Readlink(t.Context(), "/nothing")
	wantErr(t, "Readlink of nothing", err, fs.ErrNotExist)
	if _, err = r.Readlink(t.Context(), "/leave/x"); err == nil {
		t.Fatal("Readlink below a leaving link succeeded")
	}
}

// testListsLinksAsLinks: ReadDir (and OpenDir) describe every link as the
// link, even one to a folder inside the root, which Stat follows.
func testListsLinksAsLinks(t *testing.T, l LinkFS) {
	linkTree(t, l)
	wantDir(t, l, "/to-d")
	for dir, links := range map[string][]string{"/": {"dangling", "leave", "to-d"}, "/d": {"to-f", "up"}} {
		infos, err := l.ReadDir(t.Context(), dir)
		wantOK(t, "ReadDir("+dir+")", err)
		for _, fi := range infos {
			link := fi.Mode()&fs.ModeSymlink != 0
			if link != slices.Contains(links, fi.Name()) || link && fi.IsDir() {
				t.Errorf("ReadDir(%s): %s is %v", dir, fi.Name(), fi.Mode())
			}
		}
		if o, ok := l.FS.(vfs.DirOpener); ok {
			wantSameEntries(t, o, dir, infos)
		}
	}
}

// wantSameEntries fails t unless OpenDir describes dir's entries as want.
func wantSameEntries(t *testing.T, o vfs.DirOpener, dir string, want []fs.FileInfo) {
	t.Helper()
	d, err := o.OpenDir(t.Context(), dir)
	wantOK(t, "OpenDir("+dir+")", err)
	defer d.Close()
	for _, w := range want {
		fi, err := d.Next()
		wantOK(t, "Next", err)
		if fi.Name() != w.Name() || fi.Mode() != w.Mode() {
			t.Errorf("OpenDir(%s): %s %v, ReadDir: %s %v", dir, fi.Name(), fi.Mode(), w.Name(), w.Mode())
		}
	}
	if _, err := d.Next(); err != io.EOF {
		t.Errorf("OpenDir(%s) has more than ReadDir: %v", dir, err)
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
