//go:build !unix

package core

import "net"

// keepUrgentInline does nothing where SO_OOBINLINE is not set this way.
func keepUrgentInline(net.Conn) {}
