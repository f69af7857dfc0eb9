package vfstest

import (
	"context"
	"io"
	"io/fs"
	"testing"
	"time"

	"github.com/luaftpd/luaftpd/vfs"
)

var optionalCases = []testCase{
	{"Rename", testRename},
	{"RenameErrors", testRenameErrors},
	{"OpenWriteAppend", testOpenWriteAppend},
	{"OpenWriteOffset", testOpenWriteOffset},
	{"OpenWriteErrors", testOpenWriteErrors},
	{"OpenPatch", testOpenPatch},
	{"Chmod", testChmod},
	{"Chtimes", testChtimes},
	{"Avail", testAvail},
	{"Sub", testSub},
	{"Lstat", testLstat},
	{"OpenDir", testOpenDir},
	{"OpenDirCancelled", testOpenDirCancelled},
}

// need returns fsys as T or skips the test.
func need[T any](t *testing.T, fsys vfs.FS) T {
	t.Helper()
	x, ok := fsys.(T)
	if !ok {
		var zero *T
		t.Skipf("backend lacks %T", zero)
	}
	return x
}

func testRename(t *testing.T, fsys vfs.FS) {
	r := need[vfs.Renamer](t, fsys)
	ctx := t.Context()
	Put(t, fsys, "/a", []byte("A"))
	wantOK(t, "Rename", r.Rename(ctx, "/a", "/b"))
	wantMissing(t, fsys, "/a")
	wantContent(t, fsys, "/b", []byte("A"))
	Put(t, fsys, "/c", []byte("C"))
	wantOK(t, "Rename over a file", r.Rename(ctx, "/c", "/b"))
	wantContent(t, fsys, "/b", []byte("C"))
	wantOK(t, "Rename onto itself", r.Rename(ctx, "/b", "/b"))
	wantContent(t, fsys, "/b", []byte("C"))
	Mkdir(t, fsys, "/d")
	Put(t, fsys, "/d/f", []byte("F"))
	wantOK(t, "Rename of a folder", r.Rename(ctx, "/d", "/e"))
	wantContent(t, fsys, "/e/f", []byte("F"))
	Mkdir(t, fsys, "/e/sub")
	wantOK(t, "Rename into a folder", r.Rename(ctx, "/b", "/e/sub/b"))
	wantContent(t, fsys, "/e/sub/b", []byte("C"))
	wantNames(t, fsys, "/", "e")
}

func testRenameErrors(t *testing.T, fsys vfs.FS) {
	r := need[vfs.Renamer](t, fsys)
	ctx := t.Context()
	Put(t, fsys, "/f", []byte("F"))
	Mkdir(t, fsys, "/d")
	Put(t, fsys, "/d/keep", []byte("K"))
	wantErr(t, "Rename of nothing", r.Rename(ctx, "/missing", "/x"), fs.ErrNotExist)
	wantErr(t, "Rename into nothing", r.Rename(ctx, "/f", "/missing/x"), fs.ErrNotExist)
	wantErr(t, "Rename of a file over a folder", r.Rename(ctx, "/f", "/d"), vfs.ErrIsDir, fs.ErrExist)
	wantErr(t, "Rename of a folder over a file", r.Rename(ctx, "/d", "/f"), vfs.ErrNotDir, fs.ErrExist)
	Mkdir(t, fsys, "/e")
	Put(t, fsys, "/e/x", []byte("X"))
	wantErr(t, "Rename over a full folder", r.Rename(ctx, "/d", "/e"), vfs.ErrNotEmpty, fs.ErrExist)
	Mkdir(t, fsys, "/empty")
	wantErr(t, "Rename over an empty folder", r.Rename(ctx, "/f", "/empty"), fs.ErrExist, vfs.ErrIsDir)
	wantErr(t, "Rename into itself", r.Rename(ctx, "/d", "/d/sub"), fs.ErrInvalid)
	if err := r.Rename(ctx, "/", "/x"); err == nil {
		t.Fatal("Rename of the root succeeded")
	}
	wantContent(t, fsys, "/f", []byte("F"))
	wantContent(t, fsys, "/d/keep", []byte("K"))
	wantContent(t, fsys, "/e/x", []byte("X"))
	wantNames(t, fsys, "/", "d", "e", "empty", "f")
}

// write writes data through OpenWrite and closes.
func write(t *testing.T, w vfs.WriterAt, name string, offset int64, data string) {
	t.Helper()
	writeThrough(t, "OpenWrite", w.OpenWrite, name, offset, data)
}

