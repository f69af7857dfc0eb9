package vfs

import (
	"context"
	"io"
	"io/fs"
	"time"
)

// ReadOnly serves fsys without any write: Create, Mkdir, Remove, RemoveDir,
// Rename, OpenWrite, OpenPatch, Chmod and Chtimes fail with fs.ErrPermission
// (so a client gets 550, not 502), reads (Lstat and Readlink too) pass
// through. Avail passes through when fsys has it, and Sub returns a
// read-only sub.
func ReadOnly(fsys FS) FS {
	if ro, ok := fsys.(*readOnly); ok {
		return ro
	}
	return &readOnly{fsys: fsys}
}

type readOnly struct {
	fsys FS
	owns bool // fsys came from Sub: Close closes it
}

var (
	_ Renamer    = (*readOnly)(nil)
	_ WriterAt   = (*readOnly)(nil)
	_ Patcher    = (*readOnly)(nil)
	_ Chmoder    = (*readOnly)(nil)
	_ Chtimeser  = (*readOnly)(nil)
	_ Availer    = (*readOnly)(nil)
	_ Subber     = (*readOnly)(nil)
	_ DirOpener  = (*readOnly)(nil)
	_ Lstater    = (*readOnly)(nil)
	_ Readlinker = (*readOnly)(nil)
)

func refuse(op, name string) error {
	return &fs.PathError{Op: op, Path: printable(name), Err: fs.ErrPermission}
}

func (r *readOnly) Stat(ctx context.Context, name string) (fs.FileInfo, error) {
	return r.fsys.Stat(ctx, name)
}

func (r *readOnly) ReadDir(ctx context.Context, name string) ([]fs.FileInfo, error) {
	return r.fsys.ReadDir(ctx, name)
}

// OpenDir passes through when fsys has it, else reads the folder whole.
func (r *readOnly) OpenDir(ctx context.Context, name string) (Dir, error) {
	return OpenDir(ctx, r.fsys, name)
}

// Lstat passes through when fsys has it, else is Stat (no symlinks).
func (r *readOnly) Lstat(ctx context.Context, name string) (fs.FileInfo, error) {
	if l, ok := r.fsys.(Lstater); ok {
		return l.Lstat(ctx, name)
	}
	return r.fsys.Stat(ctx, name)
}

// Readlink passes through when fsys has it, else fails with fs.ErrInvalid:
// with no symlinks, no name is one.
func (r *readOnly) Readlink(ctx context.Context, name string) (string, error) {
	if l, ok := r.fsys.(Readlinker); ok {
		return l.Readlink(ctx, name)
	}
	return "", &fs.PathError{Op: "readlink", Path: printable(name), Err: fs.ErrInvalid}
}

func (r *readOnly) Open(ctx context.Context, name string) (File, error) {
	return r.fsys.Open(ctx, name)
}

func (r *readOnly) Create(ctx context.Context, name string) (Upload, error) {
	return nil, refuse("create", name)
}

func (r *readOnly) Mkdir(ctx context.Context, name string) error { return refuse("mkdir", name) }

func (r *readOnly) Remove(ctx context.Context, name string) error { return refuse("remove", name) }

func (r *readOnly) RemoveDir(ctx context.Context, name string) error {
	return refuse("rmdir", name)
}

func (r *readOnly) Rename(ctx context.Context, oldname, newname string) error {
	return refuse("rename", oldname)
}

func (r *readOnly) OpenWrite(ctx context.Context, name string, offset int64) (io.WriteCloser, error) {
	return nil, refuse("openwrite", name)
}

func (r *readOnly) OpenPatch(ctx context.Context, name string, offset int64) (io.WriteCloser, error) {
	return nil, refuse("openwrite", name)
}

func (r *readOnly) Chmod(ctx context.Context, name string, mode fs.FileMode) error {
	return refuse("chmod", name)
}

func (r *readOnly) Chtimes(ctx context.Context, name string, mtime time.Time) error {
	return refuse("chtimes", name)
}

// Avail passes through, or fails with ErrNotSupported.
func (r *readOnly) Avail(ctx context.Context, name string) (uint64, error) {
	a, ok := r.fsys.(Availer)
	if !ok {
		return 0, &fs.PathError{Op: "avail", Path: printable(name), Err: ErrNotSupported}
	}
	return a.Avail(ctx, name)
}

// Sub returns a read-only view of the sub, or fails with ErrNotSupported.
func (r *readOnly) Sub(ctx context.Context, dir string) (FS, error) {
	s, ok := r.fsys.(Subber)
	if !ok {
		return nil, &fs.PathError{Op: "sub", Path: printable(dir), Err: ErrNotSupported}
	}
	sub, err := s.Sub(ctx, dir)
	if err != nil {
		return nil, err
	}
	return &readOnly{fsys: sub, owns: true}, nil
}

// Close closes the sub a read-only Sub wraps; on the FS given to ReadOnly
// it does nothing, since the caller still owns that one.
func (r *readOnly) Close() error {
	if c, ok := r.fsys.(io.Closer); ok && r.owns {
		return c.Close()
	}
	return nil
}
