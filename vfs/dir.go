package vfs

import (
	"context"
	"io"
	"io/fs"
)

// OpenDir opens the folder name of fsys to read its entries one at a time:
// through fsys's own OpenDir where it has one (DirOpener), else over the
// entries of one ReadDir.
func OpenDir(ctx context.Context, fsys FS, name string) (Dir, error) {
	if o, ok := fsys.(DirOpener); ok {
		return o.OpenDir(ctx, name)
	}
	infos, err := fsys.ReadDir(ctx, name)
	if err != nil {
		return nil, err
	}
	return &sliceDir{infos: infos}, nil
}

// sliceDir is a Dir over entries already read.
type sliceDir struct{ infos []fs.FileInfo }

func (d *sliceDir) Next() (fs.FileInfo, error) {
	if len(d.infos) == 0 {
		return nil, io.EOF
	}
	fi := d.infos[0]
	d.infos = d.infos[1:]
	return fi, nil
}

func (d *sliceDir) Close() error { return nil }