// writeThrough writes data to what open (named what) opens, and closes.
func writeThrough(t *testing.T, what string, open func(context.Context, string, int64) (io.WriteCloser, error), name string, offset int64, data string) {
	t.Helper()
	wc, err := open(t.Context(), name, offset)
	wantOK(t, what, err)
	_, err = io.WriteString(wc, data)
	wantOK(t, "Write", err)
	wantOK(t, "Close", wc.Close())
}

func testOpenWriteAppend(t *testing.T, fsys vfs.FS) {
	w := need[vfs.WriterAt](t, fsys)
	write(t, w, "/log", -1, "one\n")
	wantContent(t, fsys, "/log", []byte("one\n"))
	write(t, w, "/log", -1, "two\n")
	wantContent(t, fsys, "/log", []byte("one\ntwo\n"))
}

func testOpenWriteOffset(t *testing.T, fsys vfs.FS) {
	w := need[vfs.WriterAt](t, fsys)
	write(t, w, "/f", 0, "hello world")
	wantContent(t, fsys, "/f", []byte("hello world"))
	write(t, w, "/f", 6, "there")
	wantContent(t, fsys, "/f", []byte("hello there"))
	write(t, w, "/f", 5, "")
	wantContent(t, fsys, "/f", []byte("hello"))
	write(t, w, "/f", 5, "!")
	wantContent(t, fsys, "/f", []byte("hello!"))
	write(t, w, "/f", 0, "x")
	wantContent(t, fsys, "/f", []byte("x"))
}

func testOpenWriteErrors(t *testing.T, fsys vfs.FS) {
	w := need[vfs.WriterAt](t, fsys)
	ctx := t.Context()
	Put(t, fsys, "/f", []byte("abc"))
	_, err := w.OpenWrite(ctx, "/f", 4)
	wantErr(t, "OpenWrite past the end", err, fs.ErrInvalid)
	wantContent(t, fsys, "/f", []byte("abc"))
	_, err = w.OpenWrite(ctx, "/new", 1)
	wantErr(t, "OpenWrite past the end of nothing", err, fs.ErrInvalid)
	wantMissing(t, fsys, "/new")
	Mkdir(t, fsys, "/d")
	for _, off := range []int64{-1, 0} {
		_, err = w.OpenWrite(ctx, "/d", off)
		wantErr(t, "OpenWrite of a folder", err, vfs.ErrIsDir)
	}
	_, err = w.OpenWrite(ctx, "/missing/f", -1)
	wantErr(t, "OpenWrite in nothing", err, fs.ErrNotExist)
	wantNames(t, fsys, "/", "d", "f")
}

// patch writes data through OpenPatch and closes.
func patch(t *testing.T, p vfs.Patcher, name string, offset int64, data string) {
	t.Helper()
	writeThrough(t, "OpenPatch", p.OpenPatch, name, offset, data)
}

// OpenPatch overwrites in place and never cuts the file.
func testOpenPatch(t *testing.T, fsys vfs.FS) {
	p := need[vfs.Patcher](t, fsys)
	ctx := t.Context()
	patch(t, p, "/f", 0, "hello world")
	wantContent(t, fsys, "/f", []byte("hello world"))
	patch(t, p, "/f", 1, "E")
	wantContent(t, fsys, "/f", []byte("hEllo world"))
	patch(t, p, "/f", 0, "")
	wantContent(t, fsys, "/f", []byte("hEllo world"))
	patch(t, p, "/f", 6, "there!")
	wantContent(t, fsys, "/f", []byte("hEllo there!"))
	patch(t, p, "/f", 12, "?")
	wantContent(t, fsys, "/f", []byte("hEllo there!?"))
	for _, off := range []int64{14, -1} {
		_, err := p.OpenPatch(ctx, "/f", off)
		wantErr(t, "OpenPatch past the end or before the start", err, fs.ErrInvalid)
	}
	_, err := p.OpenPatch(ctx, "/new", 1)
	wantErr(t, "OpenPatch past the end of nothing", err, fs.ErrInvalid)
	Mkdir(t, fsys, "/d")
	_, err = p.OpenPatch(ctx, "/d", 0)
	wantErr(t, "OpenPatch of a folder", err, vfs.ErrIsDir)
	wantContent(t, fsys, "/f", []byte("hEllo there!?"))
	wantNames(t, fsys, "/", "d", "f")
}

