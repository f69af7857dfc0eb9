package vfs

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"
)

// tempPrefix starts the name of every upload in progress. ReadDir hides
// such names so a listing never shows a half-written file, and no call
// takes one, so no client can reach another's upload.
const tempPrefix = ".luaftpd-upload-"

// Local serves a folder on disk. Every call goes through an os.Root, so no
// name, ".." or symlink reaches outside the folder: a symlink that points
// inside works, one that points outside fails with fs.ErrPermission. Errors
// are *fs.PathError values carrying the FS name, never the host path.
//
// Local is safe for concurrent use. Close releases the folder.
type Local struct {
	root *os.Root
}

var (
	_ FS         = (*Local)(nil)
	_ Renamer    = (*Local)(nil)
	_ Lstater    = (*Local)(nil)
	_ WriterAt   = (*Local)(nil)
	_ Patcher    = (*Local)(nil)
	_ Chmoder    = (*Local)(nil)
	_ Chtimeser  = (*Local)(nil)
	_ Availer    = (*Local)(nil)
	_ Subber     = (*Local)(nil)
	_ DirOpener  = (*Local)(nil)
	_ Readlinker = (*Local)(nil)
)

// NewLocal serves dir, creating it (and its parents) if missing.
func NewLocal(dir string) (*Local, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return &Local{root: root}, nil
}

// Close releases the folder. Files already open stay usable.
func (l *Local) Close() error { return l.root.Close() }

// name checks ctx and name and returns the clean FS name and its
// Root-relative form.
func (l *Local) name(ctx context.Context, op, name string) (string, string, error) {
	if err := ctx.Err(); err != nil {
		return "", "", &fs.PathError{Op: op, Path: printable(name), Err: err}
	}
	clean, err := checkName(op, name)
	if err != nil {
		return "", "", err
	}
	if strings.Contains(clean, "/"+tempPrefix) {
		// Uploads in progress are Local's own: hidden, and out of reach.
		return "", "", &fs.PathError{Op: op, Path: clean, Err: ErrBadName}
	}
	return clean, relName(clean), nil
}

// Stat describes name, following symlinks that stay inside the root.
func (l *Local) Stat(ctx context.Context, name string) (fs.FileInfo, error) {
	clean, rel, err := l.name(ctx, "stat", name)
	if err != nil {
		return nil, err
	}
	fi, err := l.root.Stat(rel)
	if err != nil {
		return nil, mapErr("stat", clean, err)
	}
	if clean == "/" {
		fi = namedInfo{fi, "/"}
	}
	return fi, nil
}

// Lstat describes name itself: a symlink as a link, never followed, even
// one that points outside the root. Links in the folders above name are
// followed as Stat follows them.
func (l *Local) Lstat(ctx context.Context, name string) (fs.FileInfo, error) {
	clean, rel, err := l.name(ctx, "lstat", name)
	if err != nil {
		return nil, err
	}
	fi, err := l.root.Lstat(rel)
	if err != nil {
		return nil, mapErr("lstat", clean, err)
	}
	if clean == "/" {
		fi = namedInfo{fi, "/"}
	}
	return fi, nil
}

// Readlink returns the text of the symlink name, as stored.
func (l *Local) Readlink(ctx context.Context, name string) (string, error) {
	clean, rel, err := l.name(ctx, "readlink", name)
	if err != nil {
		return "", err
	}
	text, err := l.root.Readlink(rel)
	if err != nil {
		return "", mapErr("readlink", clean, err)
	}
	return text, nil
}

// ReadDir lists the folder name sorted by entry name. A symlink entry is
// described as the link itself, wherever it points. Uploads in progress
// are left out.
func (l *Local) ReadDir(ctx context.Context, name string) ([]fs.FileInfo, error) {
	d, err := l.openLocalDir(ctx, name)
	if err != nil {
		return nil, err
	}
	return readAll(d)
}

