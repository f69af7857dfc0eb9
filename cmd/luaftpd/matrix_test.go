package main

// The client matrix: curl, lftp and Python's ftplib, each over plain FTP,
// explicit FTPS (AUTH TLS) and implicit FTPS, each with every data mode
// (PASV, EPSV, PORT, EPRT), over IPv4 and IPv6. A cell lists the user's
// folder, downloads a file, uploads one (lftp and ftplib move an empty file
// each way too), checks every byte, and then reads the server's debug log
// to check that the sessions really used the cell's data verb (and no
// other), and AUTH TLS and PROT P as the security asks. A cell that cannot
// be done says why and skips.
//
// The cells that cannot be done:
//   - PASV and PORT over IPv6, all clients: they carry IPv4 addresses only;
//     RFC 2428 made EPSV and EPRT for IPv6. The subtest ipv6-refusals checks
//     the server's answers there (502 to PASV, 501 to PORT); curl sends
//     EPSV/EPRT on IPv6 whatever it is told.
//   - curl active (PORT, EPRT) over TLS: curl 7.87 and 7.88 cannot do it
//     (curl/curl#10666, fixed in 8.0); the cells run with any other curl.
//   - lftp EPRT over IPv4: lftp sends PORT on IPv4 and EPRT only on IPv6, and
//     no setting asks for EPRT; the IPv6 cells cover lftp's EPRT.

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The securities of the matrix.
const (
	secPlain    = "plain"
	secExplicit = "explicit"
	secImplicit = "implicit"
)

// dataVerbs are the data modes of the matrix, and the reply code each gets
// when it works.
var dataVerbs = map[string]int{"PASV": 227, "EPSV": 229, "PORT": 200, "EPRT": 200}

// cell is one client, security, data mode and address family.
type cell struct {
	client, sec, mode string
	v6                bool
}

func (c cell) name() string {
	family := "v4"
	if c.v6 {
		family = "v6"
	}
	return strings.Join([]string{c.client, c.sec, strings.ToLower(c.mode), family}, "-")
}

func (c cell) active() bool { return c.mode == "PORT" || c.mode == "EPRT" }

// impossible is why the cell cannot be done, or "".
func (c cell) impossible(curlVersion string) string {
	switch {
	case c.v6 && (c.mode == "PASV" || c.mode == "PORT"):
		return c.mode + " carries IPv4 addresses only; RFC 2428 made EPSV and EPRT for IPv6"
	case c.client == "curl" && c.active() && c.sec != secPlain && brokenActiveTLS(curlVersion):
		return "curl " + curlVersion + " cannot do active FTPS (curl/curl#10666, fixed in 8.0)"
	case c.client == "lftp" && c.mode == "EPRT" && !c.v6:
		return "lftp sends PORT on IPv4 and EPRT only on IPv6; the v6 cells cover its EPRT"
	}
	return ""
}

// brokenActiveTLS reports whether this curl is one that cannot use TLS on
// an active data connection.
func brokenActiveTLS(version string) bool {
	return strings.HasPrefix(version, "7.87.") || strings.HasPrefix(version, "7.88.")
}

// curlVersion is the version of the curl on the PATH, or "".
func curlVersion(t *testing.T) string {
	r := runTool(t, nil, needTool(t, "curl"), "--version")
	m := regexp.MustCompile(`^curl (\S+)`).FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("curl --version: %q", r.stdout)
	}
	return m[1]
}

// matrixCells are all the cells, in a stable order.
func matrixCells() []cell {
	var cells []cell
	for _, v6 := range []bool{false, true} {
		for _, client := range []string{"curl", "lftp", "ftplib"} {
			for _, sec := range []string{secPlain, secExplicit, secImplicit} {
				for _, mode := range []string{"PASV", "EPSV", "PORT", "EPRT"} {
					cells = append(cells, cell{client, sec, mode, v6})
				}
			}
		}
	}
	return cells
}

// matrixServer is a server for the cells of one address family, with one
// user per cell, each in a folder of its own.
type matrixServer struct {
	*server
	host string // the loopback address, without brackets
}

func startMatrixServer(t *testing.T, host string, cells []cell) *matrixServer {
	t.Helper()
	hostPort := net.JoinHostPort(host, "0")
	args := []string{"-listen", hostPort, "-implicit-listen", hostPort, "-tls-self-signed", "-log-level", "debug"}
	args = append(args, "-user", "raw:pw:raw")
	for _, c := range cells {
		args = append(args, "-user", c.name()+":pw:"+c.name())
	}
	return &matrixServer{startServer(t, args...), host}
}

