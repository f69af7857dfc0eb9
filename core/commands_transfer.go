package core

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/luaftpd/luaftpd/vfs"
)

// cmdTYPE sets the representation type: A (ASCII, with the format N, or
// T, which RFC 1123 section 4.1.2.2 asks to treat as N on a system that
// makes no difference), I and "L 8" (binary, the default).
func (s *Session) cmdTYPE(r *request) Reply {
	switch strings.Join(strings.Fields(strings.ToUpper(r.arg)), " ") {
	case "A", "A N", "A T":
		s.ascii = true
		return NewReply(200, "Type set to A.")
	case "I", "L 8":
		s.ascii = false
		return NewReply(200, "Type set to I.")
	}
	return NewReply(504, "Type not supported: use A or I.")
}

// cmdSTRU accepts only the file structure: the record and page structures
// of RFC 959 are not offered (504), anything else is no structure (501).
func (s *Session) cmdSTRU(r *request) Reply {
	switch strings.ToUpper(strings.TrimSpace(r.arg)) {
	case "F":
		return NewReply(200, "Structure set to F.")
	case "R", "P":
		return NewReply(504, "Only STRU F is supported.")
	}
	return NewReply(501, "Unknown structure: use STRU F.")
}

// cmdMODE accepts only the stream mode: block, compressed (RFC 959) and
// deflate (MODE Z) are not offered (504), anything else is no mode (501).
func (s *Session) cmdMODE(r *request) Reply {
	switch strings.ToUpper(strings.TrimSpace(r.arg)) {
	case "S":
		return NewReply(200, "Mode set to S.")
	case "B", "C", "Z":
		return NewReply(504, "Only MODE S is supported.")
	}
	return NewReply(501, "Unknown mode: use MODE S.")
}

// cmdREST sets the offset where the next RETR reads or STOR writes from
// (RFC 3659 REST STREAM). It clears a RANG: the later of the two wins.
func (s *Session) cmdREST(r *request) Reply {
	arg := strings.TrimSpace(r.arg)
	n, err := strconv.ParseInt(arg, 10, 64)
	if err != nil || n < 0 || strings.HasPrefix(arg, "+") {
		return NewReply(501, "REST needs a non-negative byte offset.")
	}
	s.restOffset = n
	s.rang = nil
	return NewReply(350, "Restarting at %d. Send STOR or RETR to start the transfer.", n)
}

// takeRest consumes the REST offset: it applies to one transfer only.
func (s *Session) takeRest() int64 {
	n := s.restOffset
	s.restOffset = 0
	return n
}

// cmdABOR runs only when no command is running (the dispatcher cancels a
// running transfer itself): it drops a prepared data channel.
func (s *Session) cmdABOR(r *request) Reply {
	s.data.close()
	return NewReply(226, "No transfer to abort; data channel closed.")
}

// modeName is the TYPE the 150 reply announces.
func (s *Session) modeName() string {
	if s.ascii {
		return "ASCII"
	}
	return "BINARY"
}

// cmdRETR sends a file, from the REST offset if one was given, or the
// RANG range (range.go).
func (s *Session) cmdRETR(r *request) Reply {
	rg := s.takeRang()
	if rep, ok := s.refuseAsciiRange(rg); ok {
		return rep
	}
	offset := s.takeRest()
	if rg != nil {
		offset = rg.start // REST and RANG clear each other
	}
	if rep, ok := s.pathFirst(r, r.path, false); ok {
		return rep
	}
	if rep, ok := s.acquireData(); !ok {
		return rep
	}
	defer s.releaseData()
	f, size, rep, ok := s.openRetr(r, offset, rg)
	if !ok {
		return rep
	}
	defer f.Close()
	var src io.Reader = f
	n := size - offset
	if rg != nil { // only a range costs the wrapper
		n = rg.size()
		src = io.LimitReader(f, n)
	}
	start := time.Now()
	mark := fmt.Sprintf("Opening %s mode data connection for %s (%d bytes).",
		s.modeName(), path.Base(r.path), n)
	if s.ascii { // the file's size is not what TYPE A sends
		mark = fmt.Sprintf("Opening ASCII mode data connection for %s.", path.Base(r.path))
	}
	rep = s.moveData(r, mark, func(conn net.Conn) error {
		var dst io.Writer = conn
		if s.ascii {
			dst = newToNetASCII(conn)
		}
		_, err := s.copyData(dst, src, conn, false)
		return err
	})
	s.logTransfer(r, "download", r.path, start, rep)
	return rep
}

