package core

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"path"
)

// The bounds of a recursive listing (LIST -R), which would otherwise walk
// a whole tree for one command. Past maxListEntries lines the listing
// stops; folders more than maxListDepth levels below the one named are
// left out. Either way the client gets 451, not 226, so that a mirroring
// client never takes a partial tree for the whole one. (pure-ftpd stops
// at 10 000 entries and 5 levels and still answers 226; ProFTPD has no
// bound unless ListOptions sets one.) Variables so that tests can lower
// them.
var (
	maxListEntries = 100_000
	maxListDepth   = 32
)

// lsTree is a recursive listing under way.
type lsTree struct {
	s      *Session
	ctx    context.Context
	f      lsFlags
	o      *lsOut
	prefix string              // what the folder headers start with: the folder the client named
	deep   bool                // a folder was left out for maxListDepth
	target func(string) string // as listing.target
}

// subFolder is a sub-folder met in a listing, to be listed after it.
type subFolder struct {
	name string
	info fs.FileInfo
}

// listRecursive sends l as `ls -lR` does: the entries of the folder (or the
// pattern's matches), then for each sub-folder, depth first and in name
// order, an empty line, its name and a colon, and its entries, as ProFTPD
// and pure-ftpd list them. Symbolic links are never followed, so no loop
// and no way out of the folder listed; names hidden from the listing
// (dot names without -a or -A) are not entered either.
func (s *Session) listRecursive(r *request, l *listing, f lsFlags, line func([]byte, fs.FileInfo) []byte) Reply {
	t := &lsTree{s: s, ctx: r.ctx, f: f, prefix: nlstPrefix(skipOptions(r.arg), l), target: l.target}
	return s.sendData(r, func(w io.Writer) error {
		t.o = &lsOut{w: w, line: line, max: maxListEntries}
		err := t.list(l)
		full := errors.Is(err, errListFull)
		if err != nil && !full {
			return err
		}
		if err := t.o.flush(); err != nil {
			return err
		}
		switch {
		case full:
			s.log.Info("recursive listing cut short", "cmd", r.verb, "path", r.path, "entries", t.o.n)
			return Errorf(451, "Listing stopped at %d entries; list the sub-folders one by one.", maxListEntries)
		case t.deep:
			s.log.Info("recursive listing cut short", "cmd", r.verb, "path", r.path, "depth", maxListDepth)
			return Errorf(451, "Folders more than %d levels down were left out of the listing.", maxListDepth)
		}
		return nil
	})
}

// list writes the top listing, then its sub-folders'.
func (t *lsTree) list(l *listing) error {
	subs, err := t.entries(l)
	if err != nil {
		return err
	}
	l.close() // read to its end: its names are no longer needed
	if !l.folder() && !l.glob {
		return nil // a file
	}
	return t.walk(l.dir, "", l.self, subs, 1)
}

// entries writes the entries of l and returns its sub-folders.
func (t *lsTree) entries(l *listing) ([]subFolder, error) {
	var subs []subFolder
	err := t.o.entries(l, func(fi fs.FileInfo) {
		if fi.IsDir() && fi.Name() != "." && fi.Name() != ".." {
			subs = append(subs, subFolder{fi.Name(), fi})
		}
	})
	return subs, err
}

// walk lists subs, the sub-folders of the folder dir (rel below the one
// named, described by parent), which are depth levels below the folder
// named, each followed by its own sub-folders.
func (t *lsTree) walk(dir, rel string, parent fs.FileInfo, subs []subFolder, depth int) error {
	for _, sub := range subs {
		p, subRel := path.Join(dir, sub.name), path.Join(rel, sub.name)
		l, err := t.open(p, sub.info, parent, depth)
		if err != nil {
			return err
		}
		if l == nil {
			continue
		}
		next, err := t.block(l, subRel)
		l.close()
		if err != nil {
			return err
		}
		if err := t.walk(p, subRel, sub.info, next, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// open opens the sub-folder p, depth levels below the folder named, for
// listing, or returns nil for one to leave out: one too deep, or one that
// cannot be read (ls says so on stderr, which FTP has not; ProFTPD leaves
// it out too). A symbolic link never comes here: vfs.FS.ReadDir describes
// it as a link, not a folder.
func (t *lsTree) open(p string, self, parent fs.FileInfo, depth int) (*listing, error) {
	if err := t.ctx.Err(); err != nil {
		return nil, err
	}
	if depth > maxListDepth {
		t.deep = true
		return nil, nil
	}
	d, err := t.s.openDir(t.ctx, p)
	if err != nil {
		return nil, t.ctx.Err()
	}
	l := &listing{dir: p, self: self, src: d, target: t.target}
	if !t.f.all && !t.f.almost {
		l.keep = hideDots(nil)
	}
	if t.f.all {
		l.head = dotEntries(self, parent)
	}
	return l, nil
}

// block writes one sub-folder's header and entries, and returns its
// sub-folders. At the entry bound it writes nothing: a header with no
// entries below it would show an empty folder.
func (t *lsTree) block(l *listing, rel string) ([]subFolder, error) {
	if t.o.n >= t.o.max {
		return nil, errListFull
	}
	if err := t.o.text("\r\n" + t.prefix + rel + ":\r\n"); err != nil {
		return nil, err
	}
	return t.entries(l)
}
