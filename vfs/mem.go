package vfs

import (
	"context"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
)

// memAvail is the free space a Mem reports: large, so quotas never bite.
const memAvail = 1 << 40

// Mem is an FS held in memory, with the semantics of Local (without
// symlinks). Tests use it; it is safe for concurrent use.
type Mem struct {
	mu   *sync.RWMutex // shared with every Sub of the same tree
	root *memNode
}

// memNode is a file (children nil) or a folder.
type memNode struct {
	name     string
	mode     fs.FileMode
	mtime    time.Time
	data     []byte
	children map[string]*memNode
}

var (
	_ FS        = (*Mem)(nil)
	_ Renamer   = (*Mem)(nil)
	_ Lstater   = (*Mem)(nil)
	_ WriterAt  = (*Mem)(nil)
	_ Patcher   = (*Mem)(nil)
	_ Chmoder   = (*Mem)(nil)
	_ Chtimeser = (*Mem)(nil)
	_ Availer   = (*Mem)(nil)
	_ Subber    = (*Mem)(nil)
	_ DirOpener = (*Mem)(nil)
)

// NewMem returns an empty Mem: just the root folder.
func NewMem() *Mem {
	return &Mem{mu: new(sync.RWMutex), root: newMemDir("/")}
}

func newMemDir(name string) *memNode {
	return &memNode{name: name, mode: fs.ModeDir | 0o755, mtime: time.Now(), children: map[string]*memNode{}}
}

func (n *memNode) isDir() bool { return n.children != nil }

func (n *memNode) info() fs.FileInfo {
	return memInfo{name: n.name, size: int64(len(n.data)), mode: n.mode, mtime: n.mtime}
}

// memInfo is a snapshot of a node, safe to keep after the lock is released.
type memInfo struct {
	name  string
	size  int64
	mode  fs.FileMode
	mtime time.Time
}

func (i memInfo) Name() string       { return i.name }
func (i memInfo) Size() int64        { return i.size }
func (i memInfo) Mode() fs.FileMode  { return i.mode }
func (i memInfo) ModTime() time.Time { return i.mtime }
func (i memInfo) IsDir() bool        { return i.mode.IsDir() }
func (i memInfo) Sys() any           { return nil }

// check validates ctx and name and returns the clean name.
func (m *Mem) check(ctx context.Context, op, name string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", &fs.PathError{Op: op, Path: printable(name), Err: err}
	}
	return checkName(op, name)
}

// lookup finds the node of a clean name. The caller holds the lock.
func (m *Mem) lookup(clean string) (*memNode, error) {
	n := m.root
	if clean == "/" {
		return n, nil
	}
	for elem := range strings.SplitSeq(clean[1:], "/") {
		if !n.isDir() {
			return nil, ErrNotDir
		}
		child, ok := n.children[elem]
		if !ok {
			return nil, fs.ErrNotExist
		}
		n = child
	}
	return n, nil
}

// lookupParent finds the folder holding a clean name other than "/" and
// returns it with the last element of the name. The caller holds the lock.
func (m *Mem) lookupParent(clean string) (*memNode, string, error) {
	if clean == "/" {
		return nil, "", fs.ErrPermission
	}
	i := strings.LastIndexByte(clean, '/')
	dir, base := clean[:i], clean[i+1:]
	if dir == "" {
		dir = "/"
	}
	parent, err := m.lookup(dir)
	if err != nil {
		return nil, "", err
	}
	if !parent.isDir() {
		return nil, "", ErrNotDir
	}
	return parent, base, nil
}

// Stat describes name.
func (m *Mem) Stat(ctx context.Context, name string) (fs.FileInfo, error) {
	clean, err := m.check(ctx, "stat", name)
	if err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	n, err := m.lookup(clean)
	if err != nil {
		return nil, &fs.PathError{Op: "stat", Path: clean, Err: err}
	}
	fi := n.info()
	if clean == "/" {
		fi = namedInfo{fi, "/"}
	}
	return fi, nil
}

// Lstat is Stat: a Mem has no symlinks to leave unfollowed.
func (m *Mem) Lstat(ctx context.Context, name string) (fs.FileInfo, error) {
	return m.Stat(ctx, name)
}

// ReadDir lists the folder name sorted by entry name.
func (m *Mem) ReadDir(ctx context.Context, name string) ([]fs.FileInfo, error) {
	d, err := m.openMemDir(ctx, name)
	if err != nil {
		return nil, err
	}
	return readAll(d)
}

