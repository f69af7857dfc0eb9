//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package core

import (
	"io"
	"net"
	"syscall"
	"time"
)

// setRcvLowat sets SO_RCVLOWAT; where it fails the loop only wakes more
// often.
func setRcvLowat(conn *net.TCPConn, n int) {
	if rc, err := conn.SyscallConn(); err == nil {
		rc.Control(func(fd uintptr) {
			syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVLOWAT, n)
		})
	}
}

// detachConn takes the socket of conn out of the runtime's poller for a
// blocking read loop: it returns a duplicate descriptor in blocking mode
// whose reads wait for lowat bytes, or wait at most timeout, and closes
// conn. Registered with the poller, a socket whose reader cannot keep up
// wakes an idle thread of the runtime at every segment that arrives (some
// 8000 wakeups per GiB on loopback), for nothing; a blocking read wakes
// only its own thread, when its read is done. ok is false, with conn left
// as it was, where a step fails.
func detachConn(conn *net.TCPConn, lowat int, timeout time.Duration) (fd int, ok bool) {
	rc, err := conn.SyscallConn()
	if err != nil {
		return -1, false
	}
	fd = -1
	rc.Control(func(sfd uintptr) {
		syscall.ForkLock.RLock()
		defer syscall.ForkLock.RUnlock()
		nfd, err := syscall.Dup(int(sfd))
		if err != nil {
			return
		}
		syscall.CloseOnExec(nfd)
		fd = nfd
	})
	if fd < 0 {
		return -1, false
	}
	tv := syscall.NsecToTimeval(timeout.Nanoseconds())
	if syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_RCVLOWAT, lowat) != nil ||
		syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, &tv) != nil {
		syscall.Close(fd)
		return -1, false
	}
	// The descriptors share one open file: blocking mode holds for both,
	// and conn is closed right after (which takes it out of the poller).
	if err := syscall.SetNonblock(fd, false); err != nil {
		syscall.Close(fd)
		return -1, false
	}
	conn.Close()
	return fd, true
}

// readDetached reads a detached socket: errRecvWait when nothing came
// before its timeout, io.EOF at the end.
func readDetached(fd int, buf []byte) (int, error) {
	for {
		n, err := syscall.Read(fd, buf)
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN || err == syscall.EWOULDBLOCK:
			return 0, errRecvWait
		case err != nil:
			return 0, &net.OpError{Op: "read", Net: "tcp", Err: err}
		case n == 0:
			return 0, io.EOF
		}
		return n, nil
	}
}

func closeDetached(fd int) { syscall.Close(fd) }
