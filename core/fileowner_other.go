//go:build !unix

package core

import "os"

// keepOwner does nothing where files have no Unix owner: a file that
// replaces another gets its folder's permissions.
func keepOwner(f *os.File, old os.FileInfo) {}