// cellFiles are what a cell moves: the server's files to download and the
// local ones to upload.
type cellFiles struct {
	seed, data []byte // downloaded, uploaded
	local      string // the client's folder
	empty      bool   // an empty file goes each way too
}

// TestClientMatrix runs every cell of the matrix, each as a subtest; the
// cells of one family share one server.
func TestClientMatrix(t *testing.T) {
	version := ""
	if _, err := exec.LookPath("curl"); err == nil {
		version = curlVersion(t)
	}
	cells := matrixCells()
	var v4, v6 []cell
	for _, c := range cells {
		if c.impossible(version) != "" {
			continue
		}
		if c.v6 {
			v6 = append(v6, c)
		} else {
			v4 = append(v4, c)
		}
	}
	servers := map[bool]*matrixServer{false: startMatrixServer(t, "127.0.0.1", v4)}
	v6Missing := noIPv6Loopback()
	if v6Missing == "" {
		servers[true] = startMatrixServer(t, "::1", v6)
	}
	t.Run("ipv6-refusals", func(t *testing.T) {
		if v6Missing != "" {
			t.Skip(v6Missing)
		}
		ipv6Refusals(t, servers[true])
	})
	for _, c := range cells {
		t.Run(c.name(), func(t *testing.T) {
			if why := c.impossible(version); why != "" {
				t.Skip("cannot be done: " + why)
			}
			if c.v6 && v6Missing != "" {
				t.Skip(v6Missing)
			}
			tool := map[string]string{"curl": "curl", "lftp": "lftp", "ftplib": "python3"}[c.client]
			needTool(t, tool)
			t.Parallel()
			runCell(t, servers[c.v6], c)
		})
	}
}

// ipv6Refusals checks, on the IPv6 server, the replies that make the PASV
// and PORT cells impossible there, and that an IPv4 EPRT names the family
// to use.
func ipv6Refusals(t *testing.T, s *matrixServer) {
	writeAt(t, s.root, "raw/f.txt", []byte("x"))
	c, err := textproto.Dial("tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.R = bufio.NewReader(io.LimitReader(c.R, 1<<20)) // a bound, should the server go astray
	if _, _, err := c.ReadResponse(220); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		cmd  string
		code int
		msg  string
	}{
		{"USER raw", 331, ""},
		{"PASS pw", 230, ""},
		{"PASV", 502, "PASV needs IPv4; use EPSV."},
		{"PORT 127,0,0,1,4,1", 501, "PORT to an address other than yours is refused."},
		{"EPRT |1|127.0.0.1|6275|", 522, "Network protocol not supported, use (2)."},
		{"EPSV 1", 522, "Network protocol not supported, use (2)."},
		{"QUIT", 221, ""},
	}
	for _, step := range steps {
		if err := c.PrintfLine("%s", step.cmd); err != nil {
			t.Fatal(err)
		}
		code, msg, err := c.ReadResponse(step.code)
		if err != nil || (step.msg != "" && msg != step.msg) {
			t.Errorf("%s: %d %q (%v), want %d %q", step.cmd, code, msg, err, step.code, step.msg)
		}
	}
}

// runCell moves the cell's files with its client and checks them, then the
// server's log.
func runCell(t *testing.T, s *matrixServer, c cell) {
	user := c.name()
	f := cellFiles{seed: randomBytes(t, 200<<10+len(user)), data: randomBytes(t, 150<<10+3), local: t.TempDir(),
		empty: c.client != "curl"}
	writeAt(t, s.root, user+"/seed.bin", f.seed)
	writeAt(t, s.root, user+"/empty.bin", nil)
	writeAt(t, f.local, "data.bin", f.data)
	writeAt(t, f.local, "empty.bin", nil)

	var listing string
	switch c.client {
	case "curl":
		listing = curlCell(t, s, c, f)
	case "lftp":
		listing = lftpCell(t, s, c, f)
	case "ftplib":
		listing = ftplibCell(t, s, c, f)
	}
	if !strings.Contains(listing, "seed.bin") || !strings.Contains(listing, "empty.bin") {
		t.Errorf("the listing does not show seed.bin and empty.bin:\n%s", listing)
	}
	sameFile(t, filepath.Join(f.local, "got.bin"), f.seed)
	sameFile(t, filepath.Join(s.root, user, "up.bin"), f.data)
	if f.empty {
		sameFile(t, filepath.Join(f.local, "gotempty.bin"), nil)
		sameFile(t, filepath.Join(s.root, user, "upempty.bin"), nil)
	}
	checkCellLog(t, s.server, c, f)
}

