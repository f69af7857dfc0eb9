package core

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"strconv"
	"strings"
	"time"

	"github.com/luaftpd/luaftpd/vfs"
)

// mdtmLayout is the time format of MDTM, MFMT and MLSx (always UTC).
const mdtmLayout = "20060102150405"

// cmdDELE removes a file, or a symlink itself (never what it points to,
// so even a link that leads out of the root can be removed): Remove acts
// on the name without following it, which a Stat first would.
func (s *Session) cmdDELE(r *request) Reply {
	if err := s.fs.Remove(r.ctx, r.path); err != nil {
		if errors.Is(err, vfs.ErrIsDir) {
			return NewReply(550, "Is a directory: use RMD.")
		}
		return s.fail(err)
	}
	return NewReply(250, "File deleted.")
}

// cmdRNFR checks that the name exists, as a name: a symlink is renamed
// itself, so one that points out of the root can be renamed too.
func (s *Session) cmdRNFR(r *request) Reply {
	if _, err := s.lstat(r.ctx, r.path); err != nil {
		return s.fail(err)
	}
	if r.path == "/" {
		return NewReply(550, "Cannot rename the root folder.")
	}
	s.renameFrom = r.path
	return NewReply(350, "Ready for RNTO.")
}

func (s *Session) cmdRNTO(r *request) Reply {
	from := s.renameFrom
	s.renameFrom = ""
	if from == "" {
		return NewReply(503, "Bad sequence of commands: send RNFR first.")
	}
	rn, ok := s.fs.(vfs.Renamer)
	if !ok {
		return NewReply(502, "Rename not supported by this server's storage.")
	}
	if r.path == "/" || isUnder(r.path, from) {
		return NewReply(553, "Cannot move a folder into itself.")
	}
	if err := rn.Rename(r.ctx, from, r.path); err != nil {
		return s.fail(err)
	}
	return NewReply(250, "Rename successful.")
}

// lstat describes p without following a final symlink when the storage
// has symlinks; Stat otherwise.
func (s *Session) lstat(ctx context.Context, p string) (fs.FileInfo, error) {
	if l, ok := s.fs.(vfs.Lstater); ok {
		return l.Lstat(ctx, p)
	}
	return s.fs.Stat(ctx, p)
}

func (s *Session) cmdSMNT(r *request) Reply {
	return NewReply(502, "SMNT not implemented.")
}

// cmdALLO needs no storage reserved, but checks the RFC 959 syntax:
// "ALLO <size> [R <record size>]", both decimal.
func (s *Session) cmdALLO(r *request) Reply {
	f := strings.Fields(r.arg)
	ok := (len(f) == 1 || len(f) == 3 && strings.EqualFold(f[1], "R") && isDecimal(f[2])) &&
		isDecimal(f[0])
	if !ok {
		return NewReply(501, "Syntax: ALLO <size> [R <record size>]")
	}
	return NewReply(202, "No storage allocation necessary.")
}

// statFile is Stat that insists on a regular file.
func (s *Session) statFile(ctx context.Context, p string) (fs.FileInfo, error) {
	fi, err := s.fs.Stat(ctx, p)
	if err == nil && !fi.Mode().IsRegular() {
		err = Errorf(550, "Not a regular file.")
	}
	return fi, err
}

// asciiSizeLimit is the largest file whose SIZE is given in TYPE A: that
// size needs a read of the whole file to count its line ends.
const asciiSizeLimit = 8 << 20

// cmdSIZE gives the number of bytes a RETR would send in the current TYPE
// (RFC 3659 section 4): in TYPE A, one more per line end, since each LF goes
// out as CRLF. Past asciiSizeLimit that is refused rather than computed.
func (s *Session) cmdSIZE(r *request) Reply {
	fi, err := s.statFile(r.ctx, r.path)
	if err != nil {
		return s.fail(err)
	}
	if !s.ascii {
		return NewReply(213, "%d", fi.Size())
	}
	if fi.Size() > asciiSizeLimit {
		return NewReply(550, "SIZE not allowed in ASCII mode for files over %d MiB.", asciiSizeLimit>>20)
	}
	n, err := s.countLF(r.ctx, r.path)
	if err != nil {
		return s.fail(err)
	}
	return NewReply(213, "%d", fi.Size()+n)
}

