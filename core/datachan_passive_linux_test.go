package core

import (
	"net"
	"syscall"
	"testing"
)

// Passive listeners are plain TCP sockets: on a kernel with Multipath TCP,
// Go's default listener would be an MPTCP one, built anew at every EPSV.
func TestPassiveListenerIsPlainTCP(t *testing.T) {
	s := &Session{localIP: net.IPv4(127, 0, 0, 1)}
	ln, err := s.listenPort(0)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	rc, err := ln.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	proto, serr := -1, error(nil)
	if err := rc.Control(func(fd uintptr) {
		proto, serr = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_PROTOCOL)
	}); err != nil || serr != nil {
		t.Fatal(err, serr)
	}
	if proto != syscall.IPPROTO_TCP {
		t.Fatalf("passive listener protocol %d, want TCP (%d)", proto, syscall.IPPROTO_TCP)
	}
}
