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
// while the client takes them quickly (see sendChunkMin).
func (s *Session) sendLoop(conn net.Conn, src io.Reader) (int64, error) {
	stall := s.newStallClock(conn)
	return s.sendChunks(src, true, func(p []byte) (int, error) { return writeSteady(conn, p, &stall) })
}

// sendChunks reads src a chunk at a time and hands each chunk to write,
// which sends it whole or fails; it counts each chunk sent, so STAT is
// exact. With grow the chunk follows the client (nextSendChunk) once the
// first sendChunkMax bytes are out, so a small file never takes a big
// buffer; without, it stays at sendChunkMin.
func (s *Session) sendChunks(src io.Reader, grow bool, write func([]byte) (int, error)) (int64, error) {
	var b sendBuffer
	defer b.release()
	var n int64
	for {
		p := b.next()
		nr, rerr := src.Read(p)
		if nr > 0 {
			start := time.Now()
			nw, werr := write(p[:nr])
			n += int64(nw)
			s.data.bytes.Add(int64(nw))
			if werr != nil {
				return n, &copyError{local: false, err: werr}
			}
			if grow && n >= sendChunkMax {
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

// writeSteady writes p whole to conn. A write cut by the stall deadline
// after it moved some bytes goes on with the rest under a new deadline: the
// client is slow, not stalled (one write of a large chunk may take longer
// than dataStallTimeout for a client that reads steadily). stall may be
// nil: no deadline is renewed.
func writeSteady(conn net.Conn, p []byte, stall *stallClock) (int, error) {
	var n int
	for {
		nw, err := conn.Write(p[n:])
		n += nw
		if nw > 0 && stall != nil {
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
