//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package core

import (
	"net"
	"syscall"
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
