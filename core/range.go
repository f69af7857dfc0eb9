package core

import (
	"errors"
	"io"
	"io/fs"

	"github.com/luaftpd/luaftpd/vfs"
)

// RANG (draft-bryan-ftp-range, FEAT "RANG STREAM") selects the bytes START
// to END, both included, of the file the next RETR, STOR or HASH names.
// What this server does with it, after the draft and ProFTPD 1.3.8:
//
//   - The range is consumed by the next transfer command (RETR, STOR, APPE,
//     STOU, a listing) or HASH, whether that succeeds or is refused, so a
//     range never reaches a later command; REIN and "RANG 1 0" clear it.
//   - REST and RANG are alternatives, as in ProFTPD: each clears the other,
//     the later one wins. The draft says nothing of both at once.
//   - Ranges are offsets into the stored file: RANG in TYPE A is refused
//     (551, the draft's reply), and so is a ranged RETR or STOR after a
//     TYPE A that came after the RANG. HASH takes a range in either type.
//   - RETR sends END-START+1 bytes from START. A range that does not lie
//     inside the file is 554, as ProFTPD answers when START > 0 (the draft
//     would send what there is, and ProFTPD does for START 0): a short or
//     empty download with 226 would look complete to the client.
//   - STOR writes what comes at START, in place, never cutting the file:
//     bytes outside the range stay as they were and the file grows only if
//     END is past its end. START past the end is 554. The upload ends, as
//     any in stream mode, when the client closes the data connection; it
//     must carry the range exactly (the draft leaves other lengths
//     undefined, ProFTPD fails them): fewer bytes is 426, those that came
//     written; more is 552, the range written and the bytes past END read
//     and dropped, never written. A backend that cannot write in place
//     answers 504.
//   - APPE and STOU refuse a range (550, as ProFTPD; 553 for STOU, as all
//     its refusals): the draft does not recommend them, and STOU's range
//     has no meaning.

// byteRange is a part of a file: from start up to, not including, end.
// The session's rang holds RANG's START and END+1, as RANG's END is
// included.
type byteRange struct{ start, end int64 }

// size is the number of bytes in the range.
func (b byteRange) size() int64 { return b.end - b.start }

// cmdRANG keeps the range the next transfer or HASH covers; see above.
// As the draft has it, only a bad argument (501) or TYPE A (551) is an
// error here: a range the file cannot satisfy is refused by the command
// that uses it.
func (s *Session) cmdRANG(r *request) Reply {
	s.rang = nil
	start, end, ok := parseRange(r.arg)
	switch {
	case !ok:
		return NewReply(501, "Syntax: RANG <start> <end>, decimal byte offsets.")
	case start == 1 && end == 0:
		return NewReply(350, "Range reset: the next transfer covers the whole file.")
	case start > end:
		return NewReply(501, "RANG start %d is past its end %d; range reset.", start, end)
	case s.ascii:
		return NewReply(551, "RANG needs TYPE I: offsets are into the stored file.")
	}
	s.rang = &byteRange{start, end + 1}
	s.restOffset = 0 // the later of REST and RANG wins
	return NewReply(350, "Restarting at %d. Ending byte %d.", start, end)
}

// takeRang consumes the RANG range, nil if none: it applies to one command
// only, whatever that command's outcome.
func (s *Session) takeRang() *byteRange {
	rg := s.rang
	s.rang = nil
	return rg
}

// refuseAsciiRange refuses a ranged RETR or STOR under TYPE A, set after
// the RANG: line-end conversion would move every offset.
func (s *Session) refuseAsciiRange(rg *byteRange) (Reply, bool) {
	if rg == nil || !s.ascii {
		return Reply{}, false
	}
	return NewReply(551, "A byte range needs TYPE I; range reset."), true
}

// refuseRangeFor refuses APPE and STOU after RANG.
func refuseRangeFor(verb string, rg *byteRange) (Reply, bool) {
	if rg == nil {
		return Reply{}, false
	}
	return NewReply(550, "%s cannot take a byte range (RANG); range reset.", verb), true
}

// openRange is the writer of STOR after RANG: OpenPatch at the range's
// start, limited to the range's size. Its finish reports an upload that
// was not the range's size (426 short, 552 long).
func (s *Session) openRange(rg *byteRange) opener {
	return func(r *request, name string) (io.Writer, func(bool) error, Reply, bool) {
		p, ok := s.fs.(vfs.Patcher)
		if !ok {
			return nil, nil, NewReply(504, "This storage cannot write byte ranges."), false
		}
		w, err := p.OpenPatch(r.ctx, name, rg.start)
		if errors.Is(err, fs.ErrInvalid) {
			return nil, nil, NewReply(554, "Range start %d is past the end of the file.", rg.start), false
		}
		if err != nil {
			return nil, nil, s.transferFSReply(err), false
		}
		rw := &rangeWriter{w: w, left: rg.size()}
		return rw, func(keep bool) error {
			err := w.Close()
			switch {
			case err != nil || !keep:
			case rw.left > 0:
				return Errorf(426, "Range not complete: %d of %d bytes came; they are written.", rg.size()-rw.left, rg.size())
			case rw.extra > 0:
				return Errorf(552, "Range of %d bytes written; %d more came and were dropped.", rg.size(), rw.extra)
			}
			return err
		}, Reply{}, true
	}
}

// rangeWriter passes on the first left bytes written to it and counts,
// and drops, the rest. Only a ranged upload goes through it: the copy
// loops check nothing per chunk for a range.
type rangeWriter struct {
	w     io.Writer
	left  int64
	extra int64 // bytes past the range
}

func (w *rangeWriter) Write(p []byte) (int, error) {
	if int64(len(p)) <= w.left {
		n, err := w.w.Write(p)
		w.left -= int64(n)
		return n, err
	}
	n, err := w.w.Write(p[:w.left])
	w.left -= int64(n)
	if err != nil {
		return n, err
	}
	w.extra += int64(len(p) - n)
	return len(p), nil
}
