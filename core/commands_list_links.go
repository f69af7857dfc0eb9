package core

import (
	"context"
	"io/fs"
	"path"
	"strings"

	"github.com/luaftpd/luaftpd/vfs"
)

// linkEntry is a symbolic link in a LIST or STAT listing, with the text
// shown after its name ("" for none).
type linkEntry struct {
	fs.FileInfo
	target string
}

// linkTarget is the text LIST shows after the name of the link p
// ("name -> text", as ls -l and other servers list it, so that a client
// knows the entry for a link and never walks through it), or "" when it
// shows none. The text is shown only when it is relative and stays inside
// the user's root, read in the folder of the link, and the link leads to
// something there: an absolute text would name a path of the host, one
// that climbs above the root would tell what lies around it, and a broken
// link or one that leaves (by way of another link) is shown without a
// target, as such links always were.
func (s *Session) linkTarget(ctx context.Context, p string) string {
	rl, ok := s.fs.(vfs.Readlinker)
	if !ok {
		return ""
	}
	text, err := rl.Readlink(ctx, p)
	if err != nil || !insideText(path.Dir(p), text) {
		return ""
	}
	if _, err := s.fs.Stat(ctx, p); err != nil {
		return ""
	}
	return text
}

// insideText reports whether the link text, read in the folder dir, is a
// relative path that stays inside the root, and fits on a listing line.
func insideText(dir, text string) bool {
	if text == "" || path.IsAbs(text) || strings.ContainsAny(text, "\r\n") {
		return false
	}
	// relative to the root, ".." is not cleaned away as it is after "/"
	j := path.Join(strings.TrimPrefix(dir, "/"), text)
	return j != ".." && !strings.HasPrefix(j, "../")
}
