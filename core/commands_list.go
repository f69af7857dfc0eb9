package core

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// listing is what a listing command shows: the entries of a folder, or a
// single file.
type listing struct {
	dir     string        // the folder listed, or the file's folder
	self    fs.FileInfo   // the folder (or file) named
	entries []fs.FileInfo // the folder's entries; the file itself for a file
	glob    bool          // entries are the matches of a pattern
}

// list stats p and reads it if it is a folder. A last element with glob
// characters that names nothing is a pattern ("LIST *.txt", as clients'
// mget sends): the listing holds its matches.
func (s *Session) list(ctx context.Context, p string) (*listing, error) {
	fi, err := s.fs.Stat(ctx, p)
	if errors.Is(err, fs.ErrNotExist) && strings.ContainsAny(path.Base(p), "*?[") {
		return s.glob(ctx, p)
	}
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return &listing{dir: path.Dir(p), self: fi, entries: []fs.FileInfo{fi}}, nil
	}
	entries, err := s.fs.ReadDir(ctx, p)
	if err != nil {
		return nil, err
	}
	return &listing{dir: p, self: fi, entries: entries}, nil
}

// glob lists the entries of p's folder that match p's last element.
func (s *Session) glob(ctx context.Context, p string) (*listing, error) {
	dir, pattern := path.Split(p)
	dir = path.Clean(dir)
	self, err := s.statDir(ctx, dir)
	if err != nil {
		return nil, err
	}
	entries, err := s.fs.ReadDir(ctx, dir)
	if err != nil {
		return nil, err
	}
	var matches []fs.FileInfo
	for _, fi := range entries {
		if ok, _ := path.Match(pattern, fi.Name()); ok {
			matches = append(matches, fi)
		}
	}
	if len(matches) == 0 {
		return &listing{dir: dir, self: self, glob: true}, errNoMatch
	}
	return &listing{dir: dir, self: self, entries: matches, glob: true}, nil
}

// errNoMatch is list's error for a pattern that matches nothing in a folder
// that exists; it is a kind of fs.ErrNotExist.
var errNoMatch = fmt.Errorf("no match: %w", fs.ErrNotExist)

// cmdLIST sends an `ls -l` listing, the form curl, lftp and FileZilla parse.
// A pattern that matches nothing lists nothing (226), as ProFTPD, vsftpd and
// pure-ftpd answer; NLST refuses it with 450 like ProFTPD, so that a
// client's mget learns that nothing matched.
func (s *Session) cmdLIST(r *request) Reply {
	l, err := s.list(r.ctx, r.path)
	if errors.Is(err, errNoMatch) {
		err = nil
	}
	if err != nil {
		return s.fail(err)
	}
	entries := s.shown(r, l, parseLsFlags(r.arg))
	now := time.Now()
	return s.sendData(r, func(w io.Writer) error {
		return writeLines(w, entries, func(b []byte, fi fs.FileInfo) []byte {
			return appendLsLine(b, fi, now)
		})
	})
}

// cmdNLST sends names only, as paths the client can hand back to RETR:
// prefixed with the folder the client named, if any.
func (s *Session) cmdNLST(r *request) Reply {
	l, err := s.list(r.ctx, r.path)
	if err != nil {
		return s.fail(err)
	}
	flags := parseLsFlags(r.arg)
	entries := s.shown(r, l, flags)
	if l.glob && len(entries) == 0 { // it matched hidden names only
		return s.fail(errNoMatch)
	}
	prefix := nlstPrefix(skipOptions(r.arg), l)
	if flags.dir && l.self.IsDir() && !l.glob {
		prefix = "" // -d: the folder's own name, as the client gave it
	}
	return s.sendData(r, func(w io.Writer) error {
		return writeLines(w, entries, func(b []byte, fi fs.FileInfo) []byte {
			return append(append(b, prefix...), fi.Name()...)
		})
	})
}

// lsFlags are the ls options of a LIST or NLST argument that change which
// entries are listed.
type lsFlags struct {
	all    bool // -a: dot entries too, with "." and ".."
	almost bool // -A: dot entries too, without "." and ".."
	dir    bool // -d: a folder itself, not its entries
}

