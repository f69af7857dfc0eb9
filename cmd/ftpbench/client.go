package main

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/textproto"
	"strconv"
	"strings"
	"time"
)

// client is the smallest FTP client the measurements need. It speaks the
// protocol itself, so every server is driven by exactly the same bytes.
type client struct {
	addr  string
	tls   *tls.Config // nil for plain FTP
	conn  net.Conn
	text  *textproto.Conn
	ioTTL time.Duration
}

// dialFTP connects, reads the greeting and, with tlsCfg set, upgrades the
// control connection with AUTH TLS and asks for protected data (PROT P).
func dialFTP(addr string, tlsCfg *tls.Config, ioTTL time.Duration) (*client, error) {
	conn, err := net.DialTimeout("tcp", addr, ioTTL)
	if err != nil {
		return nil, err
	}
	c := &client{addr: addr, tls: tlsCfg, conn: conn, ioTTL: ioTTL}
	c.text = textproto.NewConn(conn)
	if _, err := c.expect(2); err != nil {
		conn.Close()
		return nil, fmt.Errorf("greeting: %w", err)
	}
	if tlsCfg != nil {
		if err := c.startTLS(); err != nil {
			conn.Close()
			return nil, err
		}
	}
	return c, nil
}

func (c *client) startTLS() error {
	if _, err := c.cmd(2, "AUTH TLS"); err != nil {
		return err
	}
	tc := tls.Client(c.conn, c.tls)
	c.deadline()
	if err := tc.Handshake(); err != nil {
		return fmt.Errorf("control TLS handshake: %w", err)
	}
	c.conn = tc
	c.text = textproto.NewConn(tc)
	if _, err := c.cmd(2, "PBSZ 0"); err != nil {
		return err
	}
	_, err := c.cmd(2, "PROT P")
	return err
}

func (c *client) deadline() {
	c.conn.SetDeadline(time.Now().Add(c.ioTTL))
}

// cmd sends one command and wants a reply whose first digit is class; an
// error names the command's verb (never its argument: PASS).
func (c *client) cmd(class int, format string, args ...any) (string, error) {
	verb, _, _ := strings.Cut(format, " ")
	c.deadline()
	if err := c.text.PrintfLine(format, args...); err != nil {
		return "", fmt.Errorf("%s: %w", verb, err)
	}
	msg, err := c.expect(class)
	if err != nil {
		return "", fmt.Errorf("%s: %w", verb, err)
	}
	return msg, nil
}

// expect reads one (possibly multi-line) reply and checks its class.
func (c *client) expect(class int) (string, error) {
	c.deadline()
	code, msg, err := c.text.ReadResponse(class)
	if err != nil {
		return "", fmt.Errorf("reply %d %q: %w", code, msg, err)
	}
	return msg, nil
}

// login sends USER and PASS and asks for binary type.
func (c *client) login(user, pass string) error {
	c.deadline()
	if err := c.text.PrintfLine("USER %s", user); err != nil {
		return err
	}
	code, msg, err := c.text.ReadResponse(0)
	if err != nil {
		return err
	}
	switch code / 100 {
	case 2:
	case 3:
		if _, err := c.cmd(2, "PASS %s", pass); err != nil {
			return err
		}
	default:
		return fmt.Errorf("USER: %d %s", code, msg)
	}
	_, err = c.cmd(2, "TYPE I")
	return err
}

// quit sends QUIT, waits for the 221 and closes.
func (c *client) quit() error {
	_, err := c.cmd(2, "QUIT")
	c.conn.Close()
	return err
}

func (c *client) close() { c.conn.Close() }

// openData asks for a passive data connection (EPSV, then PASV) and dials it.
func (c *client) openData() (net.Conn, error) {
	host, _, err := net.SplitHostPort(c.addr)
	if err != nil {
		return nil, err
	}
	var port int
	msg, err := c.cmd(2, "EPSV")
	if err == nil {
		port, err = parseEPSV(msg)
	} else {
		msg, err = c.cmd(2, "PASV")
		if err == nil {
			_, port, err = parsePASV(msg)
		}
	}
	if err != nil {
		return nil, err
	}
	conn, err := net.DialTimeout("tcp", net.JoinHostPort(host, strconv.Itoa(port)), c.ioTTL)
	if err != nil {
		return nil, err
	}
	if c.tls != nil {
		return tls.Client(conn, c.tls), nil
	}
	return conn, nil
}

// parseEPSV reads the port from a 229 text: "Entering Extended Passive Mode (|||6446|)".
func parseEPSV(msg string) (int, error) {
	start := strings.IndexByte(msg, '(')
	end := strings.LastIndexByte(msg, ')')
	if start < 0 || end < start+5 {
		return 0, fmt.Errorf("bad EPSV reply %q", msg)
	}
	inner := msg[start+1 : end]
	d := inner[0]
	if len(inner) < 5 || inner[1] != d || inner[2] != d || inner[len(inner)-1] != d {
		return 0, fmt.Errorf("bad EPSV reply %q", msg)
	}
	port, err := strconv.Atoi(inner[3 : len(inner)-1])
	if err != nil || port <= 0 || port > 65535 {
		return 0, fmt.Errorf("bad EPSV port in %q", msg)
	}
	return port, nil
}

// parsePASV reads host and port from a 227 text: "Entering Passive Mode (h1,h2,h3,h4,p1,p2)".
// The parentheses are optional (RFC 1123 allows servers to omit them).
func parsePASV(msg string) (string, int, error) {
	start := strings.IndexFunc(msg, func(r rune) bool { return r >= '0' && r <= '9' })
	if start < 0 {
		return "", 0, fmt.Errorf("bad PASV reply %q", msg)
	}
	end := start
	for end < len(msg) && (msg[end] == ',' || msg[end] >= '0' && msg[end] <= '9') {
		end++
	}
	parts := strings.Split(msg[start:end], ",")
	if len(parts) != 6 {
		return "", 0, fmt.Errorf("bad PASV reply %q", msg)
	}
	var n [6]int
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 || v > 255 {
			return "", 0, fmt.Errorf("bad PASV number in %q", msg)
		}
		n[i] = v
	}
	host := fmt.Sprintf("%d.%d.%d.%d", n[0], n[1], n[2], n[3])
	return host, n[4]<<8 | n[5], nil
}
