package core

import (
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"hash"
	"hash/crc32"
	"io"
	"strconv"
	"strings"
)

// hashAlgos are the algorithms of HASH (draft-bryan-ftpext-hash), the
// first the default.
var hashAlgos = []struct {
	name string
	new  func() hash.Hash
}{
	{"SHA-256", sha256.New},
	{"SHA-1", sha1.New},
	{"MD5", md5.New},
	{"CRC32", func() hash.Hash { return crc32.NewIEEE() }},
	{"SHA-512", sha512.New},
}

// cmdHASH answers "213 ALGO START-END HEX PATH". The whole file is
// reported as 0-SIZE, as ProFTPD and FileZilla Server do; a RANG before it
// selects a part, reported with the inclusive end RANG takes.
func (s *Session) cmdHASH(r *request) Reply {
	rg := s.takeRang()
	a := hashAlgos[s.hashAlgo]
	fi, err := s.statFile(r.ctx, r.path)
	if err != nil {
		if fi != nil && fi.IsDir() { // the draft's code for a folder
			return NewReply(553, "HASH of a folder is not defined.")
		}
		return s.fail(err)
	}
	part := byteRange{0, fi.Size()}
	if rg != nil {
		if rg.start >= fi.Size() {
			return NewReply(501, "RANG starts at %d, past the end of the file (%d bytes).", rg.start, fi.Size())
		}
		part = byteRange{rg.start, min(rg.end, fi.Size())}
	}
	sum, err := s.hashPart(r.ctx, r.path, a.new(), part)
	if err != nil {
		return s.fail(err)
	}
	end := part.end
	if rg != nil {
		end-- // RANG's end is inclusive
	}
	return NewReply(213, "%s %d-%d %s %s", a.name, part.start, end, sum, r.path)
}

func (s *Session) cmdXCRC(r *request) Reply    { return s.xhash(r, crc32.NewIEEE()) }
func (s *Session) cmdXMD5(r *request) Reply    { return s.xhash(r, md5.New()) }
func (s *Session) cmdXSHA1(r *request) Reply   { return s.xhash(r, sha1.New()) }
func (s *Session) cmdXSHA256(r *request) Reply { return s.xhash(r, sha256.New()) }
func (s *Session) cmdXSHA512(r *request) Reply { return s.xhash(r, sha512.New()) }

// xhash answers XCRC, XMD5, XSHA1 (and XSHA), XSHA256 and XSHA512 with the digest of the whole
// file, or of the bytes START up to, not including, END with the form
// `XCRC "name" START END` (as ProFTPD and CuteFTP have it; see hashArg for
// unquoted names). A lone number after a quoted name is refused: servers
// disagree on whether it is a start or an end.
func (s *Session) xhash(r *request, h hash.Hash) Reply {
	_, rest := hashArg(r.arg)
	fi, err := s.statFile(r.ctx, r.path)
	if err != nil {
		return s.fail(err)
	}
	part := byteRange{0, fi.Size()}
	if rest != "" {
		start, end, ok := parseRange(rest)
		switch {
		case !ok:
			return NewReply(501, "Syntax: %s \"<path>\" <start> <end>", r.verb)
		case start >= end:
			return NewReply(501, "%s needs an end (%d) past its start (%d).", r.verb, end, start)
		case end > fi.Size():
			return NewReply(501, "%s: the end (%d) is past the end of the file (%d bytes).", r.verb, end, fi.Size())
		}
		part = byteRange{start, end}
	}
	sum, err := s.hashPart(r.ctx, r.path, h, part)
	if err != nil {
		return s.fail(err)
	}
	if _, ok := h.(hash.Hash32); ok {
		sum = strings.ToUpper(sum)
	}
	return NewReply(250, "%s", sum)
}

// hashArg splits the argument of XCRC and kin into the name and what
// follows it: `"name" rest`, or `name START END` when the last two words of
// an unquoted argument are numbers (ProFTPD splits on spaces, and clients
// such as lftp's quote drop the quotes). Otherwise the whole argument is
// the name, spaces included.
func hashArg(arg string) (name, rest string) {
	if name, rest, quoted := quotedName(arg); quoted {
		return name, rest
	}
	head, end := lastWord(arg)
	head, start := lastWord(head)
	if head == "" || !isDecimal(start) || !isDecimal(end) {
		return arg, ""
	}
	return head, start + " " + end
}

// lastWord splits s at its last space: what comes before (spaces
// trimmed) and the last word.
func lastWord(s string) (head, word string) {
	s = strings.TrimRight(s, " ")
	i := strings.LastIndexByte(s, ' ')
	if i < 0 {
		return "", s
	}
	return strings.TrimRight(s[:i], " "), s[i+1:]
}

// parseRange reads "START END", two decimal numbers of at most 18 digits
// (no sign), so that END+1 never overflows.
func parseRange(arg string) (start, end int64, ok bool) {
	f := strings.Fields(arg)
	if len(f) != 2 {
		return 0, 0, false
	}
	nums := [2]int64{}
	for i, s := range f {
		if len(s) > 18 || !isDecimal(s) {
			return 0, 0, false
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, 0, false
		}
		nums[i] = n
	}
	return nums[0], nums[1], true
}

// hashPart hashes the bytes part of the regular file p; ABOR (ctx) stops
// it. A file that shrank meanwhile hashes what is left of the part.
func (s *Session) hashPart(ctx context.Context, p string, h hash.Hash, part byteRange) (string, error) {
	f, err := s.fs.Open(ctx, p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if part.start > 0 {
		if _, err := f.Seek(part.start, io.SeekStart); err != nil {
			return "", err
		}
	}
	src := io.LimitReader(ctxReader{ctx, f}, part.size())
	if _, err := io.CopyBuffer(h, src, make([]byte, 32<<10)); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// ctxReader stops reading once ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