func testChmod(t *testing.T, fsys vfs.FS) {
	c := need[vfs.Chmoder](t, fsys)
	ctx := t.Context()
	Put(t, fsys, "/f", []byte("x"))
	Mkdir(t, fsys, "/d")
	for _, tc := range []struct {
		name string
		mode fs.FileMode
	}{{"/f", 0o600}, {"/f", 0o640}, {"/d", 0o700}, {"/d", 0o755}} {
		wantOK(t, "Chmod", c.Chmod(ctx, tc.name, tc.mode))
		fi, err := fsys.Stat(ctx, tc.name)
		wantOK(t, "Stat", err)
		if fi.Mode().Perm() != tc.mode {
			t.Fatalf("Chmod(%s, %v): mode %v", tc.name, tc.mode, fi.Mode())
		}
	}
	wantDir(t, fsys, "/d")
	wantErr(t, "Chmod of nothing", c.Chmod(ctx, "/missing", 0o644), fs.ErrNotExist)
}

func testChtimes(t *testing.T, fsys vfs.FS) {
	c := need[vfs.Chtimeser](t, fsys)
	ctx := t.Context()
	Put(t, fsys, "/f", []byte("x"))
	Mkdir(t, fsys, "/d")
	when := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	for _, name := range []string{"/f", "/d"} {
		wantOK(t, "Chtimes", c.Chtimes(ctx, name, when))
		fi, err := fsys.Stat(ctx, name)
		wantOK(t, "Stat", err)
		if !fi.ModTime().Equal(when) {
			t.Fatalf("Chtimes(%s): ModTime %v, want %v", name, fi.ModTime(), when)
		}
	}
	wantErr(t, "Chtimes of nothing", c.Chtimes(ctx, "/missing", when), fs.ErrNotExist)
}

func testAvail(t *testing.T, fsys vfs.FS) {
	a := need[vfs.Availer](t, fsys)
	Mkdir(t, fsys, "/d")
	for _, name := range []string{"/", "/d"} {
		n, err := a.Avail(t.Context(), name)
		wantOK(t, "Avail", err)
		if n == 0 {
			t.Fatalf("Avail(%s) = 0", name)
		}
	}
	_, err := a.Avail(t.Context(), "/missing")
	wantErr(t, "Avail of nothing", err, fs.ErrNotExist)
}

func testSub(t *testing.T, fsys vfs.FS) {
	s := need[vfs.Subber](t, fsys)
	ctx := t.Context()
	Mkdir(t, fsys, "/home")
	Put(t, fsys, "/home/f", []byte("F"))
	Put(t, fsys, "/secret", []byte("S"))
	sub, err := s.Sub(ctx, "/home")
	wantOK(t, "Sub", err)
	if c, ok := sub.(io.Closer); ok {
		defer c.Close()
	}
	wantDir(t, sub, "/")
	wantNames(t, sub, "/", "f")
	wantContent(t, sub, "/f", []byte("F"))
	Put(t, sub, "/g", []byte("G"))
	wantContent(t, fsys, "/home/g", []byte("G"))
	wantMissing(t, sub, "/home")
	wantMissing(t, sub, "/secret")
	for _, name := range []string{"/..", "/../secret", "/../home/../secret"} {
		if _, err := sub.Open(ctx, name); err == nil {
			t.Fatalf("sub Open(%q) succeeded", name)
		}
	}
	_, err = s.Sub(ctx, "/secret")
	wantErr(t, "Sub of a file", err, vfs.ErrNotDir)
	_, err = s.Sub(ctx, "/missing")
	wantErr(t, "Sub of nothing", err, fs.ErrNotExist)
}

// testLstat: on names that are no symlinks, Lstat says what Stat says, and
// fails as Stat fails.
func testLstat(t *testing.T, fsys vfs.FS) {
	l := need[vfs.Lstater](t, fsys)
	ctx := t.Context()
	Mkdir(t, fsys, "/d")
	Put(t, fsys, "/d/f", []byte("four"))
	for _, name := range []string{"/", "/d", "/d/f"} {
		want, err := fsys.Stat(ctx, name)
		wantOK(t, "Stat("+name+")", err)
		got, err := l.Lstat(ctx, name)
		wantOK(t, "Lstat("+name+")", err)
		if got.Name() != want.Name() || got.IsDir() != want.IsDir() || got.Size() != want.Size() || got.Mode() != want.Mode() {
			t.Errorf("Lstat(%s) = %s %v %d, Stat = %s %v %d", name,
				got.Name(), got.Mode(), got.Size(), want.Name(), want.Mode(), want.Size())
		}
	}
	_, err := l.Lstat(ctx, "/missing")
	wantErr(t, "Lstat(/missing)", err, fs.ErrNotExist)
	_, err = l.Lstat(ctx, "/d/f/under")
	wantErr(t, "Lstat(/d/f/under)", err, fs.ErrNotExist, vfs.ErrNotDir)
}
