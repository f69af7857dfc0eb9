package core

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// cmdPASV prepares a passive IPv4 data connection (RFC 959).
func (s *Session) cmdPASV(r *request) Reply {
	if s.data.isEPSVAll() {
		return NewReply(501, "PASV not allowed after EPSV ALL.")
	}
	ip, err := s.pasvHost(r.ctx)
	if err != nil {
		return NewReply(502, "PASV needs IPv4; use EPSV.")
	}
	ln, err := s.listenPassive()
	if err != nil {
		s.log.Warn("passive listen failed", "err", err)
		return NewReply(425, "Can't open passive connection.")
	}
	port := ln.Addr().(*net.TCPAddr).Port
	s.data.setPassive(s.newPassive(ln))
	return NewReply(227, "Entering Passive Mode (%d,%d,%d,%d,%d,%d).",
		ip[0], ip[1], ip[2], ip[3], port>>8, port&0xff)
}

// cmdEPSV prepares a passive data connection for IPv4 or IPv6 (RFC 2428);
// "EPSV ALL" makes it the only way from now on.
func (s *Session) cmdEPSV(r *request) Reply {
	arg := strings.ToUpper(strings.TrimSpace(r.arg))
	switch arg {
	case "ALL":
		s.data.setEPSVAll()
		return NewReply(200, "EPSV ALL ok.")
	case "", "1", "2":
	default:
		if !isDecimal(arg) { // RFC 2428: "EPSV <net-prt>", a number, or ALL
			return NewReply(501, "Syntax: EPSV [1|2|ALL]")
		}
		return NewReply(522, "Network protocol not supported, use (%s).", s.family())
	}
	if arg != "" && arg != s.family() {
		return NewReply(522, "Network protocol not supported, use (%s).", s.family())
	}
	ln, err := s.listenPassive()
	if err != nil {
		s.log.Warn("passive listen failed", "err", err)
		return NewReply(425, "Can't open passive connection.")
	}
	s.data.setPassive(s.newPassive(ln))
	return NewReply(229, "Entering Extended Passive Mode (|||%d|).", ln.Addr().(*net.TCPAddr).Port)
}

// family is the RFC 2428 protocol number of the control connection.
func (s *Session) family() string {
	if s.localIP != nil && s.localIP.To4() == nil {
		return "2"
	}
	return "1"
}

// pasvHost is the IPv4 address a PASV reply announces: Server.PublicHost
// (an address or a name) or the control connection's local address.
func (s *Session) pasvHost(ctx context.Context) (net.IP, error) {
	if s.srv != nil && s.srv.PublicHost != "" {
		if ip := net.ParseIP(s.srv.PublicHost).To4(); ip != nil {
			return ip, nil
		}
		ips, err := net.DefaultResolver.LookupIP(ctx, "ip4", s.srv.PublicHost)
		if err != nil || len(ips) == 0 {
			return nil, fmt.Errorf("public host %q: no IPv4 address", s.srv.PublicHost)
		}
		return ips[0].To4(), nil
	}
	if ip := s.localIP.To4(); ip != nil {
		return ip, nil
	}
	if s.localIP == nil {
		return net.IPv4(127, 0, 0, 1).To4(), nil
	}
	return nil, errors.New("control connection is not IPv4")
}

// listenPassive listens on the control connection's local address, on a
// port of the configured range. It starts at a random port of the range
// and tries each in turn, so sessions spread over the range and a busy
// port costs one retry.
func (s *Session) listenPassive() (*net.TCPListener, error) {
	lo, hi := 0, 0
	if s.srv != nil {
		lo, hi = s.srv.PasvMinPort, s.srv.PasvMaxPort
	}
	if lo <= 0 || hi < lo {
		return s.listenPort(0)
	}
	n := hi - lo + 1
	start := rand.IntN(n)
	var err error
	for i := range n {
		var ln *net.TCPListener
		if ln, err = s.listenPort(lo + (start+i)%n); err == nil {
			return ln, nil
		}
		if !errors.Is(err, syscall.EADDRINUSE) && !errors.Is(err, syscall.EACCES) {
			return nil, err
		}
	}
	return nil, fmt.Errorf("no free port in %d-%d: %w", lo, hi, err)
}

// passiveListenConfig makes the passive listeners: plain TCP, where Go's
// default on Linux asks for Multipath TCP, whose listener and accepted
// socket the kernel builds on top of a TCP one at every data connection
// (each EPSV or PASV) even when the client speaks plain TCP, as FTP clients
// do.
var passiveListenConfig = func() net.ListenConfig {
	var lc net.ListenConfig
	lc.SetMultipathTCP(false)
	return lc
}()

func (s *Session) listenPort(port int) (*net.TCPListener, error) {
	host := ""
	if s.localIP != nil {
		host = s.localIP.String()
	}
	ln, err := passiveListenConfig.Listen(context.Background(), "tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return nil, err
	}
	return ln.(*net.TCPListener), nil
}

// acceptPassive waits for the client's data connection. A connection from
// any other address than the control connection's is dropped (no stolen
// transfers) and the wait goes on for wait (no bound when it is 0) or
// until the end of ctx. The listener serves this one transfer and is
// closed.
func (s *Session) acceptPassive(ctx context.Context, ln *net.TCPListener, log *slog.Logger, wait time.Duration) (net.Conn, error) {
	defer ln.Close()
	if wait > 0 {
		if err := ln.SetDeadline(time.Now().Add(wait)); err != nil {
			return nil, err
		}
	}
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	for {
		conn, err := ln.AcceptTCP()
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, err
		}
		peer := conn.RemoteAddr().(*net.TCPAddr).IP
		if s.remoteIP == nil || peer.Equal(s.remoteIP) {
			return conn, nil
		}
		log.Warn("passive connection from another address dropped", "remote", peer.String())
		conn.Close()
	}
}

// parsePort is a TCP port in decimal, 1-65535.
func parsePort(s string) (int, bool) {
	p, err := strconv.Atoi(s)
	if err != nil || p < 1 || p > 65535 || s[0] == '+' {
		return 0, false
	}
	return p, true
}
