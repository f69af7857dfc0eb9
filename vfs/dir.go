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

// namesDir is a Dir over the names of a folder, read and sorted when it
// was opened: Next checks ctx, then describes the next name (describe
// returns nil for an entry removed since, which is left out).
type namesDir struct {
	ctx      context.Context
	clean    string
	names    []string // those not yet described; each is let go once it is
	describe func(name string) fs.FileInfo
	close    func() error // nil: nothing to release
}

func (d *namesDir) Next() (fs.FileInfo, error) {
	for len(d.names) > 0 {
		if err := d.ctx.Err(); err != nil {
			return nil, &fs.PathError{Op: "readdir", Path: d.clean, Err: err}
		}
		n := d.names[0]
		d.names[0] = ""
		d.names = d.names[1:]
		if fi := d.describe(n); fi != nil {
			return fi, nil
		}
	}
	return nil, io.EOF
}

func (d *namesDir) Close() error {
	if d.close == nil {
		return nil
	}
	return d.close()
}

// readAll is ReadDir over an opened namesDir: every entry, then Close.
func readAll(d *namesDir) ([]fs.FileInfo, error) {
	defer d.Close()
	infos := make([]fs.FileInfo, 0, len(d.names))
	for {
		fi, err := d.Next()
		if err == io.EOF {
			return infos, nil
		}
		if err != nil {
			return nil, err
		}
		infos = append(infos, fi)
	}
}