// cellCommand is a command of a cell's sessions, as the server logged it.
type cellCommand struct {
	verb, arg string
	code      int
}

// checkCellLog waits for the log lines of the cell's file transfers, then
// checks the commands of the cell's sessions: its data verb worked and no
// other was sent, and AUTH TLS and PROT P were (or were not) used.
func checkCellLog(t *testing.T, shared *server, c cell, f cellFiles) {
	t.Helper()
	// The server belongs to the parent test; a wait that fails must fail
	// this cell, from its own goroutine.
	s := *shared
	s.t = t
	user := c.name()
	want := map[string]int{"seed.bin": len(f.seed), "up.bin": len(f.data)}
	if f.empty {
		want["empty.bin"], want["upempty.bin"] = 0, 0
	}
	seen := map[string]bool{}
	s.waitLogs(len(want), func(e logEntry) bool {
		if e.str("msg") != "transfer" || e.str("user") != user {
			return false
		}
		name := filepath.Base(e.str("path"))
		size, ok := want[name]
		if !ok || !(e.str("cmd") == "RETR" || e.str("cmd") == "STOR") {
			return false
		}
		if n, _ := e["bytes"].(float64); int(n) != size || e["ok"] != true {
			t.Errorf("%s %s: logged %v bytes, ok %v; want %d bytes, ok", e.str("cmd"), name, e["bytes"], e["ok"], size)
		}
		if seen[name] {
			return false
		}
		seen[name] = true
		return true
	})
	cmds := cellCommands(&s, user)
	var sent []string
	for _, cmd := range cmds {
		sent = append(sent, fmt.Sprintf("%s %s -> %d", cmd.verb, cmd.arg, cmd.code))
	}
	used := func(verb, arg string, code int) bool {
		return slices.ContainsFunc(cmds, func(x cellCommand) bool {
			return x.verb == verb && (arg == "" || strings.EqualFold(x.arg, arg)) && (code == 0 || x.code == code)
		})
	}
	if !used(c.mode, "", dataVerbs[c.mode]) {
		t.Errorf("no %s answered %d in the cell's sessions; they sent:\n%s", c.mode, dataVerbs[c.mode], strings.Join(sent, "\n"))
	}
	for verb := range dataVerbs {
		if verb != c.mode && used(verb, "", 0) {
			t.Errorf("%s sent in a %s cell; the sessions sent:\n%s", verb, c.mode, strings.Join(sent, "\n"))
		}
	}
	wantAuth, wantProt := c.sec == secExplicit, c.sec != secPlain
	// curl asks AUTH SSL first, which the server takes as AUTH TLS.
	if got := used("AUTH", "TLS", 234) || used("AUTH", "SSL", 234); got != wantAuth {
		t.Errorf("AUTH TLS answered 234: %v, want %v; the sessions sent:\n%s", got, wantAuth, strings.Join(sent, "\n"))
	}
	if got := used("PROT", "P", 200); got != wantProt {
		t.Errorf("PROT P answered 200: %v, want %v; the sessions sent:\n%s", got, wantProt, strings.Join(sent, "\n"))
	}
}

// cellCommands are the commands of every session that logged in as user,
// those before the login included, in the order they were logged.
func cellCommands(s *server, user string) []cellCommand {
	entries, _ := s.log.since(0)
	sessions := map[string]bool{}
	for _, e := range entries {
		if e.str("user") == user {
			sessions[e.str("session")] = true
		}
	}
	var cmds []cellCommand
	for _, e := range entries {
		if e.str("msg") == "command" && sessions[e.str("session")] {
			code, _ := e["code"].(float64)
			cmds = append(cmds, cellCommand{e.str("cmd"), e.str("arg"), int(code)})
		}
	}
	return cmds
}

// addr is the address of the cell's control connection: the implicit FTPS
// one for implicit cells.
func (s *matrixServer) addrFor(c cell) string {
	if c.sec == secImplicit {
		return s.tlsAt
	}
	return s.addr
}