// OpenDir opens the folder name to read its entries one at a time. It
// takes the names, sorted, at once; each entry is described, as it is
// then, when Next reaches it.
func (m *Mem) OpenDir(ctx context.Context, name string) (Dir, error) {
	return m.openMemDir(ctx, name)
}

func (m *Mem) openMemDir(ctx context.Context, name string) (*namesDir, error) {
	clean, err := m.check(ctx, "readdir", name)
	if err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	n, err := m.lookup(clean)
	if err == nil && !n.isDir() {
		err = ErrNotDir
	}
	if err != nil {
		return nil, &fs.PathError{Op: "readdir", Path: clean, Err: err}
	}
	describe := func(c string) fs.FileInfo {
		m.mu.RLock()
		defer m.mu.RUnlock()
		if child := n.children[c]; child != nil {
			return child.info()
		}
		return nil // removed since
	}
	return &namesDir{ctx: ctx, clean: clean, names: slices.Sorted(maps.Keys(n.children)), describe: describe}, nil
}

// Mkdir makes one folder.
func (m *Mem) Mkdir(ctx context.Context, name string) error {
	clean, err := m.check(ctx, "mkdir", name)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if clean == "/" {
		return &fs.PathError{Op: "mkdir", Path: clean, Err: fs.ErrExist}
	}
	parent, base, err := m.lookupParent(clean)
	if err == nil && parent.children[base] != nil {
		err = fs.ErrExist
	}
	if err != nil {
		return &fs.PathError{Op: "mkdir", Path: clean, Err: err}
	}
	parent.children[base] = newMemDir(base)
	parent.mtime = time.Now()
	return nil
}

// Remove deletes a file.
func (m *Mem) Remove(ctx context.Context, name string) error {
	return m.remove(ctx, "remove", name, false)
}

// RemoveDir deletes an empty folder other than the root.
func (m *Mem) RemoveDir(ctx context.Context, name string) error {
	return m.remove(ctx, "rmdir", name, true)
}

func (m *Mem) remove(ctx context.Context, op, name string, dir bool) error {
	clean, err := m.check(ctx, op, name)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if clean == "/" && !dir {
		return &fs.PathError{Op: op, Path: clean, Err: ErrIsDir}
	}
	parent, base, err := m.lookupParent(clean)
	if err == nil {
		err = removable(parent.children[base], dir)
	}
	if err != nil {
		return &fs.PathError{Op: op, Path: clean, Err: err}
	}
	delete(parent.children, base)
	parent.mtime = time.Now()
	return nil
}

// removable says why n cannot be removed by Remove (dir false) or
// RemoveDir (dir true), or nil.
func removable(n *memNode, dir bool) error {
	switch {
	case n == nil:
		return fs.ErrNotExist
	case !dir && n.isDir():
		return ErrIsDir
	case dir && !n.isDir():
		return ErrNotDir
	case dir && len(n.children) > 0:
		return ErrNotEmpty
	}
	return nil
}

// Chmod sets the permission bits of name.
func (m *Mem) Chmod(ctx context.Context, name string, mode fs.FileMode) error {
	return m.update(ctx, "chmod", name, func(n *memNode) {
		n.mode = n.mode&^fs.ModePerm | mode&fs.ModePerm
	})
}

// Chtimes sets the modification time of name.
func (m *Mem) Chtimes(ctx context.Context, name string, mtime time.Time) error {
	return m.update(ctx, "chtimes", name, func(n *memNode) { n.mtime = mtime })
}

func (m *Mem) update(ctx context.Context, op, name string, f func(*memNode)) error {
	clean, err := m.check(ctx, op, name)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	n, err := m.lookup(clean)
	if err != nil {
		return &fs.PathError{Op: op, Path: clean, Err: err}
	}
	f(n)
	return nil
}

// Avail reports a fixed, large amount of free space.
func (m *Mem) Avail(ctx context.Context, name string) (uint64, error) {
	if _, err := m.Stat(ctx, name); err != nil {
		return 0, err
	}
	return memAvail, nil
}

// Sub serves the folder dir as a Mem of its own, sharing the same data.
func (m *Mem) Sub(ctx context.Context, dir string) (FS, error) {
	clean, err := m.check(ctx, "sub", dir)
	if err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	n, err := m.lookup(clean)
	if err == nil && !n.isDir() {
		err = ErrNotDir
	}
	if err != nil {
		return nil, &fs.PathError{Op: "sub", Path: clean, Err: err}
	}
	return &Mem{mu: m.mu, root: n}, nil
}
