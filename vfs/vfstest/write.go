package vfstest

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"io/fs"
	"sync"
	"testing"

	"github.com/luaftpd/luaftpd/vfs"
)

var writeCases = []testCase{
	{"CreateCommit", testCreateCommit},
	{"CreateAbort", testCreateAbort},
	{"CreateErrors", testCreateErrors},
	{"CommitOverNewFolder", testCommitOverNewFolder},
	{"CommitInRemovedFolder", testCommitInRemovedFolder},
	{"LargeUpload", testLargeUpload},
	{"ConcurrentUploads", testConcurrentUploads},
	{"CommitExclusive", testCommitExclusive},
	{"MkdirAll", testMkdirAll},
}

func testCreateCommit(t *testing.T, fsys vfs.FS) {
	Put(t, fsys, "/f", []byte("old"))
	up, err := fsys.Create(t.Context(), "/f")
	wantOK(t, "Create", err)
	_, err = up.Write([]byte("new data"))
	wantOK(t, "Write", err)
	// Until Commit the old file stays, whole, and nothing else shows.
	wantContent(t, fsys, "/f", []byte("old"))
	wantNames(t, fsys, "/", "f")
	wantOK(t, "Commit", up.Commit())
	wantContent(t, fsys, "/f", []byte("new data"))
	wantNames(t, fsys, "/", "f")
	wantOK(t, "second Commit", up.Commit())
	wantOK(t, "Abort after Commit", up.Abort())
	wantContent(t, fsys, "/f", []byte("new data"))
	if _, err := up.Write([]byte("late")); err == nil {
		t.Fatal("Write after Commit succeeded")
	}
	wantContent(t, fsys, "/f", []byte("new data"))
}

func testCreateAbort(t *testing.T, fsys vfs.FS) {
	Put(t, fsys, "/f", []byte("old"))
	up, err := fsys.Create(t.Context(), "/f")
	wantOK(t, "Create", err)
	_, err = up.Write([]byte("partial"))
	wantOK(t, "Write", err)
	wantOK(t, "Abort", up.Abort())
	wantContent(t, fsys, "/f", []byte("old"))
	wantOK(t, "second Abort", up.Abort())
	wantOK(t, "Commit after Abort", up.Commit())
	wantContent(t, fsys, "/f", []byte("old"))
	wantNames(t, fsys, "/", "f")

	up, err = fsys.Create(t.Context(), "/new")
	wantOK(t, "Create", err)
	_, err = up.Write([]byte("partial"))
	wantOK(t, "Write", err)
	wantMissing(t, fsys, "/new")
	wantOK(t, "Abort", up.Abort())
	wantMissing(t, fsys, "/new")
	wantNames(t, fsys, "/", "f")
}

func testCreateErrors(t *testing.T, fsys vfs.FS) {
	Mkdir(t, fsys, "/d")
	Put(t, fsys, "/d/keep", []byte("k"))
	_, err := fsys.Create(t.Context(), "/d")
	wantErr(t, "Create over a folder", err, vfs.ErrIsDir)
	wantContent(t, fsys, "/d/keep", []byte("k"))
	_, err = fsys.Create(t.Context(), "/")
	wantErr(t, "Create over the root", err, vfs.ErrIsDir, fs.ErrPermission)
	_, err = fsys.Create(t.Context(), "/missing/f")
	wantErr(t, "Create in nothing", err, fs.ErrNotExist)
	_, err = fsys.Create(t.Context(), "/d/keep/f")
	wantErr(t, "Create below a file", err, fs.ErrNotExist, vfs.ErrNotDir)
	wantNames(t, fsys, "/d", "keep")
}

// testCommitOverNewFolder: a folder made under the name during the upload
// wins; the upload fails and leaves nothing behind.
func testCommitOverNewFolder(t *testing.T, fsys vfs.FS) {
	up, err := fsys.Create(t.Context(), "/x")
	wantOK(t, "Create", err)
	_, err = up.Write([]byte("data"))
	wantOK(t, "Write", err)
	Mkdir(t, fsys, "/x")
	Put(t, fsys, "/x/keep", []byte("k"))
	wantErr(t, "Commit over a folder", up.Commit(), vfs.ErrIsDir, vfs.ErrNotEmpty, fs.ErrExist)
	wantDir(t, fsys, "/x")
	wantContent(t, fsys, "/x/keep", []byte("k"))
	wantNames(t, fsys, "/", "x")
}

func testCommitInRemovedFolder(t *testing.T, fsys vfs.FS) {
	Mkdir(t, fsys, "/d")
	up, err := fsys.Create(t.Context(), "/d/f")
	wantOK(t, "Create", err)
	_, err = up.Write([]byte("data"))
	wantOK(t, "Write", err)
	// A folder with an upload in progress is not empty on every backend;
	// only if it could be removed must Commit fail cleanly.
	if fsys.RemoveDir(t.Context(), "/d") != nil {
		wantOK(t, "Abort", up.Abort())
		wantOK(t, "RemoveDir after Abort", fsys.RemoveDir(t.Context(), "/d"))
		return
	}
	wantErr(t, "Commit into a removed folder", up.Commit(), fs.ErrNotExist)
	wantMissing(t, fsys, "/d")
}

