package vfs

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"sync"
)

// Create starts an atomic upload: the data go to a hidden file in the same
// folder (so the final rename never crosses filesystems), which Commit
// renames over name. The Upload is also an io.ReaderFrom, so copying a
// socket into it can splice.
func (l *Local) Create(ctx context.Context, name string) (Upload, error) {
	clean, rel, err := l.name(ctx, "create", name)
	if err != nil {
		return nil, err
	}
	if err := l.checkTarget(clean, rel); err != nil {
		return nil, err
	}
	tmp, f, err := l.createTemp(rel)
	if err != nil {
		return nil, mapErr("create", clean, err)
	}
	if f, err = relabel(f, clean); err != nil {
		l.root.Remove(tmp)
		return nil, mapErr("create", clean, err)
	}
	return &localUpload{root: l.root, f: f, name: clean, rel: rel, tmp: tmp}, nil
}

// checkTarget refuses to upload over a folder (or a link to one) and over
// a link that leaves the root.
func (l *Local) checkTarget(clean, rel string) error {
	fi, err := l.root.Stat(rel)
	if err == nil && fi.IsDir() {
		err = ErrIsDir
	}
	err = mapErr("create", clean, err)
	if err == nil || errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// createTemp makes a new empty upload file beside rel and returns its
// Root-relative name.
func (l *Local) createTemp(rel string) (string, *os.File, error) {
	var err error
	for range 3 {
		tmp := path.Join(path.Dir(rel), tempPrefix+rand.Text())
		var f *os.File
		f, err = l.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil {
			return tmp, f, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			break
		}
	}
	return "", nil, err
}

// localUpload is an upload in progress on a Local.
type localUpload struct {
	root *os.Root
	f    *os.File
	name string // FS name, for errors
	rel  string // target, Root-relative
	tmp  string // upload file, Root-relative

	mu   sync.Mutex
	done bool
}

var (
	_ io.ReaderFrom   = (*localUpload)(nil)
	_ ExclusiveUpload = (*localUpload)(nil)
)

// Write appends p to the upload.
func (u *localUpload) Write(p []byte) (int, error) { return u.f.Write(p) }

// ReadFrom copies r into the upload; *os.File splices from a socket.
func (u *localUpload) ReadFrom(r io.Reader) (int64, error) { return u.f.ReadFrom(r) }

// Commit renames the upload over the target. On failure the target is left
// as it was and the upload file is removed.
func (u *localUpload) Commit() error {
	if !u.finish() {
		return nil
	}
	err := u.f.Close()
	if err == nil {
		err = u.root.Rename(u.tmp, u.rel)
	}
	if err != nil {
		u.root.Remove(u.tmp)
		return mapErr("commit", u.name, err)
	}
	return nil
}

// CommitExclusive puts the upload in place only if nothing has the name:
// a hard link fails rather than replace. Where the filesystem has no hard
// links it falls back to a check before the rename, which leaves a small
// race.
func (u *localUpload) CommitExclusive() error {
	if !u.finish() {
		return nil
	}
	err := u.f.Close()
	if err == nil {
		err = u.root.Link(u.tmp, u.rel)
		if err != nil && !errors.Is(err, fs.ErrExist) && !errors.Is(err, fs.ErrNotExist) {
			err = u.renameIfFree()
		}
	}
	u.root.Remove(u.tmp)
	return mapErr("commit", u.name, err)
}

// renameIfFree renames the upload into place if nothing has the name.
func (u *localUpload) renameIfFree() error {
	if _, err := u.root.Lstat(u.rel); !errors.Is(err, fs.ErrNotExist) {
		if err == nil {
			err = fs.ErrExist
		}
		return err
	}
	return u.root.Rename(u.tmp, u.rel)
}

// Abort discards the upload.
func (u *localUpload) Abort() error {
	if !u.finish() {
		return nil
	}
	u.f.Close()
	return mapErr("abort", u.name, u.root.Remove(u.tmp))
}

// finish reports whether this is the first Commit or Abort.
func (u *localUpload) finish() bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	first := !u.done
	u.done = true
	return first
}

// OpenWrite opens name for writing in place (APPE, REST+STOR). offset < 0
// appends, creating the file if missing; offset >= 0 truncates the file to
// offset and writes from there. The result is an *os.File, an
// io.ReaderFrom that can splice from a socket.
func (l *Local) OpenWrite(ctx context.Context, name string, offset int64) (io.WriteCloser, error) {
	return l.openInPlace(ctx, name, offset, true)
}

// OpenPatch opens name for writing from offset without truncating it; see
// Patcher.
func (l *Local) OpenPatch(ctx context.Context, name string, offset int64) (io.WriteCloser, error) {
	if offset < 0 {
		return nil, &fs.PathError{Op: "openwrite", Path: printable(name), Err: fs.ErrInvalid}
	}
	return l.openInPlace(ctx, name, offset, false)
}

// openInPlace is OpenWrite, and with trunc false OpenPatch.
func (l *Local) openInPlace(ctx context.Context, name string, offset int64, trunc bool) (io.WriteCloser, error) {
	clean, rel, err := l.name(ctx, "openwrite", name)
	if err != nil {
		return nil, err
	}
	flag := os.O_WRONLY | openSafe
	switch {
	case offset < 0:
		flag |= os.O_APPEND | os.O_CREATE
	case offset == 0:
		flag |= os.O_CREATE
	}
	if err := l.preCheck(rel); err != nil {
		return nil, mapErr("openwrite", clean, err)
	}
	f, err := l.root.OpenFile(rel, flag, 0o644)
	if offset > 0 && errors.Is(err, fs.ErrNotExist) && l.isDir(path.Dir(rel)) {
		err = fs.ErrInvalid // nothing to resume: the offset is past the end
	}
	if err != nil {
		return nil, mapErr("openwrite", clean, err)
	}
	if err := checkRegular(f); err != nil {
		f.Close()
		return nil, &fs.PathError{Op: "openwrite", Path: clean, Err: err}
	}
	if f, err = relabel(f, clean); err != nil {
		return nil, mapErr("openwrite", clean, err)
	}
	if offset >= 0 {
		if err := seekTruncate(f, offset, trunc); err != nil {
			f.Close()
			return nil, &fs.PathError{Op: "openwrite", Path: clean, Err: unwrapErr(err)}
		}
	}
	return f, nil
}

// seekTruncate cuts f to offset (when trunc) and moves there, refusing an
// offset past the end with fs.ErrInvalid.
func seekTruncate(f *os.File, offset int64, trunc bool) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if offset > fi.Size() {
		return fs.ErrInvalid
	}
	if trunc {
		if err := f.Truncate(offset); err != nil {
			return err
		}
	}
	_, err = f.Seek(offset, io.SeekStart)
	return err
}

// isDir reports whether the Root-relative name is a folder.
func (l *Local) isDir(rel string) bool {
	fi, err := l.root.Stat(rel)
	return err == nil && fi.IsDir()
}
