package vfstest

import (
	"context"
	"io"
	"io/fs"
	"testing"
	"time"

	"github.com/luaftpd/luaftpd/vfs"
)

var basicCases = []testCase{
	{"StatRoot", testStatRoot},
	{"StatFile", testStatFile},
	{"ReadDir", testReadDir},
	{"Open", testOpen},
	{"OpenErrors", testOpenErrors},
	{"Mkdir", testMkdir},
	{"Remove", testRemove},
	{"RemoveDir", testRemoveDir},
	{"UTF8Names", testUTF8Names},
	{"CancelledContext", testCancelledContext},
}

func testStatRoot(t *testing.T, fsys vfs.FS) {
	fi, err := fsys.Stat(t.Context(), "/")
	wantOK(t, "Stat(/)", err)
	if !fi.IsDir() || fi.Name() != "/" {
		t.Fatalf("Stat(/) = %q dir=%v, want \"/\" dir=true", fi.Name(), fi.IsDir())
	}
	wantNames(t, fsys, "/")
}

func testStatFile(t *testing.T, fsys vfs.FS) {
	before := time.Now().Add(-time.Minute)
	Put(t, fsys, "/a.txt", []byte("hello"))
	fi, err := fsys.Stat(t.Context(), "/a.txt")
	wantOK(t, "Stat", err)
	if fi.Name() != "a.txt" || fi.Size() != 5 || !fi.Mode().IsRegular() {
		t.Fatalf("Stat = name %q size %d mode %v", fi.Name(), fi.Size(), fi.Mode())
	}
	if fi.ModTime().Before(before) || fi.ModTime().After(time.Now().Add(time.Minute)) {
		t.Fatalf("ModTime %v is not about now", fi.ModTime())
	}
	wantMissing(t, fsys, "/missing")
	_, err = fsys.Stat(t.Context(), "/a.txt/x")
	wantErr(t, "Stat below a file", err, fs.ErrNotExist, vfs.ErrNotDir)
	_, err = fsys.Stat(t.Context(), "/a.txt/")
	if err == nil {
		// A trailing slash is cleaned away; it must still name the file.
		wantContent(t, fsys, "/a.txt", []byte("hello"))
	}
}

func testReadDir(t *testing.T, fsys vfs.FS) {
	Mkdir(t, fsys, "/d")
	for _, n := range []string{"/d/b", "/d/a", "/d/c"} {
		Put(t, fsys, n, []byte(n))
	}
	Mkdir(t, fsys, "/d/sub")
	wantNames(t, fsys, "/d", "a", "b", "c", "sub")
	infos, err := fsys.ReadDir(t.Context(), "/d")
	wantOK(t, "ReadDir", err)
	if infos[0].Size() != 4 || infos[0].IsDir() || !infos[3].IsDir() {
		t.Fatalf("ReadDir infos: %v %v", infos[0], infos[3])
	}
	wantNames(t, fsys, "/d/sub")
	wantNames(t, fsys, "/", "d")
	_, err = fsys.ReadDir(t.Context(), "/d/a")
	wantErr(t, "ReadDir of a file", err, vfs.ErrNotDir)
	_, err = fsys.ReadDir(t.Context(), "/missing")
	wantErr(t, "ReadDir of nothing", err, fs.ErrNotExist)
}

func testOpen(t *testing.T, fsys vfs.FS) {
	Put(t, fsys, "/f", []byte("hello"))
	f, err := fsys.Open(t.Context(), "/f")
	wantOK(t, "Open", err)
	defer f.Close()
	if fi, err := f.Stat(); err != nil || fi.Size() != 5 || fi.IsDir() {
		t.Fatalf("File.Stat = %v, %v", fi, err)
	}
	if pos, err := f.Seek(1, io.SeekStart); err != nil || pos != 1 {
		t.Fatalf("Seek = %d, %v", pos, err)
	}
	rest, err := io.ReadAll(f)
	if err != nil || string(rest) != "ello" {
		t.Fatalf("read after Seek = %q, %v", rest, err)
	}
	wantOK(t, "Close", f.Close())
	if _, err := f.Read(make([]byte, 1)); err == nil {
		t.Fatal("Read after Close succeeded")
	}
}