func testLargeUpload(t *testing.T, fsys vfs.FS) {
	data := make([]byte, 3<<20+17)
	rand.Read(data)
	up, err := fsys.Create(t.Context(), "/big")
	wantOK(t, "Create", err)
	// io.Copy takes the Upload's ReadFrom when it has one.
	n, err := io.Copy(up, onlyReader{bytes.NewReader(data)})
	if err != nil || n != int64(len(data)) {
		t.Fatalf("Copy = %d, %v", n, err)
	}
	wantOK(t, "Commit", up.Commit())
	wantContent(t, fsys, "/big", data)
}

// onlyReader hides every method of its reader but Read.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// testConcurrentUploads: uploads racing to one name end with exactly one of
// them, whole; a reader meanwhile sees nothing or a whole file.
func testConcurrentUploads(t *testing.T, fsys vfs.FS) {
	const writers, size, chunk = 6, 64 << 10, 4 << 10
	var wg sync.WaitGroup
	errs := make(chan error, writers+1)
	for i := range writers {
		wg.Go(func() { errs <- upload(t, fsys, "/race", bytes.Repeat([]byte{'a' + byte(i)}, size), chunk) })
	}
	wg.Go(func() { errs <- watch(t, fsys, "/race", size, 200) })
	wg.Wait()
	close(errs)
	for err := range errs {
		wantOK(t, "concurrent upload", err)
	}
	if err := wholeFile(Get(t, fsys, "/race"), size); err != nil {
		t.Fatal(err)
	}
	wantNames(t, fsys, "/", "race")
}

func upload(t *testing.T, fsys vfs.FS, name string, data []byte, chunk int) error {
	up, err := fsys.Create(t.Context(), name)
	if err != nil {
		return err
	}
	for p := data; len(p) > 0; p = p[chunk:] {
		if _, err := up.Write(p[:chunk]); err != nil {
			up.Abort()
			return err
		}
	}
	return up.Commit()
}

// watch reads name up to rounds times, checking each read is whole.
func watch(t *testing.T, fsys vfs.FS, name string, size, rounds int) error {
	for range rounds {
		f, err := fsys.Open(t.Context(), name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		data, err := io.ReadAll(f)
		f.Close()
		if err != nil {
			return err
		}
		if err := wholeFile(data, size); err != nil {
			return err
		}
	}
	return nil
}

// wholeFile checks data is size copies of one byte.
func wholeFile(data []byte, size int) error {
	if len(data) != size || len(bytes.Trim(data, string(data[:1]))) != 0 {
		return errors.New("file is not one whole upload: " + string(clip(data)))
	}
	return nil
}

func testCommitExclusive(t *testing.T, fsys vfs.FS) {
	create := func(name, data string) vfs.ExclusiveUpload {
		t.Helper()
		up, err := fsys.Create(t.Context(), name)
		wantOK(t, "Create", err)
		ex, ok := up.(vfs.ExclusiveUpload)
		if !ok {
			up.Abort()
			t.Skipf("%T lacks CommitExclusive", up)
		}
		_, err = up.Write([]byte(data))
		wantOK(t, "Write", err)
		return ex
	}
	first := create("/u", "first")
	second := create("/u", "second")
	wantOK(t, "CommitExclusive to a free name", first.CommitExclusive())
	wantErr(t, "CommitExclusive to a taken name", second.CommitExclusive(), fs.ErrExist)
	wantContent(t, fsys, "/u", []byte("first"))
	wantOK(t, "second CommitExclusive", first.CommitExclusive())
	wantOK(t, "Commit after CommitExclusive", second.Commit())
	wantContent(t, fsys, "/u", []byte("first"))
	wantNames(t, fsys, "/", "u")
}

func testMkdirAll(t *testing.T, fsys vfs.FS) {
	ctx := t.Context()
	wantOK(t, "MkdirAll", vfs.MkdirAll(ctx, fsys, "/a/b/c"))
	wantDir(t, fsys, "/a/b/c")
	wantOK(t, "MkdirAll again", vfs.MkdirAll(ctx, fsys, "/a/b/c"))
	wantOK(t, "MkdirAll of the root", vfs.MkdirAll(ctx, fsys, "/"))
	Put(t, fsys, "/a/f", []byte("x"))
	wantErr(t, "MkdirAll over a file", vfs.MkdirAll(ctx, fsys, "/a/f"), vfs.ErrNotDir)
	wantErr(t, "MkdirAll below a file", vfs.MkdirAll(ctx, fsys, "/a/f/g"), vfs.ErrNotDir, fs.ErrNotExist)
	wantErr(t, "MkdirAll of a bad name", vfs.MkdirAll(ctx, fsys, "/a/../x"), fs.ErrPermission)
	wantNames(t, fsys, "/a", "b", "f")
}
