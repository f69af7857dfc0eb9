package vfs

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"syscall"
)

// mapErr turns an error from os.Root into an *fs.PathError that names the FS
// name (never the host path) and wraps the error kinds FS promises.
func mapErr(op, name string, err error) error {
	if err == nil {
		return nil
	}
	return &fs.PathError{Op: op, Path: name, Err: unwrapErr(err)}
}

// unwrapErr strips the path from err and maps what it finds. Any error that
// is neither an errno nor a known kind is refused as fs.ErrPermission:
// os.Root reports a path leaving the root with an unexported error, and
// treating the unknown as forbidden is the safe side.
func unwrapErr(err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	var se *os.SyscallError
	switch {
	case errors.As(err, &pe):
		err = pe.Err
	case errors.As(err, &le):
		err = le.Err
	case errors.As(err, &se):
		err = se.Err
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return mapErrno(errno)
	}
	if errorsIsAny(err, fs.ErrNotExist, fs.ErrExist, fs.ErrPermission, fs.ErrInvalid,
		fs.ErrClosed, ErrIsDir, ErrNotDir, ErrNotEmpty, ErrBadName, ErrNotSupported,
		context.Canceled, context.DeadlineExceeded) {
		return err
	}
	return fs.ErrPermission
}

// mapErrno maps the errnos FS names; others (ENOSPC, EIO...) pass as they
// are, their text carries no path.
func mapErrno(errno syscall.Errno) error {
	switch errno {
	case syscall.ENOENT:
		return fs.ErrNotExist
	case syscall.EEXIST:
		return fs.ErrExist
	case syscall.EACCES, syscall.EPERM, syscall.EROFS, syscall.ELOOP, syscall.ENXIO:
		return fs.ErrPermission
	case syscall.ENOTEMPTY:
		return ErrNotEmpty
	case syscall.EISDIR:
		return ErrIsDir
	case syscall.ENOTDIR:
		return ErrNotDir
	case syscall.ENAMETOOLONG:
		return ErrBadName
	case syscall.EINVAL:
		return fs.ErrInvalid
	case syscall.EXDEV:
		return ErrNotSupported
	}
	return errno
}

// errorsIsAny reports whether err is any of targets.
func errorsIsAny(err error, targets ...error) bool {
	for _, t := range targets {
		if errors.Is(err, t) {
			return true
		}
	}
	return false
}
