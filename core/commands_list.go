package core

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/luaftpd/luaftpd/vfs"
)

// listing is what a listing command shows: the entries of a folder, read
// one at a time, or a single file, or the matches of a pattern.
type listing struct {
	dir  string      // the folder listed, or the file's or the pattern's folder
	self fs.FileInfo // the folder (or file) named
	glob bool        // the entries are the matches of a pattern
	// head comes first: "." and ".." (-a), the folder itself (-d), a file,
	// or an entry read ahead.
	head []fs.FileInfo
	src  vfs.Dir                // the rest; nil when head is all
	keep func(fs.FileInfo) bool // which entries of src are shown; nil for all
	// target, when set (LIST, STAT), gives the text shown after the name
	// of the link p, or "" for none (Session.linkTarget).
	target func(p string) string
}

// folder reports whether l lists a folder's entries (not a file, nor a
// pattern's matches).
func (l *listing) folder() bool { return l.self.IsDir() && !l.glob }

// next returns the next entry shown, or io.EOF after the last. With
// target set, a link comes as a linkEntry.
func (l *listing) next() (fs.FileInfo, error) {
	fi, err := l.read()
	if err != nil || l.target == nil || fi.Mode()&fs.ModeSymlink == 0 {
		return fi, err
	}
	return linkEntry{fi, l.target(path.Join(l.dir, fi.Name()))}, nil
}

// read returns the next entry shown, as the storage describes it.
func (l *listing) read() (fs.FileInfo, error) {
	if len(l.head) > 0 {
		fi := l.head[0]
		l.head = l.head[1:]
		return fi, nil
	}
	if l.src == nil {
		return nil, io.EOF
	}
	for {
		fi, err := l.src.Next()
		if err != nil {
			return nil, err
		}
		if l.keep == nil || l.keep(fi) {
			return fi, nil
		}
	}
}

