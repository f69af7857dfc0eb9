package core

import (
	"path"
	"strings"
)

// resolve turns a command's path argument into an absolute, clean path in
// the user's tree. ".." never climbs above "/": the user's root is the top
// of the tree the session sees, and the vfs refuses anything else again.
// An empty argument is the current folder.
func (s *Session) resolve(arg string) string {
	if arg == "" {
		return s.cwd
	}
	if arg[0] != '/' {
		arg = s.cwd + "/" + arg
	}
	return path.Clean(arg)
}

// pathOf is the path a command of kind k with argument arg acts on, or ""
// for none.
func (s *Session) pathOf(k pathIn, arg string) string {
	part, ok := pathPart(k, arg)
	if !ok {
		return ""
	}
	return s.resolve(part)
}

// cleanPath confines a path a script rewrote to the user's tree.
func cleanPath(p string) string {
	return path.Clean("/" + p)
}

// quotePath quotes a path for a 257 reply, doubling any '"' (RFC 959).
func quotePath(p string) string {
	return `"` + strings.ReplaceAll(p, `"`, `""`) + `"`
}
