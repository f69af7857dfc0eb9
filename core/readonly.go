package core

import (
	"context"
	"io/fs"

	"github.com/luaftpd/luaftpd/vfs"
)

// roFS serves a tree read-only: reads pass through, every write is refused,
// and the backend's optional write capabilities are hidden. The command
// table refuses writes first (cmdWrite); this is the second lock.
type roFS struct{ vfs.FS }

func readOnlyFS(f vfs.FS) vfs.FS { return roFS{f} }

func (roFS) Create(ctx context.Context, name string) (vfs.Upload, error) {
	return nil, fs.ErrPermission
}
func (roFS) Mkdir(ctx context.Context, name string) error     { return fs.ErrPermission }
func (roFS) Remove(ctx context.Context, name string) error    { return fs.ErrPermission }
func (roFS) RemoveDir(ctx context.Context, name string) error { return fs.ErrPermission }
