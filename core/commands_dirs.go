package core

import (
	"context"
	"io/fs"
	"path"

	"github.com/luaftpd/luaftpd/vfs"
)

func (s *Session) cmdCWD(r *request) Reply {
	return s.changeDir(r.ctx, r.path)
}

// cmdCDUP is "CWD ..": r.path is the parent folder, so hooks see it as
// they see CWD's.
func (s *Session) cmdCDUP(r *request) Reply {
	return s.changeDir(r.ctx, r.path)
}

func (s *Session) changeDir(ctx context.Context, p string) Reply {
	fi, err := s.fs.Stat(ctx, p)
	if err != nil {
		return s.fail(err)
	}
	if !fi.IsDir() {
		return s.fail(vfs.ErrNotDir)
	}
	s.cwd = p
	return NewReply(250, "Directory changed to %s", p)
}

func (s *Session) cmdPWD(r *request) Reply {
	return NewReply(257, "%s is the current directory.", quotePath(s.cwd))
}

func (s *Session) cmdMKD(r *request) Reply {
	if err := s.fs.Mkdir(r.ctx, r.path); err != nil {
		return s.fail(err)
	}
	return NewReply(257, "%s created.", quotePath(r.path))
}

func (s *Session) cmdRMD(r *request) Reply {
	if r.path == "/" {
		return NewReply(550, "Cannot remove the root folder.")
	}
	if err := s.fs.RemoveDir(r.ctx, r.path); err != nil {
		return s.fail(err)
	}
	if s.cwd == r.path || isUnder(s.cwd, r.path) {
		s.cwd = path.Dir(r.path)
	}
	return NewReply(250, "Directory removed.")
}

// isUnder reports whether p lies inside the folder dir.
func isUnder(p, dir string) bool {
	return len(p) > len(dir) && p[:len(dir)] == dir && p[len(dir)] == '/'
}

// statDir is Stat that insists on a folder.
func (s *Session) statDir(ctx context.Context, p string) (fs.FileInfo, error) {
	fi, err := s.fs.Stat(ctx, p)
	if err == nil && !fi.IsDir() {
		err = vfs.ErrNotDir
	}
	return fi, err
}
