package core

import (
	"context"
	"io"
	"io/fs"
	"sync"
	"syscall"
	"testing"

	"github.com/luaftpd/luaftpd/vfs"
)

// fullFS is a vfs.Mem whose writes fail with the errors its knobs hold, as
// a full disk or an exhausted quota makes them fail.
type fullFS struct {
	*vfs.Mem
	mu    sync.Mutex
	knobs map[string]error // by operation: create, write, commit, openwrite, mkdir
}

func (f *fullFS) knob(op string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.knobs[op]
}

func (f *fullFS) set(op string, errno syscall.Errno) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.knobs = map[string]error{op: &fs.PathError{Op: op, Path: "/x", Err: errno}}
}

func (f *fullFS) Create(ctx context.Context, name string) (vfs.Upload, error) {
	if err := f.knob("create"); err != nil {
		return nil, err
	}
	up, err := f.Mem.Create(ctx, name)
	if err != nil {
		return nil, err
	}
	return &fullUpload{Upload: up, f: f}, nil
}

func (f *fullFS) OpenWrite(ctx context.Context, name string, offset int64) (io.WriteCloser, error) {
	if err := f.knob("openwrite"); err != nil {
		return nil, err
	}
	return f.Mem.OpenWrite(ctx, name, offset)
}

func (f *fullFS) Mkdir(ctx context.Context, name string) error {
	if err := f.knob("mkdir"); err != nil {
		return err
	}
	return f.Mem.Mkdir(ctx, name)
}

type fullUpload struct {
	vfs.Upload
	f *fullFS
}

func (u *fullUpload) Write(p []byte) (int, error) {
	if err := u.f.knob("write"); err != nil {
		return 0, err
	}
	return u.Upload.Write(p)
}

func (u *fullUpload) Commit() error {
	if err := u.f.knob("commit"); err != nil {
		u.Upload.Abort()
		return err
	}
	return u.Upload.Commit()
}

// A full disk answers 452 and an exhausted quota or file size limit 552
// (RFC 959), wherever the write fails: opening, writing, committing or
// making a folder. Nothing is left behind.
func TestStorageFull(t *testing.T) {
	full := &fullFS{}
	ts := startServer(t, func(s *Server) {
		full.Mem = s.FS.(*vfs.Mem)
		s.FS = full
	})
	c := ts.loginAlice(t)
	for _, tc := range []struct {
		op    string
		errno syscall.Errno
		line  string
		code  int
		msg   string
	}{
		{"write", syscall.ENOSPC, "STOR a", 452, "Insufficient storage space."},
		{"write", syscall.EDQUOT, "STOR a", 552, "Exceeded storage allocation."},
		{"commit", syscall.ENOSPC, "STOR a", 452, "Insufficient storage space."},
		{"commit", syscall.EFBIG, "STOR a", 552, "Exceeded storage allocation."},
		{"create", syscall.ENOSPC, "STOU a", 452, "Insufficient storage space."},
		{"openwrite", syscall.EDQUOT, "APPE a", 552, "Exceeded storage allocation."},
	} {
		full.set(tc.op, tc.errno)
		dc := c.pasv()
		code, msg := c.send("%s", tc.line)
		if code == 150 {
			dc.Write([]byte("data"))
			dc.Close()
			code, msg = c.read()
		}
		if code != tc.code || msg != tc.msg {
			t.Errorf("%s failing with %v: %d %q, want %d %q", tc.op, tc.errno, code, msg, tc.code, tc.msg)
		}
		if _, err := ts.Mem.Stat(t.Context(), "/a"); err == nil {
			t.Errorf("%s failing with %v left /a behind", tc.op, tc.errno)
		}
	}
	full.set("mkdir", syscall.ENOSPC)
	if code, msg := c.send("MKD d"); code != 452 || msg != "Insufficient storage space." {
		t.Errorf("MKD on a full disk: %d %q", code, msg)
	}
	full.set("mkdir", syscall.EDQUOT)
	if code, msg := c.send("XMKD d"); code != 552 || msg != "Exceeded storage allocation." {
		t.Errorf("XMKD over quota: %d %q", code, msg)
	}
	full.set("none", 0)
	c.store("a", "fine")
	c.cmd(257, "MKD d")
}
