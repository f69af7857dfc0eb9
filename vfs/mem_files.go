package vfs

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"strings"
	"sync"
	"time"
)

// Open opens a file for reading. The file reads a copy of the data taken at
// Open, like a file whose later changes go to a new inode.
func (m *Mem) Open(ctx context.Context, name string) (File, error) {
	clean, err := m.check(ctx, "open", name)
	if err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	n, err := m.lookup(clean)
	if err == nil && n.isDir() {
		err = ErrIsDir
	}
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: clean, Err: err}
	}
	return &memFile{name: clean, r: bytes.NewReader(bytes.Clone(n.data)), info: n.info()}, nil
}

// memFile is a Mem file open for reading.
type memFile struct {
	name string
	info fs.FileInfo

	mu     sync.Mutex
	r      *bytes.Reader
	closed bool
}

func (f *memFile) Read(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return 0, &fs.PathError{Op: "read", Path: f.name, Err: fs.ErrClosed}
	}
	return f.r.Read(p)
}

func (f *memFile) Seek(offset int64, whence int) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return 0, &fs.PathError{Op: "seek", Path: f.name, Err: fs.ErrClosed}
	}
	return f.r.Seek(offset, whence)
}

func (f *memFile) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return &fs.PathError{Op: "close", Path: f.name, Err: fs.ErrClosed}
	}
	f.closed = true
	return nil
}

func (f *memFile) Stat() (fs.FileInfo, error) { return f.info, nil }

// Create starts an upload buffered in memory until Commit.
func (m *Mem) Create(ctx context.Context, name string) (Upload, error) {
	clean, err := m.check(ctx, "create", name)
	if err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if _, _, err := m.target(clean); err != nil {
		return nil, &fs.PathError{Op: "create", Path: clean, Err: err}
	}
	return &memUpload{m: m, name: clean}, nil
}

// target finds where a file named clean goes: its folder and last element.
// It refuses a name that is a folder. The caller holds the lock.
func (m *Mem) target(clean string) (*memNode, string, error) {
	if clean == "/" {
		return nil, "", ErrIsDir
	}
	parent, base, err := m.lookupParent(clean)
	if err != nil {
		return nil, "", err
	}
	if n := parent.children[base]; n != nil && n.isDir() {
		return nil, "", ErrIsDir
	}
	return parent, base, nil
}

var _ ExclusiveUpload = (*memUpload)(nil)

// memUpload is an upload to a Mem in progress.
type memUpload struct {
	m    *Mem
	name string

	mu   sync.Mutex
	buf  []byte
	done bool
}

func (u *memUpload) Write(p []byte) (int, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.done {
		return 0, &fs.PathError{Op: "write", Path: u.name, Err: fs.ErrClosed}
	}
	u.buf = append(u.buf, p...)
	return len(p), nil
}

// Commit puts the data in place, replacing any file under the name.
func (u *memUpload) Commit() error {
	data, ok := u.finish()
	if !ok {
		return nil
	}
	u.m.mu.Lock()
	defer u.m.mu.Unlock()
	parent, base, err := u.m.target(u.name)
	if err != nil {
		return &fs.PathError{Op: "commit", Path: u.name, Err: err}
	}
	u.m.place(parent, base, data)
	return nil
}

// place puts a new file in parent. The caller holds the write lock.
func (m *Mem) place(parent *memNode, base string, data []byte) {
	now := time.Now()
	parent.children[base] = &memNode{name: base, mode: 0o644, mtime: now, data: data}
	parent.mtime = now
}

// CommitExclusive puts the data in place only if nothing has the name.
func (u *memUpload) CommitExclusive() error {
	data, ok := u.finish()
	if !ok {
		return nil
	}
	u.m.mu.Lock()
	defer u.m.mu.Unlock()
	parent, base, err := u.m.target(u.name)
	if err == nil && parent.children[base] != nil {
		err = fs.ErrExist
	}
	if err != nil {
		return &fs.PathError{Op: "commit", Path: u.name, Err: err}
	}
	u.m.place(parent, base, data)
	return nil
}

// Abort discards the data.
func (u *memUpload) Abort() error {
	u.finish()
	return nil
}

// finish marks the upload done and hands over its data, reporting whether
// this was the first Commit or Abort.
func (u *memUpload) finish() ([]byte, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.done {
		return nil, false
	}
	u.done = true
	data := u.buf
	u.buf = nil
	return data, true
}

// OpenWrite opens name for writing in place; see WriterAt.
func (m *Mem) OpenWrite(ctx context.Context, name string, offset int64) (io.WriteCloser, error) {
	return m.openInPlace(ctx, name, offset, true)
}

