//go:build !unix

package core

import "io/fs"

func fileID(fi fs.FileInfo) (dev, ino uint64, ok bool) { return 0, 0, false }