// any reports whether l shows at least one entry, reading ahead to it
// (kept in head as read, for next to describe).
func (l *listing) any() (bool, error) {
	if len(l.head) > 0 {
		return true, nil
	}
	fi, err := l.read()
	if err == io.EOF {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	l.head = []fs.FileInfo{fi}
	return true, nil
}

// close releases the folder read, if any; it may be called again.
func (l *listing) close() {
	if l.src != nil {
		l.src.Close()
		l.src = nil
	}
}

// list stats p and, if it is a folder, opens it unless f asks for the
// folder itself (-d). A last element with glob characters that names
// nothing is a pattern ("LIST *.txt", as clients' mget sends): the listing
// holds its matches. The caller closes the listing.
//
// A link to a folder is followed, as `ls -l link/` and vsftpd and ProFTPD
// do, since clients send "LIST name" to see a folder's entries; any other
// link named (to a file, with -d, or one that cannot be followed) is
// listed as itself, as `ls -l link` lists it.
func (s *Session) list(ctx context.Context, p string, f lsFlags) (*listing, error) {
	fi, err := s.fs.Stat(ctx, p)
	if errors.Is(err, fs.ErrNotExist) && strings.ContainsAny(path.Base(p), "*?[") {
		return s.glob(ctx, p)
	}
	if err != nil || !fi.IsDir() || f.dir {
		if lfi, lerr := s.lstat(ctx, p); lerr == nil && lfi.Mode()&fs.ModeSymlink != 0 {
			return &listing{dir: path.Dir(p), self: lfi, head: []fs.FileInfo{lfi}}, nil
		}
	}
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return &listing{dir: path.Dir(p), self: fi, head: []fs.FileInfo{fi}}, nil
	}
	l := &listing{dir: p, self: fi}
	if !f.dir {
		if l.src, err = s.openDir(ctx, p); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// glob lists the entries of p's folder that match p's last element.
func (s *Session) glob(ctx context.Context, p string) (*listing, error) {
	dir, pattern := path.Split(p)
	dir = path.Clean(dir)
	self, err := s.statDir(ctx, dir)
	if err != nil {
		return nil, err
	}
	d, err := s.openDir(ctx, dir)
	if err != nil {
		return nil, err
	}
	match := func(fi fs.FileInfo) bool {
		ok, _ := path.Match(pattern, fi.Name())
		return ok
	}
	return &listing{dir: dir, self: self, glob: true, src: d, keep: match}, nil
}

// openDir opens the folder p to read its entries one at a time, so that
// a listing of a huge folder holds its names only; a storage that cannot
// has the folder read whole.
func (s *Session) openDir(ctx context.Context, p string) (vfs.Dir, error) {
	return vfs.OpenDir(ctx, s.fs, p)
}

// errNoMatch is the error for a pattern that matches nothing (shown) in a
// folder that exists; it is a kind of fs.ErrNotExist.
var errNoMatch = fmt.Errorf("no match: %w", fs.ErrNotExist)

// cmdLIST sends an `ls -l` listing, the form curl, lftp and FileZilla parse.
// A pattern that matches nothing lists nothing (226), as ProFTPD, vsftpd and
// pure-ftpd answer. -R lists the sub-folders too, as `ls -lR` does
// (listRecursive).
func (s *Session) cmdLIST(r *request) Reply {
	f := parseLsFlags(r.arg)
	l, err := s.list(r.ctx, r.path, f)
	if err != nil {
		return s.fail(err)
	}
	defer l.close()
	s.show(r, l, f)
	l.target = func(p string) string { return s.linkTarget(r.ctx, p) }
	now := time.Now()
	line := func(b []byte, fi fs.FileInfo) []byte { return appendLsLine(b, fi, now) }
	if f.recursive && !f.dir {
		return s.listRecursive(r, l, f, line)
	}
	return s.sendData(r, func(w io.Writer) error {
		o := &lsOut{w: w, line: line}
		return o.all(l, nil)
	})
}

// cmdNLST sends names only, as paths the client can hand back to RETR:
// prefixed with the folder the client named, if any. A pattern that
// matches nothing is refused with 450 like ProFTPD, so that a client's
// mget learns that nothing matched. -R is ignored, as ProFTPD and
// pure-ftpd do for NLST: a client wants names it can fetch, not `ls -R`
// blocks.
func (s *Session) cmdNLST(r *request) Reply {
	f := parseLsFlags(r.arg)
	l, err := s.list(r.ctx, r.path, f)
	if err != nil {
		return s.fail(err)
	}
	defer l.close()
	s.show(r, l, f)
	if l.glob {
		if ok, err := l.any(); err != nil || !ok { // nothing, or hidden names only
			return s.fail(orErr(err, errNoMatch))
		}
	}
	prefix := nlstPrefix(skipOptions(r.arg), l)
	if f.dir && l.folder() {
		prefix = "" // -d: the folder's own name, as the client gave it
	}
	return s.sendData(r, func(w io.Writer) error {
		o := &lsOut{w: w, line: func(b []byte, fi fs.FileInfo) []byte {
			return append(append(b, prefix...), fi.Name()...)
		}}
		return o.all(l, nil)
	})
}

// orErr is err, or alt when err is nil.
func orErr(err, alt error) error {
	if err != nil {
		return err
	}
	return alt
}

// lsFlags are the ls options of a LIST or NLST argument that change which
// entries are listed.
type lsFlags struct {
	all       bool // -a: dot entries too, with "." and ".."
	almost    bool // -A: dot entries too, without "." and ".."
	dir       bool // -d: a folder itself, not its entries
	recursive bool // -R: sub-folders too (LIST only)
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
		f.recursive = f.recursive || strings.Contains(word, "R")
	}
	return f
}

// show sets what a LIST or NLST with flags f shows of l, as `ls` would:
// names that begin with a dot only with -a or -A (or when a pattern
// itself begins with a dot, or the name was asked for), "." and ".." with
// -a, and the folder itself with -d.
func (s *Session) show(r *request, l *listing, f lsFlags) {
	switch {
	case f.dir && l.folder():
		l.head = []fs.FileInfo{namedInfo{l.self, dirName(skipOptions(r.arg))}}
		return
	case !l.folder() && !l.glob:
		return // one file, named by the client
	}
	if !f.all && !f.almost && !(l.glob && strings.HasPrefix(path.Base(r.path), ".")) {
		l.keep = hideDots(l.keep)
	}
	if f.all && l.folder() {
		l.head = s.dots(r.ctx, l.dir, l.self)
	}
}

// hideDots returns keep without the names that begin with a dot, which
// `ls` hides.
func hideDots(keep func(fs.FileInfo) bool) func(fs.FileInfo) bool {
	return func(fi fs.FileInfo) bool {
		return !strings.HasPrefix(fi.Name(), ".") && (keep == nil || keep(fi))
	}
}

// dots are the "." and ".." entries of the folder dir, described by self.
// The root's ".." is the root itself: it has no parent to show.
func (s *Session) dots(ctx context.Context, dir string, self fs.FileInfo) []fs.FileInfo {
	parent := self
	if dir != "/" {
		if pfi, err := s.fs.Stat(ctx, path.Dir(dir)); err == nil {
			parent = pfi
		}
	}
	return dotEntries(self, parent)
}

// dotEntries are "." and ".." of a folder described by self, whose parent
// is described by parent.
func dotEntries(self, parent fs.FileInfo) []fs.FileInfo {
	return []fs.FileInfo{namedInfo{self, "."}, namedInfo{parent, ".."}}
}

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
	if l.folder() {
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
	l, err := s.list(r.ctx, r.path, lsFlags{})
	if err != nil {
		return s.fail(err)
	}
	defer l.close()
	if l.glob { // RFC 3659 7.1: MLSD names a folder, never a pattern
		return s.fail(fs.ErrNotExist)
	}
	if !l.self.IsDir() {
		if _, err := s.fs.Stat(r.ctx, r.path); err != nil { // a link not followed
			return s.fail(err)
		}
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
		o := &lsOut{w: w, line: func(b []byte, fi fs.FileInfo) []byte {
			b = s.appendFacts(b, path.Join(r.path, fi.Name()), fi, "")
			b = append(b, ' ')
			return append(b, fi.Name()...)
		}}
		return o.all(l, nil)
	})
}

