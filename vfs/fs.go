package vfs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"time"
)

// ErrNotSupported is returned by wrappers when the backend lacks a capability.
var ErrNotSupported = errors.New("vfs: operation not supported")

// ErrNotEmpty is returned by RemoveDir for a folder that still has entries.
var ErrNotEmpty = errors.New("vfs: directory not empty")

// ErrIsDir is returned when a file operation names a folder.
var ErrIsDir = errors.New("vfs: is a directory")

// ErrNotDir is returned when a folder operation names a file.
var ErrNotDir = errors.New("vfs: not a directory")

// ErrBadName is returned for a name no backend accepts: not absolute, with a
// ".." element, a NUL byte, an element longer than 255 bytes or a total over
// 4096 bytes. It wraps fs.ErrPermission, so callers that only know the fs
// errors refuse it like any other forbidden name.
var ErrBadName = fmt.Errorf("vfs: invalid name: %w", fs.ErrPermission)

// FS is the filesystem a session works on. Every name is slash-separated,
// absolute and clean ("/", "/dir/file"); callers clean names before the call
// and implementations must still refuse anything that would leave the root.
// Errors wrap fs.ErrNotExist, fs.ErrExist, fs.ErrPermission, ErrNotEmpty,
// ErrIsDir or ErrNotDir where those apply.
type FS interface {
	// Stat describes name, following symlinks that stay inside the root.
	Stat(ctx context.Context, name string) (fs.FileInfo, error)
	// ReadDir lists the folder name, sorted by entry name. A symlink is
	// described as the link itself, as Lstat describes it, never by what it
	// points to: a listing shows it as a link, so that a client walking the
	// tree never loops through a link to a parent folder.
	ReadDir(ctx context.Context, name string) ([]fs.FileInfo, error)
	// Open opens a regular file for reading. ErrIsDir for a folder.
	Open(ctx context.Context, name string) (File, error)
	// Create starts an atomic upload to name: the data become visible under
	// name only when Commit succeeds, replacing any file there; Abort (or a
	// failed Commit) leaves name as it was.
	Create(ctx context.Context, name string) (Upload, error)
	// Mkdir makes one folder; fs.ErrExist if name exists.
	Mkdir(ctx context.Context, name string) error
	// Remove deletes a file (not a folder: ErrIsDir).
	Remove(ctx context.Context, name string) error
	// RemoveDir deletes an empty folder (ErrNotEmpty otherwise, ErrNotDir for a file).
	RemoveDir(ctx context.Context, name string) error
}

// File is an open file for reading.
type File interface {
	io.Reader
	io.Seeker
	io.Closer
	Stat() (fs.FileInfo, error)
}

// Upload is a file being written by Create. Exactly one of Commit or Abort
// takes effect; later calls return nil.
type Upload interface {
	io.Writer
	// Commit moves the written data into place under the target name.
	Commit() error
	// Abort discards what was written.
	Abort() error
}

// ExclusiveUpload is an Upload that can also commit only under a name
// nothing has yet, for STOU: CommitExclusive fails with fs.ErrExist, and
// discards the data, when the name was taken meanwhile. Only the first of
// Commit, CommitExclusive and Abort takes effect.
type ExclusiveUpload interface {
	Upload
	CommitExclusive() error
}

// Renamer is a backend with an atomic rename of files and folders. A file
// replaces a file; nothing replaces a folder (fs.ErrExist), and a folder
// cannot move into itself (fs.ErrInvalid).
type Renamer interface {
	Rename(ctx context.Context, oldname, newname string) error
}

// Lstater is a backend with symlinks that can describe a name without
// following it, for the commands that act on a name itself (RNFR): a link
// that points outside the root cannot be followed, but it is still a name
// inside the root, which its owner may rename or remove. A backend without
// symlinks needs none: Stat says the same.
type Lstater interface {
	Lstat(ctx context.Context, name string) (fs.FileInfo, error)
}

// Readlinker is a backend with symlinks that can read a link's text, for
// the listings that show "name -> text". The text is returned as stored,
// whether it leads inside the root or not: the caller decides what of it
// may be shown.
type Readlinker interface {
	// Readlink returns the text of the symlink name (links in the folders
	// above name are followed as Stat follows them); fs.ErrInvalid if name
	// is not a link.
	Readlink(ctx context.Context, name string) (string, error)
}

// DirOpener is a backend that reads a folder an entry at a time, so that
// listing a huge folder holds its names but never every entry's
// description at once, as ReadDir's result does.
type DirOpener interface {
	// OpenDir opens the folder name for reading, failing as ReadDir does.
	// The Dir checks ctx at every entry.
	OpenDir(ctx context.Context, name string) (Dir, error)
}

// Dir is a folder opened by OpenDir.
type Dir interface {
	// Next describes the next entry, in name order and as ReadDir would
	// describe it, or returns io.EOF after the last. An entry removed since
	// OpenDir is left out.
	Next() (fs.FileInfo, error)
	// Close releases the folder.
	Close() error
}

// WriterAt is a backend that writes in place, for APPE and REST+STOR.
type WriterAt interface {
	// OpenWrite opens name for writing, creating it if missing. offset < 0
	// appends; offset >= 0 truncates the file to offset and writes from there
	// (an error wrapping fs.ErrInvalid if offset is past the end).
	OpenWrite(ctx context.Context, name string, offset int64) (io.WriteCloser, error)
}

// Patcher is a backend that overwrites part of a file in place and leaves
// the rest of it as it was, for RANG+STOR (draft-bryan-ftp-range: a ranged
// upload must not change any byte outside its range, nor cut the file).
type Patcher interface {
	// OpenPatch opens name for writing from offset (>= 0) without
	// truncating it; writing past the end grows the file. A missing file is
	// created when offset is 0; an offset past the end is an error
	// wrapping fs.ErrInvalid.
	OpenPatch(ctx context.Context, name string, offset int64) (io.WriteCloser, error)
}

// Chmoder is a backend with permission bits (SITE CHMOD).
type Chmoder interface {
	Chmod(ctx context.Context, name string, mode fs.FileMode) error
}

// Chtimeser is a backend whose modification times can be set (MFMT).
type Chtimeser interface {
	Chtimes(ctx context.Context, name string, mtime time.Time) error
}

// Availer is a backend that reports free space (AVBL).
type Availer interface {
	Avail(ctx context.Context, name string) (uint64, error)
}

// Subber is a backend that can serve one of its folders as a whole FS, the
// way a user's root is served. The sub-FS must be as strict as the parent:
// nothing in it reaches outside dir.
type Subber interface {
	Sub(ctx context.Context, dir string) (FS, error)
}