// parseLsFlags reads the options that lead arg ("-la dir", "-l -d dir").
func parseLsFlags(arg string) lsFlags {
	var f lsFlags
	for _, word := range strings.Fields(arg) {
		if !strings.HasPrefix(word, "-") {
			break
		}
		if strings.HasPrefix(word, "--") { // a long option ("--full-time") or "--"
			continue
		}
		f.all = f.all || strings.Contains(word, "a")
		f.almost = f.almost || strings.Contains(word, "A")
		f.dir = f.dir || strings.Contains(word, "d")
	}
	return f
}

// shown is what a LIST or NLST with flags f shows of l, as `ls` would:
// names that begin with a dot only with -a or -A (or when a pattern
// itself begins with a dot, or the name was asked for), "." and ".." with
// -a, and the folder itself with -d.
func (s *Session) shown(r *request, l *listing, f lsFlags) []fs.FileInfo {
	folder := l.self.IsDir() && !l.glob
	if f.dir && folder {
		return []fs.FileInfo{namedInfo{l.self, dirName(skipOptions(r.arg))}}
	}
	entries := l.entries
	if !folder && !l.glob {
		return entries // one file, named by the client
	}
	hideDots := !f.all && !f.almost && !(l.glob && strings.HasPrefix(path.Base(r.path), "."))
	if hideDots && slices.ContainsFunc(entries, isDotName) {
		// a copy: the slice is the storage's, which may keep it
		entries = slices.DeleteFunc(slices.Clone(entries), isDotName)
	}
	if !f.all || !folder {
		return entries
	}
	parent := l.self
	if l.dir != "/" {
		if pfi, err := s.fs.Stat(r.ctx, path.Dir(l.dir)); err == nil {
			parent = pfi
		}
	}
	dots := []fs.FileInfo{namedInfo{l.self, "."}, namedInfo{parent, ".."}}
	return append(dots, entries...)
}

// isDotName reports whether fi's name begins with a dot, which `ls` hides.
func isDotName(fi fs.FileInfo) bool { return strings.HasPrefix(fi.Name(), ".") }

// dirName is the name `ls -d` shows for a folder the client named as arg.
func dirName(arg string) string {
	if arg = strings.TrimRight(arg, "/"); arg == "" {
		return "."
	}
	return arg
}

// namedInfo is a FileInfo shown under another name ("." or "..").
type namedInfo struct {
	fs.FileInfo
	name string
}

func (n namedInfo) Name() string { return n.name }

// nlstPrefix is what NLST puts before each name: "" for the current folder,
// else the folder part of the argument as the client wrote it.
func nlstPrefix(arg string, l *listing) string {
	if arg == "" || strings.TrimRight(arg, "/") == "." {
		return ""
	}
	if l.self.IsDir() && !l.glob {
		return strings.TrimRight(arg, "/") + "/"
	}
	if dir := path.Dir(arg); dir != "." {
		return strings.TrimRight(dir, "/") + "/"
	}
	return ""
}

// cmdMLSD sends the RFC 3659 machine listing of a folder, with its cdir
// and pdir entries.
func (s *Session) cmdMLSD(r *request) Reply {
	l, err := s.list(r.ctx, r.path)
	if err != nil {
		return s.fail(err)
	}
	if l.glob { // RFC 3659 7.1: MLSD names a folder, never a pattern
		return s.fail(fs.ErrNotExist)
	}
	if !l.self.IsDir() {
		return NewReply(501, "MLSD needs a folder; use MLST for a file.")
	}
	return s.sendData(r, func(w io.Writer) error {
		head := []byte(nil)
		head = s.appendFacts(head, r.path, l.self, "cdir")
		head = append(head, " .\r\n"...)
		// the root's pdir is the root itself, as ProFTPD and pure-ftpd list it
		if pfi, err := s.fs.Stat(r.ctx, path.Dir(r.path)); err == nil {
			head = s.appendFacts(head, path.Dir(r.path), pfi, "pdir")
			head = append(head, " ..\r\n"...)
		}
		if _, err := w.Write(head); err != nil {
			return err
		}
		return writeLines(w, l.entries, func(b []byte, fi fs.FileInfo) []byte {
			b = s.appendFacts(b, path.Join(r.path, fi.Name()), fi, "")
			b = append(b, ' ')
			return append(b, fi.Name()...)
		})
	})
}