// countLF counts the line feeds of a file; ABOR (ctx) stops it.
func (s *Session) countLF(ctx context.Context, p string) (int64, error) {
	f, err := s.fs.Open(ctx, p)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	buf := make([]byte, 32<<10)
	var n int64
	src := ctxReader{ctx, f}
	for {
		k, err := src.Read(buf)
		n += int64(bytes.Count(buf[:k], []byte{'\n'}))
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return 0, err
		}
	}
}

func (s *Session) cmdMDTM(r *request) Reply {
	fi, err := s.statFile(r.ctx, r.path)
	if err != nil {
		return s.fail(err)
	}
	return NewReply(213, "%s", fi.ModTime().UTC().Format(mdtmLayout))
}

// cmdMFMT sets the modification time of a file or a folder (as ProFTPD and
// pure-ftpd do; mirroring clients set folders' times too):
// "MFMT YYYYMMDDHHMMSS path", the path being r.path.
func (s *Session) cmdMFMT(r *request) Reply {
	stamp, _, _ := strings.Cut(r.arg, " ")
	t, err := time.Parse(mdtmLayout, stamp)
	if err != nil || r.path == "" {
		return NewReply(501, "Syntax: MFMT YYYYMMDDHHMMSS <path>")
	}
	if rep, ok := s.setModTime(r, "MFMT", t); !ok {
		return rep
	}
	return NewReply(213, "Modify=%s; %s", stamp, r.path)
}

// setModTime sets the modification time of r.path for verb (MFMT, MFF,
// SITE UTIME): 502 where the storage keeps no times, the storage's refusal
// as its reply.
func (s *Session) setModTime(r *request, verb string, t time.Time) (Reply, bool) {
	ct, ok := s.fs.(vfs.Chtimeser)
	if !ok {
		return NewReply(502, "%s not supported by this server's storage.", verb), false
	}
	if err := ct.Chtimes(r.ctx, r.path, t); err != nil {
		return s.fail(err), false
	}
	return Reply{}, true
}

// mffSyntax is MFF's reply to a malformed argument.
var mffSyntax = NewReply(501, "Syntax: MFF <fact>=<value>;... <path>")

// mffChange is what one MFF asks to change.
type mffChange struct {
	mtime   time.Time
	mode    fs.FileMode
	setTime bool
	setMode bool
}

// cmdMFF sets facts of a file or folder (draft-somers-ftp-mfxx, as
// ProFTPD's mod_facts): "MFF modify=YYYYMMDDHHMMSS;unix.mode=0644; path".
// Every fact is checked before anything changes; the reply repeats them.
func (s *Session) cmdMFF(r *request) Reply {
	facts, _, _ := strings.Cut(r.arg, " ")
	ch, rep, ok := s.parseMFF(facts)
	if !ok {
		return rep
	}
	if r.path == "" {
		return mffSyntax
	}
	if ch.setTime {
		if rep, ok := s.setModTime(r, "MFF", ch.mtime); !ok {
			return rep
		}
	}
	if ch.setMode {
		if err := s.fs.(vfs.Chmoder).Chmod(r.ctx, r.path, ch.mode); err != nil {
			return s.fail(err)
		}
	}
	return NewReply(213, "%s %s", facts, r.path)
}

// parseMFF reads "fact=value;..." into a change, or the reply that refuses
// it: 501 for a malformed list or value, 504 for a fact that cannot be set
// here.
func (s *Session) parseMFF(facts string) (mffChange, Reply, bool) {
	var ch mffChange
	list := strings.TrimSuffix(facts, ";")
	if list == "" || !strings.HasSuffix(facts, ";") {
		return ch, mffSyntax, false
	}
	_, canTime := s.fs.(vfs.Chtimeser)
	_, canMode := s.fs.(vfs.Chmoder)
	for _, f := range strings.Split(list, ";") {
		name, val, ok := strings.Cut(f, "=")
		if !ok || name == "" {
			return ch, mffSyntax, false
		}
		switch {
		case strings.EqualFold(name, "modify") && canTime:
			t, err := time.Parse(mdtmLayout, val)
			if err != nil {
				return ch, mffSyntax, false
			}
			ch.mtime, ch.setTime = t, true
		case strings.EqualFold(name, "unix.mode") && canMode:
			m, err := strconv.ParseUint(val, 8, 32)
			if err != nil || m > 0o777 {
				return ch, mffSyntax, false
			}
			ch.mode, ch.setMode = fs.FileMode(m), true
		default:
			return ch, NewReply(504, "Cannot modify fact %s.", name), false
		}
	}
	return ch, Reply{}, true
}