// cmdMLST describes one path on the control connection; a link as the
// link, as MLSD lists it.
func (s *Session) cmdMLST(r *request) Reply {
	fi, err := s.lstat(r.ctx, r.path)
	if err != nil {
		return s.fail(err)
	}
	facts := s.appendFacts(nil, r.path, fi, "")
	return Reply{Code: 250, Lines: []string{"Listing " + r.path, string(facts) + " " + r.path, "End"}}
}

// maxStatEntries bounds STAT's listing, which is built whole as one reply
// on the control connection (a folder of a million entries would cost the
// server half a gigabyte); past it STAT answers 451 and names LIST, which
// streams. pure-ftpd bounds STAT by the same 10 000 as its listings.
// A variable so that tests can lower it.
var maxStatEntries = 10_000

// statPath is STAT with a path: the LIST lines on the control connection,
// as 212 (directory status) for a folder and 213 (file status) for a file
// or the matches of a pattern, the RFC 959 meanings of the two codes. It
// lists one folder, never recursively (-R is ignored, as ProFTPD does): a
// reply on the control connection cannot be aborted.
func (s *Session) statPath(r *request, p string) Reply {
	// always as `ls -la`, with "." and "..", as ProFTPD and vsftpd answer
	f := lsFlags{all: true}
	l, err := s.list(r.ctx, p, f)
	if err != nil {
		return s.fail(err)
	}
	defer l.close()
	s.show(r, l, f)
	l.target = func(p string) string { return s.linkTarget(r.ctx, p) }
	if l.glob {
		if ok, err := l.any(); err != nil || !ok {
			return s.fail(orErr(err, errNoMatch))
		}
	}
	lines, err := statLines(l, []string{"Status of " + p + ":"})
	if errors.Is(err, errListFull) {
		s.log.Info("STAT listing too long", "path", p, "entries", maxStatEntries)
		return NewReply(451, "Over %d entries, too many for STAT: use LIST.", maxStatEntries)
	}
	if err != nil {
		return s.fail(err)
	}
	code := 213
	if l.folder() {
		code = 212
	}
	return Reply{Code: code, Lines: append(lines, "End of status.")}
}