// curlCell lists, downloads and uploads in three curl runs: given several
// URLs, curl 7.88 often stalls a second before a data connection it reuses
// the control connection for, so it moves no empty file either.
func curlCell(t *testing.T, s *matrixServer, c cell, f cellFiles) string {
	t.Helper()
	scheme := "ftp://"
	var args []string
	switch c.sec {
	case secExplicit:
		args = append(args, "--ssl-reqd", "-k")
	case secImplicit:
		scheme = "ftps://"
		args = append(args, "-k")
	}
	switch c.mode {
	case "PASV":
		args = append(args, "--disable-epsv")
	case "PORT":
		args = append(args, "-P", s.host, "--disable-eprt")
	case "EPRT":
		args = append(args, "-P", s.host)
	}
	base := scheme + c.name() + ":pw@" + s.addrFor(c)
	r := mustCurl(t, slices.Concat(args, []string{base + "/"})...)
	if !sent(r, c.mode) {
		t.Errorf("curl did not send %s; it sent:\n%s", c.mode, commands(r))
	}
	mustCurl(t, slices.Concat(args, []string{"-o", filepath.Join(f.local, "got.bin"), base + "/seed.bin"})...)
	mustCurl(t, slices.Concat(args, []string{"-T", filepath.Join(f.local, "data.bin"), base + "/up.bin"})...)
	return r.stdout
}

// lftpCell does the whole cell in one lftp run.
func lftpCell(t *testing.T, s *matrixServer, c cell, f cellFiles) string {
	t.Helper()
	settings, scheme := lftpPlain, "ftp://"
	switch c.sec {
	case secExplicit:
		settings = lftpTLS
	case secImplicit:
		settings, scheme = "set ssl:verify-certificate no; ", "ftps://"
	}
	switch c.mode {
	case "PASV":
		settings += "set ftp:passive-mode on; set ftp:prefer-epsv no; "
	case "EPSV":
		settings += "set ftp:passive-mode on; set ftp:prefer-epsv yes; "
	default:
		settings += "set ftp:passive-mode off; "
	}
	return lftp(t, settings+fmt.Sprintf("open -u %s,pw %s%s; cls -1; "+
		"get seed.bin -o %[4]s/got.bin; get empty.bin -o %[4]s/gotempty.bin; "+
		"put %[4]s/data.bin -o up.bin; put %[4]s/empty.bin -o upempty.bin",
		c.name(), scheme, s.addrFor(c), f.local))
}

// ftplibCellScript is a Python ftplib session of one cell. ftplib picks
// PASV and PORT on IPv4, EPSV and EPRT on IPv6; the IPv4 cells of EPSV and
// EPRT send them through an override of makepasv or makeport. Implicit
// FTPS is an FTP_TLS whose control socket is wrapped as it connects.
const ftplibCellScript = `
import ftplib, socket, ssl, sys

host, port, user, password, sec, mode, local = sys.argv[1:]
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE

class ImplicitFTP_TLS(ftplib.FTP_TLS):
    @property
    def sock(self):
        return self.__dict__.get("_sock")

    @sock.setter
    def sock(self, s):
        if s is not None and not isinstance(s, ssl.SSLSocket):
            s = self.context.wrap_socket(s, server_hostname=self.host)
        self.__dict__["_sock"] = s

base = {"plain": ftplib.FTP, "explicit": ftplib.FTP_TLS, "implicit": ImplicitFTP_TLS}[sec]

class Client(base):
    def makepasv(self):
        if mode == "EPSV" and self.af == socket.AF_INET:
            return ftplib.parse229(self.sendcmd("EPSV"), self.sock.getpeername())
        return super().makepasv()

    def makeport(self):
        if mode != "EPRT" or self.af != socket.AF_INET:
            return super().makeport()
        sock = socket.create_server((self.sock.getsockname()[0], 0), backlog=1)
        host, port = sock.getsockname()[:2]
        self.voidcmd("EPRT |1|%s|%d|" % (host, port))
        sock.settimeout(self.timeout)
        return sock

kw = {} if sec == "plain" else {"context": ctx}
ftp = Client(timeout=30, **kw)
ftp.connect(host, int(port))
ftp.login(user, password)
if sec != "plain":
    ftp.prot_p()
ftp.set_pasv(mode in ("PASV", "EPSV"))
print("\n".join(sorted(ftp.nlst())))
for remote, name in (("seed.bin", "got.bin"), ("empty.bin", "gotempty.bin")):
    with open(local + "/" + name, "wb") as f:
        ftp.retrbinary("RETR " + remote, f.write)
for name, remote in (("data.bin", "up.bin"), ("empty.bin", "upempty.bin")):
    with open(local + "/" + name, "rb") as f:
        ftp.storbinary("STOR " + remote, f)
ftp.quit()
`

// ftplibCell does the whole cell in one Python run.
func ftplibCell(t *testing.T, s *matrixServer, c cell, f cellFiles) string {
	t.Helper()
	script := writeAt(t, t.TempDir(), "cell.py", []byte(ftplibCellScript))
	_, port, _ := net.SplitHostPort(s.addrFor(c))
	return mustRun(t, nil, needTool(t, "python3"), script, s.host, port, c.name(), "pw", c.sec, c.mode, f.local)
}
