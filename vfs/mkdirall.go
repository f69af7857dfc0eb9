package vfs

import (
	"context"
	"errors"
	"io/fs"
	"path"
)

// MkdirAll makes the folder name and any missing parents on any FS, like
// os.MkdirAll: nil if name is a folder already, ErrNotDir if it or one of
// its parents is a file. Useful for users' roots made on first login.
func MkdirAll(ctx context.Context, fsys FS, name string) error {
	clean, err := checkName("mkdirall", name)
	if err != nil {
		return err
	}
	fi, err := fsys.Stat(ctx, clean)
	switch {
	case err == nil && fi.IsDir():
		return nil
	case err == nil:
		return &fs.PathError{Op: "mkdirall", Path: clean, Err: ErrNotDir}
	case !errors.Is(err, fs.ErrNotExist):
		return err
	}
	if err := MkdirAll(ctx, fsys, path.Dir(clean)); err != nil {
		return err
	}
	err = fsys.Mkdir(ctx, clean)
	if errors.Is(err, fs.ErrExist) {
		// Someone else made it meanwhile: fine if it is a folder.
		if fi, serr := fsys.Stat(ctx, clean); serr == nil && fi.IsDir() {
			return nil
		}
	}
	return err
}
