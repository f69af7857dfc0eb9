package main

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"time"
)

// transferTTL bounds one whole transfer, however large.
const transferTTL = 10 * time.Minute

// closeTTL bounds the wait for the server to close an upload's connection.
const closeTTL = 10 * time.Second

// bufSize is the client's read and write size: large, so the client is not
// what limits a transfer.
const bufSize = 256 << 10

// retr downloads name and throws the bytes away, returning how many came.
func (c *client) retr(name string, buf []byte) (int64, error) {
	data, err := c.openData()
	if err != nil {
		return 0, err
	}
	defer data.Close()
	if _, err := c.cmd(1, "RETR %s", name); err != nil {
		return 0, fmt.Errorf("RETR: %w", err)
	}
	data.SetDeadline(time.Now().Add(transferTTL))
	n, err := drain(data, buf)
	if err != nil {
		return n, err
	}
	data.Close()
	if _, err := c.expect(2); err != nil {
		return n, fmt.Errorf("RETR end: %w", err)
	}
	return n, nil
}

// drain reads r to the end through buf.
func drain(r io.Reader, buf []byte) (int64, error) {
	var n int64
	for {
		m, err := r.Read(buf)
		n += int64(m)
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// stor uploads size bytes, repeating the contents of buf.
func (c *client) stor(name string, size int64, buf []byte) error {
	data, err := c.openData()
	if err != nil {
		return err
	}
	defer data.Close()
	if _, err := c.cmd(1, "STOR %s", name); err != nil {
		return fmt.Errorf("STOR: %w", err)
	}
	data.SetDeadline(time.Now().Add(transferTTL))
	for left := size; left > 0; {
		chunk := buf
		if int64(len(chunk)) > left {
			chunk = chunk[:left]
		}
		m, err := data.Write(chunk)
		left -= int64(m)
		if err != nil {
			return err
		}
	}
	if err := closeData(data); err != nil {
		return err
	}
	if _, err := c.expect(2); err != nil {
		return fmt.Errorf("STOR end: %w", err)
	}
	return nil
}

// closeData ends an upload gracefully: close_notify (TLS), then a FIN, then
// it reads until the server closes. Closing at once would make the kernel
// answer with a reset if the server had sent anything unread (TLS 1.3
// session tickets), and servers report the reset as a failed upload (426).
func closeData(conn net.Conn) error {
	raw := conn
	if tc, ok := conn.(*tls.Conn); ok {
		if err := tc.CloseWrite(); err != nil {
			return err
		}
		raw = tc.NetConn()
	}
	if hc, ok := raw.(interface{ CloseWrite() error }); ok {
		if err := hc.CloseWrite(); err != nil {
			return err
		}
	}
	conn.SetReadDeadline(time.Now().Add(closeTTL))
	drain(conn, make([]byte, 4096)) // the server's close_notify or EOF ends it
	return conn.Close()
}

// payload returns n bytes of incompressible data for uploads.
func payload(n int) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}
