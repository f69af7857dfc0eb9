package core

import (
	"errors"
	"io"
	"net"
	"os"
	"sync/atomic"
	"time"
)

// bigSendBufs counts the downloads holding a buffer of bigBufs now.
var bigSendBufs atomic.Int64

// maxBigSend bounds bigSendBufs (maxBigSendBufs; tests lower it).
var maxBigSend int64 = maxBigSendBufs

// sendLoop copies a file to a plain data connection, in chunks that grow
// while the client takes them quickly (see sendChunkMin); it counts every
// write, so STAT is exact.
func (s *Session) sendLoop(conn *net.TCPConn, src io.Reader) (int64, error) {
	var b sendBuffer
	defer b.release()
	stall := s.newStallClock(conn)
	var n int64
	for {
		p := b.next()
		nr, rerr := src.Read(p)
		if nr > 0 {
			start := time.Now()
			nw, werr := s.sendAll(conn, p[:nr], &stall)
			n += int64(nw)
			if werr != nil {
				return n, &copyError{local: false, err: werr}
			}
			if n >= sendChunkMax { // a small file never takes a big buffer
				b.chunk = nextSendChunk(b.chunk, nr, time.Since(start))
			}
		}
		if rerr == io.EOF {
			return n, nil
		}
		if rerr != nil {
			return n, &copyError{local: true, err: rerr}
		}
	}
}

// sendAll writes p whole to conn. A write cut by the stall deadline after
// it moved some bytes goes on with the rest under a new deadline: the
// client is slow, not stalled (one write of a large chunk may take longer
// than dataStallTimeout for a client that reads steadily).
func (s *Session) sendAll(conn net.Conn, p []byte, stall *stallClock) (int, error) {
	var n int
	for {
		nw, err := conn.Write(p[n:])
		n += nw
		s.data.bytes.Add(int64(nw))
		if nw > 0 {
			stall.moved()
		}
		if err == nil || nw == 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
			return n, err
		}
	}
}

// nextSendChunk is the size of the next read and write of sendLoop after
// one of wrote bytes took d (a short one, at the end of the file, says
// nothing about the client).
func nextSendChunk(chunk, wrote int, d time.Duration) int {
	switch {
	case wrote < chunk:
		return chunk
	case d < sendGrowBelow && chunk < sendChunkMax:
		return chunk * 2
	case d > sendShrinkAbove && chunk > sendChunkMin:
		return chunk / 2
	}
	return chunk
}

// sendBuffer is sendLoop's buffer: a pooled 256 KiB one, and a 4 MiB one
// once the chunk outgrows it, while fewer than maxBigSend downloads hold
// one.
type sendBuffer struct {
	small, big *[]byte
	chunk      int
}

// next returns the buffer for the next chunk.
func (b *sendBuffer) next() []byte {
	if b.chunk == 0 {
		b.chunk = sendChunkMin
	}
	if b.chunk > sendChunkMin && b.big == nil {
		if bigSendBufs.Add(1) <= maxBigSend {
			b.big = bigBufs.Get().(*[]byte)
		} else {
			bigSendBufs.Add(-1)
			b.chunk = sendChunkMin
		}
	}
	if b.big != nil {
		return (*b.big)[:b.chunk]
	}
	if b.small == nil {
		b.small = sendBufs.Get().(*[]byte)
	}
	return (*b.small)[:b.chunk]
}

// release gives the buffers back.
func (b *sendBuffer) release() {
	if b.small != nil {
		sendBufs.Put(b.small)
	}
	if b.big != nil {
		bigBufs.Put(b.big)
		bigSendBufs.Add(-1)
	}
}
