//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package core

import (
	"io"
	"net"
	"time"
)

// setRcvLowat does nothing here: the loop wakes as data come.
func setRcvLowat(conn *net.TCPConn, n int) {}

// detachConn is not available here: uploads read through the poller.
func detachConn(conn *net.TCPConn, lowat int, timeout time.Duration) (int, bool) { return -1, false }

func readDetached(fd int, buf []byte) (int, error) { return 0, io.EOF }

func closeDetached(fd int) {}
