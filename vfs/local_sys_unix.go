//go:build linux || darwin || freebsd

package vfs

import (
	"os"
	"syscall"
)

// openSafe are the flags for opening what may turn out not to be a regular
// file: a FIFO must not block the open until a peer shows up, and a
// terminal must not become the server's controlling terminal.
const openSafe = syscall.O_NONBLOCK | syscall.O_NOCTTY

// relabel returns f under the FS name instead of the host path, so that the
// errors and Name of the file never show where the root lives. It moves
// the descriptor to a new *os.File and closes f.
func relabel(f *os.File, name string) (*os.File, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, err
	}
	nfd := -1
	var dupErr error
	ctlErr := rc.Control(func(fd uintptr) { nfd, dupErr = dupCloexec(int(fd)) })
	f.Close()
	if ctlErr != nil {
		return nil, ctlErr
	}
	if dupErr != nil {
		return nil, dupErr
	}
	// The descriptor names a regular file or folder, where O_NONBLOCK means
	// nothing; clearing it keeps the new File out of the poller.
	syscall.SetNonblock(nfd, false)
	return os.NewFile(uintptr(nfd), name), nil
}

func dupCloexec(fd int) (int, error) {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	nfd, err := syscall.Dup(fd)
	if err != nil {
		return -1, err
	}
	syscall.CloseOnExec(nfd)
	return nfd, nil
}

// statfsAvail reports the bytes available to unprivileged users on the
// filesystem holding f.
func statfsAvail(f *os.File) (uint64, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return 0, err
	}
	var st syscall.Statfs_t
	var sErr error
	if err := rc.Control(func(fd uintptr) { sErr = syscall.Fstatfs(int(fd), &st) }); err != nil {
		return 0, err
	}
	if sErr != nil {
		return 0, sErr
	}
	return uint64(st.Bavail) * uint64(st.Bsize), nil
}
