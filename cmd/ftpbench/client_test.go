package main

import (
	"bufio"
	"net"
	"strings"
	"testing"
	"time"
)

// TestLoginErrorNamesVerbNotPassword: a refused PASS is reported with the
// verb and the server's reply, never with the password, which would end up
// in a benchmark's output.
func TestLoginErrorNamesVerbNotPassword(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		r := bufio.NewReader(conn)
		conn.Write([]byte("220 ready\r\n"))
		for _, reply := range []string{"331 password please\r\n", "530 Login incorrect.\r\n"} {
			if _, err := r.ReadString('\n'); err != nil {
				return
			}
			conn.Write([]byte(reply))
		}
		r.ReadString('\n') // until the client closes
	}()
	c, err := dialFTP(ln.Addr().String(), nil, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.conn.Close()
	const secret = "s3cret-pw"
	err = c.login("bench", secret)
	if err == nil || !strings.HasPrefix(err.Error(), "PASS: ") || !strings.Contains(err.Error(), "530") ||
		strings.Contains(err.Error(), secret) {
		t.Fatalf("login error %v; want it to name PASS and the 530, not the password", err)
	}
}
