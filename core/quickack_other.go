//go:build !linux

package core

import "net"

// withQuickAck is a no-op where TCP_QUICKACK does not exist.
func withQuickAck(c net.Conn) (net.Conn, func()) { return c, func() {} }
