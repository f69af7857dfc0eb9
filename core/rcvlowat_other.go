//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package core

import "net"

// setRcvLowat does nothing here: the loop wakes as data come.
func setRcvLowat(conn *net.TCPConn, n int) {}