// OpenDir opens the folder name to read its entries one at a time, each
// described as ReadDir describes it. It reads the names, sorted, at once;
// each entry is described only when Next reaches it.
func (l *Local) OpenDir(ctx context.Context, name string) (Dir, error) {
	return l.openLocalDir(ctx, name)
}

func (l *Local) openLocalDir(ctx context.Context, name string) (*namesDir, error) {
	clean, rel, err := l.name(ctx, "readdir", name)
	if err != nil {
		return nil, err
	}
	// Opening the folder as a root makes every per-entry stat a single
	// fstatat on its descriptor, however deep the folder is.
	dir, err := l.openDir("readdir", clean, rel)
	if err != nil {
		return nil, err
	}
	names, err := readNames(dir)
	if err != nil {
		dir.Close()
		return nil, mapErr("readdir", clean, err)
	}
	describe := func(n string) fs.FileInfo {
		fi, err := dir.Lstat(n)
		if err != nil {
			return nil // vanished since
		}
		return fi
	}
	return &namesDir{ctx: ctx, clean: clean, names: names, describe: describe, close: dir.Close}, nil
}

// readNames returns the sorted entry names of dir, without uploads in
// progress.
func readNames(dir *os.Root) ([]string, error) {
	f, err := dir.Open(".")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return nil, err
	}
	names = slices.DeleteFunc(names, func(n string) bool { return strings.HasPrefix(n, tempPrefix) })
	slices.Sort(names)
	return names, nil
}

// Open opens a regular file for reading. The result is an *os.File, so
// io.Copy to a socket can use sendfile.
func (l *Local) Open(ctx context.Context, name string) (File, error) {
	clean, rel, err := l.name(ctx, "open", name)
	if err != nil {
		return nil, err
	}
	if err := l.preCheck(rel); err != nil {
		return nil, mapErr("open", clean, err)
	}
	f, err := l.root.OpenFile(rel, os.O_RDONLY|openSafe, 0)
	if err != nil {
		return nil, mapErr("open", clean, err)
	}
	if err := checkRegular(f); err != nil {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: clean, Err: err}
	}
	f, err = relabel(f, clean)
	if err != nil {
		return nil, mapErr("open", clean, err)
	}
	return f, nil
}

// preCheck refuses a name that is a folder or a special file before it is
// opened at all, since opening a device can act on it. A missing name
// passes. checkRegular after the open closes the race.
func (l *Local) preCheck(rel string) error {
	fi, err := l.root.Stat(rel)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	return regular(fi)
}

// checkRegular refuses folders (ErrIsDir) and devices, FIFOs and sockets
// (fs.ErrPermission): only regular files are served.
func checkRegular(f *os.File) error {
	fi, err := f.Stat()
	if err != nil {
		return unwrapErr(err)
	}
	return regular(fi)
}

// regular is ErrIsDir for a folder, fs.ErrPermission for a special file.
func regular(fi fs.FileInfo) error {
	switch {
	case fi.IsDir():
		return ErrIsDir
	case !fi.Mode().IsRegular():
		return fs.ErrPermission
	}
	return nil
}

// Mkdir makes one folder with mode 0755 (before umask).
func (l *Local) Mkdir(ctx context.Context, name string) error {
	clean, rel, err := l.name(ctx, "mkdir", name)
	if err != nil {
		return err
	}
	return mapErr("mkdir", clean, l.root.Mkdir(rel, 0o755))
}

// Remove deletes a file or a symlink (never what the link points to).
func (l *Local) Remove(ctx context.Context, name string) error {
	clean, rel, err := l.name(ctx, "remove", name)
	if err != nil {
		return err
	}
	fi, err := l.root.Lstat(rel)
	if err != nil {
		return mapErr("remove", clean, err)
	}
	if fi.IsDir() {
		return &fs.PathError{Op: "remove", Path: clean, Err: ErrIsDir}
	}
	return mapErr("remove", clean, l.root.Remove(rel))
}

