package core

import (
	"bufio"
	"context"
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// copyBufSize is the buffer of the copy loop where no faster path applies
// (TLS, TYPE A downloads).
const copyBufSize = 32 << 10

// dataStallTimeout ends a transfer during which nothing moves for this long
// (a client that connects and never sends) with 426, since the session's
// idle timeout does not run during a transfer. vsftpd's
// data_connection_timeout is the same bound with the same default.
var dataStallTimeout = 5 * time.Minute

// A download from a file to a plain connection runs sendLoop: it reads and
// writes sendChunkMin at a time for the first sendChunkMax bytes, then
// doubles the size after each write the client took in under
// sendGrowBelow, up to sendChunkMax, and halves it after one that took
// longer than sendShrinkAbove. On loopback a 4 MiB
// loop fed every client tried at least as fast as the 256 KiB one, and
// ftpbench's 256 KiB reads and lftp 30-60 % faster, at less server CPU per
// GiB (README, "Downloads: the buffer size"); a slow client keeps writes
// short, so STAT's byte count and the stall timeout see it move. At most
// maxBigSendBufs downloads hold a 4 MiB buffer at once (64 MiB); the others
// stay at 256 KiB.
const (
	sendChunkMin    = 256 << 10
	sendChunkMax    = 4 << 20
	sendGrowBelow   = 20 * time.Millisecond
	sendShrinkAbove = 200 * time.Millisecond
	maxBigSendBufs  = 16
)

// An upload from a plain connection reads up to recvBufSize at a time and
// asks the kernel (SO_RCVLOWAT) not to wake it before recvLowat bytes are
// waiting, so it sleeps and wakes once per 256 KiB rather than per segment
// burst. Against splice (socket to pipe to file) this cost 15-25 % less CPU
// per GiB and ran 25-55 % faster in transfer_bench_test.go, with clients
// writing 64 KiB (curl) or 256 KiB at a time; reading by blocking reads
// outside the runtime's poller (detachConn) took some 10 % more off the CPU
// of a whole upload. A slow client never waits on the mark: a read that
// has waited recvLowatWait takes whatever has come.
//
// An upload reads through the poller until recvDetachAfter bytes have come,
// and only then detaches: taking the socket out of the poller costs six
// system calls, and a blocking read parks a thread, which the runtime must
// hand its P back from; for a small file that costs more than the few
// wakeups it saves (50 clients each storing and fetching 1 MiB files: a
// quarter fewer context switches per round, README "Many small transfers").
const (
	recvBufSize     = 1 << 20
	recvLowat       = 256 << 10
	recvLowatWait   = 50 * time.Millisecond
	recvDetachAfter = 4 << 20
)

var (
	copyBufs = sync.Pool{New: func() any { b := make([]byte, copyBufSize); return &b }}
	sendBufs = sync.Pool{New: func() any { b := make([]byte, sendChunkMin); return &b }}
	bigBufs  = sync.Pool{New: func() any { b := make([]byte, sendChunkMax); return &b }}
	recvBufs = sync.Pool{New: func() any { b := make([]byte, recvBufSize); return &b }}
)

// copyError tells which side of a copy failed: the data connection or the
// file. The first is the client's doing (426), the second ours (451).
type copyError struct {
	local bool // the file side failed
	err   error
}

func (e *copyError) Error() string { return e.err.Error() }
func (e *copyError) Unwrap() error { return e.err }

// copyData moves src to dst, adding what it moves to the session's byte
// counter (STAT). conn is the data connection (for its stall deadline) and
// netToLocal says which side is the file, to blame errors.
//
// The data path is chosen by measurement (transfer_bench_test.go and the
// README's Benchmarks): an upload from a plain connection (TYPE A too,
// converted on the way) runs recvLoop, a download to a plain connection
// sendLoop (a read/write loop of 256 KiB to 4 MiB); they beat splice and
// sendfile on loopback at less or the same CPU per byte. Everywhere else (TLS, TYPE A downloads) a loop
// over one pooled 32 KiB buffer runs.
func (s *Session) copyData(dst io.Writer, src io.Reader, conn net.Conn, netToLocal bool) (int64, error) {
	switch c := src.(type) {
	case *net.TCPConn:
		return s.recvLoop(dst, c)
	case *tlsData:
		return s.tlsRecvLoop(dst, c)
	}
	switch c := dst.(type) {
	case *net.TCPConn:
		return s.sendLoop(c, src)
	case *tlsData:
		return s.tlsSendLoop(c, src)
	}
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	return s.copyLoop(dst, src, conn, netToLocal, *bp)
}

// detachUploads lets tests run recvLoop through the poller, as where
// detachConn is not available.
var detachUploads = true

// detachAfter is recvDetachAfter; tests lower it to detach at once.
var detachAfter int64 = recvDetachAfter

// maxDetached bounds the uploads read by blocking reads at once: each holds
// a thread of its own while it runs, and past the runtime's thread limit
// (10 000) the process dies. Uploads past the bound read through the
// poller.
var maxDetached int64 = 256

// detached counts the uploads reading by blocking reads now.
var detached atomic.Int64

// uploadsDetached counts the uploads that ever detached their socket (for
// tests).
var uploadsDetached atomic.Int64

// errRecvWait is a read of recvLoop that waited recvLowatWait for less
// than recvLowat bytes: the next one takes what has come.
var errRecvWait = errors.New("no data yet")

// recvLoop copies a plain data connection into dst, recvBufSize at a time
// with SO_RCVLOWAT set (see recvLowat), through the poller for the first
// recvDetachAfter bytes, then by blocking reads of the socket taken out of
// the runtime's poller (detachConn) where it can. Its reads wait
// recvLowatWait at most, so it keeps the stall deadline itself, and sees an
// abort (moveData) within that time.
func (s *Session) recvLoop(dst io.Writer, conn *net.TCPConn) (int64, error) {
	bp := recvBufs.Get().(*[]byte)
	defer recvBufs.Put(bp)
	r := newRecvReader(conn)
	defer r.done()
	buf := *bp
	var n int64
	last := time.Now()
	for {
		if s.data.aborted() {
			return n, &copyError{local: false, err: net.ErrClosed}
		}
		nr, rerr := r.read(buf, n)
		if nr > 0 {
			last = time.Now()
			nw, werr := s.writeCounted(dst, buf[:nr])
			n += int64(nw)
			if werr != nil {
				return n, &copyError{local: true, err: werr}
			}
		}
		switch {
		case rerr == nil:
		case rerr == io.EOF:
			return n, nil
		case rerr == errRecvWait && (dataStallTimeout <= 0 || time.Since(last) < dataStallTimeout):
		case rerr == errRecvWait:
			return n, &copyError{local: false, err: os.ErrDeadlineExceeded}
		default:
			return n, &copyError{local: false, err: rerr}
		}
	}
}

// recvReader is the read side of recvLoop: the connection through the
// poller, until the upload has moved recvDetachAfter bytes and the socket
// is detached.
type recvReader struct {
	conn  *net.TCPConn
	fd    int  // the detached socket, or -1
	tried bool // detaching was tried (once per upload)
}

func newRecvReader(conn *net.TCPConn) *recvReader {
	setRcvLowat(conn, recvLowat)
	return &recvReader{conn: conn, fd: -1}
}

// read reads the next bytes into b; moved is what the upload has moved so
// far.
func (r *recvReader) read(b []byte, moved int64) (int, error) {
	if !r.tried && detachUploads && moved >= detachAfter {
		r.tried = true
		if fd, ok := detachBounded(r.conn); ok {
			r.fd = fd
		}
	}
	if r.fd >= 0 {
		return readDetached(r.fd, b)
	}
	return pollRead(r.conn, b)
}

// done gives back what read took.
func (r *recvReader) done() {
	if r.fd >= 0 {
		closeDetached(r.fd)
		detached.Add(-1)
	}
}

// detachBounded is detachConn, while fewer than maxDetached uploads are
// detached; the caller gives the place back (detached) when it is done.
func detachBounded(conn *net.TCPConn) (int, bool) {
	if detached.Add(1) > maxDetached {
		detached.Add(-1)
		return -1, false
	}
	fd, ok := detachConn(conn, recvLowat, recvLowatWait)
	if !ok {
		detached.Add(-1)
		return fd, false
	}
	uploadsDetached.Add(1)
	return fd, ok
}

// pollRead is a read of recvLoop through the poller.
func pollRead(conn *net.TCPConn, b []byte) (int, error) {
	conn.SetReadDeadline(time.Now().Add(recvLowatWait))
	n, err := conn.Read(b)
	if n == 0 && errors.Is(err, os.ErrDeadlineExceeded) {
		return 0, errRecvWait
	}
	return n, err
}

// copyLoop is the read/write loop over buf; it counts every write, so
// STAT is exact.
func (s *Session) copyLoop(dst io.Writer, src io.Reader, conn net.Conn, netToLocal bool, buf []byte) (int64, error) {
	var n int64
	stall := s.newStallClock(conn)
	for {
		nr, rerr := src.Read(buf)
		if nr > 0 {
			nw, werr := s.writeCounted(dst, buf[:nr])
			n += int64(nw)
			if werr != nil {
				return n, &copyError{local: netToLocal, err: werr}
			}
			stall.moved()
		}
		if rerr == io.EOF {
			return n, nil
		}
		if rerr != nil {
			return n, &copyError{local: !netToLocal, err: rerr}
		}
	}
}

// writeCounted writes p to dst whole, adding what it wrote to the
// session's byte counter (STAT) at once.
func (s *Session) writeCounted(dst io.Writer, p []byte) (int, error) {
	nw, err := dst.Write(p)
	s.data.bytes.Add(int64(nw))
	if err == nil && nw < len(p) {
		err = io.ErrShortWrite
	}
	return nw, err
}

// renewStall gives the data connection dataStallTimeout to move the next
// bytes.
func (s *Session) renewStall(conn net.Conn) {
	if conn != nil && dataStallTimeout > 0 {
		conn.SetDeadline(time.Now().Add(dataStallTimeout))
	}
}

// stallClock renews a data connection's stall deadline as bytes move, a
// quarter of dataStallTimeout apart at most often: the timeout bounds a
// pause, however slowly a steady client reads the whole transfer.
type stallClock struct {
	s       *Session
	conn    net.Conn
	renewed time.Time
}

// newStallClock arms conn's stall deadline.
func (s *Session) newStallClock(conn net.Conn) stallClock {
	s.renewStall(conn)
	return stallClock{s: s, conn: conn, renewed: time.Now()}
}

// moved is called after bytes moved.
func (c *stallClock) moved() {
	if now := time.Now(); now.Sub(c.renewed) >= dataStallTimeout/4 {
		c.s.renewStall(c.conn)
		c.renewed = now
	}
}

// acquireData checks that a transfer may start now and marks it running:
// a data channel was prepared, it will be protected if the server requires
// it, and no other transfer runs. The caller calls releaseData when ok.
func (s *Session) acquireData() (Reply, bool) {
	if !s.data.prepared() {
		return NewReply(425, "Use PORT, EPRT, PASV or EPSV first."), false
	}
	if s.srv != nil && s.srv.RequireTLS && !s.protPrivate {
		return NewReply(521, "Data connections must be protected: use PROT P."), false
	}
	// Under mu with the check of eof: drainAfterEOF either sees this
	// transfer running, and aborts it, or keeps it from starting.
	s.mu.Lock()
	eof := s.eof
	started := !eof && s.data.start()
	s.mu.Unlock()
	if eof {
		return NewReply(425, "Control connection closed; no transfer."), false
	}
	if !started {
		return NewReply(425, "Another transfer is in progress."), false
	}
	s.data.bytes.Store(0)
	return Reply{}, true
}

func (s *Session) releaseData() { s.data.end() }

// moveData replies 150 with mark, connects the data channel, runs move on
// it and closes it. It returns 226, 425 when no connection came, 426 when
// the connection broke or the request was cancelled (ABOR), or 451 when
// the file side failed; a move that returns an *Error (Errorf) has sent
// what it had and gets that reply instead of 226 (a listing cut at its
// bound: 451). Cancelling r.ctx closes the connection at once so a blocked
// read or write returns.
func (s *Session) moveData(r *request, mark string, move func(conn net.Conn) error) Reply {
	if err := s.reply(NewReply(150, "%s", mark)); err != nil {
		return NewReply(426, "Connection closed; transfer aborted.")
	}
	conn, err := s.openData(r.ctx)
	if err != nil {
		if r.ctx.Err() != nil {
			return NewReply(426, "Connection closed; transfer aborted.")
		}
		s.log.Info("data connection failed", "cmd", r.verb, "err", err)
		return NewReply(425, "Can't open data connection.")
	}
	s.renewStall(conn) // a listing's client that never reads is bounded too
	stop := context.AfterFunc(r.ctx, func() {
		s.data.abort() // for recvLoop, which may not read conn
		conn.Close()
	})
	err = move(conn)
	stop()
	conn.Close()
	var ce *copyError
	var final *Error
	switch {
	case r.ctx.Err() != nil:
		return NewReply(426, "Connection closed; transfer aborted.")
	case errors.As(err, &final): // the data went out whole: answer this
		return NewReply(final.Code, "%s", final.Msg)
	case errors.As(err, &ce) && ce.local:
		s.log.Error("transfer failed", "cmd", r.verb, "path", r.path, "err", err)
		if rep, ok := storageFull(err); ok {
			return rep
		}
		return NewReply(451, "Requested action aborted: local error in processing.")
	case err != nil:
		s.log.Info("data connection broken", "cmd", r.verb, "err", err)
		return NewReply(426, "Connection closed; transfer aborted.")
	}
	return NewReply(226, "Transfer complete.")
}

// logTransfer writes the transfer's log line and fires its script event
// ("upload" or "download"; "" for none).
func (s *Session) logTransfer(r *request, event, name string, start time.Time, rep Reply) {
	n := s.data.transferred()
	r.moved = n
	ok := rep.Code == 226
	s.log.Info("transfer", "cmd", r.verb, "path", name, "bytes", n,
		"seconds", time.Since(start).Seconds(), "ok", ok, "code", rep.Code)
	if event != "" {
		s.fireEvent(event, &Event{Command: r.verb, Arg: r.arg, Path: name, Bytes: n, OK: ok})
	}
}

// transferFSReply maps a vfs error of a transfer command to its reply: an
// offset past the end of the file (REST) is a 550 here, the rest is the
// dispatcher's usual mapping.
func (s *Session) transferFSReply(err error) Reply {
	if errors.Is(err, fs.ErrInvalid) {
		return NewReply(550, "Invalid restart offset.")
	}
	return s.fail(err)
}

// sendData opens the data connection the client prepared, replies 150,
// calls produce with the connection, closes it and returns 226 (or 425 when
// no connection could be made, 426 when it broke or r.ctx was cancelled).
// Listings use it; produce writes CRLF line ends itself. A listing is a
// transfer too: it uses up a REST offset or RANG range, which must not
// reach the next RETR or STOR (RFC 3659 section 5.3: REST applies to the
// transfer right after it).
func (s *Session) sendData(r *request, produce func(w io.Writer) error) Reply {
	s.takeRest()
	s.takeRang()
	if rep, ok := s.acquireData(); !ok {
		return rep
	}
	defer s.releaseData()
	start := time.Now()
	rep := s.moveData(r, "Opening data connection.", func(conn net.Conn) error {
		// Listings write line by line: buffer them into few segments.
		bw := bufio.NewWriterSize(&countWriter{w: conn, n: &s.data.bytes, stall: s.newStallClock(conn)}, copyBufSize)
		err := produce(bw)
		var final *Error
		if err != nil && !errors.As(err, &final) {
			return err
		}
		if ferr := bw.Flush(); ferr != nil {
			return ferr
		}
		return err // nil, or the *Error to answer once every byte is out
	})
	s.logTransfer(r, "", r.path, start, rep)
	return rep
}

// SendData is sendData for scripts (ev:send): it writes the final reply
// itself too, and returns an error when the transfer failed.
func (s *Session) SendData(ctx context.Context, data []byte) error {
	r := &request{ctx: ctx, verb: "SEND"}
	rep := s.sendData(r, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
	if err := s.reply(rep); err != nil {
		return err
	}
	if rep.Code >= 400 {
		return Errorf(rep.Code, "%s", rep.Message())
	}
	return nil
}

// countWriter counts what reaches the data connection for STAT, and
// renews its stall deadline.
type countWriter struct {
	w     io.Writer
	n     interface{ Add(int64) int64 }
	stall stallClock
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n.Add(int64(n))
	if n > 0 {
		c.stall.moved()
	}
	return n, err
}