func testOpenErrors(t *testing.T, fsys vfs.FS) {
	Mkdir(t, fsys, "/d")
	_, err := fsys.Open(t.Context(), "/d")
	wantErr(t, "Open of a folder", err, vfs.ErrIsDir)
	_, err = fsys.Open(t.Context(), "/")
	wantErr(t, "Open of the root", err, vfs.ErrIsDir)
	_, err = fsys.Open(t.Context(), "/missing")
	wantErr(t, "Open of nothing", err, fs.ErrNotExist)
}

func testMkdir(t *testing.T, fsys vfs.FS) {
	Mkdir(t, fsys, "/d")
	wantDir(t, fsys, "/d")
	Mkdir(t, fsys, "/d/e")
	wantErr(t, "Mkdir again", fsys.Mkdir(t.Context(), "/d"), fs.ErrExist)
	Put(t, fsys, "/f", []byte("x"))
	wantErr(t, "Mkdir over a file", fsys.Mkdir(t.Context(), "/f"), fs.ErrExist)
	wantContent(t, fsys, "/f", []byte("x"))
	wantErr(t, "Mkdir of the root", fsys.Mkdir(t.Context(), "/"), fs.ErrExist)
	wantErr(t, "Mkdir in nothing", fsys.Mkdir(t.Context(), "/missing/x"), fs.ErrNotExist)
	wantErr(t, "Mkdir below a file", fsys.Mkdir(t.Context(), "/f/x"), fs.ErrNotExist, vfs.ErrNotDir)
}

func testRemove(t *testing.T, fsys vfs.FS) {
	Put(t, fsys, "/f", []byte("x"))
	wantOK(t, "Remove", fsys.Remove(t.Context(), "/f"))
	wantMissing(t, fsys, "/f")
	wantErr(t, "Remove again", fsys.Remove(t.Context(), "/f"), fs.ErrNotExist)
	Mkdir(t, fsys, "/d")
	wantErr(t, "Remove of a folder", fsys.Remove(t.Context(), "/d"), vfs.ErrIsDir)
	wantDir(t, fsys, "/d")
	wantErr(t, "Remove of the root", fsys.Remove(t.Context(), "/"), vfs.ErrIsDir, fs.ErrPermission)
	wantDir(t, fsys, "/")
}

func testRemoveDir(t *testing.T, fsys vfs.FS) {
	Mkdir(t, fsys, "/d")
	Put(t, fsys, "/d/f", []byte("x"))
	wantErr(t, "RemoveDir of a full folder", fsys.RemoveDir(t.Context(), "/d"), vfs.ErrNotEmpty)
	wantContent(t, fsys, "/d/f", []byte("x"))
	wantErr(t, "RemoveDir of a file", fsys.RemoveDir(t.Context(), "/d/f"), vfs.ErrNotDir)
	wantContent(t, fsys, "/d/f", []byte("x"))
	wantOK(t, "Remove", fsys.Remove(t.Context(), "/d/f"))
	wantOK(t, "RemoveDir", fsys.RemoveDir(t.Context(), "/d"))
	wantMissing(t, fsys, "/d")
	wantErr(t, "RemoveDir again", fsys.RemoveDir(t.Context(), "/d"), fs.ErrNotExist)
	wantErr(t, "RemoveDir of the root", fsys.RemoveDir(t.Context(), "/"), fs.ErrPermission)
	wantDir(t, fsys, "/")
}

func testUTF8Names(t *testing.T, fsys vfs.FS) {
	Mkdir(t, fsys, "/日本語")
	names := []string{"/héllo wörld.txt", "/日本語/ファイル.txt", "/emoji 🎉", "/Ω≈ç√", "/tab\tand newline\n"}
	for _, n := range names {
		Put(t, fsys, n, []byte(n))
	}
	for _, n := range names {
		wantContent(t, fsys, n, []byte(n))
	}
	wantNames(t, fsys, "/", "emoji 🎉", "héllo wörld.txt", "tab\tand newline\n", "Ω≈ç√", "日本語")
	wantNames(t, fsys, "/日本語", "ファイル.txt")
}

func testCancelledContext(t *testing.T, fsys vfs.FS) {
	Put(t, fsys, "/f", []byte("x"))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := fsys.Stat(ctx, "/f")
	wantErr(t, "Stat with a cancelled context", err, context.Canceled)
	_, err = fsys.Create(ctx, "/g")
	wantErr(t, "Create with a cancelled context", err, context.Canceled)
	wantMissing(t, fsys, "/g")
}
