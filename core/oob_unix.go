//go:build unix

package core

import (
	"net"
	"syscall"

	"golang.org/x/sys/unix"
)

// keepUrgentInline keeps TCP urgent data in the control stream. Clients
// send ABOR's Synch (or, as Python's ftplib does, the ABOR line itself)
// as urgent data; without SO_OOBINLINE that byte never reaches the reader,
// and a line that lost its line feed would wait forever.
func keepUrgentInline(c net.Conn) {
	sc, ok := c.(interface {
		SyscallConn() (syscall.RawConn, error)
	})
	if !ok {
		return
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return
	}
	rc.Control(func(fd uintptr) {
		unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_OOBINLINE, 1)
	})
}