// statLines appends the LIST lines of l to lines, at most maxStatEntries
// (errListFull past them).
func statLines(l *listing, lines []string) ([]string, error) {
	now := time.Now()
	var b []byte
	for n := 0; ; {
		fi, err := l.next()
		if err == io.EOF {
			return lines, nil
		}
		if err != nil {
			return nil, err
		}
		if strings.ContainsAny(fi.Name(), "\r\n") { // as lsOut
			continue
		}
		if n++; n > maxStatEntries {
			return nil, errListFull
		}
		b = appendLsLine(b[:0], fi, now)
		lines = append(lines, string(b))
	}
}

// lsOut writes a listing's lines, CRLF-terminated, in chunks. An entry
// whose name holds a CR or LF (made by other means than FTP) is left out:
// it would split into lines that name other entries. With max > 0, an
// entry past the max-th is refused with errListFull.
type lsOut struct {
	w    io.Writer
	line func([]byte, fs.FileInfo) []byte
	buf  []byte
	n    int // entry lines written
	max  int
}

// errListFull is lsOut's error for an entry past its bound.
var errListFull = errors.New("listing bound reached")

// all writes the entries of l, then flushes; it calls each, if not nil,
// with every entry written.
func (o *lsOut) all(l *listing, each func(fs.FileInfo)) error {
	if err := o.entries(l, each); err != nil {
		return err
	}
	return o.flush()
}

// entries writes the entries of l without flushing the last chunk.
func (o *lsOut) entries(l *listing, each func(fs.FileInfo)) error {
	for {
		fi, err := l.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if strings.ContainsAny(fi.Name(), "\r\n") {
			continue
		}
		if o.max > 0 && o.n >= o.max {
			return errListFull
		}
		o.n++
		o.buf = append(o.line(o.buf, fi), '\r', '\n')
		if each != nil {
			each(fi)
		}
		if err := o.flushFull(); err != nil {
			return err
		}
	}
}

// text writes s as it is (a recursive listing's folder header).
func (o *lsOut) text(s string) error {
	o.buf = append(o.buf, s...)
	return o.flushFull()
}

// flushFull writes the chunk if it is full.
func (o *lsOut) flushFull() error {
	if len(o.buf) < 7<<10 {
		return nil
	}
	return o.flush()
}

func (o *lsOut) flush() error {
	if len(o.buf) == 0 {
		return nil
	}
	_, err := o.w.Write(o.buf)
	o.buf = o.buf[:0]
	return err
}

// sixMonths is the age past which `ls -l` shows the year instead of the time.
const sixMonths = 182 * 24 * time.Hour

// appendLsLine formats fi as `ls -l` does, in UTC:
// "-rw-r--r-- 1 ftp ftp 1234 Jan  2 15:04 name", with the year instead of
// the time for dates more than six months old or in the future, and
// " -> text" after a link's name when it may be shown (linkEntry).
func appendLsLine(b []byte, fi fs.FileInfo, now time.Time) []byte {
	mode := lsMode(fi.Mode())
	b = append(b, mode[:]...)
	b = append(b, " 1 ftp ftp "...)
	var num [20]byte // on the stack: a huge listing allocates nothing per line
	size := strconv.AppendInt(num[:0], fi.Size(), 10)
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
	b = append(b, fi.Name()...)
	if le, ok := fi.(linkEntry); ok && le.target != "" {
		b = append(append(b, " -> "...), le.target...)
	}
	return b
}

// lsMode is the ten-character mode column of `ls -l`; a link's is always
// "lrwxrwxrwx", as Linux has it (its own bits mean nothing).
func lsMode(m fs.FileMode) [10]byte {
	var b [10]byte
	switch {
	case m.IsDir():
		b[0] = 'd'
	case m&fs.ModeSymlink != 0:
		return [10]byte([]byte("lrwxrwxrwx"))
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
	return b
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
	link := fi.Mode()&fs.ModeSymlink != 0
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
// A symlink may be deleted and renamed (DELE and RNFR act on the link
// itself, wherever it points), if the user may write.
func (s *Session) perm(fi fs.FileInfo) string {
	switch {
	case fi.Mode()&fs.ModeSymlink != 0 && s.readOnly():
		return ""
	case fi.Mode()&fs.ModeSymlink != 0:
		return "df"
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