// RemoveDir deletes an empty folder. The root itself cannot be removed.
func (l *Local) RemoveDir(ctx context.Context, name string) error {
	clean, rel, err := l.name(ctx, "rmdir", name)
	if err != nil {
		return err
	}
	if clean == "/" {
		return &fs.PathError{Op: "rmdir", Path: clean, Err: fs.ErrPermission}
	}
	fi, err := l.root.Lstat(rel)
	if err != nil {
		return mapErr("rmdir", clean, err)
	}
	if !fi.IsDir() {
		return &fs.PathError{Op: "rmdir", Path: clean, Err: ErrNotDir}
	}
	return mapErr("rmdir", clean, l.root.Remove(rel))
}

// Rename moves oldname to newname, replacing a file there. Like os.Rename
// (and unlike rename(2)) it never replaces a folder: fs.ErrExist.
func (l *Local) Rename(ctx context.Context, oldname, newname string) error {
	oldClean, oldRel, err := l.name(ctx, "rename", oldname)
	if err != nil {
		return err
	}
	newClean, newRel, err := l.name(ctx, "rename", newname)
	if err != nil {
		return err
	}
	if oldClean == "/" || newClean == "/" {
		return &fs.PathError{Op: "rename", Path: oldClean, Err: fs.ErrPermission}
	}
	if oldClean == newClean || strings.HasPrefix(newClean, oldClean+"/") {
		// Onto itself is a no-op and into itself is invalid, but only for
		// a name that exists.
		if _, err := l.root.Lstat(oldRel); err != nil || oldClean == newClean {
			return mapErr("rename", oldClean, err)
		}
		return &fs.PathError{Op: "rename", Path: oldClean, Err: fs.ErrInvalid}
	}
	return mapErr("rename", oldClean, l.root.Rename(oldRel, newRel))
}

// Chmod sets the permission bits of name; other mode bits are ignored.
func (l *Local) Chmod(ctx context.Context, name string, mode fs.FileMode) error {
	clean, rel, err := l.name(ctx, "chmod", name)
	if err != nil {
		return err
	}
	return mapErr("chmod", clean, l.root.Chmod(rel, mode&fs.ModePerm))
}

// Chtimes sets the modification time of name, leaving its access time.
func (l *Local) Chtimes(ctx context.Context, name string, mtime time.Time) error {
	clean, rel, err := l.name(ctx, "chtimes", name)
	if err != nil {
		return err
	}
	return mapErr("chtimes", clean, l.root.Chtimes(rel, time.Time{}, mtime))
}

// Avail reports the bytes free to an unprivileged user on the filesystem
// holding name.
func (l *Local) Avail(ctx context.Context, name string) (uint64, error) {
	clean, rel, err := l.name(ctx, "avail", name)
	if err != nil {
		return 0, err
	}
	f, err := l.root.OpenFile(rel, os.O_RDONLY|openSafe, 0)
	if err != nil {
		return 0, mapErr("avail", clean, err)
	}
	defer f.Close()
	n, err := statfsAvail(f)
	if err != nil {
		return 0, &fs.PathError{Op: "avail", Path: clean, Err: unwrapErr(err)}
	}
	return n, nil
}

// Sub serves the folder dir as a Local of its own, as strict as l: nothing
// in it reaches outside dir. The caller closes it (it is an io.Closer).
func (l *Local) Sub(ctx context.Context, dir string) (FS, error) {
	clean, rel, err := l.name(ctx, "sub", dir)
	if err != nil {
		return nil, err
	}
	root, err := l.openDir("sub", clean, rel)
	if err != nil {
		return nil, err
	}
	return &Local{root: root}, nil
}

// openDir opens the folder rel as a Root. It checks first that rel is a
// folder: os.Root opens without O_NONBLOCK, so opening a FIFO would hang
// until some writer showed up.
func (l *Local) openDir(op, clean, rel string) (*os.Root, error) {
	fi, err := l.root.Stat(rel)
	if err == nil && !fi.IsDir() {
		err = ErrNotDir
	}
	if err != nil {
		return nil, mapErr(op, clean, err)
	}
	root, err := l.root.OpenRoot(rel)
	if err != nil {
		return nil, mapErr(op, clean, err)
	}
	return root, nil
}