// pathFirst answers a transfer sent before any PASV or PORT with what is
// wrong with its path, if anything, ahead of the 425: ProFTPD, pure-ftpd
// and pyftpdlib answer "RETR missing" with 550 with or without a data
// channel. ok is false when the path would do, or a channel is prepared
// (then the transfer checks the path itself, as it always did).
func (s *Session) pathFirst(r *request, name string, upload bool) (Reply, bool) {
	if s.data.prepared() {
		return Reply{}, false
	}
	var err error
	if upload {
		err = s.checkUploadPath(r.ctx, name)
	} else {
		_, err = s.statFile(r.ctx, name)
	}
	if err != nil {
		return s.fail(err), true
	}
	return Reply{}, false
}

// checkUploadPath is nil when name is not a folder and its folder exists.
func (s *Session) checkUploadPath(ctx context.Context, name string) error {
	if fi, err := s.fs.Stat(ctx, name); err == nil && fi.IsDir() {
		return Errorf(550, "Not a regular file.")
	}
	_, err := s.statDir(ctx, path.Dir(name))
	return err
}

// openRetr opens a regular file and seeks to offset; 550 for a folder, 554
// (RFC 3659 section 5.4: invalid REST parameter) for an offset past the
// end, or a RANG range rg (nil for none) that ends past it.
func (s *Session) openRetr(r *request, offset int64, rg *byteRange) (vfs.File, int64, Reply, bool) {
	f, err := s.fs.Open(r.ctx, r.path)
	if err != nil {
		return nil, 0, s.transferFSReply(err), false
	}
	fi, err := f.Stat()
	switch {
	case err != nil:
		f.Close()
		return nil, 0, s.transferFSReply(err), false
	case !fi.Mode().IsRegular():
		f.Close()
		return nil, 0, NewReply(550, "Not a regular file."), false
	case rg != nil && rg.end > fi.Size():
		f.Close()
		return nil, 0, NewReply(554, "Range %d-%d is past the end of the file (%d bytes).", rg.start, rg.end-1, fi.Size()), false
	case offset > fi.Size():
		f.Close()
		return nil, 0, NewReply(554, "Restart offset %d is past the end of the file.", offset), false
	}
	if offset > 0 {
		if _, err := f.Seek(offset, io.SeekStart); err != nil {
			f.Close()
			return nil, 0, s.transferFSReply(err), false
		}
	}
	return f, fi.Size(), Reply{}, true
}

// cmdSTOR receives a file. Without REST it goes to a temporary upload that
// replaces the file only when complete; after REST it is written in place
// from the offset; after RANG it overwrites the range in place (range.go).
func (s *Session) cmdSTOR(r *request) Reply {
	rg := s.takeRang()
	if rep, ok := s.refuseAsciiRange(rg); ok {
		return rep
	}
	offset := s.takeRest()
	if rg != nil {
		return s.store(r, r.path, "Ok to send data.", s.openRange(rg))
	}
	if offset == 0 {
		return s.store(r, r.path, "Ok to send data.", s.createUpload)
	}
	return s.store(r, r.path, "Ok to send data.", func(r *request, name string) (io.Writer, func(bool) error, Reply, bool) {
		return s.openInPlace(r, name, offset, 554)
	})
}

// cmdAPPE appends to a file in place, creating it if missing.
func (s *Session) cmdAPPE(r *request) Reply {
	if rep, ok := refuseRangeFor("APPE", s.takeRang()); ok {
		return rep
	}
	s.takeRest()
	return s.store(r, r.path, "Ok to send data.", func(r *request, name string) (io.Writer, func(bool) error, Reply, bool) {
		return s.openInPlace(r, name, -1, 502)
	})
}

// cmdSTOU stores under a name no file has yet: r.path (the argument, or
// "ftp" in the current folder) if it is free, else r.path with a number
// added.
func (s *Session) cmdSTOU(r *request) Reply {
	if rep, ok := refuseRangeFor("STOU", s.takeRang()); ok {
		return rep
	}
	s.takeRest()
	name, ok := s.uniqueName(r)
	if !ok {
		return NewReply(550, "Could not find a unique file name.")
	}
	shown := name
	if path.Dir(name) == s.cwd {
		shown = path.Base(name)
	}
	rep := s.store(r, name, "FILE: "+shown, s.createExclusive)
	if rep.Code == 226 {
		rep = NewReply(226, "Transfer complete (unique file name: %s).", shown)
	}
	return rep
}

