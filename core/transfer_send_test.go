package core

import (
	"bytes"
	"net"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestNextSendChunk(t *testing.T) {
	for _, c := range []struct {
		chunk, wrote int
		d            time.Duration
		want         int
	}{
		{sendChunkMin, sendChunkMin, time.Millisecond, 2 * sendChunkMin},  // quick: grow
		{sendChunkMax, sendChunkMax, time.Millisecond, sendChunkMax},      // at the top
		{sendChunkMin, 100, time.Millisecond, sendChunkMin},               // short read: no news
		{sendChunkMax, sendChunkMax, 50 * time.Millisecond, sendChunkMax}, // between: keep
		{sendChunkMax, sendChunkMax, time.Second, sendChunkMax / 2},       // slow: shrink
		{sendChunkMin, sendChunkMin, time.Second, sendChunkMin},           // at the bottom
		{2 * sendChunkMin, 2 * sendChunkMin, 19 * time.Millisecond, 4 * sendChunkMin},
	} {
		if got := nextSendChunk(c.chunk, c.wrote, c.d); got != c.want {
			t.Errorf("nextSendChunk(%d, %d, %v) = %d, want %d", c.chunk, c.wrote, c.d, got, c.want)
		}
	}
}

// Past maxBigSend downloads holding a 4 MiB buffer, the next one stays at
// 256 KiB; a released one makes room.
func TestSendBufferBound(t *testing.T) {
	old := maxBigSend
	t.Cleanup(func() { maxBigSend = old })
	base := bigSendBufs.Load()
	maxBigSend = base + 1
	var a, b sendBuffer
	if n := len(a.next()); n != sendChunkMin {
		t.Fatalf("first chunk %d", n)
	}
	a.chunk, b.chunk = sendChunkMax, sendChunkMax
	if n := len(a.next()); n != sendChunkMax {
		t.Fatalf("a: %d bytes, want %d", n, sendChunkMax)
	}
	if n := len(b.next()); n != sendChunkMin || b.chunk != sendChunkMin {
		t.Fatalf("b over the bound: %d bytes, chunk %d", n, b.chunk)
	}
	a.release()
	b.release()
	if got := bigSendBufs.Load(); got != base {
		t.Fatalf("%d big buffers held after release, want %d", got, base)
	}
	var c sendBuffer
	c.chunk = sendChunkMax
	if n := len(c.next()); n != sendChunkMax {
		t.Fatalf("after release: %d bytes", n)
	}
	c.release()
}

// A write the stall deadline cuts after it moved bytes goes on: the client
// is slow, not stalled.
func TestSendLoopSlowClient(t *testing.T) {
	dc := &deadlineOnce{}
	s := newDataTestSession(nil)
	n, err := s.sendLoop(dc, strings.NewReader("0123456789abcdef"))
	if err != nil || n != 16 || dc.got.String() != "0123456789abcdef" {
		t.Fatalf("sent %d bytes, %q: %v", n, dc.got.String(), err)
	}
	if s.data.bytes.Load() != 16 {
		t.Fatalf("counted %d bytes", s.data.bytes.Load())
	}
}

// A client that reads a download steadily but more slowly than one large
// write takes is not taken for a stalled one (the stall timeout bounds a
// pause), and gets every byte in order. (Whether a write is cut depends on
// the machine's pace; TestSendLoopSlowClient checks that case alone.)
func TestSendLoopSlowSteadyReader(t *testing.T) {
	old := dataStallTimeout
	dataStallTimeout = time.Second
	t.Cleanup(func() { dataStallTimeout = old })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	data := make([]byte, 12<<20)
	for i := range data {
		data[i] = byte(i * 7 >> 10)
	}
	got := make(chan []byte, 1)
	go func() {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			got <- nil
			return
		}
		defer c.Close()
		c.(*net.TCPConn).SetReadBuffer(64 << 10)
		var buf bytes.Buffer
		p := make([]byte, 64<<10)
		c.SetReadDeadline(time.Now().Add(time.Minute))
		for {
			n, err := c.Read(p)
			buf.Write(p[:n])
			if err != nil {
				break
			}
			time.Sleep(4 * time.Millisecond) // 16 MB/s at most: a 4 MiB write takes some 250 ms
		}
		got <- buf.Bytes()
	}()
	conn, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	s := newDataTestSession(&Server{})
	n, err := s.copyData(conn, bytes.NewReader(data), conn, false)
	conn.Close()
	if err != nil || n != int64(len(data)) {
		t.Fatalf("sent %d of %d bytes: %v", n, len(data), err)
	}
	if s.data.bytes.Load() != n {
		t.Fatalf("counted %d bytes, sent %d", s.data.bytes.Load(), n)
	}
	if b := <-got; !bytes.Equal(b, data) {
		t.Fatalf("client got %d bytes, not the %d sent", len(b), len(data))
	}
}

// recordWrites is a client that takes every write at once, keeping the
// size of each.
type recordWrites struct {
	net.Conn
	sizes []int
}

func (r *recordWrites) Write(p []byte) (int, error) {
	r.sizes = append(r.sizes, len(p))
	return len(p), nil
}

func (r *recordWrites) SetDeadline(time.Time) error { return nil }

// sendLoop writes the first 4 MiB in 256 KiB chunks, then, for a client
// that takes them at once, doubles them up to 4 MiB.
func TestSendLoopGrowsForQuickClient(t *testing.T) {
	s := newDataTestSession(nil)
	w := &recordWrites{}
	data := make([]byte, 24<<20)
	n, err := s.sendLoop(w, bytes.NewReader(data))
	if err != nil || n != int64(len(data)) {
		t.Fatalf("sent %d bytes: %v", n, err)
	}
	var want []int
	for range sendChunkMax / sendChunkMin {
		want = append(want, sendChunkMin)
	}
	want = append(want, 2*sendChunkMin, 4*sendChunkMin, 8*sendChunkMin, sendChunkMax)
	if len(w.sizes) < len(want) || !slices.Equal(w.sizes[:len(want)], want) {
		t.Fatalf("write sizes %v, want %v then 4 MiB", w.sizes, want)
	}
	for _, n := range w.sizes[len(want) : len(w.sizes)-1] { // the last is what was left
		if n != sendChunkMax {
			t.Fatalf("write sizes %v: after growing, %d", w.sizes, n)
		}
	}
}