// cmdMLST describes one path on the control connection.
func (s *Session) cmdMLST(r *request) Reply {
	fi, err := s.fs.Stat(r.ctx, r.path)
	if err != nil {
		return s.fail(err)
	}
	facts := s.appendFacts(nil, r.path, fi, "")
	return Reply{Code: 250, Lines: []string{"Listing " + r.path, string(facts) + " " + r.path, "End"}}
}

// statPath is STAT with a path: the LIST lines on the control connection,
// as 212 (directory status) for a folder and 213 (file status) for a file
// or the matches of a pattern, the RFC 959 meanings of the two codes.
func (s *Session) statPath(r *request, p string) Reply {
	l, err := s.list(r.ctx, p)
	if err != nil {
		return s.fail(err)
	}
	now := time.Now()
	lines := []string{"Status of " + p + ":"}
	// always as `ls -la`, with "." and "..", as ProFTPD and vsftpd answer
	for _, fi := range s.shown(r, l, lsFlags{all: true}) {
		if !strings.ContainsAny(fi.Name(), "\r\n") { // as writeLines
			lines = append(lines, string(appendLsLine(nil, fi, now)))
		}
	}
	code := 213
	if l.self.IsDir() && !l.glob {
		code = 212
	}
	return Reply{Code: code, Lines: append(lines, "End of status.")}
}

