package core

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net"
	"os"
	"sync/atomic"
	"testing"
	"time"
)

// writeCounter counts the writes that reach a connection.
type writeCounter struct {
	net.Conn
	writes atomic.Int64
}

func (w *writeCounter) Write(p []byte) (int, error) {
	w.writes.Add(1)
	return w.Conn.Write(p)
}

// tlsDataPair makes a TLS data connection as a transfer has it, over
// loopback, and the client's end; wrap, if set, goes under the server's
// TLS.
func tlsDataPair(t *testing.T, s *Session, wrap func(net.Conn) net.Conn) (*tlsData, *tls.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client := make(chan *tls.Conn, 1)
	go func() {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			client <- nil
			return
		}
		tc := tls.Client(c, &tls.Config{InsecureSkipVerify: true})
		if tc.Handshake() != nil {
			c.Close()
			client <- nil
			return
		}
		client <- tc
	}()
	conn, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	if wrap != nil {
		conn = wrap(conn)
	}
	dc, err := s.dataHandshake(context.Background(), conn)
	if err != nil {
		t.Fatal(err)
	}
	c := <-client
	if c == nil {
		t.Fatal("client handshake failed")
	}
	t.Cleanup(func() { dc.Close(); c.Close() })
	d, ok := dc.(*tlsData)
	if !ok {
		t.Fatalf("data connection is a %T", dc)
	}
	return d, c
}

func newTLSDataSession(t *testing.T) *Session {
	cfg, err := SelfSignedTLSConfig()
	if err != nil {
		t.Fatal(err)
	}
	return newDataTestSession(&Server{TLSConfig: cfg})
}

// A download over TLS reaches the socket in a write per 256 KiB chunk, not
// one per record of 16 KiB, byte for byte.
func TestTLSDownloadGathersRecords(t *testing.T) {
	s := newTLSDataSession(t)
	var wc *writeCounter
	d, c := tlsDataPair(t, s, func(c net.Conn) net.Conn { wc = &writeCounter{Conn: c}; return wc })
	data := make([]byte, 2<<20)
	for i := range data {
		data[i] = byte(i>>8 ^ i)
	}
	got := make(chan []byte, 1)
	go func() {
		c.SetReadDeadline(time.Now().Add(time.Minute))
		b, _ := io.ReadAll(c)
		got <- b
	}()
	before := wc.writes.Load()
	n, err := s.copyData(d, bytes.NewReader(data), d, false)
	writes := wc.writes.Load() - before
	d.Close()
	if err != nil || n != int64(len(data)) || s.data.bytes.Load() != n {
		t.Fatalf("sent %d bytes (counted %d): %v", n, s.data.bytes.Load(), err)
	}
	if b := <-got; !bytes.Equal(b, data) {
		t.Fatalf("client got %d bytes, not the %d sent", len(b), len(data))
	}
	if chunks := int64(len(data) / tlsChunk); writes > chunks+2 {
		t.Fatalf("%d writes to the socket for %d chunks of %d bytes", writes, chunks, tlsChunk)
	}
}

// deadlineOnce cuts its first write half-way with a deadline error.
type deadlineOnce struct {
	net.Conn
	cut bool
	got bytes.Buffer
}

func (d *deadlineOnce) Write(p []byte) (int, error) {
	if !d.cut {
		d.cut = true
		d.got.Write(p[:len(p)/2])
		return len(p) / 2, os.ErrDeadlineExceeded
	}
	d.got.Write(p)
	return len(p), nil
}

func (d *deadlineOnce) SetDeadline(time.Time) error { return nil }

// A gathered write that the stall deadline cuts after it moved bytes goes
// on: the client is slow, not stalled.
func TestTLSGatherFlushSlowClient(t *testing.T) {
	dc := &deadlineOnce{}
	b := make([]byte, 0, 64)
	g := &gatherConn{Conn: dc, buf: &b}
	g.Write([]byte("0123456789abcdef"))
	s := newDataTestSession(nil)
	stall := s.newStallClock(dc)
	if err := g.flush(&stall); err != nil {
		t.Fatalf("flush: %v", err)
	}
	if dc.got.String() != "0123456789abcdef" || len(*g.buf) != 0 {
		t.Fatalf("wrote %q, %d left", dc.got.String(), len(*g.buf))
	}
}

// An upload over TLS hands on what has come without waiting for a whole
// chunk: a client that sends 100 KiB and pauses has them written.
func TestTLSUploadDoesNotWaitForChunk(t *testing.T) {
	s := newTLSDataSession(t)
	d, c := tlsDataPair(t, s, nil)
	d.g.r = bufio.NewReaderSize(d.g.Conn, tlsChunk)
	sent := bytes.Repeat([]byte("upload\n"), 100<<10/7)
	if _, err := c.Write(sent); err != nil {
		t.Fatal(err)
	}
	d.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, tlsChunk)
	var got []byte
	for len(got) < len(sent) {
		n, err := tlsFiller{d}.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			t.Fatalf("after %d of %d bytes: %v", len(got), len(sent), err)
		}
	}
	if !bytes.Equal(got, sent) {
		t.Fatalf("got %d bytes, not the %d sent", len(got), len(sent))
	}
	c.Close()
	if n, err := (tlsFiller{d}).Read(buf); n != 0 || err == nil {
		t.Fatalf("after the client closed: %d bytes, %v", n, err)
	}
}

// ABOR during a TLS download the client has stopped reading (the server
// blocked in a gathered write) gets 426 then 226 at once, and the session
// goes on; the same for a STOR the client has paused.
func TestTLSTransferABOR(t *testing.T) {
	ts, cfg := startTLSServer(t)
	putFile(t, ts.Mem, "/big", string(bytes.Repeat([]byte("0123456789abcdef"), 2<<20)))
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		ccfg := clientTLS(t, cfg, v)
		c := loginTLS(t, ts, ccfg, "P")
		dc := pasvTLS(c, ccfg)
		c.cmd(150, "RETR big")
		if _, err := io.ReadFull(dc, make([]byte, 1000)); err != nil {
			t.Fatal(err)
		}
		c.cmd(426, "ABOR")
		c.expect(226)
		dc.Close()
		c.cmd(200, "NOOP")
		dc = pasvTLS(c, ccfg)
		c.cmd(150, "STOR up")
		if _, err := dc.Write([]byte("some")); err != nil {
			t.Fatal(err)
		}
		c.cmd(426, "ABOR")
		c.expect(226)
		dc.Close()
		c.cmd(257, "PWD")
		c.cmd(221, "QUIT")
	}
}
