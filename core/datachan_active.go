package core

import (
	"context"
	"net"
	"strconv"
	"strings"
)

// cmdPORT prepares an active IPv4 data connection (RFC 959):
// "PORT h1,h2,h3,h4,p1,p2".
func (s *Session) cmdPORT(r *request) Reply {
	if s.data.isEPSVAll() {
		return NewReply(501, "PORT not allowed after EPSV ALL.")
	}
	addr, ok := parsePORT(r.arg)
	if !ok {
		return NewReply(501, "Syntax error in PORT address.")
	}
	return s.prepareActive(addr, "PORT")
}

// cmdEPRT prepares an active data connection for IPv4 or IPv6 (RFC 2428):
// "EPRT |1|132.235.1.2|6275|" or "EPRT |2|::1|5282|".
func (s *Session) cmdEPRT(r *request) Reply {
	if s.data.isEPSVAll() {
		return NewReply(501, "EPRT not allowed after EPSV ALL.")
	}
	addr, code := parseEPRT(r.arg)
	switch code {
	case 501:
		return NewReply(501, "Syntax error in EPRT address.")
	}
	// Only the client's own address is accepted, so only the control
	// connection's family works: the 522 names that one (RFC 2428: the
	// protocols the server supports), as ProFTPD does.
	if code == 522 || (addr.IP.To4() != nil) != (s.family() == "1") {
		return NewReply(522, "Network protocol not supported, use (%s).", s.family())
	}
	return s.prepareActive(addr, "EPRT")
}

// prepareActive accepts addr only if it is the client's own address and a
// port outside the privileged range: anything else would let a client make
// the server connect elsewhere (the FTP bounce attack, RFC 2577).
func (s *Session) prepareActive(addr *net.TCPAddr, verb string) Reply {
	// The unspecified address (lftp 4.9 sends "EPRT |2|::|port|" on IPv6)
	// says the client listens on all its addresses: the control
	// connection's is one of them.
	if addr.IP.IsUnspecified() && s.remoteIP != nil && (addr.IP.To4() == nil) == (s.remoteIP.To4() == nil) {
		addr = &net.TCPAddr{IP: s.remoteIP, Port: addr.Port}
	}
	if s.remoteIP == nil || !addr.IP.Equal(s.remoteIP) {
		s.log.Warn("active connection to another address refused", "cmd", verb, "addr", addr.String())
		return NewReply(501, "%s to an address other than yours is refused.", verb)
	}
	if addr.Port < 1024 {
		return NewReply(501, "%s to a privileged port is refused.", verb)
	}
	s.data.setActive(addr)
	return NewReply(200, "%s command successful.", verb)
}

// parsePORT parses "h1,h2,h3,h4,p1,p2", each a decimal 0-255.
func parsePORT(arg string) (*net.TCPAddr, bool) {
	f := strings.Split(strings.TrimSpace(arg), ",")
	if len(f) != 6 {
		return nil, false
	}
	var b [6]byte
	for i, s := range f {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 0 || n > 255 || strings.HasPrefix(strings.TrimSpace(s), "+") {
			return nil, false
		}
		b[i] = byte(n)
	}
	port := int(b[4])<<8 | int(b[5])
	if port == 0 {
		return nil, false
	}
	return &net.TCPAddr{IP: net.IPv4(b[0], b[1], b[2], b[3]), Port: port}, true
}

// parseEPRT parses "<d>proto<d>addr<d>port<d>" with any delimiter d in
// 33-126. It returns 501 for bad syntax and 522 for a protocol other than
// 1 (IPv4) or 2 (IPv6).
func parseEPRT(arg string) (*net.TCPAddr, int) {
	arg = strings.TrimSpace(arg)
	if len(arg) < 7 || arg[0] < 33 || arg[0] > 126 {
		return nil, 501
	}
	f := strings.Split(arg, arg[:1])
	if len(f) != 5 || f[0] != "" || f[4] != "" {
		return nil, 501
	}
	if f[1] != "1" && f[1] != "2" {
		return nil, 522
	}
	ip := net.ParseIP(f[2])
	if ip == nil || strings.Contains(f[2], "%") {
		return nil, 501
	}
	if (f[1] == "1") != (ip.To4() != nil && !strings.Contains(f[2], ":")) {
		return nil, 501
	}
	port, ok := parsePort(f[3])
	if !ok {
		return nil, 501
	}
	return &net.TCPAddr{IP: ip, Port: port}, 0
}

// dialActive connects to the address of PORT/EPRT from the control
// connection's local address, within the data timeout.
func (s *Session) dialActive(ctx context.Context, addr *net.TCPAddr) (net.Conn, error) {
	d := net.Dialer{Timeout: s.dataTimeout()}
	if s.localIP != nil && (s.localIP.To4() == nil) == (addr.IP.To4() == nil) {
		d.LocalAddr = &net.TCPAddr{IP: s.localIP}
	}
	return d.DialContext(ctx, "tcp", addr.String())
}