// writeLines writes one CRLF-terminated line per entry, in chunks. An entry
// whose name holds a CR or LF (made by other means than FTP) is left out:
// it would split into lines that name other entries.
func writeLines(w io.Writer, entries []fs.FileInfo, line func([]byte, fs.FileInfo) []byte) error {
	buf := make([]byte, 0, 8<<10)
	for _, fi := range entries {
		if strings.ContainsAny(fi.Name(), "\r\n") {
			continue
		}
		buf = line(buf, fi)
		buf = append(buf, '\r', '\n')
		if len(buf) >= 7<<10 {
			if _, err := w.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	if len(buf) == 0 {
		return nil
	}
	_, err := w.Write(buf)
	return err
}

// sixMonths is the age past which `ls -l` shows the year instead of the time.
const sixMonths = 182 * 24 * time.Hour

// appendLsLine formats fi as `ls -l` does, in UTC:
// "-rw-r--r-- 1 ftp ftp 1234 Jan  2 15:04 name", with the year instead of
// the time for dates more than six months old or in the future.
func appendLsLine(b []byte, fi fs.FileInfo, now time.Time) []byte {
	b = append(b, lsMode(fi.Mode())...)
	b = append(b, " 1 ftp ftp "...)
	size := strconv.FormatInt(fi.Size(), 10)
	for i := len(size); i < 12; i++ {
		b = append(b, ' ')
	}
	b = append(b, size...)
	b = append(b, ' ')
	t := fi.ModTime().UTC() // as MDTM and MLSD, whatever the server's zone
	if d := now.Sub(t); d > sixMonths || d < -time.Hour {
		b = t.AppendFormat(b, "Jan _2  2006")
	} else {
		b = t.AppendFormat(b, "Jan _2 15:04")
	}
	b = append(b, ' ')
	return append(b, fi.Name()...)
}

// lsMode is the ten-character mode column of `ls -l`.
func lsMode(m fs.FileMode) string {
	var b [10]byte
	switch {
	case m.IsDir():
		b[0] = 'd'
	case m&fs.ModeSymlink != 0:
		b[0] = 'l'
	default:
		b[0] = '-'
	}
	const rwx = "rwxrwxrwx"
	for i := 0; i < 9; i++ {
		b[i+1] = '-'
		if m&(1<<uint(8-i)) != 0 {
			b[i+1] = rwx[i]
		}
	}
	if m&fs.ModeSetuid != 0 {
		b[3] = sOr(b[3], 's', 'S')
	}
	if m&fs.ModeSetgid != 0 {
		b[6] = sOr(b[6], 's', 'S')
	}
	if m&fs.ModeSticky != 0 {
		b[9] = sOr(b[9], 't', 'T')
	}
	return string(b[:])
}

func sOr(c, lower, upper byte) byte {
	if c == 'x' {
		return lower
	}
	return upper
}

// The MLSx facts, in the order they are listed; OPTS MLST turns them off
// and on (Session.mlstOff).
var mlstFacts = []string{"type", "size", "modify", "perm", "unique", "unix.mode"}

// mlstFactList lists the facts, for FEAT (all, the enabled ones starred) or
// for the OPTS MLST reply (the enabled ones).
func (s *Session) mlstFactList(all bool) string {
	var b strings.Builder
	for i, f := range mlstFacts {
		on := s.mlstOff&(1<<i) == 0
		if !on && !all {
			continue
		}
		b.WriteString(f)
		if on && all {
			b.WriteByte('*')
		}
		b.WriteByte(';')
	}
	return b.String()
}

// setMLSTFacts enables exactly the facts named in "type;size;..." (OPTS MLST).
func (s *Session) setMLSTFacts(list string) {
	var off uint8 = 1<<len(mlstFacts) - 1
	for _, name := range strings.Split(list, ";") {
		for i, f := range mlstFacts {
			if strings.EqualFold(strings.TrimSpace(name), f) {
				off &^= 1 << i
			}
		}
	}
	s.mlstOff = off
}

// appendFacts appends fi's MLSx facts ("type=file;size=3;...;"); kind
// overrides the type for the cdir and pdir entries.
func (s *Session) appendFacts(b []byte, p string, fi fs.FileInfo, kind string) []byte {
	on := func(i int) bool { return s.mlstOff&(1<<i) == 0 }
	link := fi.Mode()&fs.ModeSymlink != 0 // one the storage would not follow
	if on(0) {
		switch {
		case kind != "":
		case fi.IsDir():
			kind = "dir"
		case link:
			kind = "OS.unix=symlink"
		default:
			kind = "file"
		}
		b = append(append(append(b, "type="...), kind...), ';')
	}
	if on(1) && !fi.IsDir() && !link {
		b = strconv.AppendInt(append(b, "size="...), fi.Size(), 10)
		b = append(b, ';')
	}
	if on(2) {
		b = fi.ModTime().UTC().AppendFormat(append(b, "modify="...), mdtmLayout)
		b = append(b, ';')
	}
	if on(3) {
		b = append(append(append(b, "perm="...), s.perm(fi)...), ';')
	}
	if on(4) {
		b = append(append(append(b, "unique="...), uniqueFact(p, fi)...), ';')
	}
	if on(5) {
		b = appendMode(append(b, "unix.mode="...), fi.Mode().Perm())
		b = append(b, ';')
	}
	return b
}

// appendMode appends permission bits as four octal digits ("0644", "0000").
func appendMode(b []byte, m fs.FileMode) []byte {
	return append(b, '0', byte('0'+m>>6&7), byte('0'+m>>3&7), byte('0'+m&7))
}

// perm is the RFC 3659 perm fact: what this user may do with the entry.
// A symlink the storage does not follow (it leads out of the root) allows
// nothing.
func (s *Session) perm(fi fs.FileInfo) string {
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return ""
	case fi.IsDir() && s.readOnly():
		return "el"
	case fi.IsDir():
		return "cdeflmp"
	case s.readOnly():
		return "r"
	}
	return "adfrw"
}

// uniqueFact identifies a file: the device and inode where the storage
// has them, else a hash of its path.
func uniqueFact(p string, fi fs.FileInfo) string {
	if dev, ino, ok := fileID(fi); ok {
		return strconv.FormatUint(dev, 16) + "U" + strconv.FormatUint(ino, 16)
	}
	h := fnv.New64a()
	io.WriteString(h, p)
	return strconv.FormatUint(h.Sum64(), 16)
}