// uniqueName picks the STOU target. A Stat per candidate leaves a race with
// other sessions, which createExclusive closes where the backend can.
func (s *Session) uniqueName(r *request) (string, bool) {
	base := r.path
	if _, err := s.fs.Stat(r.ctx, base); err != nil && isNotExist(err) {
		return base, true
	}
	for range 100 {
		name := fmt.Sprintf("%s.%d", base, 1+rand.IntN(1_000_000))
		if _, err := s.fs.Stat(r.ctx, name); err != nil && isNotExist(err) {
			return name, true
		}
	}
	return "", false
}

func isNotExist(err error) bool { return err != nil && errors.Is(err, fs.ErrNotExist) }

// opener prepares where an upload's bytes go: the writer, and finish, which
// keeps (true) or discards (false) what was written.
type opener func(r *request, name string) (io.Writer, func(keep bool) error, Reply, bool)

// createUpload is the atomic upload of STOR and STOU.
func (s *Session) createUpload(r *request, name string) (io.Writer, func(bool) error, Reply, bool) {
	up, err := s.fs.Create(r.ctx, name)
	if err != nil {
		return nil, nil, s.transferFSReply(err), false
	}
	return up, func(keep bool) error {
		if keep {
			return up.Commit()
		}
		return up.Abort()
	}, Reply{}, true
}

// createExclusive is the upload of STOU: on a backend with
// vfs.ExclusiveUpload it never replaces a file that took the name while the
// data came (550 then); elsewhere it is createUpload.
func (s *Session) createExclusive(r *request, name string) (io.Writer, func(bool) error, Reply, bool) {
	w, finish, rep, ok := s.createUpload(r, name)
	if ex, isEx := w.(vfs.ExclusiveUpload); ok && isEx {
		finish = func(keep bool) error {
			if keep {
				return ex.CommitExclusive()
			}
			return ex.Abort()
		}
	}
	return w, finish, rep, ok
}

// openInPlace is the in-place write of APPE (offset < 0) and REST+STOR; a
// backend without vfs.WriterAt answers missing with its code. An offset past
// the end of the file is 554, RFC 1123's reply to an invalid REST.
func (s *Session) openInPlace(r *request, name string, offset int64, missing int) (io.Writer, func(bool) error, Reply, bool) {
	wa, ok := s.fs.(vfs.WriterAt)
	if !ok {
		return nil, nil, NewReply(missing, "This storage cannot append or resume uploads."), false
	}
	w, err := wa.OpenWrite(r.ctx, name, offset)
	if err != nil && offset >= 0 && errors.Is(err, fs.ErrInvalid) {
		return nil, nil, NewReply(554, "Invalid restart offset."), false
	}
	if err != nil {
		return nil, nil, s.transferFSReply(err), false
	}
	return w, func(bool) error { return w.Close() }, Reply{}, true
}

// store runs an upload to name through open's writer.
func (s *Session) store(r *request, name, mark string, open opener) Reply {
	if rep, ok := s.pathFirst(r, name, true); ok {
		return rep
	}
	if rep, ok := s.acquireData(); !ok {
		return rep
	}
	defer s.releaseData()
	if fi, err := s.fs.Stat(r.ctx, name); err == nil && fi.IsDir() {
		return NewReply(550, "Not a regular file.")
	}
	w, finish, rep, ok := open(r, name)
	if !ok {
		return rep
	}
	start := time.Now()
	rep = s.moveData(r, mark, func(conn net.Conn) error { return s.receive(w, conn) })
	if err := finish(rep.Code == 226 && r.ctx.Err() == nil); err != nil && rep.Code == 226 {
		rep = s.transferFSReply(err)
	}
	s.logTransfer(r, "upload", name, start, rep)
	return rep
}

// receive copies the data connection into w, converting line ends in
// TYPE A.
func (s *Session) receive(w io.Writer, conn net.Conn) error {
	if !s.ascii {
		_, err := s.copyData(w, conn, conn, true)
		return err
	}
	a := newFromNetASCII(w)
	if _, err := s.copyData(a, conn, conn, true); err != nil {
		return err
	}
	if err := a.Flush(); err != nil {
		return &copyError{local: true, err: err}
	}
	return nil
}