// OpenPatch opens name for writing from offset without truncating it; see
// Patcher.
func (m *Mem) OpenPatch(ctx context.Context, name string, offset int64) (io.WriteCloser, error) {
	if offset < 0 {
		return nil, &fs.PathError{Op: "openwrite", Path: printable(name), Err: fs.ErrInvalid}
	}
	return m.openInPlace(ctx, name, offset, false)
}

// openInPlace is OpenWrite, and with trunc false OpenPatch.
func (m *Mem) openInPlace(ctx context.Context, name string, offset int64, trunc bool) (io.WriteCloser, error) {
	clean, err := m.check(ctx, "openwrite", name)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	n, err := m.openWrite(clean, offset, trunc)
	if err != nil {
		return nil, &fs.PathError{Op: "openwrite", Path: clean, Err: err}
	}
	return &memWriter{m: m, name: clean, n: n, pos: offset}, nil
}

// openWrite finds or creates the node to write and, when trunc, truncates
// it. The caller holds the write lock.
func (m *Mem) openWrite(clean string, offset int64, trunc bool) (*memNode, error) {
	parent, base, err := m.target(clean)
	if err != nil {
		return nil, err
	}
	n := parent.children[base]
	if n == nil {
		if offset > 0 {
			return nil, fs.ErrInvalid
		}
		n = &memNode{name: base, mode: 0o644, mtime: time.Now()}
		parent.children[base] = n
		parent.mtime = n.mtime
	}
	if offset > int64(len(n.data)) {
		return nil, fs.ErrInvalid
	}
	if offset >= 0 && trunc {
		n.data = n.data[:offset]
	}
	return n, nil
}

// memWriter writes into a Mem file in place. Like an open file, it keeps
// writing to the same node if the name is removed or renamed meanwhile.
type memWriter struct {
	m    *Mem
	name string
	n    *memNode
	pos  int64 // < 0: append

	closed bool // guarded by m.mu
}

func (w *memWriter) Write(p []byte) (int, error) {
	w.m.mu.Lock()
	defer w.m.mu.Unlock()
	if w.closed {
		return 0, &fs.PathError{Op: "write", Path: w.name, Err: fs.ErrClosed}
	}
	if w.pos < 0 {
		w.n.data = append(w.n.data, p...)
	} else {
		w.n.writeAt(p, w.pos)
		w.pos += int64(len(p))
	}
	w.n.mtime = time.Now()
	return len(p), nil
}

// writeAt writes p at off, growing the file (with zeros, like a sparse
// file, if another writer cut it short meanwhile).
func (n *memNode) writeAt(p []byte, off int64) {
	if end := off + int64(len(p)); end > int64(len(n.data)) {
		n.data = append(n.data, make([]byte, end-int64(len(n.data)))...)
	}
	copy(n.data[off:], p)
}

func (w *memWriter) Close() error {
	w.m.mu.Lock()
	defer w.m.mu.Unlock()
	if w.closed {
		return &fs.PathError{Op: "close", Path: w.name, Err: fs.ErrClosed}
	}
	w.closed = true
	return nil
}

// Rename moves oldname to newname with the rules of Local (and os.Rename):
// a file replaces a file; nothing replaces a folder (fs.ErrExist).
func (m *Mem) Rename(ctx context.Context, oldname, newname string) error {
	oldClean, err := m.check(ctx, "rename", oldname)
	if err != nil {
		return err
	}
	newClean, err := m.check(ctx, "rename", newname)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.rename(oldClean, newClean); err != nil {
		return &fs.PathError{Op: "rename", Path: oldClean, Err: err}
	}
	return nil
}

// rename checks in the order Local does, so both answer alike.
func (m *Mem) rename(oldClean, newClean string) error {
	if oldClean == "/" || newClean == "/" {
		return fs.ErrPermission
	}
	if oldClean == newClean || strings.HasPrefix(newClean, oldClean+"/") {
		if _, err := m.lookup(oldClean); err != nil || oldClean == newClean {
			return err
		}
		return fs.ErrInvalid
	}
	oldParent, oldBase, err := m.lookupParent(oldClean)
	if err != nil {
		return err
	}
	newParent, newBase, err := m.lookupParent(newClean)
	if err != nil {
		return err
	}
	n := oldParent.children[oldBase]
	if n == nil {
		return fs.ErrNotExist
	}
	if err := replaceable(n, newParent.children[newBase]); err != nil {
		return err
	}
	delete(oldParent.children, oldBase)
	n.name = newBase
	newParent.children[newBase] = n
	now := time.Now()
	oldParent.mtime, newParent.mtime = now, now
	return nil
}

// replaceable says why n cannot be renamed over old (nil if nothing is
// there): nothing replaces a folder, and a folder replaces no file.
func replaceable(n, old *memNode) error {
	switch {
	case old == nil:
		return nil
	case old.isDir():
		return fs.ErrExist
	case n.isDir():
		return ErrNotDir
	}
	return nil
}
