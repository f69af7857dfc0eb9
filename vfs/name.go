package vfs

import (
	"io/fs"
	"path"
	"strings"
)

// Limits on names, the same for every backend so they all refuse alike.
// They match Linux (NAME_MAX and PATH_MAX).
const (
	maxElem = 255
	maxName = 4096
)

// checkName validates an FS name and returns it cleaned ("/a//b/" becomes
// "/a/b"). It refuses, rather than resolves, any ".." element: a caller that
// sends one has a bug, and quietly clamping it at the root would hide it.
func checkName(op, name string) (string, error) {
	if !validName(name) {
		return "", &fs.PathError{Op: op, Path: printable(name), Err: ErrBadName}
	}
	return path.Clean(name), nil
}

func validName(name string) bool {
	if name == "" || name[0] != '/' || len(name) > maxName {
		return false
	}
	if strings.IndexByte(name, 0) >= 0 {
		return false
	}
	for elem := range strings.SplitSeq(name[1:], "/") {
		if elem == ".." || len(elem) > maxElem {
			return false
		}
	}
	return true
}

// printable shortens and sanitizes a refused name for error text, which ends
// up in logs.
func printable(name string) string {
	const keep = 64
	if len(name) > keep {
		name = name[:keep] + "..."
	}
	return strings.ToValidUTF8(strings.ReplaceAll(name, "\x00", `\0`), "?")
}

// relName turns a clean FS name into the relative form os.Root wants.
func relName(name string) string {
	if name == "/" {
		return "."
	}
	return name[1:]
}

// namedInfo gives the root folder the name "/" instead of ".".
type namedInfo struct {
	fs.FileInfo
	name string
}

func (i namedInfo) Name() string { return i.name }
